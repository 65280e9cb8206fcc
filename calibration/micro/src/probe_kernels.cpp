// Probe loops per instruction set, each function compiled for its own target only (the binary stays
// portable; probes.cpp dispatches after checking cpuid).
#include "probe_kernels.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace infersim::micro::detail {

#if defined(__x86_64__)

// Horizontal sums through memory: GCC 12's _mm512_reduce_* intrinsics trip -Wuninitialized.
__attribute__((target("avx512f"))) static float hsum512(__m512 v) {
  float t[16];
  _mm512_storeu_ps(t, v);
  float s = 0;
  for (float x : t) s += x;
  return s;
}

#define REPEAT12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) float fma_avx512(std::int64_t iters) {
  __m512 a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = _mm512_set1_ps(0.001f * float(i));
  const __m512 b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.0001f);
  for (std::int64_t it = 0; it < iters; ++it) {
#define STEP(i) a[i] = _mm512_fmadd_ps(a[i], b, c);
    REPEAT12(STEP)
#undef STEP
  }
  __m512 s = a[0];
  for (int i = 1; i < ACCUMULATORS; ++i) s = _mm512_add_ps(s, a[i]);
  return hsum512(s);
}

__attribute__((target("avx2,fma"))) float fma_avx2(std::int64_t iters) {
  __m256 a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = _mm256_set1_ps(0.001f * float(i));
  const __m256 b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.0001f);
  for (std::int64_t it = 0; it < iters; ++it) {
#define STEP(i) a[i] = _mm256_fmadd_ps(a[i], b, c);
    REPEAT12(STEP)
#undef STEP
  }
  __m256 s = a[0];
  for (int i = 1; i < ACCUMULATORS; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

__attribute__((target("avx512f,avx512bf16"))) float bf16_avx512(std::int64_t iters) {
  __m512 a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = _mm512_set1_ps(0.001f * float(i));
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x3f80);  // 1.0
  const __m512bh c = (__m512bh)_mm512_set1_epi16(0x3800);  // 2^-15
  for (std::int64_t it = 0; it < iters; ++it) {
#define STEP(i) a[i] = _mm512_dpbf16_ps(a[i], b, c);
    REPEAT12(STEP)
#undef STEP
  }
  __m512 s = a[0];
  for (int i = 1; i < ACCUMULATORS; ++i) s = _mm512_add_ps(s, a[i]);
  return hsum512(s);
}

__attribute__((target("avx512f,avx512vnni"))) float int8_vnni512(std::int64_t iters) {
  __m512i a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = _mm512_set1_epi32(i);
  const __m512i b = _mm512_set1_epi8(1), c = _mm512_set1_epi8(1);
  for (std::int64_t it = 0; it < iters; ++it) {
#define STEP(i) a[i] = _mm512_dpbusd_epi32(a[i], b, c);
    REPEAT12(STEP)
#undef STEP
  }
  __m512i s = a[0];
  for (int i = 1; i < ACCUMULATORS; ++i) s = _mm512_add_epi32(s, a[i]);
  return hsum512(_mm512_maskz_cvtepi32_ps(0xffff, s));  // maskz: the unmasked form trips -Wuninitialized in GCC 12
}

__attribute__((target("avx2,avxvnni"))) float int8_vnni256(std::int64_t iters) {
  __m256i a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = _mm256_set1_epi32(i);
  const __m256i b = _mm256_set1_epi8(1), c = _mm256_set1_epi8(1);
  for (std::int64_t it = 0; it < iters; ++it) {
#define STEP(i) a[i] = _mm256_dpbusd_avx_epi32(a[i], b, c);
    REPEAT12(STEP)
#undef STEP
  }
  __m256i s = a[0];
  for (int i = 1; i < ACCUMULATORS; ++i) s = _mm256_add_epi32(s, a[i]);
  return float(_mm256_extract_epi32(s, 0));
}

