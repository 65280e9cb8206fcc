#pragma once
// Eigen's SGEMM timed on a given shape (see eigen_gemm.cpp for how it is compiled).
namespace infersim::refengine::speed {
bool eigen_gemm_available();  // the CPU runs the AVX-512 build of Eigen in this binary
double eigen_sgemm_seconds(int m, int n, int k, int threads, double min_seconds);
const char* eigen_simd();
bool eigen_threads_supported();
}  // namespace infersim::refengine::speed
