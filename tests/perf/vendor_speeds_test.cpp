// Dataflow chips' execution model: published per-user speeds (data/measurements/vendor-speeds), one
// fitted per-layer latency per vendor, the rest held out; no kernel-launch overheads ever reach them.
#include "infersim/perf/vendor_speeds.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"

using namespace infersim;
namespace fs = std::filesystem;

namespace {
const perf::VendorSpeedSet& bundled() {
  static const perf::VendorSpeedSet s = perf::load_vendor_speeds(perf::bundled_vendor_speeds());
  return s;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("infersim_vs_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

const char* HEADER = R"({"schema_version": 1, "description": "t",
  "workload": {"input_tokens": 1000, "output_tokens": 500, "batch": 1, "source": "[EST] t"},
  "points": [)";
std::string point(const std::string& use, const std::string& extra = "") {
  return R"({"vendor": "groq", "hardware": "groq-lpu", "runtime": "groq", "served_as": "x", "model": "llama-2-70b",
    "tok_s_per_user": 300, "kind": "vendor-claimed", "as_of": "2024-02", "weights": "int8", "kv": "fp16",
    "vendor_precision": null, "speculative": false, "chips": 576, "use": ")" +
         use + R"(", "source": "s")" + extra + "}";
}
}  // namespace

TEST(VendorSpeeds, BundledSetHasOneFitPointPerFittedVendorAndHoldsOutTheRest) {
  std::map<std::string, int> fit, held;
  for (const auto& p : bundled().points) {
    if (p.use == "fit") ++fit[p.vendor];
    if (p.use == "validate") ++held[p.vendor];
    if (p.use != "excluded") {
      EXPECT_FALSE(p.model.empty());
    }
    if (p.speculative && *p.speculative) {
      EXPECT_EQ(p.use, "excluded") << p.served_as << ": spec-decoded figures are not one pass per token";
    }
  }
  EXPECT_EQ(fit["groq"], 1);
  EXPECT_EQ(fit["cerebras"], 1);
  EXPECT_EQ(fit["sambanova"], 0) << "SN40L has measured fits of its own: nothing is fitted on its published speeds";
  for (const std::string v : {"groq", "cerebras", "sambanova"}) EXPECT_GE(held[v], 3) << v;
}

TEST(VendorSpeeds, BadFilesAreRefusedNamingTheFileAndField) {
  const std::string two_fits = write_temp("two.json", std::string(HEADER) + point("fit") + "," + point("fit") + "]}");
  try {
    perf::load_vendor_speeds(two_fits);
    FAIL() << "two fit points for one vendor must be refused";
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(two_fits), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("more than one fit point"), std::string::npos) << e.what();
  }
  const std::string bad_spec = write_temp("spec.json", std::string(HEADER) + point("validate") + "]}");
  {
    std::string t = std::string(HEADER) + point("validate") + "]}";
    t.replace(t.find("\"speculative\": false"), 20, "\"speculative\": \"yes\"");
    const auto f = write_temp("spec2.json", t);
    try {
      perf::load_vendor_speeds(f);
      FAIL();
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("speculative"), std::string::npos) << e.what();
    }
    fs::remove(f);
  }
  {
    const auto f = write_temp("excl.json", std::string(HEADER) + point("excluded") + "]}");
    EXPECT_THROW(perf::load_vendor_speeds(f), common::ConfigError) << "an excluded point must say why";
    fs::remove(f);
  }
  EXPECT_NO_THROW(perf::load_vendor_speeds(bad_spec));
  fs::remove(two_fits);
  fs::remove(bad_spec);
}

TEST(VendorSpeeds, TheFitReproducesTheShippedCalibrationsAndItsOwnPoint) {
  // Fitted against the profiles and measured calibrations only (as `infersim calibrate-dataflow`).
  const hwprofiles::HardwareCatalog hw(common::data_path("hwprofiles/data"),
                                       common::data_path("hwprofiles/data/calibrations.json"));
  const auto fits = perf::fit_dataflow(bundled(), hw, model::ModelCatalog::shipped());
  std::vector<hwprofiles::CalibrationEntry> entries;
  for (const auto& f : fits)
    if (f.skipped.empty()) entries.push_back(f.entry);
  ASSERT_EQ(entries.size(), 2u);
  const auto shipped = hwprofiles::load_calibrations(common::data_path("hwprofiles/data/dataflow_calibrations.json"));
  ASSERT_EQ(shipped.size(), entries.size())
      << "regenerate: infersim calibrate-dataflow --write hwprofiles/data/dataflow_calibrations.json";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(shipped[i].hardware, entries[i].hardware);
    EXPECT_NEAR(shipped[i].calibration.params.layer_overhead_s, entries[i].calibration.params.layer_overhead_s, 1e-12);
    EXPECT_EQ(shipped[i].calibration.params.step_overhead_s, 0.0);
    EXPECT_EQ(shipped[i].calibration.params.seq_overhead_s, 0.0);
    EXPECT_EQ(shipped[i].calibration.params.collective_overhead_s, 0.0);
  }
  // With the shipped fits, each fit point is reproduced (the fit is exact: one number, one point).
  const auto r = perf::check_vendor_speeds(bundled(), hwprofiles::HardwareCatalog::shipped(),
                                           model::ModelCatalog::shipped());
  int fit_points = 0;
  for (const auto& c : r.checks)
    if (c.point->use == "fit") {
      ++fit_points;
      ASSERT_TRUE(c.ok) << c.reason;
      EXPECT_NEAR(c.predicted_tok_s, c.point->tok_s, 1e-6 * c.point->tok_s) << c.point->hardware;
      // Groq's 576 published chips: 72 stages of one whole 8-chip GroqNode each.
      if (c.point->hardware == "groq-lpu") {
        EXPECT_EQ(c.tp, 8);
        EXPECT_EQ(c.pp, 72);
      }
    }
  EXPECT_EQ(fit_points, 2);
}

