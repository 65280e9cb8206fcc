#pragma once
// What the GUI's background computations return: plain copyable values that travel from worker
// threads to the widgets through queued signals (registered as Qt metatypes in gui_metatypes.h).
// Units: seconds, FLOP/s, bytes/s, watts, USD. No Qt.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infersim/perf/calibrator.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/planner/plan.h"
#include "workers/scenario_input.h"

namespace infersim::gui {

// One row of the comparison: exactly what `infersim compare` computes for one hardware.
struct CompareRow {
  std::string hardware;  // as given (catalog slug or profile path)
  std::string display_name;
  std::string kind;   // gpu, lpu, tpu, npu, cpu, asic
  std::string error;  // non-empty: the CLI prints an error row with this reason
  perf::Estimate estimate;
  std::string layout_note;
  std::string runtime_basis;  // fitted | family | vendor | transferred | assumed | default | datasheet
  // Roofline inputs, per chip: datasheet peak for the deployment's matmul precision and memory
  // bandwidth, and the calibrated fractions of both that the estimate used.
  double peak_flops = 0;
  double mem_bw_bytes_per_s = 0;
  double compute_fraction = 1, memory_fraction = 1;
};

struct AnalyticResult {
  std::uint64_t generation = 0;
  ScenarioInput scenario;
  std::vector<CompareRow> rows;
  std::string model_error;  // the model could not be resolved (shown at the model field)
  std::string model_display;
  double elapsed_ms = 0;
};

// One hardware at the workload's load: the planner restricted to this hardware and precision
// (`infersim plan` with that PLAN.json), cheapest feasible layout.
struct LoadRow {
  std::string hardware;
  std::string workload;
  bool feasible = false;
  std::string reason;  // why nothing is feasible
  planner::Candidate best;
};

// $/1K output tokens per hardware (rows) x workload type (columns); NaN where infeasible.
struct HeatMap {
  std::vector<std::string> hardware;
  std::vector<std::string> workloads;
  std::vector<std::vector<double>> usd_per_1k;
  std::vector<std::vector<std::string>> why;   // reason where infeasible
  std::vector<std::vector<std::string>> note;  // what a feasible cell is (the API row: provider, prices, date)
  int api_row = -1;                            // index of the "buy tokens" row (cheapest hosted API), -1: none
};

// One discrete-event run of the workload on one hardware.
struct SimRow {
  std::string hardware;
  std::string error;
  std::uint64_t completed = 0, rejected = 0;
  double ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0;
  double goodput = 0, throughput_tok_s = 0, usd_per_1k_tokens = 0, joules_per_token = 0, avg_power_w = 0;
  int cold_starts = 0;
  std::vector<double> ttft_s;  // per request, sorted ascending (the CDF)
  std::vector<double> tpot_s;
  std::string scenario_json;  // the resolved simulate scenario (for `infersim simulate`)
};

// Cluster state over simulated time for the focus hardware, sampled on a regular grid.
struct Timeline {
  std::string hardware;
  std::string error;
  double bin_s = 0;
  std::vector<double> t_s;
  std::vector<double> queue;         // requests waiting (arrived, not yet scheduled)
  std::vector<double> batch;         // sequences in the running steps (mean over the bin, summed over replicas)
  std::vector<double> replicas;      // replicas stepping or loading in the bin
  std::vector<double> cold_start_s;  // start times of cold starts
};

struct RunResult {
  std::uint64_t id = 0;
  ScenarioInput scenario;
  bool cancelled = false;
  std::string error;
  std::vector<LoadRow> load;
  HeatMap heat;
  bool has_plan = false;
  planner::PlanResult plan;
  std::string plan_error;
  bool simulated = false;  // the discrete-event simulator ran
  std::vector<SimRow> sims;
  Timeline timeline;
  std::vector<std::string> notes;
  double elapsed_s = 0;
};

// Predicted vs measured over the bundled measurements with the shipped calibrations (what
// `infersim validate --all-rows` evaluates).
struct CalibrationPoint {
  std::string hardware, runtime, model, metric;
  double measured = 0, predicted = 0;
  bool held_out = false;
  int batch = 1, input = 0, output = 0, chips = 1;
};
struct CalibrationGroup {
  std::string hardware, runtime, basis;  // basis: fitted | borrowed | datasheet
  int rows = 0, held_out_rows = 0;
  std::map<std::string, perf::ErrorStats> held_out_error;  // metric -> error
};
struct CalibrationData {
  std::vector<CalibrationPoint> points;
  std::vector<CalibrationGroup> groups;
  std::map<std::string, perf::ErrorStats> overall_held_out;  // metric -> error
  std::string error;
};

}  // namespace infersim::gui
