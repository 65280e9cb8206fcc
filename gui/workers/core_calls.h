#pragma once
// The GUI's calls into the application layer (app/), as plain functions (no Qt) so that workers run
// them on background threads and tests call them directly. Each is the app call behind a CLI
// command, so the numbers the app shows equal the CLI's by construction: run_analytic() = `infersim
// compare`, plan_at_load() = `infersim plan` on a one-hardware PLAN.json, plan_workload_cell() = a cell
// of `infersim workloads compare`, plan_all() = `infersim plan` on the scenario's PLAN.json,
// load_calibration_data() = the older datasets' part of `infersim validate`. Thread-safe (the shipped catalogs load
// once under their own mutexes).
#include <string>
#include <vector>

#include "workers/run_results.h"
#include "workers/scenario_input.h"

namespace infersim::gui {

// Loads the shipped model, hardware and runtime catalogs and the default pricing (first use is the
// slow part: tens of JSON files). Call once at start-up, off the GUI thread if possible.
void preload_catalogs();

struct ModelEntry {
  std::string name;  // slug, or the file path for an imported config
  std::string display_name;
  std::string family, architecture;
  double params = 0;  // total parameters
  double active_params = 0;
  bool is_moe = false;
  std::string path;  // card / config.json file
  bool imported = false;
};
std::vector<ModelEntry> catalog_models();
// A Hugging Face config.json (or model card) given by path: throws ConfigError naming the field.
ModelEntry import_model_file(const std::string& path);

struct HardwareEntry {
  std::string name;  // slug, or a profile path for user profiles
  std::string display_name;
  std::string vendor, kind;
  double peak_bf16 = 0, memory_bytes = 0, memory_bw = 0, tdp_w = 0, usd_per_hour = 0;
  bool user_profile = false;
};
std::vector<HardwareEntry> catalog_hardware();
HardwareEntry hardware_entry(const std::string& name_or_path);

// `infersim compare` for one hardware (errors become the row's reason, like the CLI's error rows).
CompareRow estimate_row(const ScenarioInput& s, const std::string& hardware);
AnalyticResult run_analytic(const ScenarioInput& s);

// The planner restricted to one hardware and workload (single_hardware_request()), verified when
// s.verify: `infersim plan` on that request.
LoadRow plan_at_load(const ScenarioInput& s, const std::string& hardware, const WorkloadInput& w);
// One heat-map cell: the workload preset's own lengths, load and SLOs on one hardware, verified on the
// preset when s.verify: the cell `infersim workloads compare` stores (app::plan_workload).
LoadRow plan_workload_cell(const ScenarioInput& s, const std::string& hardware, const std::string& preset);
// The planner over all the scenario's hardware (plan_request()), verified when s.verify.
planner::PlanResult plan_all(const ScenarioInput& s);

CalibrationData load_calibration_data();

// Weight precisions offered in the scenario panel ("" = CLI default).
const std::vector<std::string>& precision_choices();

}  // namespace infersim::gui