TEST(VendorSpeeds, DataflowChipsNeverBorrowKernelLaunchOverheads) {
  auto& hw = hwprofiles::HardwareCatalog::shipped();
  for (const auto& name : hw.names()) {
    const auto& h = hw.get(name);
    if (!h.static_dataflow()) continue;
    for (const auto& c : h.calibrations) {
      if (c.basis == "fitted") continue;  // measured on this chip (SN40L, LLM-Inference-Bench)
      EXPECT_EQ(c.params.step_overhead_s, 0.0) << name << " " << c.source;
      EXPECT_EQ(c.params.seq_overhead_s, 0.0) << name;
      EXPECT_EQ(c.params.collective_overhead_s, 0.0) << name;
    }
  }
  // A dataflow chip of a new family (nothing fitted on it or its family): datasheet efficiency, no
  // overheads, and a source that says so.
  auto j = hwprofiles::hardware_to_json(hw.get("groq-lpu"));
  j["name"] = "test-dataflow";
  j["family"] = "test-dataflow-family";
  j["vendor"] = "test-vendor";  // no same-vendor fit to take either
  const auto path = write_temp("df.json", j.dump());
  const auto h = hw.resolve(path);
  ASSERT_FALSE(h.calibrations.empty());
  const auto& c = h.calibrations.front();
  EXPECT_EQ(c.basis, "cross-family");
  EXPECT_EQ(c.params.step_overhead_s + c.params.layer_overhead_s + c.params.seq_overhead_s +
                c.params.collective_overhead_s,
            0.0);
  EXPECT_NE(c.source.find("statically scheduled"), std::string::npos) << c.source;
  fs::remove(path);
}

TEST(VendorSpeeds, HeldOutGroqSpeedsStayWithinTheTarget) {
  // Guards the reported figure (infersim validate --dataflow): Groq's held-out per-user speeds, fitted
  // on one point, have a median error within 25% and at least three models within 25%.
  const auto r = perf::check_vendor_speeds(bundled(), hwprofiles::HardwareCatalog::shipped(),
                                           model::ModelCatalog::shipped());
  bool seen = false;
  for (const auto& g : r.groups)
    if (g.vendor == "groq") {
      seen = true;
      EXPECT_LE(g.held_out.median_abs, 0.25);
      EXPECT_GE(g.models_within_25, 3);
    }
  EXPECT_TRUE(seen);
}

TEST(VendorSpeeds, PublishedChipCountsAreComparedWithAutoSizing) {
  // Guards the reported figure (issue 15): Groq's 70B deployment, auto-sized at its served precision, is
  // within 15% of the ~576 chips Groq published; the report and its JSON carry every published count of
  // an SRAM-only chip.
  const auto r = perf::check_vendor_speeds(bundled(), hwprofiles::HardwareCatalog::shipped(),
                                           model::ModelCatalog::shipped());
  int groq = 0;
  for (const auto& c : r.chip_counts) {
    ASSERT_GT(c.sized, 0) << c.point->model << ": " << c.reason;
    EXPECT_NEAR(c.error, double(c.sized) / c.published - 1.0, 1e-12);
    if (c.point->vendor == "groq") {
      ++groq;
      EXPECT_EQ(c.published, 576);
      EXPECT_EQ(c.tp * c.pp, c.sized);
      EXPECT_LE(std::abs(c.error), 0.15) << c.sized;
    }
  }
  EXPECT_EQ(groq, 1);
  const auto j = perf::vendor_speed_report_to_json(r);
  ASSERT_EQ(j["chip_counts"].size(), r.chip_counts.size());
  EXPECT_EQ(j["chip_counts"][0]["published_chips"].get<int>(), r.chip_counts[0].published);
}
