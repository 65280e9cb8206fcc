#pragma once
// Private to infersim_brief: the two halves of build_brief() — evaluating options into numbers
// (option_eval.cpp, with their risks in brief_risks.cpp) and laying the numbers out as a document
// (brief_layout.cpp).
#include <set>
#include <string>
#include <vector>

#include "infersim/brief/build_brief.h"

namespace infersim::brief::detail {

inline constexpr double HOURS_PER_MONTH = 730.0;

std::vector<OptionResult> evaluate_options(const BriefRequest& req, const planner::Verifier& verifier);
// Picks the recommendation and writes its paragraph.
void recommend(BriefResult& r);
BriefDocument layout_document(const BriefResult& r);

// An option's risks, in the order the brief lists them: per distinct (hardware, runtime, precision,
// model) of its feasible parts lock-in and supply (once per hardware), quantisation, calibration,
// maturity and cold start; then operations (more than one hardware), method (analytic) and feasibility
// (infeasible). `pricing` is the option's (owned or cloud decides the supply risk).
std::vector<Risk> option_risks(const OptionResult& r, const planner::Pricing& pricing);
// The decision risk: the worst level over r.risks except cold start; high when infeasible.
RiskLevel decision_risk_level(const OptionResult& r);
// Lock-in on one hardware: low with two or more vendor-neutral runtimes with a production backend,
// medium with at least one vendor-neutral runtime, else high.
RiskLevel lock_in_level(int vendor_neutral_production, int vendor_neutral);

// One option's facility over all its lanes (planner/facility.h): lanes on the same hardware share
// racks, so one footprint per hardware over all its lanes' chips; `owned` when any lane is costed owned
// (the buyer's own facility).
struct OptionFootprint {
  int servers = 0, racks = 0;
  double kw_rack = 0, it_kw = 0, facility_kw = 0, floor = 0;
  std::set<std::string> cooling, products;
  bool owned = false;
  bool fits = true;    // every hardware fits `site` (always true without one)
  std::string reason;  // the first refusal
  std::string cooling_needed() const { return cooling.count("liquid") ? "liquid" : "air"; }
};
// `site` = nullptr: each product at its own cooling (planner::facility_footprint); else placed in it.
OptionFootprint option_footprint(const OptionResult& o, const planner::Site* site = nullptr);

// Helpers shared by both halves.
planner::Slo slo_for(const BriefRequest& req, std::size_t workload);
double total_output_tok_s(const BriefRequest& req);
double total_input_tok_s(const BriefRequest& req);

}  // namespace infersim::brief::detail
