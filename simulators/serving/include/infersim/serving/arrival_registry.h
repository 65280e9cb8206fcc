#pragma once
// The explicit list of arrival processes (poisson, gamma, diurnal, closed_loop, trace, batch), each
// with a one-line description and its declared parameters; make_arrival() builds one from a
// resolved ComponentConfig. Thread-safe (the list is immutable).
#include <memory>
#include <vector>

#include "infersim/serving/arrival_process.h"
#include "infersim/serving/build_context.h"
#include "infersim/serving/component_config.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving {

const std::vector<ComponentInfo>& arrival_types();
std::unique_ptr<ArrivalProcess> make_arrival(const ComponentConfig& c, BuildContext& ctx);

}  // namespace infersim::serving
