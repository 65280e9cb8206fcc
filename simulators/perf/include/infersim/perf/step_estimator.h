#pragma once
// Roofline step-time estimator: how long one forward step of a batch takes on one replica.
//
// Per op class (model/op_cost.h), per chip:  t = max(flops / (peak_dtype * compute_fraction),
//                                                  bytes / (mem_bw * memory_fraction))
// (+ unpack work of weight-only-quantised weights on the compute side, and a p-norm instead of the max
// where compute and memory do not overlap perfectly near the ridge point; both fitted, off unless calibrated)
// plus collectives (TP all-reduce 2 per layer: 2(n-1)/n * bytes / (link_bw * fraction) + latency;
// PP send/recv between stages; EP all-to-all 2 per MoE layer) plus calibrated overheads (per step,
// per layer, per sequence, per collective). A step of a pipeline-parallel replica traverses every
// stage, so its latency is the sum over stages; PP raises throughput by keeping `pp` micro-batches in
// flight (see request_estimate.h).
//
// The cost is split in two: StepCost (everything that does not depend on the calibration
// parameters) and its evaluation under CalibrationParams. Calibration fits the parameters against
// measurements by re-evaluating StepCosts, so the estimator and the fit use the very same formulas.
// StepEstimator is immutable after construction and safe to share between threads.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/model/op_cost.h"
#include "infersim/perf/deployment.h"
#include "infersim/perf/kernel_model.h"

namespace infersim::perf {

enum class Bound { compute, memory, interconnect, overhead };
const char* bound_name(Bound b);

// One step's cost before efficiency factors and overheads are applied (per chip, summed over stages).
struct StepCost {
  std::array<double, model::OP_CLASS_COUNT> compute_s{};  // flops / peak (at 100% efficiency)
  std::array<double, model::OP_CLASS_COUNT> memory_s{};   // bytes / bandwidth (at 100%)
  // Weight elements unpacked this step (weight-only quantisation) / matmul peak: seconds per FLOP of
  // unpack work per element; times CalibrationParams::dequant_flops_per_weight it is a third ceiling
  // beside compute_s and memory_s (see op_time).
  std::array<double, model::OP_CLASS_COUNT> dequant_s{};
  double comm_bw_s = 0;       // collective bytes / link bandwidth at 100%
  double comm_latency_s = 0;  // link latency terms
  double collectives = 0;     // collectives x log2(ranks): latency-bound steps, for the fitted overhead
  double staging_s = 0;       // off-stage weight bytes / host link bandwidth (pipeline parallelism only)
  double steps = 1;           // forward steps this cost stands for (sums of steps: the step overhead's multiplicity)
  double layers = 0;          // layers traversed
  double sequences = 0;       // sequences in the step
  double flops = 0;           // per chip
  double bytes = 0;           // per chip
  // Kernel path (kernel_path = true): op times from measured kernel tables or the roofline efficiency
  // model, already at achieved speed; op_time() returns kernel_s x kernel_scale instead of the roofline
  // of compute_s / memory_s (which still name the bound in explain()), and kernel_comm_s replaces the
  // analytic collective terms.
  bool kernel_path = false;
  std::array<double, model::OP_CLASS_COUNT> kernel_s{};
  double kernel_comm_s = 0;
  // Per op class: the standalone activation-quant time inside quantized GEMM tables; op_time removes
  // fused_quant_fraction of it (the engine fuses that quantization into the previous kernel).
  std::array<double, model::OP_CLASS_COUNT> quant_floor_s{};
  // The part of kernel_s[moe_experts] spent in decode-only steps (no prompt tokens): op_time multiplies
  // it by CalibrationParams::moe_expert_scale. Steps that carry prompt tokens run large grouped GEMMs
  // that the dense tables describe; the fitted scale is about small-batch decode MoE kernels.
  double moe_decode_s = 0;
  // The rest of kernel_s[moe_experts] (steps with prompt tokens): times CalibrationParams::moe_prefill_scale.
  double moe_prefill_s = 0;
  // MoE layers traversed (every step): times CalibrationParams::moe_layer_overhead_s, in moe_experts.
  double moe_layers = 0;
  // Request-level terms (never set on a step): a TTFT observation's frontend time is
  // ttft_request_s x frontend_requests + ttft_token_s x frontend_tokens.
  // ttft_stream_s x frontend_streams (requests in flight on the replica when one arrives).
  double frontend_requests = 0, frontend_tokens = 0, frontend_streams = 0;
  // ... + ttft_prefill_fraction x frontend_prefill_s: the modelled time of the request's own prompt
  // prefilled alone, under the calibration it is predicted with (set per calibration, as queue_s).
  double frontend_prefill_s = 0;
  // Benchmark TTFT: the wait that random arrivals add behind other prompts (processor sharing,
  // rho / (1 - rho) x one prompt's prefill), which an evenly staggered simulation does not see;
  // times CalibrationParams::ttft_queue_factor.
  double queue_s = 0;
  // A step that carries prompt tokens runs without CUDA graphs (kernel path): its layers, and what the
  // host's launches add beyond its kernel time under the estimator's calibration,
  // max(0, eager_layer_s x eager_layers - eager_kernel_s()) (a constant of the step once it is costed;
  // summed over steps, the steps' own maxima). CalibrationParams::eager_layer_s.
  double eager_layers = 0;
  double floor_extra_s = 0;
  // The step's kernel time as the tables give it (before the fitted scales and overheads): what the
  // host's launches are compared with.
  double eager_kernel_s() const;

