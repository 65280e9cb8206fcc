#pragma once
// Workload types the scenario panel offers (chat, agentic, code completion, summarization/RAG, batch),
// each with its default lengths, load and SLOs. When the serving simulator is built in, its workload
// presets (simulators/serving/data/workloads/*.json) are the source: their mean lengths and SLOs fill
// the fields and a discrete-event run uses the preset itself. Without it, the GUI's own table below
// (documented in docs/gui.md) is used. No Qt; thread-safe.
#include <string>
#include <vector>

#include "workers/scenario_input.h"

namespace infersim::gui {

struct WorkloadType {
  std::string name;
  std::string description;
  std::string source;        // "serving preset <file>" or "GUI default (docs/gui.md)"
  WorkloadInput defaults;    // preset field filled with `name`
};

std::vector<WorkloadType> workload_types();
// The GUI's built-in table (used without the simulator, and as the fallback when a preset cannot be read).
std::vector<WorkloadType> builtin_workload_types();
// nullptr when unknown.
const WorkloadType* find_workload_type(const std::vector<WorkloadType>& types, const std::string& name);

}  // namespace infersim::gui
