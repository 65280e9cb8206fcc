#pragma once
// The reference engine's optimised CPU kernels and the data layouts they work on.
//
// Weights: a matrix W[N][K] (out_features x in_features, the Hugging Face layout) is repacked once at
// load time into ceil(N/64) panels of 64 output columns, each holding all K:
//   fp32 : [K][64] f32                 -> broadcast-A x vector-B FMA micro-kernel
//   bf16 : [K/2][64][2] bf16           -> pairs of consecutive k, the operand order of vdpbf16ps
//   int8 : [K][64] int8 + f32 scale per output column (weight-only, per-channel, symmetric); within
//          a 64-byte row, column c sits at byte int8_slot(c) = 4 (c % 16) + c / 16, so that one 64-byte
//          load read as 16 int32 lanes yields columns 16j .. 16j+15 in byte j of each lane: shifts
//          widen them (cheaper than byte-shuffle widening, which limits int8 decode otherwise)
// One layout serves decode (M = 1..6: one micro-tile, W streamed once from memory) and prefill
// (M large: BLIS-style blocking, a KC x 64 block of W stays in L1 across M/MR micro-tiles).
// Activations are f32 rows; on the avx512 tier bf16 weights (and int8 weights when M > MR, after
// dequantising a block to bf16) multiply bf16-rounded activations with vdpbf16ps, f32 accumulation.
//
// KV cache: per layer and KV head, blocks of 64 positions laid out like a weight panel, so QK^T and
// PV are the same micro-kernels:  f32: K [hd][64], V [64][hd];  bf16: K [hd/2][64][2],
// V [32][hd][2] (pairs of consecutive positions).
//
// Every kernel here has a naive counterpart in reference_kernels.h; tests/refengine/kernels_test.cpp
// states the tolerances. Kernels dispatch on active_isa() at each call. A Kernels object owns
// per-thread scratch and is used by one caller thread at a time (its pool does the parallel work).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "infersim/common/dtype.h"
#include "infersim/refengine/cpu_features.h"
#include "infersim/refengine/tensor.h"
#include "infersim/refengine/thread_pool.h"

namespace infersim::refengine {

inline constexpr std::int64_t PANEL = 64;     // output columns per packed weight panel
inline constexpr std::int64_t KV_BLOCK = 64;  // positions per KV-cache block
// Byte position of column c (0..63) within a 64-byte row of an int8 panel.
inline constexpr std::int64_t int8_slot(std::int64_t c) { return 4 * (c % 16) + c / 16; }

// Storage dtypes the engine supports for weights: fp32, bf16, int8 (weight-only).
bool weight_dtype_supported(common::DType d);

// True when a matmul of M activation rows with weights of dtype `w` runs on bf16 dot products
// (activations rounded to bf16) on the active tier, false when it runs in f32 FMAs: the math format
// the estimator should be told for such a step (hostcal builds its observations with it).
bool matmul_uses_bf16_math(common::DType w, std::int64_t m);

struct PackedWeight {
  common::DType dtype = common::DType::fp32;
  std::int64_t n = 0;  // output features (rows of W)
  std::int64_t k = 0;  // input features
  AlignedBuffer data;
  std::vector<float> scale;  // int8: per output column, padded with zeros to panels() * 64

