#pragma once
// Host calibration: the loop that turns measurements of the reference engine on the machine at hand
// into a hardware profile whose predictions are checked on held-out runs (`infersim calibrate`).
//
//  1. probes (calibration/micro): peak FMA / bf16-dot throughput and DRAM read bandwidth -> the profile's
//     peaks and bandwidth, tagged [MEAS];
//  2. hydration: a seeded weights file is written, read warm and cold (refengine/hydration_probe.h)
//     and loaded into the engine for each dtype (timed);
//  3. a grid of engine steps per weight dtype: batched decode (batch x context) and batched prefill
//     (batch x prompt length); each point is the best of several repetitions, taken as passes over
//     the whole grid (interference on a shared machine comes and goes); the peak and bandwidth
//     probes are repeated between engines and the profile keeps their best;
//  4. each point becomes a perf::Observation whose cost terms are StepEstimator::cost() of exactly
//     the batch shape the engine ran, on the measured profile — the estimator's own formulas — and
//     perf::fit_calibration() fits compute / memory fractions (grid) and step / layer / sequence
//     overheads (NNLS) on two thirds of the grid; the other third (every third point of each
//     dtype x phase, sorted by size) is held out and reported;
//  5. outputs: host.json (hwprofile schema, fitted fractions in "efficiency" tagged [FIT]),
//     calibrations.json (the full fitted entry, overheads included), report.md and report.json.
// Runs on the caller's thread plus the engine's pool; not reentrant (the probes time the machine).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/micro/probes.h"
#include "infersim/model/op_cost.h"
#include "infersim/perf/calibrator.h"
#include "infersim/refengine/hydration_probe.h"

namespace infersim::hostcal {

inline constexpr const char* HOST_HARDWARE = "host";
inline constexpr const char* ENGINE_RUNTIME = "infersim-refengine";

struct GridPoint {
  common::DType dtype = common::DType::bf16;
  bool prefill = false;
  int layers = 0;  // layers of the model run for this point
  int batch = 1;
  std::int64_t length = 0;  // decode: tokens already cached per sequence; prefill: prompt length
  bool held_out = false;
  std::vector<double> samples;                             // seconds per repetition
  double measured_s = 0;                                   // best repetition
  std::array<double, model::OP_CLASS_COUNT> op_seconds{};  // of the best repetition
  model::BatchShape shape;
  double flops = 0, bytes = 0;  // the estimator's counts for this step
  double predicted_s = 0;       // fitted calibration
  double roofline_s = 0;        // pure roofline at the measured peaks (fractions 1, no overheads)
  // Read bandwidth of this point's engine's own weight memory (best of the probes after each pass):
  // the bandwidth its observation is fitted against; 0 = not measured (the DRAM probe is used).
  double read_bw = 0;
  double error() const { return measured_s > 0 ? predicted_s / measured_s - 1.0 : 0.0; }
};

struct Options {
  model::ModelSpec card;  // the model whose shape is run (truncated to `layers`)
  int layers = 2;
  // A few bf16 points (decode batch 1 / 16 at two contexts, two prefill lengths) at a second depth,
  // so that per-layer and per-step costs can be told apart and the fit extrapolates to deeper
  // (full-size) models; 0 = none.
  int depth_layers = 0;
  std::vector<common::DType> dtypes = {common::DType::fp32, common::DType::bf16, common::DType::int8};
  std::vector<int> decode_batches;
  std::vector<std::int64_t> decode_contexts;
  std::int64_t max_decode_tokens = 0;  // skip decode points with batch x context above this (0 = none)
  std::vector<int> prefill_batches;
  std::vector<std::int64_t> prefill_lengths;
  std::int64_t max_prefill_tokens = 0;  // skip prefill points with batch x length above this (0 = none)
  int repeats = 3;
  double probe_seconds = 0.2;
  bool probe_cache_levels = true;
  std::int64_t probe_dram_bytes = 0;  // 0 = probe default
  bool hydration = true;              // write + time a weights file (else weights are built in memory)
  std::string out_dir = "results/host";
  int threads = 0;
  std::uint64_t seed = 1;
  std::string label = "custom";  // "quick" / "full" / "custom", for the report
  std::function<void(const std::string&)> progress;

  // Presets for `infersim calibrate [--quick]` on the given card (llama-3.2-1b by default in the CLI).
  static Options quick(const model::ModelSpec& card);
  static Options full(const model::ModelSpec& card);
};

struct MetricErrors {
  perf::ErrorStats fit, held_out;
};

struct Result {
  Options options;
  std::string date;  // YYYY-MM-DD (UTC)
  micro::ProbeReport probes;
  std::optional<refengine::HydrationResult> hydration;
  std::string weights_file;
  std::vector<std::pair<std::string, double>> load_seconds;  // dtype -> file -> engine weights
  std::string isa;                                           // kernel tier the engine ran on
  int threads = 1;
  std::vector<GridPoint> points;
  perf::FitResult fit;
  hwprofiles::HardwareProfile profile;  // measured peaks / bandwidth, fitted efficiency, calibration attached
  hwprofiles::CalibrationEntry entry;
  std::map<std::string, MetricErrors> errors;  // "decode", "prefill", "decode/bf16", ...
  // What `infersim estimate --hardware <dir>/host.json` attaches today (the catalog's borrowed
  // calibration for an unknown profile), and its held-out error on the same points.
  std::string estimate_cli_calibration;
  hwprofiles::CalibrationParams estimate_cli_params;
  std::map<std::string, perf::ErrorStats> estimate_cli_errors;
  std::string load_before, load_after;  // /proc/loadavg: other work on the machine during the run
  double wall_s = 0;
  std::string refit_of;  // report.json this result was refitted from ("" = measured in this run)
};

Result run_host_calibration(const Options& options);

// The model name a saved report.json was measured on (so the caller can resolve its card).
std::string report_model_name(const std::string& report_json);

// Refits the measurements of an earlier run (its report.json: probes, hydration, every grid point
// with its best time) with this build's fit model, without measuring again. `card` is the report's
// model (report_model_name()). Throws ConfigError naming the file and field on a malformed report.
Result refit_host_calibration(const std::string& report_json, const model::ModelSpec& card);

// Writes host.json, calibrations.json, report.md, report.json into `dir` (created if missing) and
// checks that host.json and calibrations.json load back through the hwprofiles loaders.
void write_outputs(const Result& r, const std::string& dir);

// The profile in <dir>/host.json with the fitted entry of <dir>/calibrations.json attached as its
// (own, default) calibration: what the estimator should use to predict this machine.
hwprofiles::HardwareProfile load_host_profile(const std::string& dir);

// Error stats keyed by "decode" / "prefill" (+ "/<dtype>") over points, with `params`.
std::map<std::string, MetricErrors> point_errors(const std::vector<GridPoint>& points);

}  // namespace infersim::hostcal
