#include "infersim/refengine/reference_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace infersim::refengine::reference {

void matmul(const float* a, std::int64_t m, std::int64_t k, const float* w, std::int64_t n, float* c, bool accumulate) {
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::int64_t t = 0; t < k; ++t) s += double(a[i * k + t]) * double(w[j * k + t]);
      c[i * n + j] = float((accumulate ? double(c[i * n + j]) : 0.0) + s);
    }
}

void rmsnorm(const float* x, std::int64_t rows, std::int64_t n, const float* w, float eps, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (std::int64_t i = 0; i < n; ++i) ss += double(x[r * n + i]) * double(x[r * n + i]);
    const double inv = 1.0 / std::sqrt(ss / double(n) + double(eps));
    for (std::int64_t i = 0; i < n; ++i) out[r * n + i] = float(double(x[r * n + i]) * inv * double(w[i]));
  }
}

void silu_mul(const float* g, const float* u, std::int64_t n, float* out) {
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = g[i];
    out[i] = float(x / (1.0 + std::exp(-x)) * double(u[i]));
  }
}

void rope(float* x, int heads, int head_dim, double pos, const std::vector<double>& inv_freq) {
  const int half = head_dim / 2;
  for (int h = 0; h < heads; ++h) {
    float* p = x + std::int64_t(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const double ang = pos * inv_freq[std::size_t(i)];
      const double c = std::cos(ang), s = std::sin(ang);
      const double a = p[i], b = p[i + half];
      p[i] = float(a * c - b * s);
      p[i + half] = float(b * c + a * s);
    }
  }
}

void attention(const float* q, const float* k, const float* v, std::int64_t past, std::int64_t n_new, int n_heads,
               int n_kv, int hd, std::int64_t window, float* out) {
  const int group = n_heads / n_kv;
  const double scale = 1.0 / std::sqrt(double(hd));
  std::vector<double> s;
  for (std::int64_t i = 0; i < n_new; ++i) {
    const std::int64_t pos = past + i;
    const std::int64_t lo = window > 0 ? std::max<std::int64_t>(0, pos - window + 1) : 0;
    for (int h = 0; h < n_heads; ++h) {
      const int g = h / group;
      const float* qv = q + (i * n_heads + h) * hd;
      s.assign(std::size_t(pos - lo + 1), 0.0);
      double mx = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = lo; j <= pos; ++j) {
        const float* kv = k + (j * n_kv + g) * hd;
        double d = 0;
        for (int t = 0; t < hd; ++t) d += double(qv[t]) * double(kv[t]);
        s[std::size_t(j - lo)] = d * scale;
        mx = std::max(mx, d * scale);
      }
      double sum = 0;
      for (auto& x : s) {
        x = std::exp(x - mx);
        sum += x;
      }
      float* o = out + (i * n_heads + h) * hd;
      for (int t = 0; t < hd; ++t) {
        double acc = 0;
        for (std::int64_t j = lo; j <= pos; ++j) acc += s[std::size_t(j - lo)] * double(v[(j * n_kv + g) * hd + t]);
        o[t] = float(acc / sum);
      }
    }
  }
}

}  // namespace infersim::refengine::reference
