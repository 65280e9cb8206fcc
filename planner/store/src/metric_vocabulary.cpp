// The results-store metric vocabulary (docs/metrics.md): every metric name a producer writes into a
// ResultRow, with its unit and meaning. Producers: planner/src/sweep.cpp (kind "estimate"),
// app/src/sweep.cpp (kinds "simulate" and "plan"), app/src/contract.cpp (kind "contract"), gui/workers/store_calls.cpp
// (kind "gui-plan"), cli/src/cmd_calibrate_host.cpp (kinds "calibrate", "calibrate-error", "calibrate-fit"). A new
// metric is declared here and in docs/metrics.md before any code writes it.
#include "infersim/store/metric_vocabulary.h"

#include <algorithm>

namespace infersim::store {

namespace {

std::vector<MetricDef> build_vocabulary() {
  std::vector<MetricDef> v = {
      // ---- kind "calibrate" (one row per measured grid point of `infersim calibrate`) ----
      {"abs_error", "1",
       "Absolute relative error |predicted_s / measured_s - 1| of the fitted host model on this calibration grid point "
       "(0.1 = 10%)."},
      {"batch", "sequences", "Sequences in the reference-engine step measured at this calibration grid point."},
      {"bytes", "bytes",
       "Memory traffic the step estimator counts for this calibration grid point's step (weights, KV cache, "
       "activations)."},
      {"error", "1",
       "Signed relative error predicted_s / measured_s - 1 of the fitted host model on this calibration grid point (> "
       "0: over-predicts)."},
      {"flops", "FLOP", "Floating-point operations the step estimator counts for this calibration grid point's step."},
      {"gb_per_s", "GB/s",
       "Achieved memory throughput of this calibration grid point: bytes / measured_s / 1e9 (decimal GB)."},
      {"gflop_per_s", "GFLOP/s",
       "Achieved compute throughput of this calibration grid point: flops / measured_s / 1e9."},
      {"layers", "layers",
       "Model layers the reference engine ran for this calibration grid point (the card truncated to this depth)."},
      {"length", "tokens",
       "Context of this calibration grid point: tokens already cached per sequence for decode, prompt length for "
       "prefill."},
      {"measured_s", "s",
       "Measured wall time of one reference-engine step at this calibration grid point (best of its repetitions)."},
      {"op_attention_s", "s",
       "Measured time spent in the attention op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_embedding_s", "s",
       "Measured time spent in the embedding op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_lm_head_s", "s",
       "Measured time spent in the LM-head op class during the best repetition of this calibration grid point (written "
       "only when > 0)."},
      {"op_mlp_s", "s",
       "Measured time spent in the dense MLP op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_moe_experts_s", "s",
       "Measured time spent in the MoE expert op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_moe_router_s", "s",
       "Measured time spent in the MoE router op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_norm_s", "s",
       "Measured time spent in the normalisation op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"op_out_proj_s", "s",
       "Measured time spent in the attention output-projection op class during the best repetition of this calibration "
       "grid point (written only when > 0)."},
      {"op_qkv_proj_s", "s",
       "Measured time spent in the QKV-projection op class during the best repetition of this calibration grid point "
       "(written only when > 0)."},
      {"predicted_s", "s", "Step time the fitted host calibration predicts for this calibration grid point."},
      {"roofline_s", "s",
       "Pure-roofline step time for this calibration grid point at the measured peaks (efficiency fractions 1, no "
       "overheads)."},
      {"samples", "repetitions", "Timed repetitions of this calibration grid point (measured_s is the best of them)."},
      {"threads", "threads",
       "Threads the reference engine ran on during the host calibration (written on every calibrate, calibrate-error "
       "and calibrate-fit row)."},

      // ---- kind "calibrate-error" (one row per error metric: decode, prefill, decode/<dtype>, ...) ----
      {"fit_mean_signed", "1",
       "Mean signed relative error (predicted / measured - 1) of the fitted host model over the fit points of this "
       "error metric (> 0: over-predicts)."},
      {"fit_median_abs", "1",
       "Median absolute relative error of the fitted host model over the fit points of this error metric (0.1 = 10%)."},
      {"fit_n", "points", "Number of fit (non-held-out) calibration points this error metric covers."},
      {"fit_p90_abs", "1",
       "90th-percentile absolute relative error of the fitted host model over the fit points of this error metric."},
      {"held_out_mean_signed", "1",
       "Mean signed relative error (predicted / measured - 1) of the fitted host model over the held-out points of "
       "this error metric (> 0: over-predicts)."},
      {"held_out_median_abs", "1",
       "Median absolute relative error of the fitted host model over the held-out points of this error metric (0.1 = "
       "10%)."},
      {"held_out_n", "points", "Number of held-out calibration points this error metric covers."},
      {"held_out_p90_abs", "1",
       "90th-percentile absolute relative error of the fitted host model over the held-out points of this error "
       "metric."},

      // ---- kind "calibrate-fit" (one row: the fitted host parameters) ----
      {"attention_fraction", "1",
       "Fitted host calibration: achieved roofline fraction of the attention op relative to the other ops (1 = as "
       "efficient)."},
      {"bf16_peak_flop_per_s", "FLOP/s",
       "Measured bf16 peak compute of the host (best of the probes), as written to host.json."},
      {"compute_fraction", "1", "Fitted host calibration: achieved / peak FLOP/s on matmuls."},
      {"dequant_flops_per_weight", "FLOP/weight",
       "Fitted host calibration: unpack work per narrower-stored weight element per step, in FLOP-equivalents at the "
       "matmul peak."},
      {"dram_read_bytes_per_s", "bytes/s",
       "Measured main-memory (DRAM) read bandwidth of the host (best of the probes), as written to host.json."},
      {"fp32_peak_flop_per_s", "FLOP/s",
       "Measured fp32 peak compute of the host (best of the probes), as written to host.json."},
      {"hydration_cold_bytes_per_s", "bytes/s",
       "Read rate of the seeded weights file with the page cache dropped (written only when the cold read was "
       "measured)."},
      {"hydration_warm_bytes_per_s", "bytes/s",
       "Read rate of the seeded weights file from the page cache (written only when the hydration probe ran)."},
      {"layer_overhead_s", "s", "Fitted host calibration: fixed cost per layer per step."},
      {"memory_fraction", "1", "Fitted host calibration: achieved / peak memory bandwidth."},
      {"roofline_norm", "1",
       "Fitted host calibration: p of the p-norm combining compute and memory time per op class (0 = pure max, 1 = "
       "sum)."},
      {"rows_fit", "points", "Calibration grid points the host fit used."},
      {"rows_held_out", "points", "Calibration grid points held out of the host fit and used to report its error."},
      {"seq_overhead_s", "s", "Fitted host calibration: fixed cost per sequence in a step."},
      {"step_overhead_s", "s", "Fitted host calibration: fixed cost of one forward step."},
      {"wall_s", "s",
       "Wall time of the host calibration's measurement run (for a --refit, that of the run it refits)."},

      // ---- kind "estimate" (analytic request estimate of one replica, planner/src/sweep.cpp) ----
      {"e2e_s", "s",
       "Analytic end-to-end latency of one request at the workload's steady-state concurrency: ttft_s + (output - 1) x "
       "tpot_s."},
      {"fits", "0/1",
       "1 when weights + KV cache for batch x (input + output) tokens + activations fit each chip's usable memory, "
       "else 0."},
      {"max_concurrency", "sequences",
       "Sequences whose KV cache (input + output tokens each) fits the replica after weights and activations, rounded "
       "down."},
      {"memory_used_bytes", "bytes",
       "Memory used per chip by weights + KV cache for the workload + activations (DDR-tier weights excluded)."},
      {"per_user_tok_s", "tokens/s", "Output tokens per second one user sees while decoding: 1 / tpot_s."},
      {"power_w", "W",
       "Average chip power of the replica at this load (phase-weighted prefill/decode power, idle stages at idle "
       "power), chips only: no host overhead or PUE."},
      {"tpot_s", "s",
       "Analytic time per output token after the first, at the workload's steady-state concurrency (one decode step "
       "plus interleaved prefills)."},
      {"ttft_s", "s",
       "Analytic time to first token of one request at the workload's steady-state concurrency (its prefill step plus "
       "waiting)."},

      // ---- kind "simulate" (discrete-event serving simulation, app/src/sweep.cpp) ----
      {"avg_power_w", "W",
       "Simulated average chip power of the whole deployment: energy_j over the whole run from time 0."},
      {"cold_starts", "starts",
       "Replica cold starts (loading weights from the configured source tier) during the simulation, all pools."},
      {"e2e_s_p50", "s",
       "Simulated median end-to-end request latency (arrival to last token, plus client-side frontend time) over "
       "measured requests (arrived after warm-up)."},
      {"e2e_s_p90", "s",
       "Simulated 90th-percentile end-to-end request latency over measured requests (arrived after warm-up)."},
      {"e2e_s_p99", "s",
       "Simulated 99th-percentile end-to-end request latency over measured requests (arrived after warm-up)."},
      {"energy_j", "J",
       "Simulated chip energy of the whole run from time 0: step energy plus idle power of provisioned and standby "
       "replicas (no host overhead or PUE)."},
      {"hydration_s", "s",
       "Total seconds replicas spent in cold starts (hydration) during the simulation, summed over replicas and "
       "pools."},
      {"preemptions", "preemptions",
       "Requests preempted (evicted from the KV cache and requeued) during the simulation."},
      {"queue_s_p50", "s",
       "Simulated median queueing time (arrival to first scheduled) over measured requests (arrived after warm-up)."},
      {"queue_s_p90", "s", "Simulated 90th-percentile queueing time over measured requests (arrived after warm-up)."},
      {"queue_s_p99", "s", "Simulated 99th-percentile queueing time over measured requests (arrived after warm-up)."},
      {"requests", "requests", "Measured requests (arrived after warm-up) the simulation completed."},
      {"tpot_s_p50", "s",
       "Simulated median of per-request mean time per output token over measured requests (arrived after warm-up)."},
      {"tpot_s_p90", "s",
       "Simulated 90th percentile of per-request mean time per output token over measured requests (arrived after "
       "warm-up)."},
      {"tpot_s_p99", "s",
       "Simulated 99th percentile of per-request mean time per output token over measured requests (arrived after "
       "warm-up)."},
      {"ttft_s_p50", "s", "Simulated median time to first token over measured requests (arrived after warm-up)."},
      {"ttft_s_p90", "s",
       "Simulated 90th-percentile time to first token over measured requests (arrived after warm-up)."},
      {"ttft_s_p99", "s",
       "Simulated 99th-percentile time to first token over measured requests (arrived after warm-up)."},
      {"unfinished", "requests",
       "Requests still in flight when the simulation stopped (max_sim_s reached or the run drained)."},

      // ---- shared by several kinds ----
      {"chips", "chips",
       "Chips in the evaluated deployment: the one replica's chips (estimate) or replicas x chips_per_replica (plan, "
       "gui-plan)."},
      {"goodput", "1",
       "Share of measured requests meeting every request SLO in a discrete-event simulation (0..1): the simulate row's "
       "run, or a plan's verification run (plan rows, only when verified)."},
      {"joules_per_output_token", "J/output token",
       "Energy per generated token; basis differs by kind: estimate = replica chip power / output tokens/s, simulate = "
       "chip energy_j / all generated tokens, plan and gui-plan = facility energy (chips + host overhead, x PUE) / "
       "output tokens."},
      {"requests_per_s", "requests/s",
       "Request rate of the whole deployment; meaning differs by kind: simulate = measured completion rate (completed "
       "measured requests / measured window), plan and gui-plan = the target offered load the plan was sized for."},
      {"throughput_tok_s", "tokens/s",
       "Output (generated) tokens per second of the evaluated deployment: the analytic replica at steady state "
       "(estimate) or the simulated cluster over the measured window (simulate)."},
      {"usd_per_1k_output", "USD/1K output tokens",
       "All cost over output tokens x 1000: estimate = replica cloud on-demand $/h over output tokens/s, simulate = "
       "whole-run cost over all generated tokens, plan and gui-plan = the cost model on the row's pricing basis "
       "(l_price_basis)."},
      {"usd_per_hour", "USD/h",
       "Cost per hour of the whole deployment: simulate = whole-run cost (replicas + warm standbys, cloud on-demand "
       "price) per hour of simulated time; plan = recurring cost on the pricing basis."},

      // ---- kind "plan" (cheapest plan for a workload preset on one hardware, app/src/sweep.cpp) ----
      {"calls_per_task", "calls/task",
       "Model calls per agentic task in the workload (1 for single-call workloads); usd_per_task = usd_per_request x "
       "this."},
      {"chips_per_replica", "chips", "Chips in one replica of the best plan."},
      {"facility_kw", "kW",
       "Facility power of the whole planned deployment at the target load: IT power (chips + host overhead) x PUE."},
      {"feasible", "0/1",
       "1 when the planner found at least one plan meeting the SLOs on this hardware, else 0 (labels reason / "
       "other_reasons say why)."},
      {"input_tokens", "tokens", "Mean prompt length of the planned workload."},
      {"input_tokens_p99", "tokens",
       "99th-percentile prompt length of the planned workload (0: fixed lengths); TTFT P99 is sized for its prefill."},
      {"joules_per_token", "J/token",
       "Facility energy (chips + host overhead, x PUE) per input + output token of the best plan at the target load "
       "(plan rows only)."},
      {"monthly_usd", "USD/month",
       "Recurring cost of the best plan for one month (730 h) at the target load, on the row's pricing basis."},
      {"output_tokens", "tokens", "Mean generated length of the planned workload."},
      {"owned_only", "0/1",
       "1 when cloud pricing was asked but no public cloud rents this chip, so it was costed owned all-in, else 0."},
      {"price_stale", "0/1", "1 when the price used is older than the pricing file's stale_after_months, else 0."},
      {"replicas", "replicas", "Replicas of the best plan needed to serve the target load within the SLOs."},
      {"slo_tpot_p99_s", "s", "The workload's P99 time-per-output-token SLO the plan was sized against."},
      {"slo_ttft_p99_s", "s", "The workload's P99 time-to-first-token SLO the plan was sized against."},
      {"tco_3y_usd", "USD",
       "Total cost of ownership of the best plan over the pricing's tco_years (3 by default): capex + recurring opex + "
       "one-time porting."},
      {"tokens_per_s_per_mw", "tokens/s/MW",
       "Output tokens per second per MW of facility power of the best plan at the target load."},
      {"tokens_per_usd", "tokens/USD", "Input + output tokens served per dollar by the best plan at the target load."},
      {"tpot_p50_s", "s",
       "Median time per output token of the best plan: from its discrete-event verification when verified = 1, else "
       "the analytic planner."},
      {"tpot_p99_s", "s",
       "99th-percentile time per output token of the best plan: from its discrete-event verification when verified = "
       "1, else the analytic planner."},
      {"ttft_p50_s", "s",
       "Median time to first token of the best plan: from its discrete-event verification when verified = 1, else the "
       "analytic planner."},
      {"ttft_p99_s", "s",
       "99th-percentile time to first token of the best plan: from its discrete-event verification when verified = 1, "
       "else the analytic planner."},
      {"usd_per_1k_blended", "USD/1K tokens (input + output)",
       "All cost of the best plan over input + output tokens x 1000, on the row's pricing basis."},
      {"usd_per_1m_cached_input", "USD/1M cached input tokens",
       "Price of a prompt token found in the prefix cache per 1M such tokens (input price x cached/uncached prefill "
       "time; 0 = unknown)."},
      {"usd_per_1m_input", "USD/1M input tokens",
       "The input (prefill) share of the best plan's cost per 1M input tokens."},
      {"usd_per_1m_output", "USD/1M output tokens",
       "The output (decode) share of the best plan's cost per 1M output tokens (not all cost: see usd_per_1k_output)."},
      {"usd_per_request", "USD/request",
       "Cost of the best plan per request at the target load (usd_per_hour / requests per hour)."},
      {"usd_per_task", "USD/task", "Cost of the best plan per agentic task: usd_per_request x calls_per_task."},
      {"utilisation", "1", "Offered load over the capacity of the best plan's chosen replicas (0..1)."},
      {"verified", "0/1",
       "1 when the best plan's P50/P99 latencies and goodput come from the discrete-event simulator, 0 when analytic."},

      // ---- kind "contract" (one row per target x workload of `infersim contract check --db`, app/src/contract.cpp;
      // also uses ttft_p99_s, tpot_p99_s, usd_per_1k_output, joules_per_output_token, chips_per_replica,
      // replicas and verified with the plan kind's meaning) ----
      {"clauses_failed", "count",
       "Number of contract clauses the target fails on this workload (0 = the contract holds)."},
      {"contract_pass", "0/1", "1 when every clause of the contract holds on this target and workload, else 0."},
      {"margin_min", "1",
       "Smallest clause margin on this target: (limit - value) / limit for ceilings, (value - limit) / limit for "
       "floors; negative = the clause fails."},
      {"ttft_idle_s", "s",
       "Time to first token of one prompt on an idle replica of the planned layout (analytic): the backend's own "
       "speed, the regression gate's latency metric."},
      {"output_tok_s_per_chip", "tokens/s/chip",
       "Sustained output tokens per second per chip of the planned deployment within the latency clauses: replica "
       "request rate x output tokens / chips per replica."},

      // ---- kind "gui-plan" (the GUI records its runs, gui/workers/store_calls.cpp) ----
      {"sim_goodput", "1",
       "Share of requests meeting every SLO in the GUI's discrete-event simulation of the workload on this hardware "
       "(0..1)."},
      {"sim_tpot_p99_s", "s",
       "99th percentile of per-request mean time per output token in the GUI's discrete-event simulation of the "
       "workload on this hardware."},
      {"sim_ttft_p99_s", "s",
       "99th-percentile time to first token in the GUI's discrete-event simulation of the workload on this hardware."},
      {"sim_usd_per_1k_output", "USD/1K output tokens",
       "Whole-run cost over all generated tokens x 1000 in the GUI's discrete-event simulation of the workload on this "
       "hardware (cloud on-demand price)."},
  };
  std::sort(v.begin(), v.end(), [](const MetricDef& a, const MetricDef& b) { return a.name < b.name; });
  return v;
}

}  // namespace

const std::vector<MetricDef>& metric_vocabulary() {
  static const std::vector<MetricDef> v = build_vocabulary();
  return v;
}

const MetricDef* find_metric(const std::string& name) {
  const auto& v = metric_vocabulary();
  const auto it = std::lower_bound(v.begin(), v.end(), name,
                                   [](const MetricDef& d, const std::string& n) { return d.name < n; });
  return it != v.end() && it->name == name ? &*it : nullptr;
}

}  // namespace infersim::store
