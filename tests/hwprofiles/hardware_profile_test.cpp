#include "infersim/hwprofiles/hardware_profile.h"

#include <gtest/gtest.h>

#include <functional>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

using namespace infersim;
using common::ConfigError;
using common::DType;
using common::Json;

namespace {
std::string data(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/" + f; }

Json good() { return common::load_json_file(data("hw/good.json")); }

void expect_rejected(const std::function<void(Json&)>& mutate, const std::string& needle) {
  Json j = good();
  mutate(j);
  try {
    hwprofiles::hardware_from_json(j, "bad.json");
    FAIL() << "expected ConfigError containing '" << needle << "'";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
  }
}

void walk_sources(const Json& j, const std::string& path, std::vector<std::string>& missing) {
  if (j.is_object()) {
    if (j.contains("value") || j.contains("usd_per_chip_hour")) {
      if (!j.contains("source") || !hwprofiles::has_source_tag(j["source"].get<std::string>())) missing.push_back(path);
      // Every price is dated as well (price.cloud.<tier>, price.owned.*).
      if (path.rfind("/price", 0) == 0 &&
          (!j.contains("as_of") || !hwprofiles::valid_price_date(j["as_of"].get<std::string>())))
        missing.push_back(path + " (price without an as_of date)");
      return;
    }
    for (auto it = j.begin(); it != j.end(); ++it) walk_sources(it.value(), path + "/" + it.key(), missing);
  } else if (j.is_number() && path.find("pcie_gen") == std::string::npos &&
             path.find("schema_version") == std::string::npos) {
    missing.push_back(path + " (bare number)");
  }
}
}  // namespace

TEST(HardwareProfile, LoadsTheTestProfileInSiUnits) {
  const auto h = hwprofiles::load_hardware_profile(data("hw/good.json"));
  EXPECT_DOUBLE_EQ(h.peak(DType::bf16), 1000e12);
  EXPECT_DOUBLE_EQ(h.main_memory_bytes, 80e9);
  EXPECT_DOUBLE_EQ(h.memory_bw(), 2000e9);
  EXPECT_DOUBLE_EQ(h.scale_up_latency_s, 2e-6);
  EXPECT_EQ(h.scale_up_domain, 8);
  EXPECT_EQ(h.source_of("/compute/bf16"), "[EST] test");
}

TEST(HardwareProfile, BadInputIsRejectedWithPointer) {
  expect_rejected([](Json& j) { j["compute"]["bf16"]["source"] = "datasheet"; }, "/compute/bf16/source");
  expect_rejected([](Json& j) { j["compute"]["bf16"].erase("source"); }, "/compute/bf16/source");
  expect_rejected([](Json& j) { j["memory"]["main"]["bw_gb_s"]["value"] = -5; }, "/memory/main/bw_gb_s/value");
  expect_rejected([](Json& j) { j["memory"]["main"]["bw_gb_s"]["value"] = 0; }, "/memory/main/bw_gb_s/value");
  expect_rejected([](Json& j) { j["kind"] = "fpga"; }, "/kind");
  expect_rejected([](Json& j) { j["schema_version"] = 7; }, "/schema_version");
  expect_rejected([](Json& j) { j["colour"] = "green"; }, "/colour");
  expect_rejected([](Json& j) { j["power"]["idle_w"]["value"] = 900; }, "idle");
  expect_rejected([](Json& j) { j["memory"]["main"]["bw_gb_s"]["value"] = 500000; }, "not physical");
  // Prices: the old single-level format, a missing date / source / provider, and a price basis that
  // is neither given nor explained are all rejected with the field's pointer.
  expect_rejected(
      [](Json& j) {
        j["price"]["on_demand_usd_per_hour"] = {{"value", 9.0}, {"source", "[EST] x"}};
      },
      "/price/on_demand_usd_per_hour");
  expect_rejected([](Json& j) { j["price"]["cloud"]["on_demand"].erase("as_of"); }, "/price/cloud/on_demand/as_of");
  expect_rejected([](Json& j) { j["price"]["cloud"]["on_demand"]["as_of"] = "2025-26"; },
                  "/price/cloud/on_demand/as_of");
  expect_rejected([](Json& j) { j["price"]["cloud"]["on_demand"].erase("source"); }, "/price/cloud/on_demand/source");
  expect_rejected([](Json& j) { j["price"]["cloud"]["on_demand"]["source"] = "lambda.ai"; },
                  "/price/cloud/on_demand/source");
  expect_rejected([](Json& j) { j["price"]["cloud"]["on_demand"].erase("provider"); },
                  "/price/cloud/on_demand/provider");
  expect_rejected([](Json& j) { j["price"]["owned"]["purchase_usd"].erase("as_of"); },
                  "/price/owned/purchase_usd/as_of");
  expect_rejected([](Json& j) { j["price"].erase("cloud"); }, "/price/no_cloud_price");
  expect_rejected([](Json& j) { j["price"]["no_cloud_price"] = "sold as tokens"; }, "/price/no_cloud_price");
  expect_rejected([](Json& j) { j["price"]["owned"].erase("purchase_usd"); }, "/price/owned");
  expect_rejected([](Json& j) { j["price"]["cloud"]["commit_1y"]["usd_per_chip_hour"] = 9.0; }, "1-year commitment");
  expect_rejected([](Json& j) { j["compute"] = Json::object(); }, "no compute dtype");
  // A node larger than the scale-up domain it sits in.
  expect_rejected(
      [](Json& j) {
        j["scale_up"]["node_size"] = {{"value", 16}, {"source", "[EST] test"}};
      },
      "scale_up.node_size");
  expect_rejected([](Json& j) { j["scale_up"]["node_size"] = {{"value", 4}}; }, "/scale_up/node_size/source");
}

// Issue 15: chips wired into fully connected nodes (a GroqNode: 8 cards, each cabled to the 7 others)
// keep a tensor-parallel group inside one node when it fits one; a larger group spans nodes anyway.
TEST(HardwareProfile, NodeAlignedTensorParallelGroups) {
  Json j = good();
  j["scale_up"]["node_size"] = {{"value", 8}, {"source", "[EST] test"}};
  const auto h = hwprofiles::hardware_from_json(j, "good.json");
  EXPECT_EQ(h.scale_up_node, 8);
  for (int tp : {1, 2, 4, 8, 9, 10, 12, 16}) EXPECT_TRUE(h.node_aligned_tp(tp)) << tp;
  for (int tp : {3, 5, 6, 7}) EXPECT_FALSE(h.node_aligned_tp(tp)) << tp;
  // Without a published node every width is allowed, and the field round-trips only where given.
  const auto plain = hwprofiles::hardware_from_json(good(), "good.json");
  EXPECT_EQ(plain.scale_up_node, 1);
  for (int tp = 1; tp <= 16; ++tp) EXPECT_TRUE(plain.node_aligned_tp(tp)) << tp;
  EXPECT_EQ(hwprofiles::hardware_to_json(h)["scale_up"]["node_size"]["value"].get<double>(), 8.0);
  EXPECT_FALSE(hwprofiles::hardware_to_json(plain)["scale_up"].contains("node_size"));
}

TEST(HardwareProfile, PricesCarryTierProviderDateAndSource) {
  const auto h = hwprofiles::load_hardware_profile(data("hw/good.json"));
  EXPECT_DOUBLE_EQ(h.prices.on_demand.usd, 2.0);
  EXPECT_EQ(h.prices.on_demand.provider, "test cloud");
  EXPECT_EQ(h.prices.on_demand.as_of, "2026-11");
  EXPECT_DOUBLE_EQ(h.prices.commit_1y.usd, 1.5);
  EXPECT_FALSE(h.prices.spot.known());
  EXPECT_TRUE(h.prices.rented());
  EXPECT_DOUBLE_EQ(h.prices.purchase.usd, 20000);
  EXPECT_EQ(h.source_of("/price/cloud/on_demand"), "[EST] test");
  // Round trip through the writer.
  const auto again = hwprofiles::hardware_from_json(hwprofiles::hardware_to_json(h), "roundtrip");
  EXPECT_EQ(again.prices.commit_1y.as_of, "2026-11");
  EXPECT_EQ(again.prices.purchase.source, "[EST] test");
}

TEST(HardwareProfile, MatmulPeakPicksTheWiderOperand) {
  const auto h = hwprofiles::load_hardware_profile(data("hw/good.json"));
  EXPECT_DOUBLE_EQ(h.matmul_peak(DType::fp8, DType::fp8), 2000e12);
  EXPECT_DOUBLE_EQ(h.matmul_peak(DType::int4, DType::bf16), 1000e12);  // weight-only int4 runs at bf16
  EXPECT_DOUBLE_EQ(h.matmul_peak(DType::fp4, DType::fp4), 2000e12);    // no fp4: next wider (fp8)
}

TEST(HardwareCatalog, ShipsTheRequiredProfiles) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  for (const char* n : {"a100-80g-sxm",
                        "h100-sxm",
                        "h200",
                        "gh200",
                        "b200",
                        "gb200",
                        "l4",
                        "l40s",
                        "mi300x",
                        "mi325x",
                        "mi250",
                        "gaudi2",
                        "gaudi3",
                        "tpu-v5e",
                        "tpu-v5p",
                        "tpu-v6e",
                        "groq-lpu",
                        "inferentia2",
                        "trainium2",
                        "intel-max-1550",
                        "sn40l",
                        "cerebras-wse3",
                        "m4-max-gpu",
                        "m4-max-ane",
                        "snapdragon-x-elite-npu",
                        "ryzen-ai-300-npu",
                        "xeon-6980p",
                        "host-cpu"})
    EXPECT_TRUE(cat.contains(n)) << n;
}

