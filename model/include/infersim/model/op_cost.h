#pragma once
// The one op-cost vocabulary of infersim: for a batch of work on a model, the floating-point
// operations and bytes moved by each op class, summed over all layers of the whole (unsharded)
// model. The roofline estimator (simulators/perf) and the reference CPU engine's measurements
// (calibration/refengine) use these same formulas, so calibration compares like with like.
//
// A BatchShape describes one forward step as aggregates (so cost is O(1) in the batch size):
// prefill chunks (new prompt tokens, possibly on top of already-cached context) and decode
// sequences (one new token each, attending to their whole context). FLOPs count a multiply-add
// as 2. Bytes: weights in the weight dtype, activations in the activation dtype, KV in the KV dtype.
// Attention is FlashAttention-style: scores never go to memory; the KV cache is read once per step.
// Pure functions, thread-safe.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "infersim/common/dtype.h"
#include "infersim/model/model_spec.h"

namespace infersim::model {

enum class OpClass : int {
  embedding = 0,
  norm,
  qkv_proj,
  attention,
  out_proj,
  mlp,
  moe_router,
  moe_experts,
  lm_head,
};
inline constexpr std::size_t OP_CLASS_COUNT = 9;
const char* op_class_name(OpClass op);

struct Precision {
  common::DType weight = common::DType::bf16;
  common::DType activation = common::DType::bf16;
  common::DType kv = common::DType::bf16;
  // A hybrid linear-attention model's recurrent states (SGLang --mamba-ssm-dtype; default float32).
  common::DType state = common::DType::fp32;
};
// The formats a recurrent state is kept in: fp32, bf16 or fp16.
inline bool is_state_precision(common::DType d) {
  return d == common::DType::fp32 || d == common::DType::bf16 || d == common::DType::fp16;
}
// The state format a text names, or none when it names no format a recurrent state is kept in.
inline std::optional<common::DType> parse_state_precision(const std::string& text) {
  const auto d = common::parse_dtype(text);
  if (!d || !is_state_precision(*d)) return std::nullopt;
  return d;
}

struct BatchShape {
  double prefill_tokens = 0;          // new prompt tokens processed this step
  double prefill_attn_pairs = 0;      // sum over chunks of query-key pairs: n*c + n*(n+1)/2
  double prefill_cached_tokens = 0;   // sum over chunks of context already in the KV cache (read)
  double prefill_seqs = 0;            // prompt chunks in the step
  double prefill_seqs_finishing = 0;  // prompts that complete this step (they emit a token)
  double decode_seqs = 0;             // sequences in the decode part of the step
  double decode_ctx_sum = 0;          // sum of their context lengths (keys attended)
  // Query tokens each decode sequence runs: 1, or 1 + the draft tokens a multi-token-prediction step
  // verifies (each query attends the sequence's cached context, read once; every position emits logits).
  double decode_queries = 1;

  double decode_tokens() const { return decode_seqs * decode_queries; }
  double tokens() const { return prefill_tokens + decode_tokens(); }
  double sequences() const { return prefill_seqs + decode_seqs; }
  double emitting() const { return prefill_seqs_finishing + decode_tokens(); }

