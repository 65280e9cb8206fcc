#pragma once
// The GUI's calls into the serving simulator (simulators/serving, always linked with the GUI):
// workload presets, `infersim simulate` scenarios and discrete-event runs. No Qt; thread-safe.
#include <string>
#include <vector>

#include "workers/run_results.h"
#include "workers/scenario_input.h"
#include "workers/workload_catalog.h"

namespace infersim::gui {

// The simulator's workload presets as workload types (empty if none can be read).
std::vector<WorkloadType> simulator_workload_types();
// A scenario file in the `infersim simulate` format, as a ScenarioInput (model, hardware, workload, SLOs).
ScenarioInput scenario_input_from_simulate_file(const std::string& path);
// The `infersim simulate` scenario (JSON text) for one hardware of the GUI scenario.
std::string simulate_scenario_text(const ScenarioInput& s, const std::string& hardware);
// Runs it (app::simulate): latency distributions per request, and the cluster timeline when
// `timeline` is given, all in memory.
SimRow simulate_hardware(const ScenarioInput& s, const std::string& hardware, Timeline* timeline);

}  // namespace infersim::gui
