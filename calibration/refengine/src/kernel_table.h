#pragma once
// Private: the per-ISA kernel entry points (one table per tier, built from kernels_impl.inc under a
// `#pragma GCC target` region) and the argument blocks they take.
#include <cstdint>

#include "infersim/refengine/kernels.h"

namespace infersim::refengine::detail {

struct GemmArgs {
  const float* a = nullptr;  // A rows, f32
  std::int64_t lda = 0;
  const bf16_t* a16 = nullptr;  // A rounded to bf16 (only when the table asked for it)
  std::int64_t lda16 = 0;
  std::int64_t m = 0;
  const PackedWeight* w = nullptr;
  float* c = nullptr;
  std::int64_t ldc = 0;
  bool accumulate = false;
};

struct AttnArgs {
  const float* q = nullptr;  // row 0 = this sequence's first new token; head h at + h * hd
  std::int64_t q_ld = 0;
  float* out = nullptr;
  std::int64_t out_ld = 0;
  const void* k_blocks = nullptr;  // this layer's / KV head's blocks
  const void* v_blocks = nullptr;
  bool kv_bf16 = false;
  int hd = 0;
  int group = 1;  // query heads per KV head
  int kv_head = 0;
  std::int64_t past = 0;
  std::int64_t i0 = 0, i1 = 0;  // new-token range of this task
  std::int64_t window = 0;      // 0 = full causal
  float scale = 1.0f;
};

inline constexpr std::size_t SCRATCH_BYTES = std::size_t(1) << 20;  // per thread

struct KernelTable {
  const char* name;
  int mr;  // micro-tile rows
  // Computes C columns of panels [p0, p1) for all M rows. scratch: SCRATCH_BYTES, 64-byte aligned.
  void (*gemm_panels)(const GemmArgs&, std::int64_t p0, std::int64_t p1, void* scratch);
  bool (*gemm_wants_a16)(common::DType w, std::int64_t m);
  void (*to_bf16)(const float* x, bf16_t* y, std::int64_t n);
  void (*rmsnorm_row)(const float* x, const float* w, float* y, std::int64_t n, float eps);
  void (*silu_mul_row)(const float* g, const float* u, float* y, std::int64_t n);
  void (*exp_row)(const float* x, float* y, std::int64_t n);
  void (*attention)(const AttnArgs&, void* scratch);
};

const KernelTable& table_generic();
const KernelTable& table_avx2();
const KernelTable& table_avx512();
const KernelTable& table_for(Isa isa);

}  // namespace infersim::refengine::detail
