#include "workers/workload_catalog.h"

#include "workers/sim_calls.h"

namespace infersim::gui {

std::vector<WorkloadType> workload_types() {
  // Presets are read once per process (thread-safe static initialisation).
  static const std::vector<WorkloadType> types = [] { return simulator_workload_types(); }();
  return types;
}

const WorkloadType* find_workload_type(const std::vector<WorkloadType>& types, const std::string& name) {
  for (const auto& t : types)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace infersim::gui
