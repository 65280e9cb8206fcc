#pragma once
// Private: constructors of the arrival process implementations (one file each).
#include <memory>

#include "infersim/serving/arrival_process.h"
#include "infersim/serving/build_context.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving::detail {

std::unique_ptr<ArrivalProcess> make_poisson(const ParamValues& p);
std::unique_ptr<ArrivalProcess> make_gamma(const ParamValues& p);
std::unique_ptr<ArrivalProcess> make_diurnal(const ParamValues& p);
std::unique_ptr<ArrivalProcess> make_closed_loop(const ParamValues& p);
std::unique_ptr<ArrivalProcess> make_trace(const ParamValues& p, BuildContext& ctx);
std::unique_ptr<ArrivalProcess> make_batch(const ParamValues& p);

}  // namespace infersim::serving::detail
