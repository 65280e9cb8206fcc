#pragma once
// The explicit list of request routers (round_robin, least_outstanding, least_work,
// session_affinity) with one-line descriptions, declared parameters and the factory. Thread-safe.
#include <memory>
#include <vector>

#include "infersim/serving/component_config.h"
#include "infersim/serving/param_spec.h"
#include "infersim/serving/router.h"

namespace infersim::serving {

const std::vector<ComponentInfo>& router_types();
std::unique_ptr<Router> make_router(const ComponentConfig& c);

}  // namespace infersim::serving
