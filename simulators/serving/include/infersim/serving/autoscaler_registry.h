#pragma once
// The explicit list of autoscaling policies (target_utilization, queue_length) with one-line
// descriptions, their declared parameters, the parameters common to every autoscaler, and the
// factory. Thread-safe.
#include <memory>
#include <vector>

#include "infersim/serving/autoscaler_policy.h"
#include "infersim/serving/component_config.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving {

const std::vector<ComponentInfo>& autoscaler_policies();
const std::vector<ParamSpec>& autoscaler_common_params();
std::unique_ptr<AutoscalerPolicy> make_autoscaler_policy(const ComponentConfig& c);

}  // namespace infersim::serving
