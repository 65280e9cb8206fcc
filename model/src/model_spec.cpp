#include "infersim/model/model_spec.h"

#include <fmt/format.h>

#include <algorithm>

namespace infersim::model {

std::int64_t q_dim(const ModelSpec& m) {
  if (m.is_mla()) return static_cast<std::int64_t>(m.num_heads) * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim);
  return static_cast<std::int64_t>(m.num_heads) * m.head_dim;
}

std::int64_t kv_dim(const ModelSpec& m) { return static_cast<std::int64_t>(m.num_kv_heads) * m.head_dim; }

int moe_layers(const ModelSpec& m) { return m.is_moe() ? m.num_layers - m.moe.first_dense_layers : 0; }
int dense_layers(const ModelSpec& m) { return m.num_layers - moe_layers(m); }

int full_attention_layers(const ModelSpec& m) {
  return m.is_hybrid_linear() ? m.num_layers / m.linear.full_attention_interval : m.num_layers;
}
int linear_attention_layers(const ModelSpec& m) { return m.num_layers - full_attention_layers(m); }

std::int64_t linear_key_dim(const ModelSpec& m) {
  return static_cast<std::int64_t>(m.linear.num_key_heads) * m.linear.key_head_dim;
}
std::int64_t linear_value_dim(const ModelSpec& m) {
  return static_cast<std::int64_t>(m.linear.num_value_heads) * m.linear.value_head_dim;
}
std::int64_t linear_conv_dim(const ModelSpec& m) { return 2 * linear_key_dim(m) + linear_value_dim(m); }

double linear_attention_params_per_layer(const ModelSpec& m) {
  if (!m.is_hybrid_linear()) return 0.0;
  const double h = static_cast<double>(m.hidden_size);
  const double kd = double(linear_key_dim(m)), vd = double(linear_value_dim(m)), nv = m.linear.num_value_heads;
  return h * (2.0 * kd + 2.0 * vd)                            // q, k, v and the output gate z
         + h * 2.0 * nv                                       // beta and the decay gate a, one each per value head
         + double(linear_conv_dim(m)) * m.linear.conv_kernel  // depthwise causal convolution
         + 2.0 * nv                                           // A_log and dt_bias
         + m.linear.value_head_dim                            // the gated output norm
         + vd * h;                                            // output projection
}

double recurrent_state_matrix_bytes_per_layer(const ModelSpec& m, double state_element_bytes) {
  if (!m.is_hybrid_linear()) return 0.0;
  return double(m.linear.num_value_heads) * m.linear.key_head_dim * m.linear.value_head_dim * state_element_bytes;
}

double recurrent_state_bytes_per_sequence(const ModelSpec& m, double state_element_bytes) {
  if (!m.is_hybrid_linear()) return 0.0;
  const double state = recurrent_state_matrix_bytes_per_layer(m, state_element_bytes);
  const double conv = double(linear_conv_dim(m)) * std::max(0, m.linear.conv_kernel - 1) * 2.0;
  return (state + conv) * linear_attention_layers(m);
}

double attention_params_per_layer(const ModelSpec& m) {
  const double h = static_cast<double>(m.hidden_size);
  if (m.is_mla()) {
    const auto& a = m.mla;
    const double nh = m.num_heads;
    double q = 0;
    if (a.q_lora_rank > 0)
      q = h * a.q_lora_rank + a.q_lora_rank + double(a.q_lora_rank) * nh * (a.qk_nope_head_dim + a.qk_rope_head_dim);
    else
      q = h * nh * (a.qk_nope_head_dim + a.qk_rope_head_dim);
    const double kv = h * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank +
                      double(a.kv_lora_rank) * nh * (a.qk_nope_head_dim + a.v_head_dim);
    const double o = nh * a.v_head_dim * h;
    return q + kv + o + dsa_indexer_params_per_layer(m);
  }
  const double qd = static_cast<double>(q_dim(m));
  const double kvd = static_cast<double>(kv_dim(m));
  double p = h * qd * (m.attention_output_gate ? 2.0 : 1.0) + 2.0 * h * kvd + qd * h;
  if (m.attention_bias) p += qd + 2.0 * kvd;
  return p;
}