  // n prompts of `len` tokens each, processed whole (no cached prefix).
  static BatchShape prefill(double n, double len);
  // A chunk of `len` new tokens for one sequence on top of `cached` tokens already in cache.
  static BatchShape prefill_chunk(double len, double cached, bool finishing);
  // n sequences each attending to `ctx` tokens.
  static BatchShape decode(double n, double ctx);
  BatchShape& operator+=(const BatchShape& o);
  // Every count and sum times f: one of 1/f equal parts of the step (a pipeline micro-batch).
  BatchShape scaled(double f) const;
};

struct OpCost {
  OpClass op = OpClass::embedding;
  double flops = 0;
  double weight_bytes = 0;
  double act_bytes = 0;
  double kv_bytes = 0;  // KV cache read + written
  // Of flops and weight_bytes: the part on weights the model keeps at 16 bits under a narrower format
  // (ModelSpec::quantized_weights), which runs at the 16-bit matmul rate and is never unpacked.
  double flops16 = 0;
  double weight_bytes16 = 0;
  bool matmul = false;  // runs on the matrix units (tensor cores / MXU / AMX)
  int layers = 0;       // how many layers (instances) the totals are summed over
  double bytes() const { return weight_bytes + act_bytes + kv_bytes; }
};

using OpCosts = std::array<OpCost, OP_CLASS_COUNT>;

OpCosts op_costs(const ModelSpec& m, const BatchShape& b, const Precision& p);

// One Gated DeltaNet layer's core over a step, all heads (hybrid models; zeros otherwise): the causal
// convolution and the delta rule. Prompt tokens run the chunked form (chunks of LINEAR_ATTENTION_CHUNK
// tokens: a dk x dv state read-out and update per token, and attention inside the chunk); decode tokens
// step the recurrence, each reading and writing its sequence's whole state (`state_bytes_per_element`
// an element: FP32 by default, Precision::state). `prefill_*` and
// `decode_*` split the step so a kernel model can price the two kinds of kernel apart; state bytes are
// the recurrent state read and written, activation bytes the convolved q, k, v in and the output out.
struct LinearAttentionCost {
  double prefill_flops = 0, prefill_state_bytes = 0, prefill_act_bytes = 0;
  double decode_flops = 0, decode_state_bytes = 0, decode_act_bytes = 0;
  double flops() const { return prefill_flops + decode_flops; }
  double state_bytes() const { return prefill_state_bytes + decode_state_bytes; }
  double act_bytes() const { return prefill_act_bytes + decode_act_bytes; }
};
constexpr double LINEAR_ATTENTION_CHUNK = 64.0;  // flash-linear-attention's chunk size for the delta rule
LinearAttentionCost linear_attention_core(const ModelSpec& m, const BatchShape& b, double act_bytes_per_element,
                                          double state_bytes_per_element);
// Parameters of a Gated DeltaNet layer's input projection (q, k, v, z, beta, a) and output projection.
double linear_in_proj_params(const ModelSpec& m);
double linear_out_proj_params(const ModelSpec& m);

// Expected number of distinct routed experts that T tokens touch in one MoE layer when each picks
// top_k of E uniformly: E * (1 - (1 - k/E)^T).
double expected_experts_touched(int num_experts, int top_k, double tokens);

// Distinct routed experts that T tokens touch in one MoE layer when the router does not pick uniformly:
// expert i (by popularity rank, 1..E) is among a token's top_k with probability
// q_i = min(1, c * i^-skew), c set so that the q_i sum to top_k (each token still picks exactly top_k).
// Touched(T) = sum_i 1 - (1 - q_i)^T. skew 0 is the uniform case above; larger skews concentrate the
// traffic on fewer experts, so a decode batch reads fewer expert weights. The skew is a property of
// the model's router and the prompts (synthetic benchmark prompts route narrowly); the kernel path fits
// it on measured MoE decode (docs/calibration.md, "Expert routing").
// The measured MoE rows the skew is fitted on have 128-384 routed experts. A power law of the rank is not
// scale-free: over 8 experts (Mixtral) the same skew would send most tokens to two of them, while the
// Mixtral paper (arXiv 2401.04088, section 5) shows near-uniform expert assignment. Models with fewer
// experts than the fitted range keep uniform routing.
inline constexpr int ROUTING_SKEW_MIN_EXPERTS = 128;

class ExpertRouting {
 public:
  ExpertRouting() = default;
  ExpertRouting(int num_experts, int top_k, double skew);
  double touched(double tokens) const;
  double skew() const { return skew_; }

 private:
  int experts_ = 0, top_k_ = 0;
  double skew_ = 0;
  double always_ = 0;  // experts every token's top_k includes (q = 1)
  // Experts with (nearly) equal q, grouped: (how many, log(1 - mean q)). Ranks are grouped while q
  // falls by under 5%, so touched() costs tens of terms, not E.
  std::vector<std::pair<double, double>> groups_;
};

}  // namespace infersim::model
