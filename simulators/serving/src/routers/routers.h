#pragma once
// Private: constructors of the router implementations (one file each).
#include <memory>

#include "infersim/serving/param_spec.h"
#include "infersim/serving/router.h"

namespace infersim::serving::detail {

std::unique_ptr<Router> make_round_robin(const ParamValues& p);
std::unique_ptr<Router> make_least_outstanding(const ParamValues& p);
std::unique_ptr<Router> make_least_work(const ParamValues& p);
std::unique_ptr<Router> make_session_affinity(const ParamValues& p);
std::size_t least_work_index(const std::vector<RouteCandidate>& c);

}  // namespace infersim::serving::detail
