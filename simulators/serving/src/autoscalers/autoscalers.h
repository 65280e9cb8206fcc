#pragma once
// Private: constructors of the autoscaling policies (one file each).
#include <memory>

#include "infersim/serving/autoscaler_policy.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving::detail {

std::unique_ptr<AutoscalerPolicy> make_target_utilization(const ParamValues& p);
std::unique_ptr<AutoscalerPolicy> make_queue_length(const ParamValues& p);

}  // namespace infersim::serving::detail
