#include "plan_verifier.h"

namespace infersim::cli {

// Wired to the serving simulator once it lands (simulators/serving); analytic-only until then.
planner::Verifier make_plan_verifier() { return {}; }

}  // namespace infersim::cli
