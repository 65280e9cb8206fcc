#pragma once
// Workload types as presets: JSON files in simulators/serving/data/workloads/ (found through
// common::data_path), each a "workload" block and its "slo" block. A scenario names one with
// workload.preset and overrides any field. Loading reads files; thread-safe (no shared state).
#include <string>
#include <vector>

#include "infersim/common/json_util.h"

namespace infersim::serving {

struct WorkloadPreset {
  std::string name;
  std::string description;
  std::string file;
  common::Json workload;  // the preset's workload block (without "preset")
  common::Json slo;
};

std::string workload_presets_dir();
std::vector<std::string> workload_preset_names();
WorkloadPreset load_workload_preset(const std::string& name);  // ConfigError with suggestion if unknown

}  // namespace infersim::serving
