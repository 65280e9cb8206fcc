#pragma once
// Workload types the scenario panel offers: the serving simulator's workload presets
// (simulators/serving/data/workloads/*.json), the one table the CLI's `workloads list|compare` and the
// planner use too. Their mean lengths, load and SLOs (serving::summarize_workload) fill the fields, and
// a discrete-event run uses the preset itself. No Qt; thread-safe.
#include <string>
#include <vector>

#include "workers/scenario_input.h"

namespace infersim::gui {

struct WorkloadType {
  std::string name;
  std::string description;
  std::string source;      // "serving preset <file>" or "GUI default (docs/gui.md)"
  WorkloadInput defaults;  // preset field filled with `name`
};

std::vector<WorkloadType> workload_types();
// nullptr when unknown.
const WorkloadType* find_workload_type(const std::vector<WorkloadType>& types, const std::string& name);

}  // namespace infersim::gui
