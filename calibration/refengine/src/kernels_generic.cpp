// The "generic" tier of the reference engine's kernels: kernels_impl.inc compiled for the baseline target (the portable
// fallback). Every standard header is included before the pragma so library templates keep the default target.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernel_table.h"

#define ISA_NS isa_generic
#define ISA_NAME "generic"
#define ISA_VL 4
#define ISA_NV 4
#define ISA_MR 3
#define ISA_BF16DOT 0
#define ISA_TABLE table_generic
#include "kernels_impl.inc"
