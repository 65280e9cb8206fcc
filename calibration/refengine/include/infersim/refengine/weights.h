#pragma once
// Model weights for the reference engine: Hugging Face tensor names, seeded random weights for any
// model card (written to safetensors or built in memory, bit-identical either way), and loading a
// safetensors file (ours or a real Llama-style checkpoint) into packed, engine-ready matrices.
//
// Tensor names (HF Llama): model.embed_tokens.weight [V, h]; model.layers.N.self_attn.{q,k,v,o}_proj
// .weight (+ .bias for q/k/v when the card has attention_bias); model.layers.N.mlp.{gate,up,down}_proj
// .weight; model.layers.N.{input,post_attention}_layernorm.weight; model.norm.weight; lm_head.weight
// (absent when the card ties embeddings). int8 files store each matrix as I8 with a per-output-row
// F32 "<name>_scale" tensor [N] (symmetric, weight-only); F32, F16 and BF16 checkpoints are
// converted to the engine's weight dtype at load time.
//
// The reference engine runs dense Llama-style decoders: RMSNorm, SwiGLU, GQA/MQA attention (optional
// q/k/v bias, optional sliding window on every layer). Cards outside that (MoE, MLA, GELU, LayerNorm,
// partial sliding windows) are rejected with a ConfigError that says why.
// Values are plain; loading uses the given pool and is otherwise single-threaded.
#include <cstdint>
#include <string>
#include <vector>

#include "infersim/model/model_spec.h"
#include "infersim/refengine/kernels.h"
#include "infersim/refengine/safetensors.h"

namespace infersim::refengine {

// "" if the card can run on the reference engine, else the reason it cannot.
std::string engine_support_problem(const model::ModelSpec& m);
// The card with `layers` layers (0 = keep all); ConfigError when layers exceeds the card.
model::ModelSpec truncated(const model::ModelSpec& m, int layers);

struct LayerWeights {
  PackedWeight qkv;             // [q_dim + 2 kv_dim, h]: q, k, v projections stacked
  PackedWeight o;               // [h, q_dim]
  PackedWeight gate_up;         // [2 I, h]: gate rows then up rows
  PackedWeight down;            // [h, I]
  std::vector<float> qkv_bias;  // empty, or q_dim + 2 kv_dim
  std::vector<float> input_norm, post_norm;
};

struct ModelWeights {
  model::ModelSpec spec;  // num_layers = layers actually loaded
  common::DType dtype = common::DType::bf16;
  PackedWeight embed;  // [V, h] (lookups); also the LM head when tied
  PackedWeight head;   // [V, h] when not tied
  bool tied = false;
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;
  const PackedWeight& lm_head() const { return tied ? embed : head; }
  double bytes() const;  // resident weight bytes
};

// The tensors a file for this card has, in file order (dtype per tensor as it would be written).
std::vector<TensorSpec> weight_tensor_specs(const model::ModelSpec& m, common::DType dtype);

struct MakeWeightsResult {
  std::uint64_t bytes = 0;
  std::size_t tensors = 0;
  double seconds = 0;
};
// Seeded random weights (uniform, std 0.02 for matrices, 1 +- 0.1 for norms) for `m` (already
// truncated), written as safetensors.
MakeWeightsResult make_random_weights_file(const model::ModelSpec& m, common::DType dtype, std::uint64_t seed,
                                           const std::string& path, ThreadPool* pool = nullptr);
// The same weights, built in memory and packed for the engine (no file round trip).
ModelWeights make_random_weights(const model::ModelSpec& m, common::DType dtype, std::uint64_t seed,
                                 ThreadPool* pool = nullptr);

struct LoadReport {
  int layers = 0;
  double file_bytes = 0;           // tensor bytes read from the file
  double seconds = 0;              // file -> packed engine weights, wall time
  std::vector<std::string> notes;  // conversions made (e.g. "BF16 -> int8 quantised")
};
// Loads weights for `card` from a safetensors file, converting to `dtype`. layers = 0: as many
// layers as the file has (must be a prefix 0..N-1 of the card's layers). ConfigError naming the
// file and tensor for missing tensors, wrong shapes or unusable dtypes.
ModelWeights load_weights(const SafetensorsFile& f, const model::ModelSpec& card, common::DType dtype, int layers,
                          ThreadPool& pool, LoadReport* report = nullptr);
// Number of consecutive layers (model.layers.0 ..) present in the file.
int layers_in_file(const SafetensorsFile& f);

}  // namespace infersim::refengine
