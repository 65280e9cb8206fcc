// The "avx2" tier of the reference engine's kernels: kernels_impl.inc compiled under a target pragma (this
// file's functions only; the rest of the binary stays portable).
// Every standard header is included before the pragma so library templates keep the default target.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernel_table.h"

#if defined(__x86_64__)

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi,bmi2")
#define ISA_NS isa_avx2
#define ISA_NAME "avx2"
#define ISA_VL 8
#define ISA_NV 4
#define ISA_MR 3
#define ISA_BF16DOT 0
#define ISA_TABLE table_avx2
#include "kernels_impl.inc"
#pragma GCC pop_options
#else
// Not an x86-64 build: this tier falls back to the portable kernels.
namespace infersim::refengine::detail {
const KernelTable& table_avx2() { return table_generic(); }
}  // namespace infersim::refengine::detail
#endif
