#include "infersim/refengine/kernels.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "kernel_table.h"

namespace infersim::refengine {

using common::DType;

namespace detail {
const KernelTable& table_for(Isa isa) {
  switch (isa) {
    case Isa::avx512: return table_avx512();
    case Isa::avx2: return table_avx2();
    default: return table_generic();
  }
}
}  // namespace detail

bool weight_dtype_supported(DType d) { return d == DType::fp32 || d == DType::bf16 || d == DType::int8; }

bool matmul_uses_bf16_math(DType w, std::int64_t m) { return detail::table_for(active_isa()).gemm_wants_a16(w, m); }

// ---------------------------------------------------------------- PackedWeight

std::size_t PackedWeight::element_bytes() const {
  switch (dtype) {
    case DType::fp32: return 4;
    case DType::bf16: return 2;
    default: return 1;
  }
}

double PackedWeight::weight_bytes() const {
  return double(n) * double(k) * double(element_bytes()) + (dtype == DType::int8 ? 4.0 * double(n) : 0.0);
}

float PackedWeight::get(std::int64_t row, std::int64_t col) const {
  const std::int64_t p = row / PANEL, r = row % PANEL;
  const std::size_t base = std::size_t(p) * panel_elems();
  switch (dtype) {
    case DType::fp32: return data.as<float>()[base + std::size_t(col * PANEL + r)];
    case DType::bf16:
      return bf16_to_f32(data.as<bf16_t>()[base + std::size_t((col / 2) * 2 * PANEL + r * 2 + col % 2)]);
    default:
      return float(data.as<std::int8_t>()[base + std::size_t(col * PANEL + int8_slot(r))]) * scale[std::size_t(row)];
  }
}

void PackedWeight::get_row(std::int64_t row, float* out) const {
  // A row of W is a column of its panel: stride 64 elements (bf16: pairs, stride 128).
  const std::int64_t p = row / PANEL, r = row % PANEL;
  const std::size_t base = std::size_t(p) * panel_elems();
  switch (dtype) {
    case DType::fp32: {
      const float* s = data.as<float>() + base + std::size_t(r);
      for (std::int64_t c = 0; c < k; ++c) out[c] = s[c * PANEL];
      break;
    }
    case DType::bf16: {
      const bf16_t* s = data.as<bf16_t>() + base + std::size_t(r * 2);
      for (std::int64_t c = 0; c < k; c += 2) {
        out[c] = bf16_to_f32(s[(c / 2) * 2 * PANEL]);
        out[c + 1] = bf16_to_f32(s[(c / 2) * 2 * PANEL + 1]);
      }
      break;
    }
    default: {
      const std::int8_t* s = data.as<std::int8_t>() + base + std::size_t(int8_slot(r));
      const float sc = scale[std::size_t(row)];
      for (std::int64_t c = 0; c < k; ++c) out[c] = float(s[c * PANEL]) * sc;
      break;
    }
  }
}

namespace {

void check_shape(std::int64_t n, std::int64_t k) {
  if (n <= 0 || k <= 0) throw common::ConfigError(fmt::format("weight shape [{}, {}] is empty", n, k));
  if (k % 2 != 0)
    throw common::ConfigError(
        fmt::format("weight shape [{}, {}]: the input dimension must be even (bf16 pair layout)", n, k));
}

template <class F>
void for_panels(std::int64_t panels, ThreadPool* pool, F&& f) {
  if (pool != nullptr)
    pool->parallel_for(panels, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t p = b; p < e; ++p) f(p);
    });
  else
    for (std::int64_t p = 0; p < panels; ++p) f(p);
}

}  // namespace

