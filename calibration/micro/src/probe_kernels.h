#pragma once
// Private: the inner loops of the probes, one version per instruction set (compiled with target
// attributes in probe_kernels.cpp; callers check cpuid first).
#include <cstdint>

namespace infersim::micro::detail {

inline constexpr int ACCUMULATORS = 12;  // independent chains: > latency x pipes on current cores

// Each returns a value derived from the result so the loop cannot be removed.
float fma_avx512(std::int64_t iters);    // ops = iters * 12 * 16 * 2
float fma_avx2(std::int64_t iters);      // ops = iters * 12 * 8 * 2
float fma_scalar(std::int64_t iters);    // ops = iters * 12 * 2
float bf16_avx512(std::int64_t iters);   // ops = iters * 12 * 16 * 4   (vdpbf16ps)
float int8_vnni512(std::int64_t iters);  // ops = iters * 12 * 16 * 8   (vpdpbusd)
float int8_vnni256(std::int64_t iters);  // ops = iters * 12 * 8 * 8    (AVX-VNNI vpdpbusd ymm)

float read_avx512(const float* p, std::int64_t n);  // n multiple of 128
float read_avx2(const float* p, std::int64_t n);
float read_scalar(const float* p, std::int64_t n);
// Integer loads of any bytes (weights of any dtype: no floating-point work on arbitrary bit patterns).
std::uint64_t read_bytes_avx512(const std::uint8_t* p, std::int64_t bytes);  // p 64-byte aligned, bytes multiple of 512
std::uint64_t read_bytes_scalar(const std::uint8_t* p, std::int64_t bytes);  // bytes multiple of 8
void triad_avx512(float* a, const float* b, const float* c, float s, std::int64_t n);  // n multiple of 64
void triad_avx2(float* a, const float* b, const float* c, float s, std::int64_t n);
void triad_scalar(float* a, const float* b, const float* c, float s, std::int64_t n);

}  // namespace infersim::micro::detail
