#pragma once
// Calibration and validation of the kernel path against measured serving benchmarks of today's stacks
// (perf/serving_measurements.h). Every measured row becomes a benchmark-mode simulation of its own
// deployment (benchmark.h) under the harness that measured it: aiconfigurator-generated engine
// configs (token budget = concurrency + ISL + 1500, max batch >= 512, mixed prefill/decode steps,
// dense CUDA-graph batch sizes; ai-dynamo/aiconfigurator src/aiconfigurator/generator/rule_plugin/*.rule).
// The simulation's mean TTFT / TPOT step-cost sums become linear observations, so the runtime
// version's serving overheads (per step, per sequence, fused activation quantization, frontend time
// per request and per prompt token) are fitted by non-negative least squares on the fit rows and
// judged on rows held out two ways:
//  (a) a random split by configuration (ServingMeasurement::held_out);
//  (b) leave one system out: every row of a GPU predicted from overheads fitted on the other GPUs'
//      rows, with that GPU's own kernel tables ("own tables") and without them (a same-family chip's
//      tables scaled by the roofline, or the efficiency model: "no tables").
// Deterministic; building observations runs simulations on `jobs` threads.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/perf/calibrator.h"
#include "infersim/perf/serving_measurements.h"
#include "infersim/serving/benchmark.h"

