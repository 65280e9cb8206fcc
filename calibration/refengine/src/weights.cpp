#include "infersim/refengine/weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <set>

#include "infersim/common/errors.h"
#include "shape_str.h"

namespace infersim::refengine {

using common::ConfigError;
using common::DType;

std::string engine_support_problem(const model::ModelSpec& m) {
  if (m.is_moe())
    return fmt::format("{} is a mixture-of-experts model; the reference engine runs dense Llama-style decoders only",
                       m.name);
  if (m.is_mla())
    return fmt::format("{} uses multi-head latent attention (MLA), which the reference engine does not implement",
                       m.name);
  if (m.mlp != model::MlpType::swiglu)
    return fmt::format("{} uses a GELU MLP; the reference engine implements SwiGLU only", m.name);
  if (m.norm != model::NormType::rmsnorm)
    return fmt::format("{} uses LayerNorm; the reference engine implements RMSNorm only", m.name);
  if (m.sliding_window > 0 && m.sliding_layer_fraction > 0 && m.sliding_layer_fraction < 1)
    return fmt::format(
        "{} mixes sliding-window and full-attention layers; the reference engine supports one or the other", m.name);
  if (m.head_dim <= 0 || m.head_dim % 2 != 0) return fmt::format("{}: head_dim {} must be even", m.name, m.head_dim);
  if (m.num_kv_heads <= 0 || m.num_heads % m.num_kv_heads != 0)
    return fmt::format("{}: {} heads are not a multiple of {} KV heads", m.name, m.num_heads, m.num_kv_heads);
  if (m.hidden_size % 2 != 0 || m.intermediate_size % 2 != 0)
    return fmt::format("{}: hidden and intermediate sizes must be even", m.name);
  return "";
}

model::ModelSpec truncated(const model::ModelSpec& m, int layers) {
  if (layers < 0 || layers > m.num_layers)
    throw ConfigError("", "--layers",
                      fmt::format("{} has {} layers; --layers must be in [1, {}]", m.name, m.num_layers, m.num_layers));
  model::ModelSpec t = m;
  if (layers > 0) t.num_layers = layers;
  return t;
}

double ModelWeights::bytes() const {
  double b = embed.weight_bytes() + (tied ? 0.0 : head.weight_bytes());
  for (const auto& l : layers)
    b += l.qkv.weight_bytes() + l.o.weight_bytes() + l.gate_up.weight_bytes() + l.down.weight_bytes() +
         4.0 * double(l.qkv_bias.size() + l.input_norm.size() + l.post_norm.size());
  return b + 4.0 * double(final_norm.size());
}

namespace {

std::string st_dtype(DType d) {
  switch (d) {
    case DType::fp32: return "F32";
    case DType::bf16: return "BF16";
    case DType::int8: return "I8";
    default:
      throw ConfigError("", "--dtype",
                        fmt::format("weight dtype {} is not supported (fp32, bf16, int8)", common::dtype_name(d)));
  }
}

std::string layer_name(int l, const char* rest) { return fmt::format("model.layers.{}.{}", l, rest); }

// ---- seeded generator: every row of every tensor has its own stream, so a row can be produced on
// its own (in memory, in parallel, or while streaming a file) and always comes out the same.
std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
std::uint64_t name_hash(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

enum class GenKind { matrix, norm, bias };
struct Gen {
  GenKind kind = GenKind::matrix;
  std::uint64_t seed = 0;
  std::int64_t rows = 1, cols = 1;
};
constexpr float MATRIX_STD = 0.02f;
const float MATRIX_A = MATRIX_STD * std::sqrt(3.0f);  // uniform(-a, a) has std a / sqrt(3)

struct RowRng {
  std::uint64_t s;
  explicit RowRng(std::uint64_t seed) : s(splitmix(seed) | 1) {}
  float next() {  // uniform in [-1, 1)
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return float(std::int32_t(std::uint32_t((s * 0x2545F4914F6CDD1Dull) >> 32))) * (1.0f / 2147483648.0f);
  }
};

void gen_row_f32(const Gen& g, std::int64_t row, float* out) {
  RowRng r(g.seed ^ splitmix(std::uint64_t(row) + 1));
  for (std::int64_t c = 0; c < g.cols; ++c) {
    const float u = r.next();
    out[c] = g.kind == GenKind::matrix ? u * MATRIX_A : (g.kind == GenKind::norm ? 1.0f + 0.1f * u : MATRIX_STD * u);
  }
}
void gen_row_i8(const Gen& g, std::int64_t row, std::int8_t* out) {
  RowRng r(g.seed ^ splitmix(std::uint64_t(row) + 1));
  for (std::int64_t c = 0; c < g.cols; ++c)
    out[c] = std::int8_t(std::clamp(std::lround(r.next() * 127.0f), -127l, 127l));
}
float gen_scale(const Gen& g, std::int64_t row) {
  RowRng r(~g.seed ^ splitmix(std::uint64_t(row) + 7));
  return MATRIX_A / 127.0f * (0.75f + 0.25f * (r.next() + 1.0f));
}

struct Planned {
  TensorSpec spec;
  Gen gen;
  bool scale_of_previous = false;  // this tensor is the _scale of the int8 tensor before it
};

std::vector<Planned> plan(const model::ModelSpec& m, DType dtype, std::uint64_t seed) {
  if (auto p = engine_support_problem(m); !p.empty()) throw ConfigError("", "--model", p);
  const std::string wd = st_dtype(dtype);
  const std::string nd = dtype == DType::int8 ? "F32" : wd;  // norms / biases stay float
  const std::int64_t h = m.hidden_size, qd = model::q_dim(m), kvd = model::kv_dim(m), I = m.intermediate_size,
                     V = m.vocab_size;
  std::vector<Planned> out;
  auto add = [&](const std::string& name, GenKind kind, std::vector<std::int64_t> shape) {
    Planned p;
    p.gen.kind = kind;
    p.gen.seed = splitmix(seed ^ name_hash(name));
    p.gen.rows = shape.size() == 2 ? shape[0] : 1;
    p.gen.cols = shape.back();
    p.spec = {name, kind == GenKind::matrix ? wd : nd, shape};
    out.push_back(p);
    if (kind == GenKind::matrix && dtype == DType::int8) {
      Planned s = p;
      s.spec = {name + "_scale", "F32", {shape[0]}};
      s.scale_of_previous = true;
      out.push_back(s);
    }
  };
  add("model.embed_tokens.weight", GenKind::matrix, {V, h});
  for (int l = 0; l < m.num_layers; ++l) {
    add(layer_name(l, "input_layernorm.weight"), GenKind::norm, {h});
    add(layer_name(l, "self_attn.q_proj.weight"), GenKind::matrix, {qd, h});
    add(layer_name(l, "self_attn.k_proj.weight"), GenKind::matrix, {kvd, h});
    add(layer_name(l, "self_attn.v_proj.weight"), GenKind::matrix, {kvd, h});
    if (m.attention_bias) {
      add(layer_name(l, "self_attn.q_proj.bias"), GenKind::bias, {qd});
      add(layer_name(l, "self_attn.k_proj.bias"), GenKind::bias, {kvd});
      add(layer_name(l, "self_attn.v_proj.bias"), GenKind::bias, {kvd});
    }
    add(layer_name(l, "self_attn.o_proj.weight"), GenKind::matrix, {h, qd});
    add(layer_name(l, "post_attention_layernorm.weight"), GenKind::norm, {h});
    add(layer_name(l, "mlp.gate_proj.weight"), GenKind::matrix, {I, h});
    add(layer_name(l, "mlp.up_proj.weight"), GenKind::matrix, {I, h});
    add(layer_name(l, "mlp.down_proj.weight"), GenKind::matrix, {h, I});
  }
  add("model.norm.weight", GenKind::norm, {h});
  if (!m.tie_embeddings) add("lm_head.weight", GenKind::matrix, {V, h});
  return out;
}

}  // namespace

std::vector<TensorSpec> weight_tensor_specs(const model::ModelSpec& m, DType dtype) {
  std::vector<TensorSpec> out;
  for (auto& p : plan(m, dtype, 0)) out.push_back(p.spec);
  return out;
}

MakeWeightsResult make_random_weights_file(const model::ModelSpec& m, DType dtype, std::uint64_t seed,
                                           const std::string& path, ThreadPool* pool) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto planned = plan(m, dtype, seed);
  std::vector<TensorSpec> specs;
  for (const auto& p : planned) specs.push_back(p.spec);
  std::map<std::string, std::string> meta = {{"format", "pt"},
                                             {"infersim_model", m.name},
                                             {"infersim_layers", std::to_string(m.num_layers)},
                                             {"infersim_dtype", common::dtype_name(dtype)},
                                             {"infersim_seed", std::to_string(seed)},
                                             {"infersim_generator", "uniform, std 0.02 matrices, 1 +- 0.1 norms"}};
  std::vector<std::uint8_t> rowbuf;
  auto fill = [&](std::size_t i, std::uint64_t offset, std::uint8_t* out, std::size_t bytes) {
    const Planned& p = planned[i];
    if (p.scale_of_previous) {
      for (std::size_t b = 0; b < bytes; b += 4) {
        const float s = gen_scale(p.gen, std::int64_t((offset + b) / 4));
        std::memcpy(out + b, &s, 4);
      }
      return;
    }
    const std::size_t esz = safetensors_dtype_size(p.spec.dtype);
    const std::uint64_t row_bytes = std::uint64_t(p.gen.cols) * esz;
    const std::int64_t r0 = std::int64_t(offset / row_bytes);
    const std::int64_t r1 = std::int64_t((offset + bytes + row_bytes - 1) / row_bytes);
    rowbuf.resize(std::size_t(r1 - r0) * row_bytes);
    auto rows = [&](std::int64_t a, std::int64_t b) {
      std::vector<float> tmp(static_cast<std::size_t>(p.gen.cols));
      for (std::int64_t r = a; r < b; ++r) {
        std::uint8_t* dst = rowbuf.data() + std::size_t(r - r0) * row_bytes;
        if (p.spec.dtype == "I8") {
          gen_row_i8(p.gen, r, reinterpret_cast<std::int8_t*>(dst));
          continue;
        }
        gen_row_f32(p.gen, r, tmp.data());
        if (p.spec.dtype == "F32") {
          std::memcpy(dst, tmp.data(), std::size_t(row_bytes));
        } else {
          for (std::int64_t c = 0; c < p.gen.cols; ++c) {
            const bf16_t v = f32_to_bf16(tmp[std::size_t(c)]);
            std::memcpy(dst + 2 * c, &v, 2);
          }
        }
      }
    };
    if (pool != nullptr)
      pool->parallel_for(r1 - r0, 16, [&](std::int64_t a, std::int64_t b) { rows(r0 + a, r0 + b); });
    else
      rows(r0, r1);
    std::memcpy(out, rowbuf.data() + (offset - std::uint64_t(r0) * row_bytes), bytes);
  };
  MakeWeightsResult r;
  r.bytes = write_safetensors(path, specs, meta, fill);
  r.tensors = specs.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// ---------------------------------------------------------------- building engine weights

namespace {

// Where the rows of one logical matrix come from: a list of (source, rows) stacked vertically.
struct RowSource {
  std::int64_t rows = 0;
  std::function<void(std::int64_t, float*)> f32;       // always set
  std::function<void(std::int64_t, std::int8_t*)> i8;  // set when the source is int8 ...
  std::function<float(std::int64_t)> scale;            // ... with its per-row scale
};

PackedWeight build(const std::vector<RowSource>& parts, std::int64_t k, DType dtype, ThreadPool* pool) {
  std::int64_t n = 0;
  bool all_i8 = true;
  for (const auto& p : parts) {
    n += p.rows;
    all_i8 = all_i8 && bool(p.i8);
  }
  auto locate = [&](std::int64_t row, std::size_t& which) {
    which = 0;
    while (row >= parts[which].rows) row -= parts[which++].rows;
    return row;
  };
  if (dtype == DType::int8 && all_i8) {  // int8 in, int8 out: keep the file's quantisation exactly
    std::vector<float> scales(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      std::size_t w;
      const std::int64_t rr = locate(r, w);
      scales[std::size_t(r)] = parts[w].scale(rr);
    }
    return pack_weight_int8(
        n, k,
        [&](std::int64_t r, std::int8_t* out) {
          std::size_t w;
          const std::int64_t rr = locate(r, w);
          parts[w].i8(rr, out);
        },
        scales, pool);
  }
  return pack_weight(
      n, k, dtype,
      [&](std::int64_t r, float* out) {
        std::size_t w;
        const std::int64_t rr = locate(r, w);
        parts[w].f32(rr, out);
      },
      pool);
}

RowSource from_gen(const Gen& g, bool int8) {
  RowSource s;
  s.rows = g.rows;
  if (int8) {
    s.i8 = [g](std::int64_t r, std::int8_t* out) { gen_row_i8(g, r, out); };
    s.scale = [g](std::int64_t r) { return gen_scale(g, r); };
    s.f32 = [g](std::int64_t r, float* out) {
      std::vector<std::int8_t> q(static_cast<std::size_t>(g.cols));
      gen_row_i8(g, r, q.data());
      const float sc = gen_scale(g, r);
      for (std::int64_t c = 0; c < g.cols; ++c) out[c] = float(q[std::size_t(c)]) * sc;
    };
  } else {
    s.f32 = [g](std::int64_t r, float* out) { gen_row_f32(g, r, out); };
  }
  return s;
}

// Norm weights and biases as a file of this dtype stores them (bf16 files round them to bf16).
std::vector<float> vec_from_gen(const Gen& g, DType dtype) {
  std::vector<float> v(static_cast<std::size_t>(g.cols));
  gen_row_f32(g, 0, v.data());
  if (dtype == DType::bf16)
    for (auto& x : v) x = bf16_to_f32(f32_to_bf16(x));
  return v;
}

}  // namespace

ModelWeights make_random_weights(const model::ModelSpec& m, DType dtype, std::uint64_t seed, ThreadPool* pool) {
  if (!weight_dtype_supported(dtype)) st_dtype(dtype);  // throws the standard message
  const auto planned = plan(m, dtype, seed);
  std::map<std::string, Gen> gens;
  for (const auto& p : planned)
    if (!p.scale_of_previous) gens[p.spec.name] = p.gen;
  const bool i8 = dtype == DType::int8;
  auto mat = [&](const std::vector<std::string>& names) {
    std::vector<RowSource> parts;
    for (const auto& n : names) parts.push_back(from_gen(gens.at(n), i8));
    return build(parts, gens.at(names.front()).cols, dtype, pool);
  };
  ModelWeights w;
  w.spec = m;
  w.dtype = dtype;
  w.tied = m.tie_embeddings;
  w.embed = mat({"model.embed_tokens.weight"});
  if (!w.tied) w.head = mat({"lm_head.weight"});
  for (int l = 0; l < m.num_layers; ++l) {
    LayerWeights lw;
    lw.qkv = mat({layer_name(l, "self_attn.q_proj.weight"), layer_name(l, "self_attn.k_proj.weight"),
                  layer_name(l, "self_attn.v_proj.weight")});
    lw.o = mat({layer_name(l, "self_attn.o_proj.weight")});
    lw.gate_up = mat({layer_name(l, "mlp.gate_proj.weight"), layer_name(l, "mlp.up_proj.weight")});
    lw.down = mat({layer_name(l, "mlp.down_proj.weight")});
    if (m.attention_bias)
      for (const char* b : {"self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"}) {
        auto v = vec_from_gen(gens.at(layer_name(l, b)), dtype);
        lw.qkv_bias.insert(lw.qkv_bias.end(), v.begin(), v.end());
      }
    lw.input_norm = vec_from_gen(gens.at(layer_name(l, "input_layernorm.weight")), dtype);
    lw.post_norm = vec_from_gen(gens.at(layer_name(l, "post_attention_layernorm.weight")), dtype);
    w.layers.push_back(std::move(lw));
  }
  w.final_norm = vec_from_gen(gens.at("model.norm.weight"), dtype);
  return w;
}

// ---------------------------------------------------------------- loading a file

int layers_in_file(const SafetensorsFile& f) {
  std::set<int> seen;
  for (const auto& t : f.tensors()) {
    if (t.name.rfind("model.layers.", 0) != 0) continue;
    const std::size_t a = 13, b = t.name.find('.', a);
    if (b == std::string::npos) continue;
    try {
      seen.insert(std::stoi(t.name.substr(a, b - a)));
    } catch (...) {
    }
  }
  int n = 0;
  while (seen.count(n)) ++n;
  return n;
}

namespace {

using detail::shape_str;

// Converts one element run of a float tensor to f32.
void to_f32(const std::string& dtype, const std::uint8_t* src, std::int64_t n, float* out) {
  if (dtype == "F32") {
    std::memcpy(out, src, std::size_t(n) * 4);
  } else if (dtype == "BF16") {
    for (std::int64_t i = 0; i < n; ++i) {
      bf16_t v;
      std::memcpy(&v, src + 2 * i, 2);
      out[i] = bf16_to_f32(v);
    }
  } else if (dtype == "F16") {
    for (std::int64_t i = 0; i < n; ++i) {
      std::uint16_t v;
      std::memcpy(&v, src + 2 * i, 2);
      out[i] = f16_to_f32(v);
    }
  } else {
    throw common::InternalError("to_f32: " + dtype);
  }
}

bool is_float_dtype(const std::string& d) { return d == "F32" || d == "BF16" || d == "F16"; }

struct Loader {
  const SafetensorsFile& f;
  const model::ModelSpec& card;
  double bytes = 0;
  std::set<std::string> notes;

