#include "infersim/perf/request_estimate.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "test_support.h"

using namespace infersim;
using infersim::testing::card;
using infersim::testing::deployment;
using infersim::testing::test_gpu;
using model::BatchShape;

// One request alone: TTFT is its prefill step, TPOT the mean decode step, e2e their closed-form sum.
TEST(RequestEstimate, SingleRequestIsPrefillPlusDecodeSteps) {
  const auto hw = test_gpu(0.5, 0.8, 2e-3, 20e-6, 5e-6);
  perf::StepEstimator est(card("llama-3.1-8b"), deployment(hw));
  const perf::Workload w{1, 1000, 200};
  const auto e = perf::estimate_serving(est, w);
  const double tp = est.time(BatchShape::prefill(1, 1000));
  const double td = perf::total_time(perf::mean_decode_cost(est, 1, 1000, 200), est.params());
  EXPECT_DOUBLE_EQ(e.ttft_s, tp);
  EXPECT_DOUBLE_EQ(e.tpot_s, td);
  EXPECT_DOUBLE_EQ(e.e2e_s, tp + 199 * td);
  EXPECT_DOUBLE_EQ(e.throughput_tok_s, 200 / e.e2e_s);
  EXPECT_TRUE(e.fits);
}

TEST(RequestEstimate, BatchingRaisesThroughputAndTpot) {
  const auto hw = test_gpu(0.5, 0.8, 2e-3, 20e-6, 5e-6);
  perf::StepEstimator est(card("llama-3.1-8b"), deployment(hw));
  const auto e1 = perf::estimate_serving(est, {1, 1000, 200});
  const auto e32 = perf::estimate_serving(est, {32, 1000, 200});
  EXPECT_GT(e32.throughput_tok_s, 10 * e1.throughput_tok_s);
  EXPECT_GT(e32.tpot_s, e1.tpot_s);
}

TEST(RequestEstimate, CostIsClosedFormOfThroughput) {
  const auto hw = test_gpu();
  perf::StepEstimator est(card("llama-3.1-8b"), deployment(hw, 2));
  const auto e = perf::estimate_serving(est, {16, 512, 128});
  EXPECT_DOUBLE_EQ(e.usd_per_hour, 2 * 2.0);
  EXPECT_NEAR(e.usd_per_1k_tokens, e.usd_per_hour / (e.throughput_tok_s * 3600) * 1000, 1e-15);
  EXPECT_NEAR(e.joules_per_token, e.power_w / e.throughput_tok_s, 1e-12);
  EXPECT_LE(e.power_w, 2 * 700.0);
  EXPECT_GE(e.power_w, 2 * 400.0);
}

TEST(RequestEstimate, SpeculativeDecodingExpectedTokens) {
  perf::SpeculativeDecoding sd;
  sd.k = 4;
  sd.acceptance = 0.8;
  EXPECT_NEAR(sd.expected_tokens(), (1 - std::pow(0.8, 5)) / (1 - 0.8), 1e-12);
  const auto hw = test_gpu(0.5, 0.8, 1e-3, 10e-6, 0);
  auto d = deployment(hw, 4);
  perf::StepEstimator plain(card("llama-3.1-70b"), d);
  sd.draft = card("llama-3.2-1b");
  d.speculative = sd;
  perf::StepEstimator spec(card("llama-3.1-70b"), d);
  const auto a = perf::estimate_serving(plain, {1, 1000, 200});
  const auto b = perf::estimate_serving(spec, {1, 1000, 200});
  EXPECT_LT(b.tpot_s, a.tpot_s) << "a cheap draft with 80% acceptance must lower TPOT at batch 1";
  EXPECT_NEAR(b.spec_tokens_per_step, sd.expected_tokens(), 1e-12);
}

TEST(RequestEstimate, OfflineBatchRunsInWavesWhenKvIsShort) {
  const auto hw = test_gpu();
  perf::StepEstimator est(card("llama-2-7b"), deployment(hw));
  double waves = 0;
  perf::estimate_offline_batch(est, 64, 2048, 2048, nullptr, &waves);
  // KV per sequence = 4096 tokens x 512 KiB = 2 GiB; ~58 GB free -> ~27 sequences per wave.
  EXPECT_EQ(waves, 3.0);
  perf::estimate_offline_batch(est, 8, 128, 128, nullptr, &waves);
  EXPECT_EQ(waves, 1.0);
}

TEST(RequestEstimate, RejectsNonsenseWorkloads) {
  const auto hw = test_gpu();
  perf::StepEstimator est(card("llama-3.1-8b"), deployment(hw));
  EXPECT_THROW(perf::estimate_serving(est, {0, 100, 100}), common::ConfigError);
  EXPECT_THROW(perf::estimate_serving(est, {1, 0, 100}), common::ConfigError);
}
