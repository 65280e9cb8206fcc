#pragma once
// Scenario files: load, apply `--set path=value` overrides to the raw JSON (before validation), merge
// the named workload preset, validate strictly against the declared parameters (unknown keys are
// errors naming the file, JSON pointer and component) and resolve every default. Also the declared
// schema of every section and component (for docs/scenario-format.md and `infersim components`).
#include <optional>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/serving/param_spec.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

inline constexpr int SCENARIO_SCHEMA_VERSION = 1;

// path: "a.b.c" or "/a/b/c" (array elements by index); value: JSON text, else taken as a string.
void apply_set(common::Json& j, const std::string& assignment);

Scenario parse_scenario(const common::Json& j, const std::string& file, const std::string& base_dir);
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {},
                       std::optional<std::uint64_t> seed = std::nullopt);
Scenario parse_scenario_text(const std::string& text, const std::vector<std::string>& sets = {},
                             const std::string& base_dir = "");

// Every section / component with its declared parameters, in document order.
std::vector<ComponentSchema> scenario_schema();
std::string scenario_format_markdown();

}  // namespace infersim::serving
