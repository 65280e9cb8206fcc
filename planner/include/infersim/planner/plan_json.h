#pragma once
// PLAN.json (docs/plan-format.md) -> PlanRequest, and PlanResult -> JSON. Strict loader: unknown keys
// and impossible values are ConfigError naming the file and JSON pointer.
#include <string>

#include "infersim/common/json_util.h"
#include "infersim/planner/plan.h"

namespace infersim::planner {

// 6 significant digits: the stable rounding of every figure the planner's JSON writes.
double round6(double x);

PlanRequest plan_request_from_json(const common::Json& j, const std::string& file);
PlanRequest load_plan_request(const std::string& path);
common::Json plan_request_to_json(const PlanRequest& r);
common::Json candidate_to_json(const Candidate& c);
common::Json plan_result_to_json(const PlanResult& r);
// A site block ({"cooling", "mw", "kw_per_rack", "racks"}; PLAN.json and BRIEF.json share it).
Site site_from_json(common::JsonReader& s);
common::Json site_to_json(const Site& s);

}  // namespace infersim::planner
