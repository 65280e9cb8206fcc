#pragma once
// The planner's discrete-event verifier: runs a candidate at the target load with N replicas in the
// serving simulator. Returns an empty function when the simulator is not available in this build.
#include "infersim/planner/plan.h"

namespace infersim::cli {

planner::Verifier make_plan_verifier();

}  // namespace infersim::cli
