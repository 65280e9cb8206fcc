#include "infersim/model/op_cost.h"

#include <algorithm>
#include <cmath>

namespace infersim::model {

const char* op_class_name(OpClass op) {
  switch (op) {
    case OpClass::embedding: return "embedding";
    case OpClass::norm: return "norm";
    case OpClass::qkv_proj: return "qkv_proj";
    case OpClass::attention: return "attention";
    case OpClass::out_proj: return "out_proj";
    case OpClass::mlp: return "mlp";
    case OpClass::moe_router: return "moe_router";
    case OpClass::moe_experts: return "moe_experts";
    case OpClass::lm_head: return "lm_head";
  }
  return "?";
}

BatchShape BatchShape::prefill(double n, double len) {
  BatchShape b;
  b.prefill_tokens = n * len;
  b.prefill_attn_pairs = n * len * (len + 1.0) / 2.0;
  b.prefill_seqs = n;
  b.prefill_seqs_finishing = n;
  return b;
}

BatchShape BatchShape::prefill_chunk(double len, double cached, bool finishing) {
  BatchShape b;
  b.prefill_tokens = len;
  b.prefill_attn_pairs = len * cached + len * (len + 1.0) / 2.0;
  b.prefill_cached_tokens = cached;
  b.prefill_seqs = 1;
  b.prefill_seqs_finishing = finishing ? 1 : 0;
  return b;
}

BatchShape BatchShape::decode(double n, double ctx) {
  BatchShape b;
  b.decode_seqs = n;
  b.decode_ctx_sum = n * ctx;
  return b;
}

BatchShape& BatchShape::operator+=(const BatchShape& o) {
  prefill_tokens += o.prefill_tokens;
  prefill_attn_pairs += o.prefill_attn_pairs;
  prefill_cached_tokens += o.prefill_cached_tokens;
  prefill_seqs += o.prefill_seqs;
  prefill_seqs_finishing += o.prefill_seqs_finishing;
  if (decode_seqs + o.decode_seqs > 0)
    decode_queries = (decode_tokens() + o.decode_tokens()) / (decode_seqs + o.decode_seqs);
  decode_seqs += o.decode_seqs;
  decode_ctx_sum += o.decode_ctx_sum;
  return *this;
}

BatchShape BatchShape::scaled(double f) const {
  BatchShape b = *this;
  b.prefill_tokens *= f;
  b.prefill_attn_pairs *= f;
  b.prefill_cached_tokens *= f;
  b.prefill_seqs *= f;
  b.prefill_seqs_finishing *= f;
  b.decode_seqs *= f;
  b.decode_ctx_sum *= f;
  return b;
}

double expected_experts_touched(int num_experts, int top_k, double tokens) {
  if (num_experts <= 0 || tokens <= 0) return 0.0;
  const double miss = 1.0 - double(top_k) / double(num_experts);
  return double(num_experts) * (1.0 - std::pow(miss, tokens));
}

ExpertRouting::ExpertRouting(int num_experts, int top_k, double skew)
    : experts_(num_experts), top_k_(top_k), skew_(std::max(0.0, skew)) {
  if (num_experts <= 0 || top_k <= 0 || skew_ <= 0) return;
  const int E = num_experts;
  const double k = std::min<double>(top_k, E);
  std::vector<double> w(static_cast<std::size_t>(E));
  for (int i = 0; i < E; ++i) w[std::size_t(i)] = std::pow(double(i + 1), -skew_);
  // Water-filling: the c with sum_i min(1, c w_i) = k (monotone in c; bisection on log c).
  auto mass = [&](double c) {
    double s = 0;
    for (double x : w) s += std::min(1.0, c * x);
    return s;
  };
  double lo = 0, hi = k / w.back();  // mass(hi) = E >= k
  for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (mass(mid) < k ? lo : hi) = mid;
  }
  const double c = 0.5 * (lo + hi);
  std::size_t i = 0;
  while (i < w.size() && c * w[i] >= 1.0) {
    always_ += 1;
    ++i;
  }
  while (i < w.size()) {
    const double q0 = c * w[i];
    double n = 0, sum = 0;
    while (i < w.size() && c * w[i] >= 0.95 * q0) {
      sum += c * w[i];
      n += 1;
      ++i;
    }
    groups_.emplace_back(n, std::log1p(-std::min(sum / n, 1.0 - 1e-15)));
  }
}

