#pragma once
// A configured swappable component: the implementation's registry name and its resolved
// parameters (defaults filled in). Plain copyable value.
#include <string>

#include "infersim/serving/param_spec.h"

namespace infersim::serving {

struct ComponentConfig {
  std::string type;
  ParamValues params;
};

}  // namespace infersim::serving
