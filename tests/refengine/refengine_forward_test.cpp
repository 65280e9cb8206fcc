// The optimised engine against the naive reference forward pass (reference_forward: f32, no KV
// cache, full recomputation) on a tiny Llama-shaped model, for every weight dtype and ISA tier.
// Tolerance on the logits: max |engine - reference| <= 1e-3 x max |reference| with f32 weights and
// KV cache; <= 3e-2 x max |reference| with bf16 / int8 weights (bf16 KV cache, bf16 dot products).
// The reference uses the same (dequantised) weights, so this checks the engine, not quantisation.
#include <gtest/gtest.h>

#include <cmath>

#include "infersim/refengine/engine.h"
#include "isa_guard.h"
#include "refengine_test_models.h"

namespace {

using namespace infersim::refengine;
using infersim::common::DType;
using infersim::refengine::testing::IsaGuard;

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(std::fabs(x)));
  return m;
}
double max_diff(const float* a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < b.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

TEST(Engine, PrefillThenDecodeMatchesNaiveForwardOnEveryDtypeAndTier) {
  for (auto m : {test_models::tiny_model(false, false, 0), test_models::tiny_model(true, true, 0),
                 test_models::tiny_model(false, false, 5)}) {
    for (DType dt : {DType::fp32, DType::bf16, DType::int8}) {
      const double tol = dt == DType::fp32 ? 1e-3 : 3e-2;
      for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best)) continue;
        IsaGuard guard(isa);
        EngineOptions o;
        o.threads = 2;
        Engine e(make_random_weights(m, dt, 7), o);
        const RopeConfig rope = default_rope(m);
        std::vector<std::int32_t> toks = {1, 17, 300, 42, 999, 5, 6, 7, 123};
        const int s = e.add_sequence(32);
        auto r = e.step({{s, toks}}, true);
        auto ref = reference_forward(e.weights(), toks, rope);
        ASSERT_LE(max_diff(r.logits.data(), ref), tol * max_abs(ref))
            << "prefill, dtype " << infersim::common::dtype_name(dt) << ", " << isa_name(isa) << ", bias "
            << m.attention_bias << ", window " << m.sliding_window;
        for (int step = 0; step < 4; ++step) {  // greedy decode continues from the engine's own choice
          toks.push_back(r.next[0]);
          r = e.step({{s, {r.next[0]}}}, true);
          ref = reference_forward(e.weights(), toks, rope);
          ASSERT_LE(max_diff(r.logits.data(), ref), tol * max_abs(ref))
              << "decode step " << step << ", " << infersim::common::dtype_name(dt) << ", " << isa_name(isa);
        }
        EXPECT_EQ(e.length(s), std::int64_t(toks.size()));
      }
    }
  }
}

TEST(Engine, BatchedStepsEqualSeparateRunsAndChunkedPrefillEqualsWhole) {
  const auto m = test_models::tiny_model();
  EngineOptions o;
  o.threads = 2;
  Engine e(make_random_weights(m, DType::fp32, 3), o);
  const std::vector<std::int32_t> a = {5, 6, 7, 8, 9, 10, 11}, b = {100, 200, 300};
  // Separately.
  const int sa = e.add_sequence(64), sb = e.add_sequence(64);
  const auto ra = e.step({{sa, a}}, true);
  const auto rb = e.step({{sb, b}}, true);
  // Together: two prefills of different lengths in one step ...
  const int ta = e.add_sequence(64), tb = e.add_sequence(64);
  const auto rab = e.step({{ta, a}, {tb, b}}, true);
  const std::size_t V = std::size_t(m.vocab_size);
  for (std::size_t i = 0; i < V; ++i) {
    ASSERT_NEAR(rab.logits[i], ra.logits[i], 1e-4);
    ASSERT_NEAR(rab.logits[V + i], rb.logits[i], 1e-4);
  }
  // ... then a decode step for both at different context lengths, plus a third sequence prefilling.
  const int tc = e.add_sequence(64);
  const auto mixed = e.step({{ta, {rab.next[0]}}, {tb, {rab.next[1]}}, {tc, {1, 2, 3}}}, true);
  const auto da = e.step({{sa, {ra.next[0]}}}, true);
  for (std::size_t i = 0; i < V; ++i) ASSERT_NEAR(mixed.logits[i], da.logits[i], 1e-4);
  EXPECT_DOUBLE_EQ(mixed.shape.decode_seqs, 2);
  EXPECT_DOUBLE_EQ(mixed.shape.decode_ctx_sum, double(a.size() + 1 + b.size() + 1));
  EXPECT_DOUBLE_EQ(mixed.shape.prefill_tokens, 3);
  // Chunked prefill (4 + 3 tokens) gives the same last logits as the whole prompt at once.
  const int ch = e.add_sequence(64);
  e.step({{ch, {a.begin(), a.begin() + 4}}});
  const auto rc = e.step({{ch, {a.begin() + 4, a.end()}}}, true);
  for (std::size_t i = 0; i < V; ++i) ASSERT_NEAR(rc.logits[i], ra.logits[i], 1e-4);
  // Per-op times add up to the step time.
  double sum = 0;
  for (double t : mixed.op_seconds) sum += t;
  EXPECT_NEAR(sum, mixed.seconds, 1e-3 + 0.01 * mixed.seconds);
}

TEST(Engine, RejectsBadSteps) {
  const auto m = test_models::tiny_model();
  Engine e(make_random_weights(m, DType::bf16, 1), {});
  const int s = e.add_sequence(4);
  EXPECT_THROW(e.step({{s, {1, 2, 3, 4, 5}}}), infersim::common::ConfigError);  // over capacity
  EXPECT_THROW(e.step({{s, {5000}}}), infersim::common::ConfigError);           // outside the vocabulary
  EXPECT_THROW(e.step({{s, {}}}), infersim::common::ConfigError);
  EXPECT_THROW(e.step({{s, {1}}, {s, {2}}}), infersim::common::ConfigError);
  EXPECT_THROW(e.step({{99, {1}}}), infersim::common::ConfigError);
  e.fill_context(s, 3);
  EXPECT_EQ(e.length(s), 3);
  EXPECT_EQ(e.step({{s, {1}}}).next.size(), 1u);
}

}  // namespace