double ExpertRouting::touched(double tokens) const {
  if (experts_ <= 0 || tokens <= 0) return 0.0;
  if (skew_ <= 0) return expected_experts_touched(experts_, top_k_, tokens);
  double t = always_;
  for (const auto& [n, lq] : groups_) t += n * -std::expm1(tokens * lq);
  return t;
}

double linear_in_proj_params(const ModelSpec& m) {
  if (!m.is_hybrid_linear()) return 0.0;
  return double(m.hidden_size) *
         (2.0 * double(linear_key_dim(m)) + 2.0 * double(linear_value_dim(m)) + 2.0 * m.linear.num_value_heads);
}

double linear_out_proj_params(const ModelSpec& m) {
  return m.is_hybrid_linear() ? double(linear_value_dim(m)) * double(m.hidden_size) : 0.0;
}

LinearAttentionCost linear_attention_core(const ModelSpec& m, const BatchShape& b, double ab, double sb) {
  LinearAttentionCost c;
  if (!m.is_hybrid_linear()) return c;
  const double nv = m.linear.num_value_heads, dk = m.linear.key_head_dim, dv = m.linear.value_head_dim;
  const double C = LINEAR_ATTENTION_CHUNK;
  const double state = recurrent_state_matrix_bytes_per_layer(m, sb);  // one sequence, one layer
  const double conv = double(linear_conv_dim(m));
  const double conv_flops = 2.0 * m.linear.conv_kernel * conv;  // per token
  // Per token and value head: the state read-out (q S) and update (k^T v, decayed) take 2 dk dv
  // multiply-adds each; inside a chunk, q k^T, the WY transform of the keys and the scores times v
  // take 2 C dk, 2 C dk and 2 C dv.
  const double prefill_per_token = nv * (4.0 * dk * dv + 2.0 * C * (2.0 * dk + dv)) + conv_flops;
  // A decode step: k^T S, the delta update of S, and q S: three dk x dv passes per value head.
  const double decode_per_token = nv * 6.0 * dk * dv + conv_flops;
  const double act_per_token = (conv + 2.0 * double(linear_value_dim(m))) * ab;  // q, k, v in; z in, o out
  c.prefill_flops = b.prefill_tokens * prefill_per_token;
  c.prefill_state_bytes = 2.0 * state * b.prefill_seqs;  // the state in (a chunk after the first) and out
  c.prefill_act_bytes = b.prefill_tokens * act_per_token;
  c.decode_flops = b.decode_tokens() * decode_per_token;
  // Each decode token steps the recurrence; the drafts a verify step checks each keep their own state.
  c.decode_state_bytes = 2.0 * state * b.decode_tokens();
  c.decode_act_bytes = b.decode_tokens() * act_per_token;
  return c;
}