__attribute__((target("avx512f"))) std::uint64_t read_bytes_avx512(const std::uint8_t* p, std::int64_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (std::int64_t i = 0; i < bytes; i += 512) {
    a0 = _mm512_or_si512(a0, _mm512_load_si512(p + i));
    a1 = _mm512_or_si512(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_or_si512(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_or_si512(a3, _mm512_load_si512(p + i + 192));
    a4 = _mm512_or_si512(a4, _mm512_load_si512(p + i + 256));
    a5 = _mm512_or_si512(a5, _mm512_load_si512(p + i + 320));
    a6 = _mm512_or_si512(a6, _mm512_load_si512(p + i + 384));
    a7 = _mm512_or_si512(a7, _mm512_load_si512(p + i + 448));
  }
  const __m512i s = _mm512_or_si512(_mm512_or_si512(_mm512_or_si512(a0, a1), _mm512_or_si512(a2, a3)),
                                    _mm512_or_si512(_mm512_or_si512(a4, a5), _mm512_or_si512(a6, a7)));
  return std::uint64_t(_mm512_reduce_or_epi64(s));
}

__attribute__((target("avx512f"))) float read_avx512(const float* p, std::int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (std::int64_t i = 0; i < n; i += 128) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
    a4 = _mm512_add_ps(a4, _mm512_load_ps(p + i + 64));
    a5 = _mm512_add_ps(a5, _mm512_load_ps(p + i + 80));
    a6 = _mm512_add_ps(a6, _mm512_load_ps(p + i + 96));
    a7 = _mm512_add_ps(a7, _mm512_load_ps(p + i + 112));
  }
  const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                 _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  return hsum512(s);
}

__attribute__((target("avx2"))) float read_avx2(const float* p, std::int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (std::int64_t i = 0; i < n; i += 64) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
    a4 = _mm256_add_ps(a4, _mm256_load_ps(p + i + 32));
    a5 = _mm256_add_ps(a5, _mm256_load_ps(p + i + 40));
    a6 = _mm256_add_ps(a6, _mm256_load_ps(p + i + 48));
    a7 = _mm256_add_ps(a7, _mm256_load_ps(p + i + 56));
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[3] + out[7];
}

__attribute__((target("avx512f"))) void triad_avx512(float* a, const float* b, const float* c, float s,
                                                     std::int64_t n) {
  const __m512 sv = _mm512_set1_ps(s);
  for (std::int64_t i = 0; i < n; i += 64) {
    _mm512_store_ps(a + i, _mm512_fmadd_ps(sv, _mm512_load_ps(c + i), _mm512_load_ps(b + i)));
    _mm512_store_ps(a + i + 16, _mm512_fmadd_ps(sv, _mm512_load_ps(c + i + 16), _mm512_load_ps(b + i + 16)));
    _mm512_store_ps(a + i + 32, _mm512_fmadd_ps(sv, _mm512_load_ps(c + i + 32), _mm512_load_ps(b + i + 32)));
    _mm512_store_ps(a + i + 48, _mm512_fmadd_ps(sv, _mm512_load_ps(c + i + 48), _mm512_load_ps(b + i + 48)));
  }
}

__attribute__((target("avx2,fma"))) void triad_avx2(float* a, const float* b, const float* c, float s, std::int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  for (std::int64_t i = 0; i < n; i += 32) {
    _mm256_store_ps(a + i, _mm256_fmadd_ps(sv, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
    _mm256_store_ps(a + i + 8, _mm256_fmadd_ps(sv, _mm256_load_ps(c + i + 8), _mm256_load_ps(b + i + 8)));
    _mm256_store_ps(a + i + 16, _mm256_fmadd_ps(sv, _mm256_load_ps(c + i + 16), _mm256_load_ps(b + i + 16)));
    _mm256_store_ps(a + i + 24, _mm256_fmadd_ps(sv, _mm256_load_ps(c + i + 24), _mm256_load_ps(b + i + 24)));
  }
}

#undef REPEAT12

#else  // not x86-64: only the scalar probes exist

float fma_avx512(std::int64_t) { return 0; }
float fma_avx2(std::int64_t) { return 0; }
float bf16_avx512(std::int64_t) { return 0; }
float int8_vnni512(std::int64_t) { return 0; }
float int8_vnni256(std::int64_t) { return 0; }
float read_avx512(const float* p, std::int64_t n) { return read_scalar(p, n); }
std::uint64_t read_bytes_avx512(const std::uint8_t* p, std::int64_t bytes) { return read_bytes_scalar(p, bytes); }
float read_avx2(const float* p, std::int64_t n) { return read_scalar(p, n); }
void triad_avx512(float* a, const float* b, const float* c, float s, std::int64_t n) { triad_scalar(a, b, c, s, n); }
void triad_avx2(float* a, const float* b, const float* c, float s, std::int64_t n) { triad_scalar(a, b, c, s, n); }

#endif

float fma_scalar(std::int64_t iters) {
  float a[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i) a[i] = 0.001f * float(i);
  for (std::int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < ACCUMULATORS; ++i) a[i] = a[i] * 0.999f + 0.0001f;
  float s = 0;
  for (float x : a) s += x;
  return s;
}

float read_scalar(const float* p, std::int64_t n) {
  float a[8] = {};
  for (std::int64_t i = 0; i < n; i += 8)
    for (int j = 0; j < 8; ++j) a[j] += p[i + j];
  return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
}

void triad_scalar(float* a, const float* b, const float* c, float s, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

std::uint64_t read_bytes_scalar(const std::uint8_t* p, std::int64_t bytes) {
  std::uint64_t a[8] = {};
  std::int64_t i = 0;
  for (; i + 64 <= bytes; i += 64)
    for (int k = 0; k < 8; ++k) {
      std::uint64_t v;
      std::memcpy(&v, p + i + 8 * k, 8);
      a[k] |= v;
    }
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, p + i, 8);
    a[0] |= v;
  }
  return a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7];
}

}  // namespace infersim::micro::detail
