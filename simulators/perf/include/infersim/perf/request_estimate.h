#pragma once
// Request-level analytic estimates built from step times:
//  - estimate_serving(): `batch` sequences served concurrently in steady state (closed loop: a finished
//    sequence is replaced at once, as serving benchmarks measure "concurrency"), continuous batching.
//    One request's TTFT = its prefill step + on average half a decode step of waiting; TPOT = one decode
//    step at the mean context plus the other sequences' prefills spread over its output
//    ((batch-1)/output prefills per token); e2e = TTFT + (output-1) x TPOT; throughput = batch x output / e2e.
//    Pipeline parallelism keeps `pp` micro-batches of batch/pp in flight.
//  - estimate_offline_batch(): `batch` prompts submitted together (how LLM-Inference-Bench measures):
//    prefill all, then decode to the end, in waves if the KV cache cannot hold them all.
//  - auto_size(): the smallest chip count (TP inside the scale-up domain first, then PP) that fits.
// Pure functions of their inputs; thread-safe.
#include <string>
#include <vector>

#include "infersim/perf/step_estimator.h"

namespace infersim::perf {

struct Workload {
  double batch = 1;     // concurrent sequences
  double input = 1024;  // prompt tokens
  double output = 256;  // generated tokens
};

struct PhaseSummary {
  double step_s = 0;
  Bound bound = Bound::memory;
  StepTime detail;
};

struct Estimate {
  std::string model;
  std::string hardware;
  std::string runtime;
  std::string runtime_version;  // "" = unversioned
  std::string step_model;       // "kernel tables ..." / "efficiency model ..." (kernel path) or "roofline calibration"
  std::string calibration_source;
  int chips = 1, tp = 1, pp = 1, ep = 1;
  std::string precision, kv_precision;
  std::string state_precision;  // a hybrid model's recurrent states (Precision::state)
  Workload workload;

  double ttft_s = 0;
  // Of ttft_s: the closed-loop benchmark's wait behind the other users' prompts (benchmark mode's
  // fitted queueing term; 0 elsewhere). It belongs to C users re-arriving as they finish; a caller that
  // models open-loop arrivals (the planner) takes it out and queues prompts at its own arrival rate.
  double ttft_queue_s = 0;
  // Of ttft_s: the client-side term for the other streams open when a request arrives
  // (ttft_stream_s x the other users in flight), which an open-loop caller scales to its own load.
  double ttft_streams_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
  double throughput_tok_s = 0;  // output tokens/s of the replica
  double per_user_tok_s = 0;
  bool fits = false;
  MemoryFit memory;
  double max_concurrency = 0;  // sequences whose KV (input+output) fits

  PhaseSummary prefill;  // the request's own prefill step
  PhaseSummary decode;   // one decode step at mean context
  double spec_tokens_per_step = 1.0;

