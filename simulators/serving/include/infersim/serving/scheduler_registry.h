#pragma once
// The explicit list of batch schedulers (static, continuous, chunked), each with a one-line
// description and its declared parameters, and the factory. Thread-safe (immutable list).
#include <memory>
#include <vector>

#include "infersim/serving/component_config.h"
#include "infersim/serving/param_spec.h"
#include "infersim/serving/scheduler.h"

namespace infersim::serving {

const std::vector<ComponentInfo>& scheduler_types();
std::unique_ptr<Scheduler> make_scheduler(const ComponentConfig& c);

}  // namespace infersim::serving