double expert_params(const ModelSpec& m) {
  const double mats = m.mlp == MlpType::swiglu ? 3.0 : 2.0;
  return mats * double(m.hidden_size) * double(m.moe.expert_intermediate_size);
}

double ParamBreakdown::total() const {
  return embedding + attention + dense_mlp + router + routed_experts + shared_experts + norms + lm_head;
}

double ParamBreakdown::active_per_token(const ModelSpec& m) const {
  // The input embedding is a row lookup, not a matmul over all its parameters, so like the published
  // "active parameter" figures (gpt-oss, DeepSeek-V3) it is not counted as active.
  const double frac = m.is_moe() ? double(m.moe.top_k) / double(m.moe.num_experts) : 1.0;
  return attention + dense_mlp + router + routed_experts * frac + shared_experts + norms + lm_head;
}

ParamBreakdown param_breakdown(const ModelSpec& m) {
  ParamBreakdown p;
  const double h = static_cast<double>(m.hidden_size);
  const double mats = m.mlp == MlpType::swiglu ? 3.0 : 2.0;
  p.embedding = double(m.vocab_size) * h;
  p.lm_head = m.tie_embeddings ? 0.0 : double(m.vocab_size) * h;
  p.attention = attention_params_per_layer(m) * full_attention_layers(m) +
                linear_attention_params_per_layer(m) * linear_attention_layers(m);
  p.dense_mlp = mats * h * double(m.intermediate_size) * dense_layers(m);
  const double norm_per = m.norm == NormType::layernorm ? 2.0 * h : h;
  p.norms = norm_per * (2.0 * m.num_layers + 1.0);
  if (m.is_moe()) {
    const int L = moe_layers(m);
    p.router = h * m.moe.num_experts * L;
    p.routed_experts = expert_params(m) * m.moe.num_experts * L;
    p.shared_experts = mats * h * double(m.moe.shared_expert_intermediate_size) * L;
  }
  return p;
}

double param_count(const ModelSpec& m) { return param_breakdown(m).total(); }
double active_params_per_token(const ModelSpec& m) { return param_breakdown(m).active_per_token(m); }

bool keeps_16bit_outside_experts(const ModelSpec& m, common::DType weight_dtype) {
  return m.quantized_weights == QuantizedWeights::routed_experts && m.is_moe() &&
         common::bytes_per_element(weight_dtype) < 2.0;
}

double weight_bytes(const ModelSpec& m, common::DType weight_dtype) {
  const double b = common::bytes_per_element(weight_dtype);
  if (!keeps_16bit_outside_experts(m, weight_dtype)) return param_count(m) * b;
  const ParamBreakdown p = param_breakdown(m);
  return p.routed_experts * b + (p.total() - p.routed_experts) * 2.0;
}