// Every number in every shipped profile file carries a tagged source.
TEST(HardwareCatalog, EveryShippedNumberHasASource) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  for (const auto& n : cat.names()) {
    std::vector<std::string> missing;
    walk_sources(common::load_json_file(cat.path_of(n)), "", missing);
    EXPECT_TRUE(missing.empty()) << n << ": numbers without a tagged source: " << missing.front();
    EXPECT_TRUE(hwprofiles::check_hardware_profile(cat.get(n)).empty()) << n;
  }
}

// Issue 14's rule: every shipped chip states its price basis. A cloud price names its tier,
// provider, date and source; a chip without one says why; the same for the purchase price. Prices in
// one comparison are therefore always on a named basis (the cost model never substitutes one tier
// or basis for another: planner tests).
TEST(HardwareCatalog, EveryShippedPriceHasABasisADateAndASource) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  int rented = 0;
  for (const auto& n : cat.names()) {
    const auto& P = cat.get(n).prices;
    for (auto t : hwprofiles::cloud_tiers()) {
      const auto& q = P.cloud(t);
      if (!q.known()) continue;
      EXPECT_FALSE(q.provider.empty()) << n << " " << hwprofiles::cloud_tier_name(t);
      EXPECT_TRUE(hwprofiles::valid_price_date(q.as_of)) << n << " " << q.as_of;
      EXPECT_TRUE(hwprofiles::has_source_tag(q.source)) << n << " " << q.source;
    }
    if (P.rented())
      ++rented;
    else
      EXPECT_FALSE(P.no_cloud_price.empty()) << n << ": no cloud price and no reason";
    if (P.purchase.known()) {
      EXPECT_TRUE(hwprofiles::valid_price_date(P.purchase.as_of)) << n;
      EXPECT_TRUE(hwprofiles::has_source_tag(P.purchase.source)) << n;
    } else {
      EXPECT_FALSE(P.no_purchase_price.empty()) << n << ": no purchase price and no reason";
    }
  }
  EXPECT_GE(rented, 15);  // the catalog's rented chips carry a cloud price
  // The chips the 2026-12 audit found rented without a price in the profile now have one.
  for (const char* n : {"b200", "gb200", "gh200", "h100-sxm", "mi300x"})
    EXPECT_TRUE(cat.get(n).prices.on_demand.known()) << n;
}

