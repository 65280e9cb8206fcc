#pragma once
// The GUI scenario file (docs/gui.md): a ScenarioInput as JSON. Strict like every infersim file:
// unknown keys and impossible values are ConfigError naming the file and JSON pointer.
#include <string>

#include "infersim/common/json_util.h"
#include "workers/scenario_input.h"

namespace infersim::gui {

inline constexpr int GUI_SCENARIO_SCHEMA_VERSION = 1;
inline constexpr const char* GUI_SCENARIO_KIND = "infersim-gui-scenario";

ScenarioInput scenario_input_from_json(const common::Json& j, const std::string& file);
common::Json scenario_input_to_json(const ScenarioInput& s);
// Reads a GUI scenario file; a serving-simulator scenario (`infersim simulate` format) is accepted
// too (its model, hardware, workload and SLOs are taken over).
ScenarioInput load_scenario_input(const std::string& path);
void save_scenario_input(const std::string& path, const ScenarioInput& s);

}  // namespace infersim::gui
