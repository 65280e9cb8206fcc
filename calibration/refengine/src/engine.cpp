#include "infersim/refengine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <set>

#include "infersim/common/errors.h"
#include "infersim/refengine/reference_kernels.h"

namespace infersim::refengine {

using common::ConfigError;
using common::DType;
using model::OpClass;

RopeConfig default_rope(const model::ModelSpec& m) {
  RopeConfig r;
  if (m.family == "llama3") {
    r.theta = 500000.0;
    if (m.name.find("3.2") != std::string::npos || m.hf_id.find("3.2") != std::string::npos)
      r.factor = 32;
    else if (m.name.find("3.1") != std::string::npos || m.hf_id.find("3.1") != std::string::npos)
      r.factor = 8;
  } else if (m.family == "qwen2" || m.family == "qwen3") {
    r.theta = 1000000.0;
  }
  return r;
}

std::vector<double> rope_inv_freq(const RopeConfig& r, int head_dim) {
  std::vector<double> f(std::size_t(head_dim / 2));
  for (int i = 0; i < head_dim / 2; ++i) f[std::size_t(i)] = 1.0 / std::pow(r.theta, double(2 * i) / double(head_dim));
  if (r.factor > 0) {  // Hugging Face _compute_llama3_parameters
    const double low_wavelen = r.original_max_position / r.low_freq_factor;
    const double high_wavelen = r.original_max_position / r.high_freq_factor;
    for (auto& x : f) {
      const double wavelen = 2.0 * std::numbers::pi / x;
      if (wavelen > low_wavelen) {
        x /= r.factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (r.original_max_position / wavelen - r.low_freq_factor) /
                              (r.high_freq_factor - r.low_freq_factor);
        x = (1.0 - smooth) * x / r.factor + smooth * x;
      }
    }
  }
  return f;
}

struct Engine::Seq {
  std::unique_ptr<KvCache> cache;
};

Engine::Engine(ModelWeights weights, EngineOptions options)
    : w_(std::move(weights)),
      opt_(std::move(options)),
      kv_dtype_(w_.dtype == DType::fp32 ? DType::fp32 : DType::bf16),
      pool_(opt_.threads) {
  if (auto p = engine_support_problem(w_.spec); !p.empty()) throw ConfigError(p);
  kernels_ = std::make_unique<Kernels>(pool_);
  inv_freq_ = rope_inv_freq(opt_.rope.value_or(default_rope(w_.spec)), w_.spec.head_dim);
}

Engine::~Engine() = default;

model::Precision Engine::precision() const {
  model::Precision p;
  p.weight = w_.dtype;
  p.activation = w_.dtype == DType::fp32 ? DType::fp32 : DType::bf16;
  p.kv = kv_dtype_;
  return p;
}

model::Precision Engine::precision_for(DType weight, std::int64_t rows) {
  model::Precision p;
  p.weight = weight;
  const bool f32_math = weight == DType::fp32 || (weight == DType::int8 && !matmul_uses_bf16_math(weight, rows));
  p.activation = f32_math ? DType::fp32 : DType::bf16;
  p.kv = weight == DType::fp32 ? DType::fp32 : DType::bf16;
  return p;
}

int Engine::add_sequence(std::int64_t capacity) {
  auto s = std::make_unique<Seq>();
  s->cache = std::make_unique<KvCache>(w_.spec.num_layers, w_.spec.num_kv_heads, w_.spec.head_dim, capacity, kv_dtype_);
  const int id = next_id_++;
  seqs_[id] = std::move(s);
  return id;
}

void Engine::remove_sequence(int id) { seqs_.erase(id); }

Engine::Seq& Engine::seq(int id) {
  auto it = seqs_.find(id);
  if (it == seqs_.end()) throw ConfigError(fmt::format("unknown sequence id {}", id));
  return *it->second;
}
const Engine::Seq& Engine::seq(int id) const { return const_cast<Engine*>(this)->seq(id); }

std::int64_t Engine::length(int id) const { return seq(id).cache->length; }

void Engine::fill_context(int id, std::int64_t len, std::uint64_t seed) {
  auto& s = seq(id);
  if (len > s.cache->capacity())
    throw ConfigError(fmt::format("context {} exceeds the sequence capacity {}", len, s.cache->capacity()));
  s.cache->fill_random(len, seed, &pool_);
}

void Engine::truncate(int id, std::int64_t len) {
  auto& s = seq(id);
  if (len < 0 || len > s.cache->capacity())
    throw ConfigError(fmt::format("truncate: length {} outside [0, {}]", len, s.cache->capacity()));
  s.cache->length = len;
}

double Engine::kv_bytes() const {
  double b = 0;
  for (const auto& [id, s] : seqs_) b += double(s->cache->bytes());
  return b;
}

void Engine::ensure_rope(std::int64_t positions) {
  if (positions <= rope_positions_) return;
  const std::int64_t n = std::max(positions, 2 * rope_positions_);
  const std::size_t half = inv_freq_.size();
  rope_cos_.resize(std::size_t(n) * half);
  rope_sin_.resize(std::size_t(n) * half);
  for (std::int64_t p = rope_positions_; p < n; ++p)
    for (std::size_t i = 0; i < half; ++i) {
      const double a = double(p) * inv_freq_[i];
      rope_cos_[std::size_t(p) * half + i] = float(std::cos(a));
      rope_sin_[std::size_t(p) * half + i] = float(std::sin(a));
    }
  rope_positions_ = n;
}

void Engine::ensure_scratch(std::int64_t tokens, std::int64_t emitting) {
  const auto& m = w_.spec;
  const std::size_t h = std::size_t(m.hidden_size), qd = std::size_t(model::q_dim(m)),
                    kvd = std::size_t(model::kv_dim(m)), I = std::size_t(m.intermediate_size),
                    V = std::size_t(m.vocab_size);
  if (tokens > scratch_tokens_) {
    const std::size_t t = std::size_t(tokens);
    x_.resize(t * h * 4);
    xn_.resize(t * h * 4);
    qkv_.resize(t * (qd + 2 * kvd) * 4);
    attn_.resize(t * qd * 4);
    gu_.resize(t * 2 * I * 4);
    act_.resize(t * I * 4);
    scratch_tokens_ = tokens;
  }
  if (emitting > scratch_emit_) {
    last_.resize(std::size_t(emitting) * h * 4);
    logits_.resize(std::size_t(emitting) * V * 4);
    scratch_emit_ = emitting;
  }
}

model::BatchShape Engine::shape_of(const std::vector<StepInput>& inputs) const {
  model::BatchShape b;
  for (const auto& in : inputs) {
    const double past = double(length(in.seq)), n = double(in.tokens.size());
    if (n == 1 && past > 0)
      b += model::BatchShape::decode(1, past + 1);
    else
      b += model::BatchShape::prefill_chunk(n, past, true);
  }
  return b;
}

StepResult Engine::step(const std::vector<StepInput>& inputs, bool want_logits) {
  using Clock = std::chrono::steady_clock;
  const auto& m = w_.spec;
  if (inputs.empty()) throw ConfigError("step: no inputs");
  std::set<int> seen;
  std::int64_t T = 0, max_pos = 0;
  for (const auto& in : inputs) {
    if (in.tokens.empty()) throw ConfigError(fmt::format("step: sequence {} brings no tokens", in.seq));
    if (!seen.insert(in.seq).second) throw ConfigError(fmt::format("step: sequence {} appears twice", in.seq));
    const auto& s = seq(in.seq);
    const std::int64_t end = s.cache->length + std::int64_t(in.tokens.size());
    if (end > s.cache->capacity())
      throw ConfigError(
          fmt::format("step: sequence {} would hold {} tokens, capacity {}", in.seq, end, s.cache->capacity()));
    for (auto t : in.tokens)
      if (t < 0 || t >= m.vocab_size)
        throw ConfigError(fmt::format("step: token {} outside the vocabulary [0, {})", t, m.vocab_size));
    T += std::int64_t(in.tokens.size());
    max_pos = std::max(max_pos, end);
  }
  const std::int64_t S = std::int64_t(inputs.size());
  StepResult r;
  r.shape = shape_of(inputs);
  ensure_scratch(T, S);
  ensure_rope(max_pos);

  const std::int64_t h = m.hidden_size, qd = model::q_dim(m), kvd = model::kv_dim(m), I = m.intermediate_size,
                     V = m.vocab_size, nq = qd + 2 * kvd;
  const int nh = m.num_heads, nkv = m.num_kv_heads, hd = m.head_dim, half = hd / 2;
  const std::int64_t window = (m.sliding_window > 0 && m.sliding_layer_fraction >= 1.0) ? m.sliding_window : 0;
  ViewF x = ViewF::matrix(x_.as<float>(), T, h, h);
  ViewF xn = ViewF::matrix(xn_.as<float>(), T, h, h);
  ViewF qkv = ViewF::matrix(qkv_.as<float>(), T, nq, nq);
  ViewF attn = ViewF::matrix(attn_.as<float>(), T, qd, qd);
  ViewF gu = ViewF::matrix(gu_.as<float>(), T, 2 * I, 2 * I);
  ViewF act = ViewF::matrix(act_.as<float>(), T, I, I);
  ViewF last = ViewF::matrix(last_.as<float>(), S, h, h);
  ViewF logits = ViewF::matrix(logits_.as<float>(), S, V, V);
  auto cv = [](ViewF v) { return CViewF::matrix(v.data, v.rows(), v.cols(), v.ld()); };

  // Row bookkeeping: which sequence and position each new token is.
  std::vector<std::int32_t> tokens(std::size_t(T), 0);
  std::vector<std::int64_t> pos(static_cast<std::size_t>(T)), last_row(static_cast<std::size_t>(S));
  std::vector<KvCache*> row_cache(static_cast<std::size_t>(T));
  std::vector<AttentionSeq> aseqs;
  {
    std::int64_t row = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      KvCache* c = seq(inputs[i].seq).cache.get();
      aseqs.push_back({c, row, std::int64_t(inputs[i].tokens.size()), c->length});
      for (std::size_t j = 0; j < inputs[i].tokens.size(); ++j, ++row) {
        tokens[std::size_t(row)] = inputs[i].tokens[j];
        pos[std::size_t(row)] = c->length + std::int64_t(j);
        row_cache[std::size_t(row)] = c;
      }
      last_row[i] = row - 1;
    }
  }

