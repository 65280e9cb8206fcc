// The buy-tokens lane: shipped offers are dated and sourced, a workload's API cost is the closed form
// of its tokens, same-weights offers come before same-architecture ones, and stale prices are flagged.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"

using namespace infersim;

TEST(TokenPrices, ShippedOffersAreDatedAndSourced) {
  const auto& all = planner::shipped_token_offers();
  ASSERT_GE(all.size(), 20u);
  for (const auto& o : all) {
    EXPECT_TRUE(hwprofiles::valid_price_date(o.as_of)) << o.provider << " " << o.model;
    EXPECT_TRUE(hwprofiles::has_source_tag(o.source)) << o.provider << " " << o.model;
    EXPECT_GT(o.usd_per_1m_output, 0.0);
  }
  // The README's main job model has an offer of its own weights.
  EXPECT_FALSE(planner::token_offers_for("llama-3.1-70b", all).empty());
}

TEST(TokenPrices, CostIsTheClosedFormOfTheWorkloadsTokens) {
  planner::TokenOffer o;
  o.provider = "p";
  o.model = "m";
  o.usd_per_1m_input = 0.5;
  o.usd_per_1m_output = 2.0;
  o.usd_per_1m_cached_input = 0.1;
  o.speed_tok_s = 50;
  o.as_of = "2026-10";
  const auto p = planner::load_pricing("default");
  const auto c = planner::token_cost(o, "m", 1000, 200, 0.25, 0.05, p);
  const double req = (750 * 0.5 + 250 * 0.1 + 200 * 2.0) / 1e6;
  EXPECT_NEAR(c.usd_per_request, req, 1e-15);
  EXPECT_NEAR(c.usd_per_1k_output, req / 200 * 1000, 1e-15);
  EXPECT_NEAR(c.usd_per_1k_tokens, req / 1200 * 1000, 1e-15);
  EXPECT_NEAR(c.tokens_per_usd, 1200 / req, 1e-6);
  EXPECT_DOUBLE_EQ(c.tpot_s, 0.02);
  EXPECT_TRUE(c.tpot_meets);
  EXPECT_FALSE(c.stale);
  // No published cached price: cached tokens pay the full input price; a slow offer misses TPOT.
  o.usd_per_1m_cached_input.reset();
  o.speed_tok_s = 10;
  const auto d = planner::token_cost(o, "m", 1000, 200, 0.25, 0.05, p);
  EXPECT_NEAR(d.usd_per_request, (1000 * 0.5 + 200 * 2.0) / 1e6, 1e-15);
  EXPECT_FALSE(d.tpot_meets);
  o.as_of = "2025-06";
  EXPECT_TRUE(planner::token_cost(o, "m", 1000, 200, 0, 0.05, p).stale);
}

TEST(TokenPrices, SameWeightsFirstThenSameArchitectureCheapestFirst) {
  auto mk = [](const char* prov, const char* model, const char* arch, double in, double out) {
    planner::TokenOffer o;
    o.provider = prov;
    o.model = model;
    o.architecture_of = arch;
    o.usd_per_1m_input = in;
    o.usd_per_1m_output = out;
    o.as_of = "2026-11";
    return o;
  };
  const std::vector<planner::TokenOffer> all = {mk("a", "x-3.3", "x", 0.1, 0.1), mk("b", "x", "", 0.9, 0.9),
                                                mk("c", "x", "", 0.4, 0.4), mk("d", "y", "", 0.01, 0.01)};
  const auto lane = planner::token_lane("x", 1000, 100, 0, 1.0, planner::load_pricing("default"), all);
  ASSERT_EQ(lane.size(), 3u);
  EXPECT_EQ(lane[0].offer.provider, "c");
  EXPECT_EQ(lane[1].offer.provider, "b");
  EXPECT_EQ(lane[2].offer.provider, "a");
  EXPECT_FALSE(lane[2].same_weights);
}

TEST(TokenPrices, BadFilesNameTheField) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_token_prices_test";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& body) {
    const auto f = (dir / "t.json").string();
    std::ofstream(f) << body;
    return f;
  };
  const std::string ok = R"({"schema_version": 1, "offers": [{"provider": "p", "model": "m", "usd_per_1m_input": 1,
    "usd_per_1m_output": 2, "as_of": "2026-11", "source": "[3P] x"}]})";
  EXPECT_EQ(planner::load_token_offers(write(ok)).size(), 1u);
  auto rejected = [&](std::string body, const std::string& pointer) {
    try {
      planner::load_token_offers(write(body));
      ADD_FAILURE() << "accepted: " << body;
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(pointer), std::string::npos) << e.what();
    }
  };
  rejected(std::string(ok).replace(ok.find("2026-11"), 7, "late 25"), "/offers/0/as_of");
  rejected(std::string(ok).replace(ok.find("[3P] x"), 6, "a blog"), "/offers/0/source");
  rejected(std::string(ok).replace(ok.find("\"as_of\""), 0, "\"usd_per_1m_cached_input\": 5, "),
           "/offers/0/usd_per_1m_cached_input");
  std::filesystem::remove_all(dir);
}
