#pragma once
// Private: constructors of the distribution implementations (one file each).
#include <memory>

#include "infersim/serving/build_context.h"
#include "infersim/serving/distribution.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving::detail {

std::unique_ptr<Distribution> make_fixed(const ParamValues& p);
std::unique_ptr<Distribution> make_uniform(const ParamValues& p);
std::unique_ptr<Distribution> make_lognormal(const ParamValues& p);
std::unique_ptr<Distribution> make_exponential(const ParamValues& p);
std::unique_ptr<Distribution> make_empirical(const ParamValues& p, BuildContext& ctx);

}  // namespace infersim::serving::detail