  const auto t_start = Clock::now();
  auto t_last = t_start;
  auto tick = [&](OpClass c) {
    const auto now = Clock::now();
    r.op_seconds[std::size_t(c)] += std::chrono::duration<double>(now - t_last).count();
    t_last = now;
  };

  const PackedWeight& emb = w_.embed;
  pool_.parallel_for(T, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) emb.get_row(tokens[std::size_t(t)], x.row(t));
  });
  tick(OpClass::embedding);

  for (int l = 0; l < m.num_layers; ++l) {
    const LayerWeights& lw = w_.layers[std::size_t(l)];
    kernels_->rmsnorm(cv(x), lw.input_norm.data(), opt_.norm_eps, xn);
    tick(OpClass::norm);
    kernels_->matmul(cv(xn), lw.qkv, qkv, false);
    tick(OpClass::qkv_proj);
    pool_.parallel_for(T, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t t = b; t < e; ++t) {
        float* row = qkv.row(t);
        if (!lw.qkv_bias.empty())
          for (std::int64_t c = 0; c < nq; ++c) row[c] += lw.qkv_bias[std::size_t(c)];
        const std::size_t p = std::size_t(pos[std::size_t(t)]);
        const float* cs = rope_cos_.data() + p * std::size_t(half);
        const float* sn = rope_sin_.data() + p * std::size_t(half);
        rope_rows(ViewF::matrix(row, 1, qd + kvd, nq), nh + nkv, hd, cs, sn);  // q heads then k heads
        for (int g = 0; g < nkv; ++g)
          row_cache[std::size_t(t)]->write(l, g, std::int64_t(p), row + qd + std::int64_t(g) * hd,
                                           row + qd + kvd + std::int64_t(g) * hd);
      }
    });
    kernels_->attention(l, cv(qkv.col_slice(0, qd)), aseqs, nh, window, attn);
    tick(OpClass::attention);
    kernels_->matmul(cv(attn), lw.o, x, true);
    tick(OpClass::out_proj);
    kernels_->rmsnorm(cv(x), lw.post_norm.data(), opt_.norm_eps, xn);
    tick(OpClass::norm);
    kernels_->matmul(cv(xn), lw.gate_up, gu, false);
    kernels_->silu_mul(cv(gu.col_slice(0, I)), cv(gu.col_slice(I, I)), act);
    kernels_->matmul(cv(act), lw.down, x, true);
    tick(OpClass::mlp);
  }
  for (std::int64_t i = 0; i < S; ++i)
    std::copy(x.row(last_row[std::size_t(i)]), x.row(last_row[std::size_t(i)]) + h, last.row(i));
  kernels_->rmsnorm(cv(last), w_.final_norm.data(), opt_.norm_eps, last);
  tick(OpClass::norm);
  kernels_->matmul(cv(last), w_.lm_head(), logits, false);
  r.next.resize(std::size_t(S));
  argmax_rows(cv(logits), r.next.data());
  tick(OpClass::lm_head);
  r.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();

  for (const auto& a : aseqs) const_cast<KvCache*>(a.cache)->length += a.n_new;
  if (want_logits) r.logits.assign(logits.data, logits.data + S * V);
  return r;
}