namespace infersim::serving {

struct ServingObservation {
  const perf::ServingMeasurement* row = nullptr;
  perf::Observation ttft, tpot;  // terms = mean step-cost sums; measured = the row's values
  std::string basis;             // kernel tables | transferred tables | efficiency model
  std::string scheduler;
  std::string attention;        // the model's attention kind for the MoE scales (ModelSpec::attention_kind)
  perf::Deployment deployment;  // as simulated (harness scheduler applied), for the analytic estimate
  perf::StepCost prefill_one;   // one prompt alone (the queueing term's S)
  double queue_others = 0;      // the other users running at once (the queueing term's multiplier)
  bool queues = true;           // false: the users ran in lockstep and the simulation queued them
  // What eager prompt steps add to the mean TTFT / TPOT at each host time of EAGER_LAYER_GRID_S
  // (BenchmarkResult); the terms above hold none of it (their floor_extra_s is 0): eager_at() adds it
  // at a calibration's eager_layer_s. Empty: none.
  std::vector<double> ttft_eager, tpot_eager;
};

// An observation's eager prompt-step extra at host time h per layer: the grid value at h, linear
// between grid values (exact on the grid, which is all the fit evaluates).
double eager_at(const std::vector<double>& grid, double h);

struct ServingObservations {
  std::vector<ServingObservation> obs;
  std::map<std::string, int> skipped;  // reason -> rows
};

struct ObservationOptions {
  bool own_tables = true;  // false: the row's GPU may not use its own kernel tables (LOSO "no tables")
  int jobs = 0;            // threads (0 = hardware concurrency)
  std::function<void(std::size_t done, std::size_t total)> progress;
  // MoE routing skew to simulate with (Deployment::moe_routing_skew); unset = the shipped calibration's.
  std::optional<double> routing_skew;
  // MTP draft acceptance for the rows that ran multi-token prediction (row_mtp_draft_tokens); unset =
  // the shipped calibration's.
  std::optional<double> mtp_acceptance;
  // The efficiency model the rows' kernel paths take (Deployment::efficiency); null = the shipped one.
  std::shared_ptr<const perf::EfficiencyModel> efficiency;
};

// Draft tokens a measured row ran multi-token prediction with (0 = none). TensorRT-LLM's DeepSeek-R1
// B200 rows measured on release 1.2.0rc6.post3 are SemiAnalysis InferenceX's MTP recipes (3 draft
// tokens, 1 under attention DP); the CSV does not record it (docs/calibration.md, "Multi-token prediction").
int row_mtp_draft_tokens(const perf::ServingMeasurement& row);

// The runtime version whose calibration a measured row belongs to: the first kernel-path version of its
// runtime whose `calibrated_on` prefixes its measured version, else the runtime's first (newest).
std::string calibration_version(const perf::ServingMeasurement& row);

// The benchmark a measured row ran: its concurrency and lengths.
BenchmarkSpec harness_spec(const perf::ServingMeasurement& row);
// The row's deployment: its runtime at the version calibrated on the row's measured version (kernel
// path), with the aiconfigurator harness's engine settings.
perf::Deployment row_deployment(const perf::ServingMeasurement& row, bool own_tables,
                                std::optional<double> routing_skew = std::nullopt,
                                std::optional<double> mtp_acceptance = std::nullopt);

ServingObservations build_serving_observations(const std::vector<perf::ServingMeasurement>& rows,
                                               const ObservationOptions& opt = {});

// Fit of one runtime's serving overheads on observations (all of them; select before calling).
struct KernelFit {
  hwprofiles::CalibrationParams params;
  int rows = 0, trimmed = 0;
  int iterations = 0;  // of the queueing fixed point
};
// The TTFT queueing term depends on the overheads (a prompt's step time, the request cycle), so the
// linear fit iterates from zero overheads to a fixed point: the result depends on the observations'
// step costs alone, not on the parameters they were simulated with.
// MoE rows among `obs` are evaluated with `moe_scales` (params_for); empty = the dense-table experts.
// `eager_layer_s`: the host time per layer of an eager prompt step the overheads are fitted at.
KernelFit fit_kernel_overheads(const std::vector<const ServingObservation*>& obs,
                               const std::vector<hwprofiles::MoeExpertScale>& moe_scales = {},
                               double eager_layer_s = 0.0);

// MoE expert-kernel scales of one runtime version (CalibrationParams::moe_expert_scale), fitted on the
// TPOT of MoE observations with the version's overheads `p` fixed (serving::fit_version): per GPU and
// weight x activation format with at least MOE_SCALE_MIN_ROWS rows, plus a pooled fit over all of
// them (hardware ""). Each is the least-absolute-relative-error scale (a weighted median), clamped to
// [MOE_SCALE_MIN, MOE_SCALE_MAX]. TPOT is linear in the scale, so nothing is simulated again.
inline constexpr int MOE_SCALE_MIN_ROWS = 8;
inline constexpr double MOE_SCALE_MIN = 0.05, MOE_SCALE_MAX = 20.0;
// The prefill scale (CalibrationParams::moe_prefill_scale, fitted on TTFT with the decode scale fixed)
// stays within a factor 2 below / 4 above the dense-table grouped GEMM: prompt-sized expert GEMMs are
// large, and a TTFT miss beyond that band is not the experts' (it shows as a fit at the bound).
inline constexpr double MOE_PREFILL_SCALE_MIN = 0.5, MOE_PREFILL_SCALE_MAX = 4.0;
// The decode fit takes a second parameter with the scale: a fixed time per MoE layer and step
// (CalibrationParams::moe_layer_overhead_s), in [0, MOE_LAYER_OVERHEAD_MAX_S], jointly by least absolute
// relative error.
inline constexpr double MOE_LAYER_OVERHEAD_MAX_S = 200e-6;
std::vector<hwprofiles::MoeExpertScale> fit_moe_expert_scales(const std::vector<const ServingObservation*>& obs,
                                                              const hwprofiles::CalibrationParams& p);
// A runtime version's whole fit: its step and per-sequence overheads on the dense rows `dense` (a
// version measured on MoE models only: on its MoE rows `moe`, at the dense-table experts), the MoE scales
// on the MoE rows; then a second pass: the TTFT frontend terms on all its rows (each MoE row at its GPU
// and format's scales, the step terms held) and the MoE scales again at those terms.
struct VersionFit {
  KernelFit overheads;
  std::vector<hwprofiles::MoeExpertScale> scales;
  // Whether any of the version's rows ran a prompt step eagerly, so that its host time per layer
  // (CalibrationParams::eager_layer_s) was chosen on evidence. Without, see apply_eager_prior.
  bool eager_evidence = false;
};
// A version none of whose rows ran a prompt step eagerly (vLLM under its default piecewise CUDA graphs) has
// no evidence for its host time per layer of an eager prompt step, which a deployment of it with eager
// prompt steps (`--eager-prompt-steps on`, vLLM's FULL_DECODE_ONLY recipes) still pays. Such a version takes
// the median of the host times chosen by the versions, of any runtime, that had the evidence: it is the
// serving host's launch cost, not the GPU's. Returns that median and the number of versions behind it
// ({0, 0} when none had any; nothing changes then).
std::pair<double, int> apply_eager_prior(std::map<std::string, VersionFit>& fits);
// The whole fit is taken at each host time per layer of an eager prompt step in EAGER_LAYER_GRID_S
// (CalibrationParams::eager_layer_s) and the one Akaike's criterion prefers kept: n ln(mean |log error|)
// over the version's n TTFT and TPOT observations, plus 1 for a host time above 0 (0 alone when no row
// has an eager prompt step).
VersionFit fit_version(const std::vector<const ServingObservation*>& dense,
                       const std::vector<const ServingObservation*>& moe);
VersionFit fit_version_at(const std::vector<const ServingObservation*>& dense,
                          const std::vector<const ServingObservation*>& moe, double eager_layer_s);
// `p` with the MoE expert scale that applies to the observation's GPU and format (dense rows: `p`).
hwprofiles::CalibrationParams params_for(const ServingObservation& o, hwprofiles::CalibrationParams p,
                                         const std::vector<hwprofiles::MoeExpertScale>& scales);

// The simulated benchmark's {ttft_s, tpot_s} under `p`, the TTFT queueing term recomputed at `p`
// (benchmark_queue_s).
std::pair<double, double> des_prediction(const ServingObservation& o, const hwprofiles::CalibrationParams& p);

// The analytic estimate (perf::estimate_serving, benchmark mode) of an observation's row under `p`:
// {ttft_s, tpot_s}.
std::pair<double, double> analytic_prediction(const ServingObservation& o, const hwprofiles::CalibrationParams& p);

struct ErrorGroup {
  std::string key;  // e.g. "h100-sxm / tensorrt-llm / dense"
  perf::ErrorStats ttft, tpot;
};

struct ServingValidation {
  // One fitted entry per runtime (fit rows of the random split) -> kernel_calibrations.json.
  std::vector<hwprofiles::KernelCalibrationEntry> fits;
  std::vector<ErrorGroup> random_split;         // held-out rows, by hardware / runtime / dense|moe
  std::vector<ErrorGroup> random_by_runtime;    // held-out rows, by runtime / dense|moe
  std::vector<ErrorGroup> analytic_by_runtime;  // the same rows predicted by the analytic estimate
  // random_by_runtime less the metrics a rule of fit_exclusions.json names (both metrics of a row it keeps
  // out, the TTFT of one whose TTFT alone it keeps out). The targets are judged on random_by_runtime.
  std::vector<ErrorGroup> random_by_runtime_unruled;
  std::vector<ErrorGroup> loso_own_tables;  // by held-out system / runtime
  // loso_own_tables less the metrics a rule of fit_exclusions.json names (as random_by_runtime_unruled);
  // the targets are judged on loso_own_tables.
  std::vector<ErrorGroup> loso_own_tables_unruled;
  std::vector<ErrorGroup> loso_no_tables;
  std::vector<ErrorGroup> fit_rows;  // the fit rows (in-sample), by runtime
  std::map<std::string, int> skipped;
  int rows = 0, rows_fit = 0, rows_held_out = 0;
  int rows_excluded = 0;  // neither fitted nor held out: kept out of the fit (ServingMeasurement::fit_excluded)
  common::Json points;    // per row: measured and predicted (random split and LOSO)
};

ServingValidation validate_serving(const std::vector<perf::ServingMeasurement>& rows, const ObservationOptions& opt,
                                   bool with_loso = true);
common::Json serving_validation_to_json(const ServingValidation& v);

// The MoE routing skew (CalibrationParams::moe_routing_skew), fitted on a grid: for each value every
// row is simulated again and the whole fit (overheads, then expert scales) redone; the value with the
// least median |TPOT error| over the MoE fit rows (all runtimes pooled, simulated benchmark) wins,
// the smaller value on a tie. Held-out rows are never looked at.
struct RoutingFit {
  double skew = 0;
  std::vector<std::pair<double, double>> objective;  // (skew, median |TPOT error| of the MoE fit rows)
  int rows = 0;                                      // MoE fit rows
};
inline const std::vector<double>& routing_skew_grid() {
  static const std::vector<double> g{0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5};
  return g;
}
RoutingFit fit_routing_skew(const std::vector<perf::ServingMeasurement>& rows, const ObservationOptions& opt,
                            const std::vector<double>& grid = routing_skew_grid(),
                            const std::function<void(double skew, double objective)>& on_value = nullptr);

// The MTP draft acceptance (CalibrationParams::mtp_acceptance) of the rows that ran multi-token
// prediction, fitted on a grid the same way: every row simulated again at each value, the whole fit
// redone (the expert scales move with it), the least median |TPOT error| over the MTP fit rows wins (the
// other rows' median hardly moves: 8.30% from 0.6 to 0.8). Held-out rows are never looked at.
struct MtpFit {
  double acceptance = 0;
  std::vector<std::pair<double, double>> objective;  // (acceptance, median |TPOT error| of the MTP fit rows)
  int rows = 0, mtp_rows = 0;                        // MoE fit rows; of them, MTP runs
};
inline const std::vector<double>& mtp_acceptance_grid() {
  static const std::vector<double> g{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  return g;
}
MtpFit fit_mtp_acceptance(const std::vector<perf::ServingMeasurement>& rows, const ObservationOptions& opt,
                          const std::vector<double>& grid = mtp_acceptance_grid(),
                          const std::function<void(double acceptance, double objective)>& on_value = nullptr);

}  // namespace infersim::serving