PackedWeight pack_weight(std::int64_t n, std::int64_t k, DType dtype,
                         const std::function<void(std::int64_t, float*)>& row_fn, ThreadPool* pool) {
  check_shape(n, k);
  if (!weight_dtype_supported(dtype))
    throw common::ConfigError(fmt::format("weight dtype {} is not supported by the reference engine (fp32, bf16, int8)",
                                          common::dtype_name(dtype)));
  PackedWeight w;
  w.dtype = dtype;
  w.n = n;
  w.k = k;
  const std::int64_t panels = w.panels();
  w.data.resize(std::size_t(panels) * w.panel_bytes() + 256);
  if (dtype == DType::int8) w.scale.assign(std::size_t(panels * PANEL), 0.0f);
  for_panels(panels, pool, [&](std::int64_t p) {
    std::vector<float> tmp(std::size_t(PANEL * k), 0.0f);
    for (std::int64_t r = 0; r < PANEL; ++r)
      if (p * PANEL + r < n) row_fn(p * PANEL + r, tmp.data() + r * k);
    const std::size_t base = std::size_t(p) * w.panel_elems();
    if (dtype == DType::fp32) {
      float* dst = w.data.as<float>() + base;
      for (std::int64_t c = 0; c < k; ++c)
        for (std::int64_t r = 0; r < PANEL; ++r) dst[c * PANEL + r] = tmp[std::size_t(r * k + c)];
    } else if (dtype == DType::bf16) {
      bf16_t* dst = w.data.as<bf16_t>() + base;
      for (std::int64_t c = 0; c < k; ++c)
        for (std::int64_t r = 0; r < PANEL; ++r)
          dst[(c / 2) * 2 * PANEL + r * 2 + c % 2] = f32_to_bf16(tmp[std::size_t(r * k + c)]);
    } else {
      std::int8_t* dst = w.data.as<std::int8_t>() + base;
      for (std::int64_t r = 0; r < PANEL && p * PANEL + r < n; ++r) {
        const float* row = tmp.data() + r * k;
        float amax = 0;
        for (std::int64_t c = 0; c < k; ++c) amax = std::max(amax, std::fabs(row[c]));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        w.scale[std::size_t(p * PANEL + r)] = s;
        const float inv = 1.0f / s;
        for (std::int64_t c = 0; c < k; ++c)
          dst[c * PANEL + int8_slot(r)] = std::int8_t(std::clamp(std::nearbyint(row[c] * inv), -127.0f, 127.0f));
      }
    }
  });
  return w;
}

PackedWeight pack_weight_int8(std::int64_t n, std::int64_t k,
                              const std::function<void(std::int64_t, std::int8_t*)>& row_fn,
                              const std::vector<float>& scales, ThreadPool* pool) {
  check_shape(n, k);
  if (std::int64_t(scales.size()) != n)
    throw common::ConfigError(fmt::format("int8 weight [{}, {}] needs {} scales, got {}", n, k, n, scales.size()));
  PackedWeight w;
  w.dtype = DType::int8;
  w.n = n;
  w.k = k;
  const std::int64_t panels = w.panels();
  w.data.resize(std::size_t(panels) * w.panel_bytes() + 256);
  w.scale.assign(std::size_t(panels * PANEL), 0.0f);
  std::copy(scales.begin(), scales.end(), w.scale.begin());
  for_panels(panels, pool, [&](std::int64_t p) {
    std::vector<std::int8_t> tmp(std::size_t(PANEL * k), 0);
    for (std::int64_t r = 0; r < PANEL; ++r)
      if (p * PANEL + r < n) row_fn(p * PANEL + r, tmp.data() + r * k);
    std::int8_t* dst = w.data.as<std::int8_t>() + std::size_t(p) * w.panel_elems();
    for (std::int64_t c = 0; c < k; ++c)
      for (std::int64_t r = 0; r < PANEL; ++r) dst[c * PANEL + int8_slot(r)] = tmp[std::size_t(r * k + c)];
  });
  return w;
}

// ---------------------------------------------------------------- KvCache

KvCache::KvCache(int layers, int kv_heads, int head_dim, std::int64_t capacity, DType dtype)
    : layers_(layers), kv_heads_(kv_heads), head_dim_(head_dim), capacity_(capacity), dtype_(dtype) {
  if (dtype != DType::fp32 && dtype != DType::bf16)
    throw common::ConfigError(
        fmt::format("KV cache dtype {} is not supported (fp32, bf16)", common::dtype_name(dtype)));
  if (head_dim % 2 != 0) throw common::ConfigError(fmt::format("head_dim {} must be even", head_dim));
  if (capacity < 1) capacity_ = 1;
  blocks_ = (capacity_ + KV_BLOCK - 1) / KV_BLOCK;
  const std::size_t esz = dtype == DType::fp32 ? 4 : 2;
  // + padding: micro-kernels may read up to one vector chunk past the last row of a block.
  buf_.resize(std::size_t(layers) * std::size_t(kv_heads) * 2 * std::size_t(blocks_) * std::size_t(KV_BLOCK) *
                  std::size_t(head_dim) * esz +
              1024);
}

