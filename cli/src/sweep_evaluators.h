#pragma once
// Picks the sweep evaluator for a scenario kind: "estimate" (analytic) or "simulate" (the serving
// simulator, when built in). Unknown kinds are ConfigError.
#include <optional>
#include <string>

#include "infersim/planner/plan.h"
#include "infersim/planner/sweep.h"

namespace infersim::cli {

planner::SweepEvaluator sweep_evaluator(const std::string& kind);

// The planner's request for serving a workload preset on one hardware: the preset's mean lengths,
// load (or `requests_per_s`) and SLOs (serving::summarize_workload), no mixes, the best candidate
// verified. Used by sweep kind "plan" and `infersim workloads compare`.
planner::PlanRequest plan_request_for_workload(const std::string& model, const std::string& hardware,
                                               const std::string& preset, std::optional<double> requests_per_s,
                                               const planner::Pricing& pricing);

}  // namespace infersim::cli