  const TensorInfo& get(const std::string& name, const std::vector<std::int64_t>& shape, const std::string& why) {
    const TensorInfo& t = f.require(name, why);
    // Accept [N, 1] for per-row vectors (compressed-tensors writes scales that way).
    std::vector<std::int64_t> s = t.shape;
    if (shape.size() == 1 && s.size() == 2 && s[1] == 1) s.pop_back();
    if (s != shape)
      throw ConfigError(f.path(), "/" + name,
                        fmt::format("tensor '{}' has shape {}, but {} needs {}", name, shape_str(t.shape), card.name,
                                    shape_str(shape)));
    bytes += double(t.bytes());
    return t;
  }

  RowSource matrix(const std::string& name, std::int64_t rows, std::int64_t cols) {
    const TensorInfo& t = get(name, {rows, cols}, "a weight matrix of " + card.name);
    RowSource s;
    s.rows = rows;
    const std::uint8_t* base = f.data(t);
    if (is_float_dtype(t.dtype)) {
      const std::size_t esz = safetensors_dtype_size(t.dtype);
      const std::string dt = t.dtype;
      s.f32 = [base, esz, dt, cols](std::int64_t r, float* out) {
        to_f32(dt, base + std::size_t(r * cols) * esz, cols, out);
      };
      notes.insert(dt + " matrices");
      return s;
    }
    if (t.dtype == "I8") {
      const TensorInfo& sc = get(name + "_scale", {rows}, "per-row scales of the int8 matrix " + name);
      if (!is_float_dtype(sc.dtype))
        throw ConfigError(f.path(), "/" + sc.name,
                          fmt::format("tensor '{}' has dtype {}; scales must be F32, BF16 or F16", sc.name, sc.dtype));
      auto scales = std::make_shared<std::vector<float>>(static_cast<std::size_t>(rows));
      to_f32(sc.dtype, f.data(sc), rows, scales->data());
      s.i8 = [base, cols](std::int64_t r, std::int8_t* out) {
        std::memcpy(out, base + std::size_t(r * cols), std::size_t(cols));
      };
      s.scale = [scales](std::int64_t r) { return (*scales)[std::size_t(r)]; };
      s.f32 = [base, cols, scales](std::int64_t r, float* out) {
        const auto* q = reinterpret_cast<const std::int8_t*>(base + std::size_t(r * cols));
        for (std::int64_t c = 0; c < cols; ++c) out[c] = float(q[c]) * (*scales)[std::size_t(r)];
      };
      notes.insert("I8 matrices with per-row scales");
      return s;
    }
    throw ConfigError(f.path(), "/" + name,
                      fmt::format("tensor '{}' has dtype {}; the engine reads weight matrices stored as F32, BF16, F16 "
                                  "or I8 "
                                  "(with a '{}_scale' tensor)",
                                  name, t.dtype, name));
  }