std::size_t KvCache::head_offset(int layer, int head, int kind) const {
  return ((std::size_t(layer) * std::size_t(kv_heads_) + std::size_t(head)) * 2 + std::size_t(kind)) *
         std::size_t(blocks_) * std::size_t(KV_BLOCK) * std::size_t(head_dim_);
}

const void* KvCache::k_blocks(int layer, int head) const {
  const std::size_t off = head_offset(layer, head, 0);
  return dtype_ == DType::fp32 ? static_cast<const void*>(buf_.as<float>() + off)
                               : static_cast<const void*>(buf_.as<bf16_t>() + off);
}

const void* KvCache::v_blocks(int layer, int head) const {
  const std::size_t off = head_offset(layer, head, 1);
  return dtype_ == DType::fp32 ? static_cast<const void*>(buf_.as<float>() + off)
                               : static_cast<const void*>(buf_.as<bf16_t>() + off);
}

void KvCache::write(int layer, int head, std::int64_t pos, const float* k, const float* v) {
  INFERSIM_ASSERT(pos >= 0 && pos < capacity_);
  const std::int64_t b = pos / KV_BLOCK, j = pos % KV_BLOCK, hd = head_dim_;
  const std::size_t blk = std::size_t(KV_BLOCK * hd) * std::size_t(b);
  if (dtype_ == DType::fp32) {
    float* kb = buf_.as<float>() + head_offset(layer, head, 0) + blk;
    float* vb = buf_.as<float>() + head_offset(layer, head, 1) + blk;
    for (std::int64_t d = 0; d < hd; ++d) kb[d * KV_BLOCK + j] = k[d];
    for (std::int64_t d = 0; d < hd; ++d) vb[j * hd + d] = v[d];
  } else {
    bf16_t* kb = buf_.as<bf16_t>() + head_offset(layer, head, 0) + blk;
    bf16_t* vb = buf_.as<bf16_t>() + head_offset(layer, head, 1) + blk;
    for (std::int64_t d = 0; d < hd; ++d) kb[(d / 2) * 2 * KV_BLOCK + j * 2 + d % 2] = f32_to_bf16(k[d]);
    for (std::int64_t d = 0; d < hd; ++d) vb[(j / 2) * 2 * hd + d * 2 + j % 2] = f32_to_bf16(v[d]);
  }
}

void KvCache::read(int layer, int head, std::int64_t pos, float* k, float* v) const {
  const std::int64_t b = pos / KV_BLOCK, j = pos % KV_BLOCK, hd = head_dim_;
  const std::size_t blk = std::size_t(KV_BLOCK * hd) * std::size_t(b);
  if (dtype_ == DType::fp32) {
    const float* kb = buf_.as<float>() + head_offset(layer, head, 0) + blk;
    const float* vb = buf_.as<float>() + head_offset(layer, head, 1) + blk;
    for (std::int64_t d = 0; d < hd; ++d) k[d] = kb[d * KV_BLOCK + j];
    for (std::int64_t d = 0; d < hd; ++d) v[d] = vb[j * hd + d];
  } else {
    const bf16_t* kb = buf_.as<bf16_t>() + head_offset(layer, head, 0) + blk;
    const bf16_t* vb = buf_.as<bf16_t>() + head_offset(layer, head, 1) + blk;
    for (std::int64_t d = 0; d < hd; ++d) k[d] = bf16_to_f32(kb[(d / 2) * 2 * KV_BLOCK + j * 2 + d % 2]);
    for (std::int64_t d = 0; d < hd; ++d) v[d] = bf16_to_f32(vb[(j / 2) * 2 * hd + d * 2 + j % 2]);
  }
}

