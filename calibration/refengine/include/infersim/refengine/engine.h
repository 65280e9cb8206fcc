#pragma once
// The reference engine: a real Llama-style decoder forward pass on the CPU. One step() runs any mix
// of sequences, each bringing n >= 1 new tokens on top of what its KV cache already holds: n > 1 is
// (chunked) prefill, n = 1 a decode step, so batched prefill and batched decode with different
// context lengths are the same code path. Per layer: RMSNorm -> fused QKV projection (+bias) -> RoPE
// and KV-cache append -> causal GQA attention -> output projection (+residual, fused into the GEMM)
// -> RMSNorm -> fused gate/up projection -> SwiGLU -> down projection (+residual); then the final
// norm and LM head on each sequence's last token and greedy (argmax) sampling.
//
// Activations are f32; weights fp32 / bf16 / int8 (kernels.h); the KV cache is fp32 for fp32 weights
// and bf16 otherwise. Every step is timed per op class of model/op_cost.h (embedding, norm,
// qkv_proj, attention incl. RoPE, out_proj, mlp, lm_head incl. sampling), so measured times line up
// with the estimator's per-op costs. Not thread-safe: one caller at a time (the engine's own pool
// parallelises each op).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "infersim/model/op_cost.h"
#include "infersim/refengine/kernels.h"
#include "infersim/refengine/weights.h"

namespace infersim::refengine {

struct RopeConfig {
  double theta = 10000.0;
  // Llama-3 frequency scaling (HF rope_type "llama3"); factor 0 = none.
  double factor = 0, low_freq_factor = 1, high_freq_factor = 4, original_max_position = 8192;
};
// Defaults by model family / name: llama3 theta 5e5 with llama3 scaling (factor 32 for 3.2, 8 for
// 3.1), qwen2 1e6, mistral/llama2 1e4. Real checkpoints with other settings: set EngineOptions::rope.
RopeConfig default_rope(const model::ModelSpec& m);
std::vector<double> rope_inv_freq(const RopeConfig& r, int head_dim);

struct EngineOptions {
  int threads = 0;  // 0 = all CPUs
  float norm_eps = 1e-5f;
  std::optional<RopeConfig> rope;  // default_rope() when empty
};

struct StepInput {
  int seq = 0;
  std::vector<std::int32_t> tokens;  // new tokens (>= 1)
};

struct StepResult {
  std::vector<std::int32_t> next;  // greedy next token per input
  std::vector<float> logits;       // inputs x vocab, when requested
  double seconds = 0;
  std::array<double, model::OP_CLASS_COUNT> op_seconds{};
  model::BatchShape shape;  // the step as op_cost sees it
};

class Engine {
 public:
  Engine(ModelWeights weights, EngineOptions options = {});
  ~Engine();

  const model::ModelSpec& spec() const { return w_.spec; }
  const ModelWeights& weights() const { return w_; }
  // Dtypes as the estimator sees this engine: activations are counted at the precision the matmuls
  // run at (bf16 dot products for bf16 / int8 weights on CPUs with AVX512_BF16).
  model::Precision precision() const;
  // The same for a step whose matmuls have `rows` token rows: int8 weights run in f32 FMAs up to one
  // micro-tile of rows (decode at small batch) and on bf16 dot products above
  // (matmul_uses_bf16_math(); fp32 and bf16 weights do not depend on rows).
  static model::Precision precision_for(common::DType weight, std::int64_t rows);
  common::DType kv_dtype() const { return kv_dtype_; }
  ThreadPool& pool() { return pool_; }
  Kernels& kernels() { return *kernels_; }

  int add_sequence(std::int64_t capacity);  // returns an id
  void remove_sequence(int seq);
  std::int64_t length(int seq) const;
  // Pretends `len` tokens are cached (random K/V): timing decode at long context without a prefill.
  void fill_context(int seq, std::int64_t len, std::uint64_t seed = 1);
  // Forgets all but the first `len` cached positions (len <= capacity; positions never written read
  // as zeros): re-running a step at the same context without refilling the cache.
  void truncate(int seq, std::int64_t len);
  // Pre-allocates step buffers so a timed step does not pay first-touch page faults.
  void reserve(std::int64_t tokens, std::int64_t emitting) { ensure_scratch(tokens, emitting); }
  double kv_bytes() const;

  StepResult step(const std::vector<StepInput>& inputs, bool want_logits = false);
  // The op_cost batch shape of a step with these inputs (before it runs).
  model::BatchShape shape_of(const std::vector<StepInput>& inputs) const;

 private:
  struct Seq;
  Seq& seq(int id);
  const Seq& seq(int id) const;
  void ensure_rope(std::int64_t positions);
  void ensure_scratch(std::int64_t tokens, std::int64_t emitting);

  ModelWeights w_;
  EngineOptions opt_;
  common::DType kv_dtype_;
  ThreadPool pool_;
  std::unique_ptr<Kernels> kernels_;
  std::map<int, std::unique_ptr<Seq>> seqs_;
  int next_id_ = 0;
  std::vector<double> inv_freq_;
  std::vector<float> rope_cos_, rope_sin_;  // [position][head_dim / 2]
  std::int64_t rope_positions_ = 0;
  AlignedBuffer x_, xn_, qkv_, attn_, gu_, act_, last_, logits_;
  std::int64_t scratch_tokens_ = 0, scratch_emit_ = 0;
};

// Naive reference forward pass (reference_kernels.h, f32, full recomputation without a KV cache):
// the logits of the last position after `tokens`, with the engine's weights dequantised to f32.
// What the optimised engine is tested against.
std::vector<float> reference_forward(const ModelWeights& w, const std::vector<std::int32_t>& tokens,
                                     const RopeConfig& rope, float norm_eps = 1e-5f);

}  // namespace infersim::refengine
