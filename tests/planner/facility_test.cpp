// The facility model (planner/facility.h): footprints checked against hand calculation, site limits
// refusing with the limit named, the planner rejecting plans a site cannot hold, and the shipped data
// covering every hardware profile with a source or an [EST] mark on every figure.
#include <gtest/gtest.h>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/plan.h"

namespace infersim::planner {
namespace {

// A DGX H100-like server (8 chips, 8U, 10.2 kW, air) and an NVL72-like rack (72 chips, 132 kW, liquid).
FacilityData hand_data() {
  FacilityData f;
  f.cooling["air"] = {"air", 30, 1.42, "", "", ""};
  f.cooling["rear_door"] = {"rear_door", 50, 1.32, "", "", ""};
  f.cooling["liquid"] = {"liquid", 150, 1.15, "", "", ""};
  f.rack_u = 42;
  f.floor_m2_per_rack = 2.55;
  ServerSpec h;
  h.product = "DGX";
  h.chips_per_server = 8;
  h.server_u = 8;
  h.server_kw = 10.2;
  h.cooling = "air";
  f.servers["gpu"] = h;
  ServerSpec r;
  r.product = "NVL72";
  r.chips_per_server = 72;
  r.server_u = 48;
  r.server_kw = 132;
  r.cooling = "liquid";
  r.rack_scale = true;
  f.servers["rack"] = r;
  return f;
}

TEST(Facility, FootprintMatchesHandCalculation) {
  const auto f = hand_data();
  // No site: the product's cooling (air) at its typical 30 kW: min(42/8 = 5 by U, 30/10.2 = 2 by kW) = 2.
  auto p = facility_footprint(f, "gpu", 64, nullptr);
  ASSERT_TRUE(p.present);
  EXPECT_EQ(p.servers, 8);
  EXPECT_EQ(p.servers_per_rack, 2);
  EXPECT_EQ(p.racks, 4);
  EXPECT_DOUBLE_EQ(p.kw_per_rack, 20.4);
  EXPECT_DOUBLE_EQ(p.it_kw, 81.6);
  EXPECT_DOUBLE_EQ(p.facility_kw, 81.6 * 1.42);
  EXPECT_DOUBLE_EQ(p.floor_m2, 4 * 2.55);
  EXPECT_TRUE(p.fits);
  // An air site at 15 kW/rack: one server per rack, 8 racks.
  Site air15{"air", std::nullopt, 15.0, std::nullopt};
  p = facility_footprint(f, "gpu", 64, &air15);
  EXPECT_EQ(p.servers_per_rack, 1);
  EXPECT_EQ(p.racks, 8);
  EXPECT_DOUBLE_EQ(p.kw_per_rack, 10.2);
  EXPECT_DOUBLE_EQ(p.floor_m2, 8 * 2.55);
  EXPECT_TRUE(p.fits);
  // 65 chips need a ninth server.
  EXPECT_EQ(facility_footprint(f, "gpu", 65, &air15).servers, 9);
  // A liquid hall at its 150 kW: 5 servers per rack by U (42 / 8), not 14 by power.
  Site liquid{"liquid", std::nullopt, std::nullopt, std::nullopt};
  p = facility_footprint(f, "gpu", 64, &liquid);
  EXPECT_EQ(p.servers_per_rack, 5);
  EXPECT_EQ(p.racks, 2);
  EXPECT_DOUBLE_EQ(p.kw_per_rack, 51.0);
  EXPECT_DOUBLE_EQ(p.facility_kw, 81.6 * 1.15);
}

TEST(Facility, SiteLimitsRefuseWithTheLimitNamed) {
  const auto f = hand_data();
  Site air15{"air", std::nullopt, 15.0, std::nullopt};
  auto p = facility_footprint(f, "rack", 144, &air15);
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.reason.find("needs liquid cooling"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("site is air at 15 kW/rack"), std::string::npos) << p.reason;
  Site liquid100{"liquid", std::nullopt, 100.0, std::nullopt};
  p = facility_footprint(f, "rack", 144, &liquid100);
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.reason.find("draws 132 kW; site allows 100 kW/rack"), std::string::npos) << p.reason;
  Site liquid{"liquid", std::nullopt, std::nullopt, std::nullopt};
  p = facility_footprint(f, "rack", 144, &liquid);
  EXPECT_TRUE(p.fits);
  EXPECT_EQ(p.racks, 2);
  EXPECT_DOUBLE_EQ(p.kw_per_rack, 132);
  // Power: 8 DGX = 81.6 kW IT x 1.42 = 115.9 kW > 0.1 MW.
  Site small{"air", 0.1, std::nullopt, std::nullopt};
  p = facility_footprint(f, "gpu", 64, &small);
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.reason.find("needs 0.116 MW"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("site has 0.1 MW"), std::string::npos) << p.reason;
  // Racks: 4 needed at 30 kW air, 3 available.
  Site three{"air", std::nullopt, std::nullopt, 3};
  p = facility_footprint(f, "gpu", 64, &three);
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.reason.find("needs 4 racks"), std::string::npos) << p.reason;
  EXPECT_FALSE(facility_footprint(f, "unknown", 8, &three).present);
}

TEST(Facility, ShippedDataCoversEveryProfileWithSources) {
  const auto& f = shipped_facility();
  for (const auto& name : hwprofiles::HardwareCatalog::shipped().names()) {
    ASSERT_TRUE(f.servers.count(name)) << name << " has no server entry in planner/data/facility.json";
    const auto& s = f.servers.at(name);
    for (const char* k : {"chips_per_server", "server_u", "server_kw", "cooling"})
      EXPECT_FALSE(s.sources.at(k).empty()) << name << " " << k;
  }
  for (const char* c : {"air", "rear_door", "liquid"}) {
    EXPECT_FALSE(f.cooling.at(c).max_kw_source.empty());
    EXPECT_FALSE(f.cooling.at(c).pue_source.empty());
  }
}

