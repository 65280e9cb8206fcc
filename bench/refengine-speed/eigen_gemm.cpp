// Eigen's single-precision GEMM on the same shapes as the reference engine, for the side-by-side
// ratio in refengine_speed. Eigen picks its SIMD width from predefined macros at include time, so this
// file turns on AVX-512 / AVX2 code generation for its own functions only (a target pragma plus the
// macros GCC does not set for pragmas in C++), leaving the rest of the binary portable. Callers
// check cpuid first (eigen_gemm_available()).
#include <algorithm>
#include <cassert>
#include <chrono>
#include <climits>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "eigen_gemm.h"

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,avx,f16c,sse3,ssse3,sse4.1,sse4.2")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wbuiltin-macro-redefined"
#define __SSE3__ 1
#define __SSSE3__ 1
#define __SSE4_1__ 1
#define __SSE4_2__ 1
#define __AVX__ 1
#define __AVX2__ 1
#define __FMA__ 1
#define __AVX512F__ 1
#define __AVX512DQ__ 1
#pragma GCC diagnostic pop
#define INFERSIM_EIGEN_AVX512 1
#endif
#include <Eigen/Core>

namespace infersim::refengine::speed {

double eigen_sgemm_seconds(int m, int n, int k, int threads, double min_seconds) {
  Eigen::setNbThreads(threads);
  // A[M, K] x W[N, K]^T, W row-major as the engine stores it (Eigen's fastest path either way).
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w =
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Random(n, k);
  Eigen::MatrixXf c(m, n);
  c.noalias() = a * w.transpose();  // warm-up
  double best = 1e300;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(min_seconds);
  for (int rep = 0; rep < 3 || std::chrono::steady_clock::now() < end; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    c.noalias() = a * w.transpose();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (rep > 50) break;
  }
  return best;
}

const char* eigen_simd() { return Eigen::SimdInstructionSetsInUse(); }

bool eigen_threads_supported() {
#if defined(_OPENMP)
  return true;
#else
  return false;
#endif
}

}  // namespace infersim::refengine::speed

#if defined(INFERSIM_EIGEN_AVX512)
#pragma GCC pop_options
#endif

namespace infersim::refengine::speed {
bool eigen_gemm_available() {
#if defined(INFERSIM_EIGEN_AVX512)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("fma");
#else
  return true;
#endif
}
}  // namespace infersim::refengine::speed
