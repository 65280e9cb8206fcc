#pragma once
// Private: constructors of the scheduler implementations (one file each).
#include <memory>

#include "infersim/serving/param_spec.h"
#include "infersim/serving/scheduler.h"

namespace infersim::serving::detail {

SchedulerLimits limits_from(const ParamValues& p);
std::unique_ptr<Scheduler> make_static_batching(const ParamValues& p);
std::unique_ptr<Scheduler> make_continuous_batching(const ParamValues& p);
std::unique_ptr<Scheduler> make_chunked_prefill(const ParamValues& p);

}  // namespace infersim::serving::detail