// The planner with a site: a liquid-only rack is refused at an air site with the reason, and every
// ranked plan fits and reports its racks.
// Stranded-asset risk against hand calculation: lead times, fit-out and retrofit per MW of IT load,
// and the densest generation shipping now / within the depreciation window.
TEST(Facility, StrandedRiskMatchesHandCalculation) {
  FacilityData f;
  auto& st = f.stranded;
  st.lead_months = {{"cloud_rental", 1},           {"colocation_existing_air", 3}, {"colocation_liquid_ready", 21},
                    {"retrofit_air_to_liquid", 9}, {"greenfield_air", 18},         {"greenfield_liquid", 24}};
  st.fitout_air_usd_per_mw = 10e6;
  st.fitout_liquid_usd_per_mw = 12e6;
  st.retrofit_usd_per_mw = 2e6;
  st.it_depreciation_years = 5;
  st.cadence_years = 1;
  st.generations = {{"Air 40 (4 systems)", "air", 2023, 40, false},
                    {"Liquid 132", "liquid", 2025, 132, false},
                    {"Liquid 600", "liquid", 2027, 600, true},
                    {"Far future 2000", "liquid", 2040, 2000, true}};
  // Rented: the provider's hall.
  const auto rent = stranded_risk(f, false, "air", 20, 500, 2026);
  EXPECT_DOUBLE_EQ(rent.lead_months, 1);
  EXPECT_DOUBLE_EQ(rent.fitout_usd, 0);
  EXPECT_EQ(rent.level, "low");
  // Owned, air, 500 kW of IT load at 20 kW/rack: fit-out 0.5 MW x $10M, retrofit 0.5 x $2M; the 600 kW
  // rack of 2027 is in the 2026-2031 window, the 2040 one is not.
  const auto air = stranded_risk(f, true, "air", 20, 500, 2026);
  EXPECT_DOUBLE_EQ(air.lead_months, 3);
  EXPECT_DOUBLE_EQ(air.fitout_usd, 5e6);
  EXPECT_DOUBLE_EQ(air.retrofit_usd, 1e6);
  EXPECT_DOUBLE_EQ(air.next_kw_per_rack, 600);
  EXPECT_NE(air.next_generation.find("132 kW/rack (Liquid 132, 2025) = 6.6x"), std::string::npos)
      << air.next_generation;
  EXPECT_NE(air.next_generation.find("600 kW/rack (Liquid 600, 2027, announced) = 30.0x"), std::string::npos)
      << air.next_generation;
  EXPECT_EQ(air.level, "high");
  // Owned, liquid at 132 kW/rack: the shorter of liquid-ready colocation and a new hall; 1 MW x $12M.
  const auto liq = stranded_risk(f, true, "liquid", 132, 1000, 2026);
  EXPECT_DOUBLE_EQ(liq.lead_months, 21);
  EXPECT_DOUBLE_EQ(liq.fitout_usd, 12e6);
  EXPECT_DOUBLE_EQ(liq.retrofit_usd, 0);
  EXPECT_EQ(liq.level, "medium");
  // A liquid design dense enough for everything in the window.
  EXPECT_EQ(stranded_risk(f, true, "liquid", 700, 1000, 2026).level, "low");
}

TEST(Facility, ShippedStrandedAssetDataIsComplete) {
  const auto& st = shipped_facility().stranded;
  EXPECT_EQ(st.lead_months.size(), 6u);
  EXPECT_GT(st.fitout_liquid_usd_per_mw, st.fitout_air_usd_per_mw);
  EXPECT_GT(st.it_depreciation_years, 0);
  EXPECT_GE(st.generations.size(), 8u);
  for (const auto& [k, src] : st.sources) EXPECT_TRUE(src.rfind("[", 0) == 0) << k << ": " << src;
}

TEST(Facility, PlannerRejectsPlansTheSiteCannotHold) {
  PlanRequest req;
  req.model = "llama-3.1-70b";
  req.requests_per_s = 20;
  req.hardware = {"h100-sxm", "gb200"};
  req.precisions = {"fp8"};
  req.mixes = false;
  req.site = Site{"air", std::nullopt, 15.0, std::nullopt};
  const auto res = plan(req);
  ASSERT_FALSE(res.ranked.empty());
  for (const auto& c : res.ranked) {
    EXPECT_EQ(c.hardware, "h100-sxm");
    ASSERT_TRUE(c.facility.present);
    EXPECT_TRUE(c.facility.fits);
    EXPECT_LE(c.facility.kw_per_rack, 15.0);
    EXPECT_EQ(c.facility.servers, int(std::ceil(c.replicas * c.chips_per_replica / 8.0 - 1e-9)));
  }
  bool refused = false;
  for (const auto& c : res.rejected)
    if (c.hardware == "gb200" && c.rejection == Rejection::site_limits) {
      refused = true;
      EXPECT_NE(c.reason.find("needs liquid cooling"), std::string::npos) << c.reason;
    }
  EXPECT_TRUE(refused);
  // Without the site, gb200 plans are ranked (on their own liquid cooling).
  req.site.reset();
  const auto free = plan(req);
  bool gb200 = false;
  for (const auto& c : free.ranked) gb200 |= c.hardware == "gb200";
  EXPECT_TRUE(gb200);
}

}  // namespace
}  // namespace infersim::planner
