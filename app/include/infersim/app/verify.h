#pragma once
// The planner's discrete-event verifier (product policy: request count, warm-up and the "meets"
// rule): runs a candidate at the target load with N replicas in the serving simulator.
#include <string>

#include "infersim/planner/plan.h"

namespace infersim::app {

// Without a preset: fixed lengths at the request's means. With a workload preset name: that preset's
// length distributions, agentic structure and SLO block, with Poisson arrivals at the target load.
planner::Verifier make_plan_verifier(const std::string& workload_preset = "");

}  // namespace infersim::app