  std::int64_t panels() const { return (n + PANEL - 1) / PANEL; }
  std::size_t element_bytes() const;
  std::size_t panel_elems() const { return std::size_t(k) * PANEL; }
  std::size_t panel_bytes() const { return panel_elems() * element_bytes(); }
  // Bytes a full pass over the weight reads (payload + scales; padding excluded).
  double weight_bytes() const;
  float get(std::int64_t row, std::int64_t col) const;  // dequantised W[row][col]
  void get_row(std::int64_t row, float* out) const;     // dequantised row, k values
};

// Packs W from f32 rows supplied by row_fn(row, out[k]) (thread-safe: called from pool threads when
// a pool is given). int8 quantises each row symmetrically with scale = max|w| / 127.
PackedWeight pack_weight(std::int64_t n, std::int64_t k, common::DType dtype,
                         const std::function<void(std::int64_t, float*)>& row_fn, ThreadPool* pool = nullptr);
// Packs int8 rows with their given per-row scales (no requantisation).
PackedWeight pack_weight_int8(std::int64_t n, std::int64_t k,
                              const std::function<void(std::int64_t, std::int8_t*)>& row_fn,
                              const std::vector<float>& scales, ThreadPool* pool = nullptr);

class KvCache {
 public:
  KvCache(int layers, int kv_heads, int head_dim, std::int64_t capacity, common::DType dtype);
  int layers() const { return layers_; }
  int kv_heads() const { return kv_heads_; }
  int head_dim() const { return head_dim_; }
  std::int64_t capacity() const { return capacity_; }
  common::DType dtype() const { return dtype_; }
  std::size_t bytes() const { return buf_.size(); }
  std::int64_t length = 0;  // positions filled (managed by the engine)

  // Writes one position of one head (f32 in, converted to the cache dtype).
  void write(int layer, int head, std::int64_t pos, const float* k, const float* v);
  void read(int layer, int head, std::int64_t pos, float* k, float* v) const;  // for tests
  const void* k_blocks(int layer, int head) const;
  const void* v_blocks(int layer, int head) const;
  // Fills positions [0, len) with deterministic random values in [-1, 1) (timing runs at long
  // context without paying for a prefill).
  void fill_random(std::int64_t len, std::uint64_t seed, ThreadPool* pool = nullptr);

 private:
  std::size_t head_offset(int layer, int head, int kind) const;
  int layers_, kv_heads_, head_dim_;
  std::int64_t capacity_, blocks_;
  common::DType dtype_;
  AlignedBuffer buf_;
};

// One sequence's share of an attention call.
struct AttentionSeq {
  const KvCache* cache = nullptr;
  std::int64_t row = 0;    // first row of this sequence's new tokens in Q / out
  std::int64_t n_new = 0;  // new tokens (their K/V are already in the cache at [past, past + n_new))
  std::int64_t past = 0;   // positions cached before this step
};

class Kernels {
 public:
  explicit Kernels(ThreadPool& pool);
  ~Kernels();
  ThreadPool& pool() { return *pool_; }

  // C[M, N] = A[M, K] x W^T  (or C += ... when accumulate). A, C: f32 row views (inner contiguous).
  void matmul(CViewF a, const PackedWeight& w, ViewF c, bool accumulate);
  // out = x / sqrt(mean(x^2) + eps) * weight, row by row.
  void rmsnorm(CViewF x, const float* weight, float eps, ViewF out);
  // out = silu(gate) * up.
  void silu_mul(CViewF gate, CViewF up, ViewF out);
  // Causal (optionally sliding-window) attention with GQA over the KV cache of each sequence.
  // q: [T rows][n_heads * head_dim] (row stride free); out: same shape. scale = 1/sqrt(head_dim).
  void attention(int layer, CViewF q, const std::vector<AttentionSeq>& seqs, int n_heads, std::int64_t window,
                 ViewF out);
  // Elementwise exp through the vector kernel (tests).
  void exp(const float* x, float* y, std::int64_t n);

 private:
  struct Scratch;
  ThreadPool* pool_;
  std::unique_ptr<Scratch> scratch_;
};

// Rotary embedding (Hugging Face "rotate_half" convention: pairs (i, i + hd/2)) applied in place to
// `heads` consecutive head vectors of each row; cos/sin: [rows][hd/2].
void rope_rows(ViewF x, int heads, int head_dim, const float* cos, const float* sin);
// Index of the largest value in each row (first on ties).
void argmax_rows(CViewF logits, std::int32_t* out);

}  // namespace infersim::refengine