  // Time under a calibration; this is the single formula used everywhere.
  double time(const hwprofiles::CalibrationParams& p) const;
  // One op class under a calibration: max(norm(c, m), u) with c = compute_s / compute_fraction,
  // m = memory_s / memory_fraction (both / attention_fraction for attention), norm = max, or the p-norm
  // (c^p + m^p)^(1/p) for roofline_norm p, and u = dequant_flops_per_weight * dequant_s / compute_fraction.
  double op_time(std::size_t op, const hwprofiles::CalibrationParams& p, bool* compute_bound = nullptr) const;
  double dequant_elements_s() const;  // sum of dequant_s (0 when no weight is unpacked)
  StepCost& operator+=(const StepCost& o);
  static StepCost zero();  // no steps at all: the start of a running sum
  StepCost scaled(double factor) const;
};

// What the host's launches add to one costed step that carries prompt tokens, at `eager_layer_s` per layer:
// max(0, eager_layer_s x step.eager_layers - step.eager_kernel_s()) (StepCost::floor_extra_s).
double eager_floor_extra_s(const StepCost& step, double eager_layer_s);

// A sum of steps with multiplicities (e.g. one prefill + 511 decode steps). Kept as separate terms so
// that each step's roofline max() is taken per step, not over the sum.
struct WeightedCost {
  StepCost cost;
  double weight = 1.0;
};
using CostSum = std::vector<WeightedCost>;
double total_time(const CostSum& terms, const hwprofiles::CalibrationParams& p);
void append(CostSum& into, const CostSum& more, double weight = 1.0);

struct StepTime {
  double total_s = 0;
  std::array<double, model::OP_CLASS_COUNT> op_s{};
  std::array<bool, model::OP_CLASS_COUNT> op_compute_bound{};
  double compute_bound_s = 0;  // sum of op times where compute was the larger term
  double memory_bound_s = 0;
  double comm_s = 0;
  double overhead_s = 0;
  Bound bound = Bound::memory;
  bool kernel_path = false;  // op times come from measured kernel tables / the efficiency model
  double flops = 0;
  double bytes = 0;
};

// SGLang's default --mamba-full-memory-ratio: its recurrent-state pool is this times its KV pool
// (sglang server_args.py, 0.9 since its hybrid GDN support; see MemoryFit).
constexpr double SGLANG_MAMBA_FULL_MEMORY_RATIO = 0.9;

struct MemoryFit {
  double capacity_bytes = 0;     // per chip
  double reserve_bytes = 0;      // runtime reserve per chip
  double weights_bytes = 0;      // per chip
  double kv_bytes = 0;           // per chip, for the requested tokens
  double activation_bytes = 0;   // per chip
  double ddr_weights_bytes = 0;  // per chip, weights placed in the DDR tier (not in used_bytes)
  double used_bytes() const { return weights_bytes + kv_bytes + state_bytes + activation_bytes; }
  double usable_bytes() const { return capacity_bytes - reserve_bytes; }
  bool fits = false;
  double max_kv_tokens = 0;  // tokens of KV cache the replica can hold after weights + activations
  std::string message;       // "does not fit: needs X GiB per chip, has Y GiB usable" or ""
  // Hybrid linear-attention models (model::recurrent_state_bytes_per_sequence): every running sequence
  // also holds a fixed recurrent state. SGLang keeps the states in a pool of their own, sized at
  // mamba_full_memory_ratio (0.9) times the KV pool (state_pool_bytes > 0; max_kv_tokens is then the KV
  // pool's); the other runtimes take both from one pool (state_pool_bytes = 0), where a sequence costs
  // its state plus its tokens' KV. Both 0 for other models.
  double state_bytes_per_sequence = 0;  // per chip
  double state_pool_bytes = 0;          // per chip
  double kv_bytes_per_token = 0;        // per chip
  // Per chip, the recurrent states counted in used_bytes(): the asked-for sequences' states where they
  // share the KV pool, SGLang's whole state pool (reserved at start) where they have their own.
  double state_bytes = 0;
  // Sequences whose states SGLang's own state pool holds; infinity where states share the KV pool or the
  // model has none.
  double state_pool_slots() const;
  // Sequences of `tokens` KV tokens each that fit at once (the replica's KV pool and, for hybrid models,
  // its recurrent states); at least 0.
  double sequences_for(double tokens) const;
  // KV tokens left to the cache once `sequences` recurrent states are held (max_kv_tokens for other models
  // and for a state pool of its own).
  double kv_tokens_beside(double sequences) const;
};

class StepEstimator {
 public:
  // Validates; throws ConfigError. `bind_kernels` = false skips binding the kernel tables (memory-fit
  // checks of the layout search need no step times).
  StepEstimator(const model::ModelSpec& m, Deployment d, bool bind_kernels = true);

