#pragma once
// Benchmark mode: what a serving benchmark client measures against one engine replica. The client
// keeps `concurrency` users in a closed loop (each sends its next request the moment the previous
// answer ends, zero think time), every request has exactly `input` prompt and `output` generated
// tokens (ignore_eos), the run sends rounds x concurrency requests starting from an idle, warm engine,
// and TTFT / TPOT are means over all of them (aiperf's recipe, data/aiconfigurator/README.md).
//
// simulate_benchmark() runs that loop in the discrete-event serving simulator with the runtime
// version's scheduler (token budget, chunking, prefill-first or mixed steps, max batch, join delay of
// an overlap scheduler, CUDA-graph padding, KV capacity): the reference for this mode. Because such a
// loop schedules by step counts alone, the mean TTFT and TPOT are sums of step costs; the result
// carries those sums (mean_ttft_cost, mean_tpot_cost) so calibration can re-evaluate them under other
// overhead parameters exactly, without re-simulating. Deterministic; thread-safe across calls.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infersim/model/model_spec.h"
#include "infersim/perf/deployment.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::serving {

struct BenchmarkSpec {
  int concurrency = 1;
  double input = 1024;
  double output = 256;
  int rounds = 20;  // measured requests = rounds x concurrency
  // Lengths drawn per request, uniformly from length_range_ratio x the length to the length (both input
  // and output; 1 = fixed lengths). SemiAnalysis InferenceX's client does this with 0.8
  // (`--random-range-ratio`, `sample_uniform` in utils/bench_serving/benchmark_serving.py: integers from
  // int(L x 0.8) to L). The analytic parts of the result (the bunching term, the prefill-share term, the
  // stagger) take the mean lengths (mean_input / mean_output).
  double length_range_ratio = 1.0;
  // The mean of integer lengths drawn uniformly from int(length x ratio) to length.
  static double mean_length(double length, double ratio) { return 0.5 * (std::floor(length * ratio) + length); }
  double mean_input() const { return mean_length(input, length_range_ratio); }
  double mean_output() const { return mean_length(output, length_range_ratio); }
  // Users start out of phase (true) or all at once, in lockstep (false). Unset: out of phase under
  // mixed steps, in lockstep under prefill-first steps. The client starts every user at once; a
  // prefill-first scheduler runs all waiting prompts before any decode, so the wave finishes on one
  // step and starts again together for good, while mixed steps admit a few prompts per step and the
  // users drift apart (docs/calibration.md, "Lockstep waves").
  std::optional<bool> stagger;
  int warmup_rounds = 2;  // in lockstep: the first warmup_rounds x concurrency requests are not measured
  // Overrides of the runtime version's scheduler defaults (benchmarks often configure these).
  std::optional<int> max_num_tokens, max_batch;
  std::optional<bool> chunked_prefill;
  // Steps that carry a prompt run without CUDA graphs (SchedulerDefaults::eager_prompt_steps).
  std::optional<bool> eager_prompt_steps;
  std::optional<std::string> policy;  // "mixed" | "prefill_first"
};

struct BenchmarkResult {
  // Mean over all requests: the simulated TTFT (frontend time included) plus, for users out of phase,
  // the bunching of closed-loop users behind other prompts (ttft_queue_factor x benchmark_queue_s),
  // which the simulation's evenly staggered users do not see. In lockstep the queueing is simulated
  // and no term is added.
  double ttft_s = 0;
  double tpot_s = 0;  // mean of (last token - first token) / (output - 1)
  double e2e_s = 0;
  double ttft_p99_s = 0, tpot_p99_s = 0;
  double throughput_tok_s = 0;    // output tokens / s over the run
  double mean_running = 0;        // time-weighted batch size
  double kv_capacity_tokens = 0;  // what the engine could hold
  // Most sequences the engine runs at once: the scheduler's max batch, or fewer where a hybrid model's
  // recurrent states fit fewer (perf::cap_state_slots).
  std::int64_t max_running = 0;
  std::uint64_t steps = 0, requests = 0, preemptions = 0;
  std::string scheduler;  // e.g. "chunked (budget 8192, max batch 1024, join delay 1)"
  bool lockstep = false;  // the users ran in lockstep (BenchmarkSpec::stagger)
  // Exact step-cost sums: ttft_s == mean_ttft_cost.time(params) and tpot_s == mean_tpot_cost.time(params)
  // for the estimator's parameters (and any others: the schedule does not depend on them).
  // mean_ttft_cost.queue_s is the queueing term at the estimator's parameters (benchmark_queue_s).
  perf::StepCost mean_ttft_cost, mean_tpot_cost;
  perf::StepCost prefill_one_cost;  // one prompt alone: S of the queueing term
  double queue_others = 0;          // the other users running at once: the queueing term's multiplier
  // What eager prompt steps add to the mean TTFT and TPOT at each per-layer host time of
  // EAGER_LAYER_GRID_S (each step's own max(0, h x layers - kernel time), summed as the sums above), so
  // calibration can choose the host time without re-simulating. mean_*_cost.floor_extra_s holds the
  // same at the estimator's own CalibrationParams::eager_layer_s.
  std::vector<double> ttft_eager_grid_s, tpot_eager_grid_s;
};

// The per-layer host times of an eager prompt step that calibration chooses from (seconds; 0 = none). The
// range is an estimate ([EST]: some 15-25 kernel launches a layer at a few to tens of microseconds each),
// not a measurement; the fit chooses within it (docs/calibration.md, "Eager prompt steps").
inline constexpr std::array<double, 10> EAGER_LAYER_GRID_S = {0.0,    50e-6,  100e-6, 200e-6, 300e-6,
                                                              400e-6, 500e-6, 650e-6, 800e-6, 1000e-6};

// The queueing seconds closed-loop users add to TTFT (before ttft_queue_factor) under parameters p:
// bunching, (others) x S, with S one prompt's prefill step and `others` the other users running at
// once. Users released together finish and return together, so a prompt finds a share of the others'
// prompts ahead of it, which the simulation's evenly staggered users do not see (docs/calibration.md,
// "Bunching"). Step costs are linear in p, so a fit can move p and recompute it without simulating again.
double benchmark_queue_s(const perf::StepCost& prefill_one, double others, const hwprofiles::CalibrationParams& p);

// `d` must be resolved (perf::apply_runtime) and laid out (tp, pp). Throws ConfigError if it cannot run.
BenchmarkResult simulate_benchmark(const model::ModelSpec& m, const perf::Deployment& d, const BenchmarkSpec& spec);

// The scheduler a benchmark of `d` runs: its runtime version's defaults with the spec's overrides.
hwprofiles::SchedulerDefaults benchmark_scheduler(const perf::Deployment& d, const BenchmarkSpec& spec);

}  // namespace infersim::serving