  std::vector<float> vector(const std::string& name, std::int64_t n) {
    const TensorInfo& t = get(name, {n}, "a norm weight / bias of " + card.name);
    if (!is_float_dtype(t.dtype))
      throw ConfigError(f.path(), "/" + name,
                        fmt::format("tensor '{}' has dtype {}; norm weights and biases must be F32, BF16 or F16", name,
                                    t.dtype));
    std::vector<float> v(static_cast<std::size_t>(n));
    to_f32(t.dtype, f.data(t), n, v.data());
    return v;
  }
};

}  // namespace

ModelWeights load_weights(const SafetensorsFile& f, const model::ModelSpec& card, DType dtype, int layers,
                          ThreadPool& pool, LoadReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto p = engine_support_problem(card); !p.empty()) throw ConfigError(f.path(), "", p);
  if (!weight_dtype_supported(dtype)) st_dtype(dtype);
  const int in_file = layers_in_file(f);
  if (in_file == 0)
    throw ConfigError(f.path(), "", "no transformer layers in the file (no 'model.layers.0.*' tensors)");
  if (in_file > card.num_layers)
    throw ConfigError(f.path(), "",
                      fmt::format("the file has {} layers but {} has only {}: wrong model card?", in_file, card.name,
                                  card.num_layers));
  if (layers > in_file)
    throw ConfigError(f.path(), "--layers",
                      fmt::format("--layers {} but the file has only {} layers", layers, in_file));
  const int n_layers = layers > 0 ? layers : in_file;
  const model::ModelSpec m = truncated(card, n_layers);
  const std::int64_t h = m.hidden_size, qd = model::q_dim(m), kvd = model::kv_dim(m), I = m.intermediate_size,
                     V = m.vocab_size;
  Loader ld{f, m, 0, {}};
  ModelWeights w;
  w.spec = m;
  w.dtype = dtype;
  w.embed = build({ld.matrix("model.embed_tokens.weight", V, h)}, h, dtype, &pool);
  if (f.find("lm_head.weight") != nullptr) {
    w.tied = false;
    w.head = build({ld.matrix("lm_head.weight", V, h)}, h, dtype, &pool);
  } else if (m.tie_embeddings) {
    w.tied = true;
  } else {
    f.require("lm_head.weight", fmt::format("{} does not tie embeddings, so it needs its own LM head", m.name));
  }
  for (int l = 0; l < n_layers; ++l) {
    LayerWeights lw;
    lw.qkv = build({ld.matrix(layer_name(l, "self_attn.q_proj.weight"), qd, h),
                    ld.matrix(layer_name(l, "self_attn.k_proj.weight"), kvd, h),
                    ld.matrix(layer_name(l, "self_attn.v_proj.weight"), kvd, h)},
                   h, dtype, &pool);
    lw.o = build({ld.matrix(layer_name(l, "self_attn.o_proj.weight"), h, qd)}, qd, dtype, &pool);
    lw.gate_up = build({ld.matrix(layer_name(l, "mlp.gate_proj.weight"), I, h),
                        ld.matrix(layer_name(l, "mlp.up_proj.weight"), I, h)},
                       h, dtype, &pool);
    lw.down = build({ld.matrix(layer_name(l, "mlp.down_proj.weight"), h, I)}, I, dtype, &pool);
    if (m.attention_bias) {
      for (auto [name, n] : {std::pair<const char*, std::int64_t>{"self_attn.q_proj.bias", qd},
                             {"self_attn.k_proj.bias", kvd},
                             {"self_attn.v_proj.bias", kvd}}) {
        auto v = ld.vector(layer_name(l, name), n);
        lw.qkv_bias.insert(lw.qkv_bias.end(), v.begin(), v.end());
      }
    }
    lw.input_norm = ld.vector(layer_name(l, "input_layernorm.weight"), h);
    lw.post_norm = ld.vector(layer_name(l, "post_attention_layernorm.weight"), h);
    w.layers.push_back(std::move(lw));
  }
  w.final_norm = ld.vector("model.norm.weight", h);
  if (report != nullptr) {
    report->layers = n_layers;
    report->file_bytes = ld.bytes;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report->notes.assign(ld.notes.begin(), ld.notes.end());
    report->notes.push_back(fmt::format("packed to {}", common::dtype_name(dtype)));
    if (w.tied) report->notes.push_back("LM head tied to the embedding");
  }
  return w;
}

}  // namespace infersim::refengine