  double power_w = 0;  // replica chip power at this load
  // Per chip while executing prefill / decode steps at this load (perf/power_model.h), and between
  // steps; power_model names the model that applied (filled with `detail`).
  double prefill_chip_w = 0, decode_chip_w = 0, idle_chip_w = 0;
  std::string power_model;
  double joules_per_token = 0;
  double usd_per_hour = 0;  // replica, cloud on-demand; 0 when the chip has no public on-demand price
  std::string price_basis;
  double usd_per_1k_tokens = 0;  // output tokens; 0 when no price is known
  std::vector<std::string> notes;
};

// `detail` = false skips the per-op breakdowns (prefill / decode `detail`), the step-model description
// and the explanatory notes (memory-fit messages are kept), for callers that only need the numbers
// (the planner's sizing search).
Estimate estimate_serving(const StepEstimator& est, const Workload& w, bool detail = true);

// Attention-DP balancing (hwprofiles::SchedulerDefaults::adp_balance, TensorRT-LLM's attention_dp_config):
// the expected iterations a new prompt waits before it may run, for `users` closed-loop users spread over
// `ranks` attention-DP ranks whose requests each span `cycle_steps` iterations. A prompt runs once every
// rank has one, or when the engine's timeout count runs out. That count (PyExecutor._balance_adp_requests,
// adp_ctx_waiting_iters_count) is one free-running counter: it advances on every iteration in which not
// all ranks hold a prompt, releases what waits at T and restarts, so a prompt arrives at a uniform phase
// of it and has R ~ U(0, T) iterations left. Every other rank receives new prompts at
// lambda = (users / ranks) / cycle_steps per iteration, so all ranks - 1 of them have one by t with
// probability F(t) = (1 - exp(-lambda t))^(ranks - 1), and the wait is
//   W = E[min(tau, R)] + P(tau < R) x batching_wait_iters
//     = integral_0^T (1 - F(t)) (1 - t / T) dt + (integral_0^T F(t) dt / T) x batching_wait_iters
// (when all have one, the batching wait follows while every rank still decodes). TensorRT-LLM also
// releases prompts at once when some rank has nothing to decode, but it pads idle ranks with a dummy
// decode request (_pad_attention_dp_dummy_request), so that release is not modelled; with fewer users
// than ranks the ranks never all hold a prompt and W = T / 2. 0 without balancing or with one rank.
// Deterministic; the benchmark simulator adds the same wait as a join delay.
double adp_balance_wait_steps(const hwprofiles::SchedulerDefaults& s, int ranks, double users, double cycle_steps);
// The same wait for a closed-loop benchmark of `users` on d (scheduler `s`), in whole iterations: 0 unless
// the model is MoE with attention DP; a request's cycle is its output steps, prompt chunks and join delay
// plus the wait itself (a short fixed-point iteration). Used by estimate_serving and simulate_benchmark.
int adp_balance_delay_steps(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s,
                            double users, double input, double output);

// SGLang's receive interval (hwprofiles::SchedulerDefaults::recv_interval_iters, SchedulerRecvSkipper):
// while the engine decodes, a counter advances by one per decode (or verify) iteration and the scheduler
// takes new requests in only when it reaches T, then restarts; any step with a prompt in it counts T at
// once. A request arriving while others decode meets the count at a uniform phase and waits the rest of
// it: (T - 1) / 2 iterations beyond the next step on average, rounded to whole iterations (half up). 0
// for T <= 1. The benchmark simulator adds it as a join delay; the estimate prices it at the decode step.
int recv_interval_delay_steps(const hwprofiles::SchedulerDefaults& s);

// Batch waiting (hwprofiles::SchedulerDefaults::batch_wait_*, TensorRT-LLM's batch_wait_timeout_iters /
// batch_wait_max_tokens_ratio; TensorRT-LLM PyExecutor._waiting_requests): while others decode, prompts
// are held until their tokens plus one per decoding sequence reach ratio x max_num_tokens, at most T
// iterations after the first one began to wait. With prompts arriving at r = users / cycle_steps per
// iteration (input tokens each; `running` sequences decoding) the threshold takes K prompts, gathered
// in (K - 1) / r iterations. Prompts released together finish together and come back together, so in a
// closed loop they arrive in clumps and a clump waits the whole window: W = min(T, (K - 1) / r) (the
// simulator, which runs the rule itself, shows 18-20 of T = 20 iterations from 4 to 128 users). 0 when
// either setting is 0 (TensorRT-LLM then never waits), for one user (nothing decodes beside it) or when
// one prompt reaches the threshold.
double batch_wait_steps(const hwprofiles::SchedulerDefaults& s, double users, double running, double input,
                        double cycle_steps);
// Sequences an engine under scheduler `s` holds of a closed-loop benchmark of `users`: at most the max
// batch and what a KV cache of `kv_capacity_tokens` holds (no limit when <= 0), at least 1. A runtime that
// reserves KV for the whole output at admission (`s.reserve_output`: TensorRT-LLM's GUARANTEED_NO_EVICT)
// holds (input + output)-token sequences. One that allocates as sequences grow (vLLM, SGLang: preempting
// the newest when the cache runs out) holds sequences at their mean size over a request's life, input +
// output / 2, since users out of phase are spread evenly over their outputs.
double running_held(double users, const hwprofiles::SchedulerDefaults& s, double kv_capacity_tokens, double input,
                    double output);
// Hybrid linear-attention models: every running sequence holds a recurrent state (MemoryFit), so the
// engine runs at most the sequences whose states fit: SGLang's state pool holds pool / state of them;
// a pool shared with the KV cache (the other runtimes) holds sequences of `tokens_per_sequence` KV tokens
// and their states. Lowers max_batch to that (at least 1) and returns the KV tokens left beside the
// states it reserves. Other models: max_batch unchanged, fit.max_kv_tokens.
double cap_state_slots(const MemoryFit& fit, int& max_batch, double tokens_per_sequence);
// Tokens of the step budget a running decode takes under deployment `d`: 1 + its MTP draft tokens where
// the runtime verifies them inside the budget (TensorRT-LLM's MicroBatchScheduler counts beam width + draft
// tokens for a generation request, and InferenceX's MTP recipes size max_num_tokens as (MTP + 1) x batch +
// ISL; vLLM schedules each running request's spec tokens against max_num_batched_tokens), else 1 (SGLang
// runs its drafts outside the prefill chunk budget).
int decode_budget_tokens(const Deployment& d);
// Sequences a closed-loop benchmark of `users` runs at once: what the engine holds (running_held), and no
// more than whole prompts leave room for (whole_prompt_room). Shared by the analytic estimate and the
// simulated benchmark's bunching term.
double running_at_once(double users, const hwprofiles::SchedulerDefaults& s, double kv_capacity_tokens, double input,
                       double output);
// Sequences that can run at once when every new prompt must join whole: mixed steps without chunked
// prompts (TensorRT-LLM's default: MicroBatchScheduler walks the requests in arrival order, each running
// decode taking one token of max_num_tokens, and stops at the first context request that no longer fits).
// A new prompt of `input` tokens then waits while more than max_num_tokens - input sequences decode, so at
// most max_num_tokens - input + 1 run at once (1 when the prompt fills the budget: it runs only on an idle
// engine) and the other users wait for a slot. Infinite (no limit) for chunked prompts and for
// prefill-first steps, whose prompt steps carry no decodes.
double whole_prompt_room(const hwprofiles::SchedulerDefaults& s, double input);
// The token budget a runtime that runs prompts whole needs so that a prompt of `input` tokens joins
// `running` decoding sequences: aiconfigurator's generated engine configs (rule_plugin trtllm.rule,
// the configurations its 2025-26 measurements ran) set max batch + ISL + 1500, rounded up to 32-token
// blocks. 0 when `s` already has room (chunked prompts, prefill-first steps, or a budget that large).
int whole_prompt_budget(const hwprofiles::SchedulerDefaults& s, double running, double input);
// Whether d batch-waits at all: both settings on, and no attention DP (TensorRT-LLM does not batch-wait
// under attention DP).
bool batch_waits(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s);
// The same wait for a closed-loop benchmark on d, in whole iterations (0 unless batch_waits); the cycle
// includes the wait itself (fixed-point iteration).
int batch_wait_delay_steps(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s,
                           double users, double input, double output);

// Largest number of tokens one step carries, which sizes the transient activation buffers: a whole
// prompt up to the scheduler's token budget (8192, vLLM's default max_num_batched_tokens) or the
// batch, whichever is larger; SRAM-only dataflow chips stream prompts in 128-token chunks.
double max_step_tokens(const hwprofiles::HardwareProfile& hw, const Workload& w);

// Latency of a whole offline batch (seconds); if `cost_out` is given, fills its step terms (prefill +
// decode steps, in waves) so calibration can re-evaluate them under other parameters.
double estimate_offline_batch(const StepEstimator& est, double batch, double input, double output,
                              CostSum* cost_out = nullptr, double* waves_out = nullptr);
// The mean decode step for `batch` sequences whose context grows from `input` to input+output
// (weights sum to 1).
CostSum mean_decode_cost(const StepEstimator& est, double batch, double input, double output);

struct SizingResult {
  Deployment deployment;
  bool fits = false;
  std::string explanation;
};
// Picks tp/pp for `d.hardware` when the user gave no chip count. kv_tokens = batch x (input+output) for
// `sequences` = batch sequences (their recurrent states, for hybrid linear-attention models).
SizingResult auto_size(const model::ModelSpec& m, Deployment d, double kv_tokens, double max_step_tokens,
                       double sequences = 0);

// Tensor parallelism for a given chip count: the largest divisor of `chips` that fits the scale-up
// domain and divides the attention heads (the rest is pipeline parallelism).
int tp_for_chips(const model::ModelSpec& m, const hwprofiles::HardwareProfile& hw, int chips);

// SRAM-only chips: stage widths worth trying beyond the smallest fit (tp = minimal_tp): wider stages
// leave each chip more SRAM for KV, up to one KV head per chip (2x, 4x, ... below the KV heads, then
// the KV heads themselves), keeping those that tile the chip's fully connected nodes (node_aligned_tp).
std::vector<int> sram_stage_widths(const model::ModelSpec& m, const hwprofiles::HardwareProfile& hw, int minimal_tp);

// Chips with a DDR tier (SambaNova SN40L): when weights + the KV of `kv_tokens` (and the recurrent states
// of `sequences`, for hybrid linear-attention models) + activations overflow
// main memory on d's layout, the overflow of weights goes to DDR (routed experts first; KV stays in
// main memory) and d.ddr_weight_fraction says how much. Returns a note ("" when nothing moved). Leaves d
// unchanged on chips without DDR or when KV and activations alone overflow main memory.
std::string place_weights(const model::ModelSpec& m, Deployment& d, double kv_tokens, double max_step_tokens,
                          double sequences = 0);

// $/chip-hour for request estimates and simulations: the public cloud on-demand price, never another
// basis; 0 when there is none, and `basis` says why. The planner's cost model (planner/cost_model)
// costs every cloud tier and owned all-in; this is the quick per-estimate figure.
double price_per_chip_hour(const hwprofiles::HardwareProfile& hw, std::string& basis);

}  // namespace infersim::perf