void KvCache::fill_random(std::int64_t len, std::uint64_t seed, ThreadPool* pool) {
  INFERSIM_ASSERT(len <= capacity_);
  const int units = layers_ * kv_heads_;
  auto work = [&](std::int64_t u0, std::int64_t u1) {
    std::vector<float> k(static_cast<std::size_t>(head_dim_)), v(static_cast<std::size_t>(head_dim_));
    for (std::int64_t u = u0; u < u1; ++u) {
      std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + std::uint64_t(u) * 0xBF58476D1CE4E5B9ull + 1;
      auto next = [&s] {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return float(double((s * 0x2545F4914F6CDD1Dull) >> 40) / double(1ull << 24) * 2.0 - 1.0);
      };
      for (std::int64_t pos = 0; pos < len; ++pos) {
        for (auto& x : k) x = next();
        for (auto& x : v) x = next();
        write(int(u / kv_heads_), int(u % kv_heads_), pos, k.data(), v.data());
      }
    }
  };
  if (pool != nullptr)
    pool->parallel_for(units, 1, work);
  else
    work(0, units);
  length = len;
}

// ---------------------------------------------------------------- Kernels

struct Kernels::Scratch {
  std::vector<AlignedBuffer> per_thread;
  AlignedBuffer a16;
};

Kernels::Kernels(ThreadPool& pool) : pool_(&pool), scratch_(std::make_unique<Scratch>()) {
  scratch_->per_thread.resize(std::size_t(pool.size()));
  for (auto& b : scratch_->per_thread) b.resize(detail::SCRATCH_BYTES);
}

Kernels::~Kernels() = default;

void Kernels::matmul(CViewF a, const PackedWeight& w, ViewF c, bool accumulate) {
  INFERSIM_ASSERT(a.inner_contiguous() && c.inner_contiguous());
  INFERSIM_ASSERT(a.cols() == w.k && c.cols() == w.n && a.rows() == c.rows());
  const std::int64_t M = a.rows();
  if (M == 0) return;
  const auto& t = detail::table_for(active_isa());
  detail::GemmArgs g;
  g.a = a.data;
  g.lda = a.ld();
  g.m = M;
  g.w = &w;
  g.c = c.data;
  g.ldc = c.ld();
  g.accumulate = accumulate;
  if (t.gemm_wants_a16(w.dtype, M)) {
    scratch_->a16.reserve_at_least(std::size_t(M * w.k) * sizeof(bf16_t) + 64);
    bf16_t* a16 = scratch_->a16.as<bf16_t>();
    pool_->parallel_for(M, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) t.to_bf16(a.row(r), a16 + r * w.k, w.k);
    });
    g.a16 = a16;
    g.lda16 = w.k;
  }
  // Panels in chunks (about 4 per thread, handed out dynamically): a thread that is descheduled on a
  // shared machine costs its chunk, not the whole call.
  const std::int64_t panels = w.panels();
  const std::int64_t per = std::max<std::int64_t>(1, panels / (4 * pool_->size()));
  const std::int64_t chunks = (panels + per - 1) / per;
  pool_->for_chunks(chunks, [&](std::int64_t chunk, int tid) {
    t.gemm_panels(g, chunk * per, std::min(panels, (chunk + 1) * per), scratch_->per_thread[std::size_t(tid)].data());
  });
}

void Kernels::rmsnorm(CViewF x, const float* weight, float eps, ViewF out) {
  INFERSIM_ASSERT(x.inner_contiguous() && out.inner_contiguous() && x.rows() == out.rows() && x.cols() == out.cols());
  const auto& t = detail::table_for(active_isa());
  const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(1, x.cols()));
  pool_->parallel_for(x.rows(), grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) t.rmsnorm_row(x.row(r), weight, out.row(r), x.cols(), eps);
  });
}

void Kernels::silu_mul(CViewF gate, CViewF up, ViewF out) {
  INFERSIM_ASSERT(gate.rows() == up.rows() && gate.cols() == up.cols() && out.rows() == gate.rows() &&
                  out.cols() == gate.cols());
  const auto& t = detail::table_for(active_isa());
  const std::int64_t rows = gate.rows(), cols = gate.cols();
  // Split columns too so that one row (decode, batch 1) still uses every thread.
  const std::int64_t chunk = 1024;
  const std::int64_t per_row = (cols + chunk - 1) / chunk;
  pool_->parallel_for(rows * per_row, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) {
      const std::int64_t r = u / per_row, c0 = (u % per_row) * chunk, n = std::min(chunk, cols - c0);
      t.silu_mul_row(gate.row(r) + c0, up.row(r) + c0, out.row(r) + c0, n);
    }
  });
}