  // On the kernel path the roofline terms (compute_s / memory_s, flops, bytes) are left empty here
  // (explain() fills them to name the bound); the time is the same.
  StepCost cost(const model::BatchShape& b) const;
  double time(const model::BatchShape& b) const { return cost(b).time(params_); }
  StepTime explain(const model::BatchShape& b) const;

  // ---- pipeline parallelism (pp stages) ----
  // A step of a pipelined replica is cut into micro-batches that follow each other through the stages:
  // min(pp, units) equal parts, where units = sequences and prompt chunks in the step (one sequence is
  // never split). Each micro-batch traverses every stage, so it takes cost(b / m) (per-stage work plus
  // the stage-to-stage hops); while it is in stage k the others are in other stages. In steady state the
  // pipeline hands every micro-batch back one traversal after it entered, so the step, as its sequences
  // see it, lasts one micro-batch traversal, and the replica emits m micro-batches per traversal.
  // With fewer units than stages, pp - m stages idle (the pipeline bubble). pp = 1: one micro-batch.
  // A unit much heavier than the rest (a prompt chunk among decodes) makes its micro-batch the slowest
  // traversal, which the others then wait for: given `heaviest` (that unit's own shape), the step lasts
  // the longer of the even split and the traversal of the heaviest unit with its share of the rest
  // (units are whole: ceil(units / m) of them share that micro-batch, so 3 alike prompts over 2
  // micro-batches take two prompts' traversal, 4 take two as well).
  double micro_batches(double units) const;
  StepCost pipelined_cost(const model::BatchShape& b, double units, const model::BatchShape* heaviest = nullptr) const;
  double pipelined_time(const model::BatchShape& b, double units, const model::BatchShape* heaviest = nullptr) const {
    return pipelined_cost(b, units, heaviest).time(params_);
  }
  // Filling an empty pipeline: the last of m micro-batches enters (m - 1) stage times after the first,
  // i.e. (m - 1) / pp of a traversal later (balanced stages). 0 for pp = 1 or m = 1.
  double fill_fraction(double m) const { return dep_.pp > 1 ? (m - 1.0) / dep_.pp : 0.0; }
  // Share of the chips busy at once: m / pp (1 without pipelining). A runtime without micro-batches
  // keeps one stage busy at a time.
  double stage_occupancy(double m) const { return dep_.pp > 1 ? std::min(1.0, m / dep_.pp) : 1.0; }