OpCosts op_costs(const ModelSpec& m, const BatchShape& b, const Precision& p) {
  OpCosts c{};
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) c[i].op = static_cast<OpClass>(i);
  const double wb = common::bytes_per_element(p.weight);
  const double ab = common::bytes_per_element(p.activation);
  const double kb = common::bytes_per_element(p.kv);
  const double h = double(m.hidden_size);
  const double T = b.tokens();
  const double L = m.num_layers;
  const double mats = m.mlp == MlpType::swiglu ? 3.0 : 2.0;
  // Weights outside the routed experts that the model's checkpoints keep at 16 bits (and the 16-bit
  // activations those layers take): their bytes and flops are marked so the roofline prices them at 16 bits.
  const bool keep16 = keeps_16bit_outside_experts(m, p.weight);
  const double wb16 = keep16 ? 2.0 : wb, ab16 = keep16 ? std::max(ab, 2.0) : ab;
  auto mark16 = [&](OpCost& o) {
    if (!keep16) return;
    o.flops16 = o.flops;
    o.weight_bytes16 = o.weight_bytes;
  };

  auto& emb = c[size_t(OpClass::embedding)];
  emb.weight_bytes = T * h * wb16;
  emb.act_bytes = T * h * ab;
  mark16(emb);
  emb.layers = 1;

  auto& norm = c[size_t(OpClass::norm)];
  const double norms = 2.0 * L + 1.0;
  norm.flops = 5.0 * T * h * norms;
  norm.act_bytes = 2.0 * T * h * ab * norms;
  norm.weight_bytes = h * wb * norms;
  norm.layers = int(norms);

  // Attention projections.
  const double o_params = m.is_mla() ? double(m.num_heads) * m.mla.v_head_dim * h : double(q_dim(m)) * h;
  const double qkv_params = attention_params_per_layer(m) - o_params;
  const double qd = double(q_dim(m));
  const double kv_elems = kv_elems_per_token_per_layer(m);
  // Hybrid models: the GQA projections and core run on the full-attention layers only; the Gated
  // DeltaNet layers add their own projections and core.
  const double Lf = full_attention_layers(m), Ll = linear_attention_layers(m);
  const double lin_in = linear_in_proj_params(m), lin_out = linear_out_proj_params(m);
  auto& qkv = c[size_t(OpClass::qkv_proj)];
  qkv.flops = 2.0 * T * (qkv_params * Lf + lin_in * Ll);
  qkv.weight_bytes = (qkv_params * Lf + lin_in * Ll) * wb16;
  qkv.act_bytes = T * ((h + qd + kv_elems) * Lf + (h + lin_in / h) * Ll) * ab16;
  qkv.matmul = true;
  qkv.layers = int(L);
  mark16(qkv);

  // Attention core: sliding-window layers attend to at most `window` keys.
  double dec_pairs = b.decode_ctx_sum * b.decode_queries;
  double pre_pairs = b.prefill_attn_pairs;
  double dec_kv_tokens = b.decode_ctx_sum;
  double pre_kv_tokens = b.prefill_cached_tokens;
  if (m.sliding_window > 0 && m.sliding_layer_fraction > 0) {
    const double f = m.sliding_layer_fraction;
    const double w = double(m.sliding_window);
    const double dec_w = std::min(b.decode_ctx_sum, b.decode_seqs * w);
    const double pre_w = std::min(b.prefill_attn_pairs, b.prefill_tokens * w);
    const double cached_w = std::min(b.prefill_cached_tokens, b.prefill_seqs * w);
    dec_pairs = (1 - f) * dec_pairs + f * dec_w * b.decode_queries;
    pre_pairs = (1 - f) * pre_pairs + f * pre_w;
    dec_kv_tokens = (1 - f) * dec_kv_tokens + f * dec_w;
    pre_kv_tokens = (1 - f) * pre_kv_tokens + f * cached_w;
  }
  double flops_per_pair_prefill, flops_per_pair_decode;
  const double nh = m.num_heads;
  if (m.is_mla()) {
    flops_per_pair_prefill = 2.0 * nh * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim + m.mla.v_head_dim);
    // Decode runs in the absorbed form against the latent cache.
    flops_per_pair_decode = 2.0 * nh * (2.0 * m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
  } else {
    flops_per_pair_prefill = flops_per_pair_decode = 2.0 * nh * (2.0 * m.head_dim);
  }
  // DSA: the indexer scores every (query, cached token) pair with FP8 keys and writes FP32 logits that a
  // top-k pass reads; the MLA core attends to at most index_topk tokens per query.
  double idx_flops = 0, idx_bytes = 0;
  if (m.is_dsa()) {
    const double K = m.dsa.index_topk;
    idx_flops = 2.0 * m.dsa.index_heads * m.dsa.index_head_dim * (pre_pairs + dec_pairs);
    idx_bytes = (dec_kv_tokens + pre_kv_tokens + T) * dsa_index_bytes_per_token_per_layer(m)  // keys
                + 2.0 * 4.0 * (pre_pairs + dec_pairs);                                        // logits out, top-k in
    pre_pairs = std::min(pre_pairs, b.prefill_tokens * K);
    dec_pairs = std::min(dec_pairs, b.decode_tokens() * K);
    dec_kv_tokens = std::min(dec_kv_tokens, b.decode_seqs * K);
    pre_kv_tokens = std::min(pre_kv_tokens, b.prefill_seqs * K);
  }
  auto& att = c[size_t(OpClass::attention)];
  const LinearAttentionCost lin = linear_attention_core(m, b, ab, common::bytes_per_element(p.state));
  att.flops = (pre_pairs * flops_per_pair_prefill + dec_pairs * flops_per_pair_decode + idx_flops) * Lf +
              lin.flops() * Ll;
  att.kv_bytes = ((dec_kv_tokens + pre_kv_tokens) * kv_elems * kb  // read cached K/V
                  + T * kv_elems * kb                              // append new K/V
                  + idx_bytes)                                     // DSA index keys and logits
                 * Lf;
  // Q, new K/V in, O out; the Gated DeltaNet layers' inputs, outputs and recurrent states, which split
  // over the TP ranks with their heads (the KV cache splits by KV heads only).
  att.act_bytes = T * (2.0 * qd + kv_elems) * ab * Lf + (lin.act_bytes() + lin.state_bytes()) * Ll;
  att.matmul = true;
  att.layers = int(L);

  auto& out = c[size_t(OpClass::out_proj)];
  out.flops = 2.0 * T * (o_params * Lf + lin_out * Ll);
  out.weight_bytes = (o_params * Lf + lin_out * Ll) * wb16;
  out.act_bytes = T * ((qd + h) * Lf + (lin_out / h + h) * Ll) * ab16;
  out.matmul = true;
  out.layers = int(L);
  mark16(out);

  const double Ld = dense_layers(m);
  auto& mlp = c[size_t(OpClass::mlp)];
  const double mlp_params = mats * h * double(m.intermediate_size);
  mlp.flops = 2.0 * T * mlp_params * Ld;
  mlp.weight_bytes = mlp_params * wb16 * Ld;
  mlp.act_bytes = T * (2.0 * h + mats * double(m.intermediate_size)) * ab16 * Ld;
  mlp.matmul = true;
  mlp.layers = int(Ld);
  mark16(mlp);

  if (m.is_moe()) {
    const double Lm = moe_layers(m);
    const double E = m.moe.num_experts;
    const double k = m.moe.top_k;
    const double ie = double(m.moe.expert_intermediate_size);
    auto& router = c[size_t(OpClass::moe_router)];
    router.flops = 2.0 * T * h * E * Lm;
    router.weight_bytes = h * E * wb * Lm;
    router.act_bytes = T * (h + E) * ab * Lm;
    router.layers = int(Lm);

    auto& ex = c[size_t(OpClass::moe_experts)];
    const double ep = expert_params(m);
    const double shared = mats * h * double(m.moe.shared_expert_intermediate_size);
    const double touched = expected_experts_touched(m.moe.num_experts, m.moe.top_k, T);
    ex.flops = 2.0 * T * (k * ep + shared) * Lm;
    ex.weight_bytes = (touched * ep * wb + shared * wb16) * Lm;
    if (keep16) {
      ex.flops16 = 2.0 * T * shared * Lm;
      ex.weight_bytes16 = shared * wb16 * Lm;
    }
    ex.act_bytes = T *
                   (k * (2.0 * h + mats * ie) +
                    (shared > 0 ? 2.0 * h + mats * double(m.moe.shared_expert_intermediate_size) : 0.0)) *
                   ab * Lm;
    ex.matmul = true;
    ex.layers = int(Lm);
  }

  auto& head = c[size_t(OpClass::lm_head)];
  const double S = b.emitting();
  const double V = double(m.vocab_size);
  if (S > 0) {
    head.flops = 2.0 * S * h * V;
    head.weight_bytes = h * V * wb16;
    if (keep16) head.weight_bytes16 = head.weight_bytes;
    head.act_bytes = S * h * ab + S * V * 4.0;  // fp32 logits
  }
  head.matmul = true;
  head.layers = 1;
  if (keep16) head.flops16 = head.flops;
  return c;
}

}  // namespace infersim::model
