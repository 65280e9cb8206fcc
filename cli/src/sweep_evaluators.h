#pragma once
// Picks the sweep evaluator for a scenario kind: "estimate" (analytic) or "simulate" (the serving
// simulator, when built in). Unknown kinds are ConfigError.
#include <string>

#include "infersim/planner/sweep.h"

namespace infersim::cli {

planner::SweepEvaluator sweep_evaluator(const std::string& kind);

}  // namespace infersim::cli
