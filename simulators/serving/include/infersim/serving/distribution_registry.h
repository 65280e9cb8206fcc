#pragma once
// The explicit list of distribution types (no static self-registration), each with a one-line
// description and its declared parameters. make_distribution() builds one from a resolved
// ComponentConfig. Thread-safe (the list is immutable).
#include <memory>
#include <string>
#include <vector>

#include "infersim/serving/build_context.h"
#include "infersim/serving/component_config.h"
#include "infersim/serving/distribution.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving {

const std::vector<ComponentInfo>& distribution_types();
// Parameters every distribution type accepts (clamping of samples).
const std::vector<ParamSpec>& distribution_common_params();
std::unique_ptr<Distribution> make_distribution(const ComponentConfig& c, BuildContext& ctx);

}  // namespace infersim::serving