  // Memory per chip when `kv_tokens` tokens of KV cache are resident for `sequences` sequences and steps
  // carry up to `max_step_tokens` tokens. `sequences` matters to hybrid linear-attention models only:
  // their recurrent states must fit too.
  MemoryFit memory_fit(double kv_tokens, double max_step_tokens, double sequences = 0) const;

  const hwprofiles::CalibrationParams& params() const { return params_; }
  const std::string& calibration_source() const { return calibration_source_; }
  const std::string& runtime() const { return runtime_; }
  const model::ModelSpec& model() const { return model_; }
  const Deployment& deployment() const { return dep_; }
  // The same estimator with other calibration parameters (used by the fitter).
  StepEstimator with_params(const hwprofiles::CalibrationParams& p) const;
  // The kernel-path binding (nullptr on the roofline-calibration path).
  const KernelModel* kernel_model() const { return kernel_.get(); }
  // Tokens a decode sequence gains per step: 1, or the expected accepted tokens under multi-token
  // prediction (each decode step then verifies 1 + draft tokens per sequence and runs the drafts).
  double decode_tokens_per_step() const { return dep_.mtp ? dep_.mtp->expected_tokens() : 1.0; }
  // Decode batch the kernels actually run: padded up to the runtime's next CUDA-graph size.
  double padded_decode_batch(double n) const;

  // Roofline work of one step per chip at 100% of peak (matmul/vector FLOP/s, memory bandwidth): the
  // summed compute and memory seconds of its ops, without the kernel tables or collectives. Divided by
  // the step's time it gives the utilisation the power model reads (perf/power_model.h). Under
  // multi-token prediction a decode step's work is the verify pass (1 + k tokens a sequence) plus the k
  // MTP passes, as its time (cost) is.
  struct RooflineWork {
    double compute_s = 0, memory_s = 0;
  };
  RooflineWork roofline_work(const model::BatchShape& b) const;

 private:
  RooflineWork roofline_work_one(const model::BatchShape& b) const;  // roofline_work without MTP
  // A decode step under multi-token prediction: the verify pass (1 + k queries a sequence) and one MTP
  // pass (of the k); nullopt without MTP or decode sequences.
  struct MtpStep {
    model::BatchShape verify, draft;
    double drafts = 0;
  };
  std::optional<MtpStep> mtp_step(const model::BatchShape& b) const;
  void apply_eager_floor(const model::BatchShape& b, StepCost& s) const;
  StepCost cost_impl(const model::BatchShape& b, bool roofline) const;
  StepCost cost_one(const model::BatchShape& b, bool roofline) const;  // cost_impl without MTP
  void fill_kernel(const model::BatchShape& b, StepCost& s) const;
  void fill_roofline_ops(const model::OpCosts& ops, StepCost& s) const;  // per-op compute / memory terms
  model::ModelSpec model_;
  Deployment dep_;
  hwprofiles::CalibrationParams params_;
  std::string calibration_source_;
  std::string runtime_;
  double matmul_peak_ = 0;
  double matmul_peak16_ = 0;  // weights a model keeps at 16 bits under a narrower format (OpCost::flops16)
  double vector_peak_ = 0;
  double mem_bw_ = 0;
  double link_bw_ = 0;
  double link_latency_ = 0;
  double kv_shard_ = 1;
  double ddr_bw_ = 0;
  double ddr_expert_fraction_ = 0, ddr_other_fraction_ = 0;  // share of weight bytes read from DDR per op kind
  std::shared_ptr<const KernelModel> kernel_;
  // Multi-token prediction: the MTP module (one MoE decoder layer and the shared head) on the same
  // layout, whose draft passes every decode step adds (Deployment::mtp).
  std::shared_ptr<const StepEstimator> mtp_;
};

}  // namespace infersim::perf
