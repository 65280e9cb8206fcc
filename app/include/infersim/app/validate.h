#pragma once
// App action "validate calibrations": prediction error on measurements the calibration never saw, and
// the verdict against each issue's accuracy targets. Three parts:
//  - serving: today's stacks (aiconfigurator 2025-26 TensorRT-LLM / vLLM / SGLang benchmarks), each
//    held-out row simulated as the closed-loop benchmark that measured it; random split and leave one
//    system out. Targets: held-out TTFT <= 15%, TPOT <= 10% per runtime; leave-one-out 25% / 15%.
//  - dataflow: the dataflow vendors' published per-user speeds (Groq, Cerebras, SambaNova) at batch 1;
//    target: within 25% for >= 3 models per vendor.
//  - legacy: the older datasets (splitwise-sim vLLM, LLM-Inference-Bench) on the roofline calibrations
//    per (hardware, runtime@version); targets TPOT and throughput <= 15%, TTFT <= 25% where a pair has
//    >= 20 measured rows.
//  - power: the GPU power model (perf/power_model.h) against the measured per-GPU average and peak
//    power of the older datasets (splitwise-sim A100-80GB): the shipped model on held-out
//    configurations, leave one model out, the phase-constant model it replaced, and whether the shipped
//    coefficients are what a refit on the fit split gives (no hand tuning). The 2025-26 aiconfigurator
//    data has no power columns (power was not sampled; data/aiconfigurator/README.md).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/perf/calibrator.h"
#include "infersim/perf/measurements.h"
#include "infersim/perf/power_model.h"
#include "infersim/perf/vendor_speeds.h"
#include "infersim/serving/serving_validation.h"

namespace infersim::app {

struct ValidateRequest {
  bool serving = true, dataflow = true, legacy = true, power = true;
  bool loso = true;           // serving: also leave one system out (most of the time)
  bool held_out_only = true;  // legacy: only rows never fitted (false = every row)
  int jobs = 0;               // 0 = all cores
  std::function<void(std::size_t done, std::size_t total)> progress;  // serving rows simulated
};

struct TargetVerdict {
  std::string kind;   // "held-out (random split)", "leave system out (own tables)", ...
  std::string group;  // e.g. "tensorrt-llm / dense"
  int rows = 0;
  double ttft_median_abs = 0, tpot_median_abs = 0;
  double ttft_target = 0, tpot_target = 0;
  bool met = false;
};

struct ServingPart {
  serving::ServingValidation v;
  std::vector<TargetVerdict> targets;
  std::map<std::string, int> skipped_loading;       // rows the loader could not use, by reason
  std::map<std::string, int> relabelled_loading;    // rows whose written layout the loader repaired, by reason
  std::map<std::string, int> fit_excluded_loading;  // rows kept out of the fit (fit_exclusions.json), by reason
};

struct DataflowPart {
  std::shared_ptr<const perf::VendorSpeedSet> set;  // the report's checks point into it
  perf::VendorSpeedReport report;
};

struct LegacyPoint {
  std::string model;
  perf::Metric metric = perf::Metric::e2e;
  double measured = 0, predicted = 0;
  bool held_out = false;
  int batch = 1, input = 0, output = 0, chips = 1;
};

struct LegacyGroup {
  std::string key;                       // "hardware / runtime[@version]"
  std::string hardware, runtime, basis;  // basis: fitted | borrowed | datasheet
  int rows = 0;                          // rows scored (held-out only unless all rows were asked for)
  int measured_rows = 0;
  std::map<perf::Metric, perf::ErrorStats> stats;
  std::string verdict;              // "met" | "MISSED" | "n<20"
  std::vector<LegacyPoint> points;  // every observation of the group, scored or not
};

struct LegacyPart {
  bool held_out_only = true;
  std::vector<LegacyGroup> groups;
  std::map<perf::Metric, perf::ErrorStats> overall;
  std::map<std::string, int> skipped_loading, skipped_observations;
};

struct PowerPart {
  perf::PowerFit fit;  // errors of the shipped model; fit.model = the refit on the fit split
  perf::PowerModel shipped;
  bool shipped_matches_refit = false;  // coefficients equal within 1e-6
  double held_out_target = 0.10;       // median |error| of average power
  bool met = false;
};

struct ValidationReport {
  std::optional<ServingPart> serving;
  std::optional<PowerPart> power;
  std::optional<DataflowPart> dataflow;
  std::optional<LegacyPart> legacy;
};

ValidationReport validate(const ValidateRequest& r);

// "hardware / runtime[@version]": how the older datasets' rows group onto one roofline calibration
// (validate and `calibrate-from` group by it).
std::string measurement_group_key(const perf::Measurement& m);

// The machine-readable report (`infersim validate --json`): the legacy part's fields at the top, with
// "serving" and "dataflow_vendors" beside them; a dataflow-only report is {"dataflow_vendors": ...}.
common::Json validation_report_json(const ValidationReport& r);

}  // namespace infersim::app