void Kernels::exp(const float* x, float* y, std::int64_t n) { detail::table_for(active_isa()).exp_row(x, y, n); }

void Kernels::attention(int layer, CViewF q, const std::vector<AttentionSeq>& seqs, int n_heads, std::int64_t window,
                        ViewF out) {
  if (seqs.empty()) return;
  const KvCache& c0 = *seqs.front().cache;
  const int hd = c0.head_dim(), nkv = c0.kv_heads();
  INFERSIM_ASSERT(n_heads % nkv == 0 && q.cols() >= std::int64_t(n_heads) * hd &&
                  out.cols() >= std::int64_t(n_heads) * hd);
  const int G = n_heads / nkv;
  const auto& t = detail::table_for(active_isa());
  // Query tokens per task: enough rows to reuse each K/V block across micro-tiles, few enough that
  // the task's O / Q tiles fit the scratch.
  const std::int64_t per_row_bytes = std::int64_t(hd) * 10 + 16;
  const std::int64_t max_rows = std::max<std::int64_t>(G,
                                                       (std::int64_t(detail::SCRATCH_BYTES) - 65536) / per_row_bytes);
  const std::int64_t qb = std::max<std::int64_t>(1, std::min<std::int64_t>(128, max_rows) / G);
  struct Task {
    const AttentionSeq* s;
    int head;
    std::int64_t i0, i1;
    double cost;
  };
  std::vector<Task> tasks;
  for (const auto& s : seqs) {
    INFERSIM_ASSERT(s.cache->head_dim() == hd && s.cache->kv_heads() == nkv && s.past + s.n_new <= s.cache->capacity());
    for (std::int64_t i0 = 0; i0 < s.n_new; i0 += qb) {
      const std::int64_t i1 = std::min(s.n_new, i0 + qb);
      const double keys = double(s.past + i1);
      for (int h = 0; h < nkv; ++h) tasks.push_back({&s, h, i0, i1, keys * double(i1 - i0)});
    }
  }
  std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.cost > b.cost; });
  const float scale = 1.0f / std::sqrt(float(hd));
  pool_->for_chunks(std::int64_t(tasks.size()), [&](std::int64_t i, int tid) {
    void* scratch = scratch_->per_thread[std::size_t(tid)].data();
    {
      const Task& task = tasks[std::size_t(i)];
      detail::AttnArgs a;
      a.q = q.row(task.s->row);
      a.q_ld = q.ld();
      a.out = out.row(task.s->row);
      a.out_ld = out.ld();
      a.k_blocks = task.s->cache->k_blocks(layer, task.head);
      a.v_blocks = task.s->cache->v_blocks(layer, task.head);
      a.kv_bf16 = task.s->cache->dtype() == DType::bf16;
      a.hd = hd;
      a.group = G;
      a.kv_head = task.head;
      a.past = task.s->past;
      a.i0 = task.i0;
      a.i1 = task.i1;
      a.window = window;
      a.scale = scale;
      t.attention(a, scratch);
    }
  });
}

void rope_rows(ViewF x, int heads, int head_dim, const float* cos, const float* sin) {
  const int half = head_dim / 2;
  for (std::int64_t r = 0; r < x.rows(); ++r) {
    const float* c = cos + r * half;
    const float* s = sin + r * half;
    for (int h = 0; h < heads; ++h) {
      float* p = x.row(r) + std::int64_t(h) * head_dim;
      for (int i = 0; i < half; ++i) {
        const float a = p[i], b = p[i + half];
        p[i] = a * c[i] - b * s[i];
        p[i + half] = b * c[i] + a * s[i];
      }
    }
  }
}

void argmax_rows(CViewF logits, std::int32_t* out) {
  for (std::int64_t r = 0; r < logits.rows(); ++r) {
    const float* p = logits.row(r);
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < logits.cols(); ++c)
      if (p[c] > p[best]) best = c;
    out[r] = std::int32_t(best);
  }
}

}  // namespace infersim::refengine
