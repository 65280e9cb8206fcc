#pragma once
// Naive reference implementations of every optimised kernel: plain loops over row-major f32 data,
// accumulating in double. They define what the optimised kernels must compute; the tolerances the
// optimised versions are held to are stated in tests/refengine/kernels_test.cpp and docs/refengine.md.
// Pure functions, thread-safe.
#include <cstdint>
#include <vector>

namespace infersim::refengine::reference {

// C[M][N] (+)= A[M][K] * W[N][K]^T (W row-major, the Hugging Face layout).
void matmul(const float* a, std::int64_t m, std::int64_t k, const float* w, std::int64_t n, float* c, bool accumulate);
void rmsnorm(const float* x, std::int64_t rows, std::int64_t n, const float* w, float eps, float* out);
void silu_mul(const float* g, const float* u, std::int64_t n, float* out);
// Rotary embedding, rotate_half convention, in place on heads x head_dim values at position `pos`.
void rope(float* x, int heads, int head_dim, double pos, const std::vector<double>& inv_freq);
// Causal attention for one sequence: q [n_new][n_heads][hd] at positions past .. past + n_new - 1;
// k, v [past + n_new][n_kv][hd] (all positions, new ones included); out [n_new][n_heads][hd].
// window > 0: a query at position p attends keys (p - window, p].
void attention(const float* q, const float* k, const float* v, std::int64_t past, std::int64_t n_new, int n_heads,
               int n_kv, int hd, std::int64_t window, float* out);

}  // namespace infersim::refengine::reference