// ---------------------------------------------------------------- naive reference forward pass

std::vector<float> reference_forward(const ModelWeights& w, const std::vector<std::int32_t>& tokens,
                                     const RopeConfig& rope, float norm_eps) {
  const auto& m = w.spec;
  const std::int64_t T = std::int64_t(tokens.size()), h = m.hidden_size, qd = model::q_dim(m), kvd = model::kv_dim(m),
                     I = m.intermediate_size, V = m.vocab_size;
  const int nh = m.num_heads, nkv = m.num_kv_heads, hd = m.head_dim;
  const std::int64_t window = (m.sliding_window > 0 && m.sliding_layer_fraction >= 1.0) ? m.sliding_window : 0;
  const auto inv_freq = rope_inv_freq(rope, hd);
  auto unpack = [](const PackedWeight& p) {
    std::vector<float> out(std::size_t(p.n * p.k));
    for (std::int64_t r = 0; r < p.n; ++r) p.get_row(r, out.data() + r * p.k);
    return out;
  };
  std::vector<float> x(std::size_t(T * h)), xn(std::size_t(T * h)), q(std::size_t(T * qd)), k(std::size_t(T * kvd)),
      v(std::size_t(T * kvd)), o(std::size_t(T * qd)), g(std::size_t(T * I)), u(std::size_t(T * I)),
      a(std::size_t(T * I));
  for (std::int64_t t = 0; t < T; ++t) w.embed.get_row(tokens[std::size_t(t)], x.data() + t * h);
  for (const auto& lw : w.layers) {
    const auto wqkv = unpack(lw.qkv), wo = unpack(lw.o), wgu = unpack(lw.gate_up), wd = unpack(lw.down);
    reference::rmsnorm(x.data(), T, h, lw.input_norm.data(), norm_eps, xn.data());
    reference::matmul(xn.data(), T, h, wqkv.data(), qd, q.data(), false);
    reference::matmul(xn.data(), T, h, wqkv.data() + qd * h, kvd, k.data(), false);
    reference::matmul(xn.data(), T, h, wqkv.data() + (qd + kvd) * h, kvd, v.data(), false);
    for (std::int64_t t = 0; t < T; ++t) {
      if (!lw.qkv_bias.empty()) {
        for (std::int64_t c = 0; c < qd; ++c) q[std::size_t(t * qd + c)] += lw.qkv_bias[std::size_t(c)];
        for (std::int64_t c = 0; c < kvd; ++c) k[std::size_t(t * kvd + c)] += lw.qkv_bias[std::size_t(qd + c)];
        for (std::int64_t c = 0; c < kvd; ++c) v[std::size_t(t * kvd + c)] += lw.qkv_bias[std::size_t(qd + kvd + c)];
      }
      reference::rope(q.data() + t * qd, nh, hd, double(t), inv_freq);
      reference::rope(k.data() + t * kvd, nkv, hd, double(t), inv_freq);
    }
    reference::attention(q.data(), k.data(), v.data(), 0, T, nh, nkv, hd, window, o.data());
    std::vector<float> tmp(std::size_t(T * h));
    reference::matmul(o.data(), T, qd, wo.data(), h, x.data(), true);
    reference::rmsnorm(x.data(), T, h, lw.post_norm.data(), norm_eps, xn.data());
    reference::matmul(xn.data(), T, h, wgu.data(), I, g.data(), false);
    reference::matmul(xn.data(), T, h, wgu.data() + I * h, I, u.data(), false);
    reference::silu_mul(g.data(), u.data(), T * I, a.data());
    reference::matmul(a.data(), T, I, wd.data(), h, x.data(), true);
  }
  std::vector<float> lastn(static_cast<std::size_t>(h));
  reference::rmsnorm(x.data() + (T - 1) * h, 1, h, w.final_norm.data(), norm_eps, lastn.data());
  const auto head = unpack(w.lm_head());
  std::vector<float> logits(static_cast<std::size_t>(V));
  reference::matmul(lastn.data(), 1, h, head.data(), V, logits.data(), false);
  return logits;
}

}  // namespace infersim::refengine
