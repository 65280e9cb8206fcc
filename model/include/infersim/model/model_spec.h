#pragma once
// What runs: a decoder-only transformer described by its shape (dense, GQA/MQA, MoE with shared
// experts and dense-first layers, MLA latent KV, sliding-window layers, tied embeddings), plus the
// derived math every other part of infersim uses: parameter counts (total and active per token),
// weight bytes per dtype and KV-cache bytes per token. All counts are in elements/parameters, bytes
// in bytes. ModelSpec is a plain copyable value; all functions are pure and thread-safe.
#include <cstdint>
#include <string>

#include "infersim/common/dtype.h"

namespace infersim::model {

enum class MlpType { swiglu, gelu };  // swiglu = gate/up/down (3 matrices), gelu = up/down (2)
enum class NormType { rmsnorm, layernorm };

struct MoeSpec {
  int num_experts = 0;                               // routed experts per MoE layer (0 = dense model)
  int top_k = 0;                                     // routed experts per token
  int num_shared_experts = 0;                        // always-on experts
  std::int64_t expert_intermediate_size = 0;         // FFN width of one routed expert
  std::int64_t shared_expert_intermediate_size = 0;  // total FFN width of the shared experts
  int first_dense_layers = 0;                        // leading layers with a dense MLP (DeepSeek: 3)
};

struct MlaSpec {
  int q_lora_rank = 0;   // 0 = full-rank query projection
  int kv_lora_rank = 0;  // latent KV width (what the cache stores)
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
};

// DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): a small "lightning indexer" scores every cached
// token for each query (index_heads x index_head_dim, FP8 keys cached beside the latent KV) and the MLA
// core then attends to the index_topk best-scoring tokens only. Zero heads = dense attention.
struct DsaSpec {
  int index_heads = 0;
  int index_head_dim = 0;
  int index_topk = 0;
};

// Hybrid linear attention (Qwen3.5, Qwen3-Next): of every `full_attention_interval` layers the last is
// a full (softmax, GQA) attention layer with the card's heads, and the others are Gated DeltaNet layers.
// A Gated DeltaNet layer keeps no KV cache: each sequence carries a fixed recurrent state of
// num_value_heads x key_head_dim x value_head_dim per layer (updated by every token), plus a short
// causal-convolution window (conv_kernel - 1 tokens of its q, k and v channels). Its projections: one
// input GEMM (q, k, v, the output gate z, and the per-head beta and decay gate a) and one output GEMM.
// Zero interval = no linear layers.
struct LinearAttentionSpec {
  int full_attention_interval = 0;
  int num_key_heads = 0;
  int num_value_heads = 0;
  int key_head_dim = 0;
  int value_head_dim = 0;
  int conv_kernel = 0;
};

// Bytes per element of a Gated DeltaNet recurrent state as the serving stacks keep it by default: FP32
// (SGLang's --mamba-ssm-dtype default "float32"), whatever the weights' and the KV cache's formats. A
// deployment may keep it in 16 bits (Precision::state; SGLang --mamba-ssm-dtype bfloat16).
constexpr double RECURRENT_STATE_ELEMENT_BYTES = 4.0;

// Bytes one token's index key occupies per layer: FP8 elements plus one FP32 scale, as the serving
// stacks cache them (SGLang / vLLM DSA paths), whatever the KV dtype.
constexpr double DSA_INDEX_SCALE_BYTES = 4.0;

// Which weights a format narrower than 16 bits applies to, as the model's low-precision checkpoints
// ship: every linear layer of the transformer blocks (the default), or the routed experts alone, with
// attention, dense MLP layers, shared experts and embeddings kept at 16 bits (gpt-oss: MXFP4 experts,
// "all the other weights are in bf16"). The LM head is 16-bit in both cases on the kernel path.
enum class QuantizedWeights { all_linear, routed_experts };

struct ModelSpec {
  std::string name;             // catalog slug, e.g. "llama-3.1-70b"
  std::string display_name;     // "Llama-3.1-70B"
  std::string family;           // "llama3", "qwen2", "mixtral", "deepseek-v3", ...
  std::string architecture;     // Hugging Face model_type ("llama", "deepseek_v3", ...): what runtimes list
  std::string hf_id;            // Hugging Face repo id it describes
  std::string source;           // where the shape came from
  double published_params = 0;  // published total parameter count (for the 1% test)
  std::string published_params_source;
  double published_active_params = 0;  // 0 = not published / dense