double kv_elems_per_token_per_layer(const ModelSpec& m) {
  if (m.is_mla()) return double(m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
  return 2.0 * double(kv_dim(m));
}

double dsa_indexer_params_per_layer(const ModelSpec& m) {
  if (!m.is_dsa()) return 0.0;
  const double h = double(m.hidden_size), n = m.dsa.index_heads, d = m.dsa.index_head_dim;
  const double q_in = m.mla.q_lora_rank > 0 ? double(m.mla.q_lora_rank) : h;
  return q_in * n * d  // wq_b: query heads from the (compressed) query
         + h * d       // wk: one shared key per token
         + 2.0 * d     // key LayerNorm
         + h * n;      // weights_proj: per-head weights of the scores
}

double dsa_index_bytes_per_token_per_layer(const ModelSpec& m) {
  return m.is_dsa() ? double(m.dsa.index_head_dim) + DSA_INDEX_SCALE_BYTES : 0.0;
}

double kv_bytes_per_token(const ModelSpec& m, common::DType kv_dtype) {
  return (kv_elems_per_token_per_layer(m) * common::bytes_per_element(kv_dtype) +
          dsa_index_bytes_per_token_per_layer(m)) *
         full_attention_layers(m);
}

std::string check_model_spec(const ModelSpec& m) {
  if (m.hidden_size <= 0) return "hidden_size must be > 0";
  if (m.num_layers <= 0) return "num_layers must be > 0";
  if (m.num_heads <= 0) return "num_heads must be > 0";
  if (m.vocab_size <= 0) return "vocab_size must be > 0";
  if (!m.is_mla()) {
    if (m.head_dim <= 0) return "head_dim must be > 0";
    if (m.num_kv_heads <= 0) return "num_kv_heads must be > 0";
    if (m.num_kv_heads > m.num_heads) return "num_kv_heads must not exceed num_heads";
    if (m.num_heads % m.num_kv_heads != 0) return "num_heads must be a multiple of num_kv_heads";
  } else {
    if (m.mla.qk_nope_head_dim <= 0 || m.mla.qk_rope_head_dim <= 0 || m.mla.v_head_dim <= 0)
      return "mla head dims must be > 0";
  }
  if (m.is_dsa()) {
    if (!m.is_mla()) return "dsa needs mla (the indexer selects tokens of the latent cache)";
    if (m.dsa.index_head_dim <= 0 || m.dsa.index_topk <= 0) return "dsa.index_head_dim and dsa.index_topk must be > 0";
  }
  if (m.is_hybrid_linear()) {
    const auto& l = m.linear;
    if (m.is_mla()) return "linear_attention needs GQA full-attention layers (not mla)";
    if (l.full_attention_interval < 2 || l.full_attention_interval > m.num_layers)
      return "linear_attention.full_attention_interval must be in [2, num_layers]";
    if (l.num_key_heads <= 0 || l.num_value_heads <= 0 || l.key_head_dim <= 0 || l.value_head_dim <= 0)
      return "linear_attention heads and head dims must be > 0";
    if (l.num_value_heads % l.num_key_heads != 0)
      return "linear_attention.num_value_heads must be a multiple of num_key_heads";
    if (l.conv_kernel < 1) return "linear_attention.conv_kernel must be >= 1";
  } else if (m.attention_output_gate && m.is_mla()) {
    return "attention_output_gate needs GQA attention (not mla)";
  }
  if (!m.is_moe() || m.moe.first_dense_layers > 0) {
    if (m.intermediate_size <= 0) return "intermediate_size must be > 0";
  }
  if (m.is_moe()) {
    if (m.moe.top_k <= 0 || m.moe.top_k > m.moe.num_experts) return "moe.top_k must be in [1, num_experts]";
    if (m.moe.expert_intermediate_size <= 0) return "moe.expert_intermediate_size must be > 0";
    if (m.moe.first_dense_layers < 0 || m.moe.first_dense_layers >= m.num_layers)
      return "moe.first_dense_layers must be in [0, num_layers)";
    if (m.moe.num_shared_experts > 0 && m.moe.shared_expert_intermediate_size <= 0)
      return "moe.shared_expert_intermediate_size must be > 0 when there are shared experts";
  }
  if (m.sliding_layer_fraction < 0 || m.sliding_layer_fraction > 1) return "sliding_layer_fraction must be in [0, 1]";
  if (m.sliding_layer_fraction > 0 && m.sliding_window <= 0)
    return "sliding_window must be > 0 when sliding layers exist";
  if (m.max_context <= 0) return "max_context must be > 0";
  if (m.quantized_weights == QuantizedWeights::routed_experts && !m.is_moe())
    return "quantized_weights 'routed_experts' needs a moe block (the model has no routed experts)";
  return {};
}

}  // namespace infersim::model
