// Every optimised kernel of the reference engine against its naive reference (reference_kernels.h),
// on every ISA tier this CPU can run. Tolerances (also in docs/refengine.md):
//   matmul, f32 math (fp32 weights; int8 weights at M <= MR; any weights on avx2/generic):
//       |C - ref| <= K * 2^-24 * sum_k |a_k w_k|          (the classic f32 summation bound)
//   matmul, bf16 dot products (avx512 tier: bf16 weights, int8 weights at M > MR):
//       |C - ref| <= 2^-8 * sum_k |a_k w_k| + the f32 bound (activations rounded to bf16)
//   rmsnorm, silu*mul: relative 1e-5;  exp: relative 5e-7 on [-87, 88];  rope: absolute 1e-5
//   attention, f32 KV: absolute 2e-5;  bf16 KV: reference fed the cached bf16 K/V, then absolute
//       8e-3 on the avx512 tier (Q and P rounded to bf16 for vdpbf16ps), 2e-5 elsewhere.
// The reference matmul multiplies the dequantised stored weights, so quantisation error is tested
// separately (pack/unpack round trip).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "infersim/refengine/kernels.h"
#include "infersim/refengine/reference_kernels.h"
#include "isa_guard.h"

namespace {

using namespace infersim::refengine;
using infersim::common::DType;
using infersim::refengine::testing::IsaGuard;

std::vector<Isa> tiers() {
  std::vector<Isa> out;
  for (Isa i : {Isa::generic, Isa::avx2, Isa::avx512})
    if (static_cast<int>(i) <= static_cast<int>(cpu_features().best)) out.push_back(i);
  return out;
}

std::vector<float> randn(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

class MatmulTest : public ::testing::TestWithParam<DType> {};

TEST_P(MatmulTest, MatchesNaiveOnEveryTierAndShape) {
  const DType dt = GetParam();
  ThreadPool pool(2);
  Kernels k(pool);
  struct Shape {
    std::int64_t m, n, kk;
  };
  // Tails in every dimension: M across MR (3 / 6) and MC (192), N across a 64-column panel, K across
  // KC (128 / 256).
  const std::vector<Shape> shapes = {{1, 64, 64},  {2, 130, 96},   {5, 200, 258},
                                     {7, 64, 520}, {13, 127, 300}, {200, 70, 300}};
  for (const auto& s : shapes) {
    const auto a = randn(std::size_t(s.m * s.kk), 1);
    const auto wsrc = randn(std::size_t(s.n * s.kk), 2, 0.05f);
    PackedWeight w = pack_weight(s.n, s.kk, dt, [&](std::int64_t r, float* out) {
      std::copy(wsrc.begin() + r * s.kk, wsrc.begin() + (r + 1) * s.kk, out);
    });
    std::vector<float> wd(std::size_t(s.n * s.kk));
    for (std::int64_t r = 0; r < s.n; ++r) w.get_row(r, wd.data() + r * s.kk);
    const auto c0 = randn(std::size_t(s.m * s.n), 3);
    for (bool acc : {false, true}) {
      std::vector<float> ref = c0;
      reference::matmul(a.data(), s.m, s.kk, wd.data(), s.n, ref.data(), acc);
      for (Isa isa : tiers()) {
        IsaGuard guard(isa);
        std::vector<float> c = c0;
        k.matmul(CViewF::matrix(a.data(), s.m, s.kk, s.kk), w, ViewF::matrix(c.data(), s.m, s.n, s.n), acc);
        const bool bf16_math = isa == Isa::avx512 && (dt == DType::bf16 || (dt == DType::int8 && s.m > 6));
        for (std::int64_t i = 0; i < s.m; ++i)
          for (std::int64_t j = 0; j < s.n; ++j) {
            double mag = 0;
            for (std::int64_t t = 0; t < s.kk; ++t)
              mag += std::fabs(double(a[std::size_t(i * s.kk + t)]) * wd[std::size_t(j * s.kk + t)]);
            const double tol = double(s.kk) * std::ldexp(1.0, -24) * mag +
                               (bf16_math ? std::ldexp(1.0, -8) * mag : 0.0) +
                               (acc ? 1e-6 * std::fabs(c0[std::size_t(i * s.n + j)]) : 0.0);
            const double err = std::fabs(double(c[std::size_t(i * s.n + j)]) - ref[std::size_t(i * s.n + j)]);
            ASSERT_LE(err, tol) << "dtype " << infersim::common::dtype_name(dt) << " isa " << isa_name(isa)
                                << " M=" << s.m << " N=" << s.n << " K=" << s.kk << " acc=" << acc << " at (" << i
                                << "," << j << ")";
          }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllDtypes, MatmulTest, ::testing::Values(DType::fp32, DType::bf16, DType::int8),
                         [](const ::testing::TestParamInfo<DType>& p) {
                           return std::string(infersim::common::dtype_name(p.param));
                         });

TEST(PackedWeight, RoundTripsAndQuantisesWithinHalfAStep) {
  const std::int64_t n = 70, kk = 40;
  const auto src = randn(std::size_t(n * kk), 5);
  auto rows = [&](std::int64_t r, float* out) { std::copy(src.begin() + r * kk, src.begin() + (r + 1) * kk, out); };
  auto f = pack_weight(n, kk, DType::fp32, rows);
  auto b = pack_weight(n, kk, DType::bf16, rows);
  auto q = pack_weight(n, kk, DType::int8, rows);
  for (std::int64_t r = 0; r < n; ++r) {
    float amax = 0;
    for (std::int64_t c = 0; c < kk; ++c) amax = std::max(amax, std::fabs(src[std::size_t(r * kk + c)]));
    for (std::int64_t c = 0; c < kk; ++c) {
      const float x = src[std::size_t(r * kk + c)];
      EXPECT_EQ(f.get(r, c), x);
      EXPECT_EQ(b.get(r, c), bf16_to_f32(f32_to_bf16(x)));
      EXPECT_LE(std::fabs(q.get(r, c) - x), 0.5f * amax / 127.0f * 1.0001f);
    }
  }
  EXPECT_EQ(q.weight_bytes(), double(n * kk + 4 * n));
  EXPECT_THROW(pack_weight(4, 3, DType::fp32, rows), infersim::common::ConfigError);  // odd K
  EXPECT_THROW(pack_weight(4, 4, DType::fp16, rows), infersim::common::ConfigError);  // unsupported dtype
}

TEST(Elementwise, RmsnormSiluExpMatchNaive) {
  ThreadPool pool(2);
  Kernels k(pool);
  const std::int64_t rows = 5, n = 1000;  // n not a multiple of any vector width
  const auto x = randn(std::size_t(rows * n), 7);
  const auto w = randn(std::size_t(n), 8);
  const auto u = randn(std::size_t(rows * n), 9);
  std::vector<float> ref(x.size()), ref2(x.size());
  reference::rmsnorm(x.data(), rows, n, w.data(), 1e-5f, ref.data());
  reference::silu_mul(x.data(), u.data(), rows * n, ref2.data());
  std::vector<float> ex(2001), exref(2001);
  for (std::size_t i = 0; i < ex.size(); ++i) ex[i] = -87.0f + 175.0f * float(i) / 2000.0f;
  for (Isa isa : tiers()) {
    IsaGuard guard(isa);
    std::vector<float> y(x.size()), z(x.size());
    k.rmsnorm(CViewF::matrix(x.data(), rows, n, n), w.data(), 1e-5f, ViewF::matrix(y.data(), rows, n, n));
    k.silu_mul(CViewF::matrix(x.data(), rows, n, n), CViewF::matrix(u.data(), rows, n, n),
               ViewF::matrix(z.data(), rows, n, n));
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_NEAR(y[i], ref[i], 1e-5 * std::max(1.0f, std::fabs(ref[i]))) << isa_name(isa);
      ASSERT_NEAR(z[i], ref2[i], 1e-5 * std::max(1.0f, std::fabs(ref2[i]))) << isa_name(isa);
    }
    k.exp(ex.data(), exref.data(), std::int64_t(ex.size()));
    for (std::size_t i = 0; i < ex.size(); ++i) {
      const double want = std::exp(double(ex[i]));
      ASSERT_LE(std::fabs(exref[i] - want), 5e-7 * want) << "exp(" << ex[i] << ") on " << isa_name(isa);
    }
  }
}

TEST(Rope, MatchesNaive) {
  const int heads = 3, hd = 64;
  const auto inv = std::vector<double>{[] {
    std::vector<double> f(32);
    for (int i = 0; i < 32; ++i) f[std::size_t(i)] = 1.0 / std::pow(10000.0, 2.0 * i / 64.0);
    return f;
  }()};
  auto x = randn(std::size_t(heads * hd), 11);
  auto ref = x;
  const double pos = 123;
  std::vector<float> c(32), s(32);
  for (int i = 0; i < 32; ++i) {
    c[std::size_t(i)] = float(std::cos(pos * inv[std::size_t(i)]));
    s[std::size_t(i)] = float(std::sin(pos * inv[std::size_t(i)]));
  }
  rope_rows(ViewF::matrix(x.data(), 1, heads * hd, heads * hd), heads, hd, c.data(), s.data());
  reference::rope(ref.data(), heads, hd, pos, inv);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], ref[i], 1e-5);
}

TEST(KvCache, WritesReadBackInBothDtypes) {
  for (DType dt : {DType::fp32, DType::bf16}) {
    KvCache c(2, 3, 64, 130, dt);
    const auto k = randn(64, 1), v = randn(64, 2);
    for (std::int64_t pos : {0, 63, 64, 129}) {
      c.write(1, 2, pos, k.data(), v.data());
      std::vector<float> k2(64), v2(64);
      c.read(1, 2, pos, k2.data(), v2.data());
      for (int d = 0; d < 64; ++d) {
        const float kw = dt == DType::fp32 ? k[std::size_t(d)] : bf16_to_f32(f32_to_bf16(k[std::size_t(d)]));
        const float vw = dt == DType::fp32 ? v[std::size_t(d)] : bf16_to_f32(f32_to_bf16(v[std::size_t(d)]));
        ASSERT_EQ(k2[std::size_t(d)], kw);
        ASSERT_EQ(v2[std::size_t(d)], vw);
      }
    }
  }
  EXPECT_THROW(KvCache(1, 1, 64, 10, DType::int8), infersim::common::ConfigError);
}

// Several sequences in one call: decode (one new token) at contexts on both sides of the 64-position
// block boundary, a whole prefill, a chunk on top of a cache; GQA and MHA; with and without window.
TEST(Attention, MatchesNaiveForDecodePrefillChunksGqaAndWindows) {
  ThreadPool pool(2);
  Kernels k(pool);
  struct Case {
    int nh, nkv, hd;
    std::int64_t window;
  };
  struct SeqCase {
    std::int64_t past, n_new;
  };
  const std::vector<SeqCase> seqs = {{0, 1}, {1, 1}, {63, 1}, {64, 1}, {65, 1}, {200, 1}, {0, 70}, {100, 33}};
  for (const Case& cs : {Case{8, 2, 64, 0}, Case{4, 4, 32, 0}, Case{6, 2, 128, 0}, Case{8, 2, 64, 50}}) {
    for (DType dt : {DType::fp32, DType::bf16}) {
      std::vector<std::unique_ptr<KvCache>> caches;
      std::vector<AttentionSeq> as;
      std::int64_t rows = 0;
      std::vector<std::vector<float>> kall, vall;  // per seq: [ctx][nkv][hd] as stored (after bf16 rounding)
      std::uint32_t seed = 100;
      for (const auto& s : seqs) {
        const std::int64_t ctx = s.past + s.n_new;
        caches.push_back(std::make_unique<KvCache>(1, cs.nkv, cs.hd, ctx + 5, dt));
        std::vector<float> ks(std::size_t(ctx * cs.nkv * cs.hd)), vs(ks.size());
        for (std::int64_t p = 0; p < ctx; ++p)
          for (int g = 0; g < cs.nkv; ++g) {
            const auto kk = randn(std::size_t(cs.hd), seed++), vv = randn(std::size_t(cs.hd), seed++);
            caches.back()->write(0, g, p, kk.data(), vv.data());
            caches.back()->read(0, g, p, ks.data() + (p * cs.nkv + g) * cs.hd, vs.data() + (p * cs.nkv + g) * cs.hd);
          }
        kall.push_back(ks);
        vall.push_back(vs);
        as.push_back({caches.back().get(), rows, s.n_new, s.past});
        rows += s.n_new;
      }
      const std::int64_t width = std::int64_t(cs.nh) * cs.hd;
      const auto q = randn(std::size_t(rows * (width + 16)), 7);  // row stride > width: a strided view
      for (Isa isa : tiers()) {
        IsaGuard guard(isa);
        std::vector<float> out(std::size_t(rows * width), -1.0f);
        k.attention(0, CViewF::matrix(q.data(), rows, width, width + 16), as, cs.nh, cs.window,
                    ViewF::matrix(out.data(), rows, width, width));
        const double tol = (dt == DType::bf16 && isa == Isa::avx512) ? 8e-3 : 2e-5;
        for (std::size_t si = 0; si < seqs.size(); ++si) {
          const auto& s = seqs[si];
          std::vector<float> qs(std::size_t(s.n_new * width)), ref(qs.size());
          for (std::int64_t i = 0; i < s.n_new; ++i)
            std::copy(q.begin() + (as[si].row + i) * (width + 16), q.begin() + (as[si].row + i) * (width + 16) + width,
                      qs.begin() + i * width);
          reference::attention(qs.data(), kall[si].data(), vall[si].data(), s.past, s.n_new, cs.nh, cs.nkv, cs.hd,
                               cs.window, ref.data());
          for (std::int64_t i = 0; i < s.n_new * width; ++i)
            ASSERT_NEAR(out[std::size_t(as[si].row * width + i)], ref[std::size_t(i)], tol)
                << isa_name(isa) << " kv " << infersim::common::dtype_name(dt) << " nh=" << cs.nh << " nkv=" << cs.nkv
                << " hd=" << cs.hd << " window=" << cs.window << " seq past=" << s.past << " n=" << s.n_new << " elem "
                << i;
        }
      }
    }
  }
}

TEST(ThreadPool, CoversEveryIndexOnceAndPropagatesErrors) {
  ThreadPool pool(3);
  for (std::int64_t n : {1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    pool.parallel_for(n, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) hits[std::size_t(i)]++;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
  EXPECT_THROW(pool.for_chunks(10,
                               [](std::int64_t c, int) {
                                 if (c == 7) throw std::runtime_error("boom");
                               }),
               std::runtime_error);
  std::atomic<int> after{0};
  pool.for_chunks(8, [&](std::int64_t, int) { after++; });  // the pool still works afterwards
  EXPECT_EQ(after.load(), 8);
}

}  // namespace
