#pragma once
// Pricing file (de)serialisation. Strict: unknown keys, untagged sources and impossible values are
// ConfigError naming the file and JSON pointer.
#include <string>

#include "infersim/common/json_util.h"
#include "infersim/planner/pricing.h"

namespace infersim::planner {

Pricing pricing_from_json(const common::Json& j, const std::string& file);
Pricing load_pricing(const std::string& path);  // "" or "default" = the shipped default
common::Json pricing_to_json(const Pricing& p);

}  // namespace infersim::planner