TEST(HardwareCatalog, RoundTripsThroughJson) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  for (const auto& n : cat.names()) {
    const auto& h = cat.get(n);
    const auto back = hwprofiles::hardware_from_json(hwprofiles::hardware_to_json(h), "rt");
    EXPECT_DOUBLE_EQ(back.memory_bw(), h.memory_bw()) << n;
    EXPECT_DOUBLE_EQ(back.matmul_peak(DType::bf16, DType::bf16), h.matmul_peak(DType::bf16, DType::bf16)) << n;
  }
}

TEST(HardwareCatalog, EveryProfileHasACalibrationMarkedWithItsOrigin) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  for (const auto& n : cat.names()) {
    const auto& h = cat.get(n);
    ASSERT_FALSE(h.calibrations.empty()) << n;
    for (const auto& c : h.calibrations) {
      EXPECT_TRUE(hwprofiles::has_source_tag(c.source)) << n << ": " << c.source;
      if (c.borrowed) {
        EXPECT_EQ(c.source.rfind("[EST]", 0), 0u) << n << ": borrowed fits must be marked [EST]";
      }
    }
  }
  // Hopper family: H200 borrows the H100 fit.
  const auto* h200 = cat.get("h200").calibration();
  ASSERT_NE(h200, nullptr);
  EXPECT_TRUE(h200->borrowed);
  EXPECT_EQ(h200->fitted_on, "h100-sxm");
  EXPECT_FALSE(cat.get("h100-sxm").calibration()->borrowed);
}

