#pragma once
// The facility a plan needs: servers, racks, kW per rack, provisioned MW, floor space and cooling, from
// the product a buyer racks for each chip (planner/data/facility.json: chips per server, rack units,
// max server power incl. host, required cooling; every figure sourced or [EST]) and the limits of a
// site the user gives (MW, kW per rack, cooling type, racks). docs/plan-format.md "Facility".
//
// Arithmetic (FacilityFootprint): servers = ceil(chips / chips per server); a rack holds
// min(floor(usable U / server U), floor(kW limit / server kW)) servers, where the kW limit is the
// site's kW per rack, else the cooling type's typical maximum; rack-scale products (GB200 NVL72, LPX
// rack, TPU racks) are one rack per system. racks = ceil(servers / servers per rack); kW per rack =
// servers per rack x server kW (the fullest rack); IT kW = servers x server kW (provisioned, the
// nameplate maximum a site must supply, not the average draw the cost model uses); facility kW = IT kW
// x the cooling type's PUE; floor = racks x m2 per rack (incl. aisles). A product that needs liquid
// cooling does not fit an air or rear-door site; a server above the site's kW per rack does not fit
// at all; a footprint above the site's MW or racks does not fit. Each refusal names the limit.
// Pure functions over a loaded FacilityData; thread-safe.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace infersim::planner {

struct CoolingType {
  std::string name;  // "air" | "rear_door" | "liquid"
  double max_kw_per_rack = 0, pue = 1;
  std::string max_kw_source, pue_source, description;
};

struct ServerSpec {
  std::string product;
  int chips_per_server = 1;
  int server_u = 1;
  double server_kw = 0;
  std::string cooling;  // "air" | "liquid" | "air_or_liquid"
  bool rack_scale = false;
  std::string notes;
  std::map<std::string, std::string> sources;  // field -> source
};

// Stranded-asset inputs (facility.json "stranded_asset"; every figure sourced or [EST]): how long each
// way of getting capacity takes, fit-out cost per MW of IT load, asset lives, and the rack generations
// (per-rack power and cooling, announced ones marked).
struct RackGeneration {
  std::string name, cooling;  // cooling: "air" | "liquid" | "air_or_liquid"
  int year = 0;
  double kw_per_rack = 0;
  bool announced = false;
};

struct StrandedAssetData {
  std::map<std::string, double> lead_months;  // cloud_rental, colocation_existing_air, colocation_liquid_ready,
                                              // retrofit_air_to_liquid, greenfield_air, greenfield_liquid
  double fitout_air_usd_per_mw = 0, fitout_liquid_usd_per_mw = 0, retrofit_usd_per_mw = 0;
  double mechanical_life_years = 0, it_depreciation_years = 0, cadence_years = 0;
  std::vector<RackGeneration> generations;
  std::map<std::string, std::string> sources;  // field path -> source
};

struct FacilityData {
  StrandedAssetData stranded;
  std::map<std::string, CoolingType> cooling;
  int rack_u = 42;
  double floor_m2_per_rack = 2.55;
  std::string rack_u_source, floor_source;
  std::map<std::string, ServerSpec> servers;  // by hardware profile name
  std::string file;
};

// planner/data/facility.json (loaded once; ConfigError naming the file and pointer when malformed).
const FacilityData& shipped_facility();
FacilityData load_facility(const std::string& path);

// What a user's site allows; an absent limit is not checked.
struct Site {
  std::string cooling = "air";  // "air" | "rear_door" | "liquid"
  std::optional<double> mw;     // facility power available (incl. cooling overhead)
  std::optional<double> kw_per_rack;
  std::optional<int> racks;
  bool operator==(const Site&) const = default;
};

struct FacilityFootprint {
  bool present = false;  // false: not computed (mixes; hardware without a server entry)
  std::string product, cooling;
  double chips = 0;
  int servers = 0, servers_per_rack = 0, racks = 0;
  double kw_per_rack = 0, it_kw = 0, facility_kw = 0, floor_m2 = 0, pue = 1;
  bool fits = true;    // within the site's limits (always true without a site)
  std::string reason;  // why it does not fit
};

// `site` = nullptr: the product's own cooling (air where it allows air) and that type's typical rack
// limit. Unknown hardware -> present = false.
FacilityFootprint facility_footprint(const FacilityData& f, const std::string& hardware, double chips,
                                     const Site* site);

// Stranded-asset risk of one option's facility (docs/plan-format.md "Stranded-asset risk"):
//  - rented: the provider's hall; lead time = cloud rental; the exposure is the commitment term.
//  - owned, air: an existing air colocation hall (lead: colocation_existing_air) or a new air hall;
//    fit-out = IT MW x air $/MW. Every liquid generation within the IT depreciation window forces a
//    retrofit (IT MW x retrofit $/MW, retrofit lead time) or a new liquid hall: risk high.
//  - owned, liquid: liquid-ready colocation or a new liquid hall (the shorter lead time); fit-out = IT MW
//    x liquid $/MW. Risk medium when a generation within the window needs denser racks than this
//    design (rack power and coolant per position must grow, or racks run part-filled), else low.
// The window is [year, year + IT depreciation]; announced generations count and are marked.
struct StrandedRisk {
  bool owned = false;
  std::string path;  // how the capacity is obtained
  double lead_months = 0;
  double fitout_usd = 0;  // owned: facility fit-out for the option's IT load (0 rented)
  double retrofit_usd = 0;
  std::string air_to_liquid;    // what a change to liquid within the depreciation period means
  std::string next_generation;  // re-use of the facility for the densest generation in the window
  double next_kw_per_rack = 0;
  std::string next_name;
  std::string level;  // "low" | "medium" | "high"
};
StrandedRisk stranded_risk(const FacilityData& f, bool owned, const std::string& cooling, double kw_per_rack,
                           double it_kw, int year);

}  // namespace infersim::planner