  std::int64_t hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  std::int64_t intermediate_size = 0;  // dense MLP width (dense layers of MoE models too)
  std::int64_t vocab_size = 0;
  bool tie_embeddings = false;
  bool attention_bias = false;  // bias on the q/k/v projections (Qwen2)
  // Gated attention (Qwen3.5): the query projection also emits a per-element sigmoid gate on the
  // attention output, so it is twice as wide.
  bool attention_output_gate = false;
  MlpType mlp = MlpType::swiglu;
  NormType norm = NormType::rmsnorm;
  std::int64_t max_context = 0;
  std::int64_t sliding_window = 0;      // 0 = full attention everywhere
  double sliding_layer_fraction = 0.0;  // share of layers that use the sliding window
  QuantizedWeights quantized_weights = QuantizedWeights::all_linear;
  std::string quantized_weights_source;

  bool is_moe() const { return moe.num_experts > 0; }
  bool is_mla() const { return mla.kv_lora_rank > 0; }
  bool is_dsa() const { return dsa.index_heads > 0; }
  bool is_hybrid_linear() const { return linear.full_attention_interval > 0; }
  // The attention kernels' kind the MoE scales are fitted per (hwprofiles::MoeExpertScale::attention):
  // "dsa" (MLA behind a sparse-attention indexer), "mla", "linear" (Gated DeltaNet layers between GQA
  // layers), or "standard" (GQA / MHA).
  std::string attention_kind() const {
    return is_dsa() ? "dsa" : is_mla() ? "mla" : is_hybrid_linear() ? "linear" : "standard";
  }
  MoeSpec moe;
  MlaSpec mla;
  DsaSpec dsa;
  LinearAttentionSpec linear;
};

// ---- derived shapes ----
std::int64_t q_dim(const ModelSpec& m);   // query width (heads x head dim)
std::int64_t kv_dim(const ModelSpec& m);  // width of K (= of V) per token per layer, non-MLA
int moe_layers(const ModelSpec& m);
int dense_layers(const ModelSpec& m);
// Layers with softmax attention (and a KV cache), and Gated DeltaNet layers (hybrid models; else 0).
int full_attention_layers(const ModelSpec& m);
int linear_attention_layers(const ModelSpec& m);
// Gated DeltaNet widths (all heads): keys (= queries), values, and the convolved q, k and v channels.
std::int64_t linear_key_dim(const ModelSpec& m);
std::int64_t linear_value_dim(const ModelSpec& m);
std::int64_t linear_conv_dim(const ModelSpec& m);

// ---- parameter counts ----
struct ParamBreakdown {
  double embedding = 0, attention = 0, dense_mlp = 0, router = 0, routed_experts = 0, shared_experts = 0, norms = 0,
         lm_head = 0;
  double total() const;
  // Parameters a token's forward pass multiplies by: routed experts scaled by top_k / experts; the
  // input embedding (a row lookup) excluded.
  double active_per_token(const ModelSpec& m) const;
};
ParamBreakdown param_breakdown(const ModelSpec& m);
double param_count(const ModelSpec& m);
double active_params_per_token(const ModelSpec& m);
double attention_params_per_layer(const ModelSpec& m);         // a full-attention layer
double linear_attention_params_per_layer(const ModelSpec& m);  // a Gated DeltaNet layer (0 without)
double expert_params(const ModelSpec& m);                      // one routed expert

// ---- bytes ----
// Bytes of all weights at a deployment's weight format: the parameters that format applies to
// (quantized_weights) at its width, the rest at 16 bits.
double weight_bytes(const ModelSpec& m, common::DType weight_dtype);
// Whether weights outside the routed experts stay 16-bit under this weight format.
bool keeps_16bit_outside_experts(const ModelSpec& m, common::DType weight_dtype);
// Bytes of KV cache one token occupies over all layers (MLA: latent + rope key; hybrid models: their
// full-attention layers only).
double kv_bytes_per_token(const ModelSpec& m, common::DType kv_dtype);
double kv_elems_per_token_per_layer(const ModelSpec& m);
// Bytes of one sequence's recurrent state (value heads x key dim x value dim, `state_element_bytes`
// each) in one Gated DeltaNet layer, the matrix a decode step reads and writes; 0 for other models.
double recurrent_state_matrix_bytes_per_layer(const ModelSpec& m,
                                              double state_element_bytes = RECURRENT_STATE_ELEMENT_BYTES);
// Bytes of the fixed per-sequence state of a hybrid model's Gated DeltaNet layers (the recurrent state
// at `state_element_bytes` an element and the 16-bit convolution window, all layers, all heads); 0 for
// other models.
double recurrent_state_bytes_per_sequence(const ModelSpec& m,
                                          double state_element_bytes = RECURRENT_STATE_ELEMENT_BYTES);
// DSA: parameters of one layer's indexer (query / key / head-weight projections and the key norm;
// 0 without DSA), and the bytes of one token's cached index key per layer.
double dsa_indexer_params_per_layer(const ModelSpec& m);
double dsa_index_bytes_per_token_per_layer(const ModelSpec& m);

// Checks a spec for internal consistency; returns "" if fine, else the reason.
std::string check_model_spec(const ModelSpec& m);

}  // namespace infersim::model