TEST(HardwareCatalog, UnknownNameSuggestsClosest) {
  try {
    hwprofiles::HardwareCatalog::shipped().get("h100");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'h100-sxm'"), std::string::npos) << e.what();
  }
}

TEST(Calibrations, ShippedTableLoadsAndBadTablesAreRejected) {
  const auto entries = hwprofiles::load_calibrations(common::data_path("hwprofiles/data/calibrations.json"));
  EXPECT_GE(entries.size(), 10u);
  for (const auto& e : entries) EXPECT_EQ(e.calibration.source.rfind("[FIT]", 0), 0u) << e.hardware;
  auto bad = [](const std::string& text, const std::string& needle) {
    try {
      hwprofiles::calibrations_from_json(common::parse_json_text(text, "cal.json"), "cal.json");
      FAIL() << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string entry = R"({"hardware":"h100-sxm","runtime":"vllm","compute_fraction":0.5,"memory_fraction":0.8,)"
                            R"("step_overhead_us":1,"layer_overhead_us":1,"seq_overhead_us":1,"source":"[FIT] x")";
  bad(R"({"schema_version":1,"entries":[)" + entry + R"(,"memory_fraction":1.5}]})", "/entries/0/memory_fraction");
  bad(R"({"schema_version":1,"entries":[)" + entry + R"(,"bogus":1}]})", "/entries/0/bogus");
  bad(R"({"schema_version":1,"entries":[{"hardware":"h100-sxm","runtime":"vllm","compute_fraction":0.5,)"
      R"("memory_fraction":0.8,"step_overhead_us":-1,"layer_overhead_us":1,"seq_overhead_us":1,"source":"[FIT] x"}]})",
      "/entries/0/step_overhead_us");
  bad(R"({"schema_version":1,"entries":[{"hardware":"h100-sxm","runtime":"vllm","compute_fraction":0.5,)"
      R"("memory_fraction":0.8,"step_overhead_us":1,"layer_overhead_us":1,"seq_overhead_us":1,"source":"fitted"}]})",
      "/entries/0/source");
}
