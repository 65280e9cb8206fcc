// Pipeline parallelism as it runs (oracle tests): a pp=S replica keeps up to S micro-batches in flight,
// so at saturation it delivers close to S times the rate of one micro-batch traversing the stages;
// the discrete-event simulator and the analytic estimate agree on such a replica at steady state; and a
// lone request sees the same latency whether or not the runtime pipelines micro-batches.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <tuple>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/serving/benchmark.h"

#include "serving_test_support.h"

using namespace infersim;
using infersim::servingtest::card;
using infersim::servingtest::rel;
using infersim::servingtest::resolved;

namespace {

serving::BenchmarkSpec closed_loop(int users, double input, double output) {
  serving::BenchmarkSpec s;
  s.concurrency = users;
  s.input = input;
  s.output = output;
  s.rounds = 6;
  s.max_batch = 4096;
  s.max_num_tokens = 16384;
  return s;
}

}  // namespace

TEST(PipelineParallelism, SaturatedReplicaDeliversNearlyStagesTimesOneMicroBatchRate) {
  // Llama-3.1-70B on 2 x 4 H100 (tp=2, pp=4), 64 users decoding 512 tokens after 128-token prompts:
  // 4 micro-batches of 16 sequences in flight.
  const int S = 4, per_micro = 16;
  const auto d = resolved("llama-3.1-70b", "h100-sxm", "vllm", 2, S);
  const perf::StepEstimator est(card("llama-3.1-70b"), d);
  const auto r = serving::simulate_benchmark(card("llama-3.1-70b"), d, closed_loop(S * per_micro, 128, 512));
  // One micro-batch of 16 traverses all stages in T; alone in the pipeline it yields 16 tokens per T.
  const double T = est.time(model::BatchShape::decode(per_micro, 128 + 256));
  const double one_micro_rate = per_micro / T;
  EXPECT_GE(r.throughput_tok_s, 0.8 * S * one_micro_rate)
      << "simulated " << r.throughput_tok_s << " tok/s vs one micro-batch " << one_micro_rate << " tok/s";
  EXPECT_LE(r.throughput_tok_s, 1.05 * S * one_micro_rate) << "cannot beat S micro-batches in flight";
}

TEST(PipelineParallelism, SimulatorAndAnalyticAgreeOnAPipelinedReplicaAtSteadyState) {
  for (const auto& [model, hw, tp, pp, users] :
       {std::tuple{"llama-3.1-70b", "h100-sxm", 2, 4, 64}, std::tuple{"llama-3.1-8b", "a100-80g-sxm", 1, 2, 32},
        std::tuple{"qwen3-32b", "h100-sxm", 1, 8, 128}}) {
    const auto d = resolved(model, hw, "vllm", tp, pp);
    const perf::StepEstimator est(card(model), d);
    const auto sim = serving::simulate_benchmark(card(model), d, closed_loop(users, 256, 512));
    const auto e = perf::estimate_serving(est, {double(users), 256, 512});
    SCOPED_TRACE(fmt::format("{} on {} tp={} pp={} x {} users", model, hw, tp, pp, users));
    EXPECT_LE(rel(e.tpot_s, sim.tpot_s), 0.05) << "analytic " << e.tpot_s << " vs simulated " << sim.tpot_s;
    // Steady state by Little's law (users x output / e2e): the run's own rate also counts the staggered
    // start and the last users finishing alone.
    const double steady = users * 512.0 / sim.e2e_s;
    EXPECT_LE(rel(e.throughput_tok_s, steady), 0.05) << "analytic " << e.throughput_tok_s << " vs simulated " << steady;
    EXPECT_LE(rel(e.ttft_s, sim.ttft_s), 0.25) << "analytic " << e.ttft_s << " vs simulated " << sim.ttft_s;
  }
}

TEST(PipelineParallelism, BatchOneLatencyIsUnchangedByPipelining) {
  // The same layout with and without micro-batches in flight: one request traverses every stage either way.
  auto piped = resolved("llama-3.1-70b", "h100-sxm", "vllm", 2, 4);
  auto serial = piped;
  serial.pp_micro_batches = false;
  const auto& m = card("llama-3.1-70b");
  const auto a = serving::simulate_benchmark(m, piped, closed_loop(1, 1024, 128));
  const auto b = serving::simulate_benchmark(m, serial, closed_loop(1, 1024, 128));
  EXPECT_DOUBLE_EQ(a.tpot_s, b.tpot_s);
  EXPECT_DOUBLE_EQ(a.ttft_s, b.ttft_s);
  // ... and it is the whole-model traversal: every stage's work plus the hops, in sequence.
  const perf::StepEstimator est(m, piped);
  EXPECT_LE(rel(a.tpot_s, est.time(model::BatchShape::decode(1, 1024 + 64))), 0.01);
  const auto e1 = perf::estimate_serving(est, {1, 1024, 128});
  const auto e2 = perf::estimate_serving(perf::StepEstimator(m, serial), {1, 1024, 128});
  EXPECT_DOUBLE_EQ(e1.tpot_s, e2.tpot_s);
  EXPECT_DOUBLE_EQ(e1.ttft_s, e2.ttft_s);
}

TEST(PipelineParallelism, ARuntimeWithoutMicroBatchesRunsTheWholeBatchThroughEveryStage) {
  // llama.cpp's layer split runs one batch through the devices at a time (a token per sequence every
  // T(64)); vLLM keeps 4 micro-batches of 16 in flight (every T(16)). Memory-bound decode makes T(16)
  // only a little shorter than T(64), so pipelining buys throughput mainly where a micro-batch alone
  // would leave stages idle, as the saturation test shows.
  auto piped = resolved("llama-3.1-8b", "h100-sxm", "vllm", 1, 4);
  auto serial = piped;
  serial.pp_micro_batches = false;
  const auto& m = card("llama-3.1-8b");
  const auto a = serving::simulate_benchmark(m, piped, closed_loop(64, 128, 256));
  const auto b = serving::simulate_benchmark(m, serial, closed_loop(64, 128, 256));
  const perf::StepEstimator est(m, piped);
  const double ctx = 128 + 128;
  EXPECT_LE(rel(a.tpot_s, est.time(model::BatchShape::decode(16, ctx))), 0.05) << a.tpot_s;
  EXPECT_LE(rel(b.tpot_s, est.time(model::BatchShape::decode(64, ctx))), 0.05) << b.tpot_s;
  EXPECT_GT(a.throughput_tok_s, 1.2 * b.throughput_tok_s);
  const auto& rt = hwprofiles::RuntimeCatalog::shipped().get("llama.cpp");
  EXPECT_FALSE(rt.features.pipeline_micro_batches) << "llama.cpp is declared without micro-batches in flight";
  EXPECT_TRUE(hwprofiles::RuntimeCatalog::shipped().get("vllm").features.pipeline_micro_batches);
}

TEST(PipelineParallelism, AnEmptyPipelineFillsOnce) {
  // Offline batch of 8 prompts on pp=4: the first wave's prefill pays (m - 1) / pp of a traversal extra.
  const auto d = resolved("llama-3.1-8b", "h100-sxm", "vllm", 1, 4);
  const perf::StepEstimator est(card("llama-3.1-8b"), d);
  EXPECT_EQ(est.micro_batches(8), 4.0);
  EXPECT_EQ(est.micro_batches(2), 2.0);
  EXPECT_EQ(est.micro_batches(0.5), 1.0);
  EXPECT_DOUBLE_EQ(est.fill_fraction(4), 0.75);
  const double t_prefill = est.time(model::BatchShape::prefill(2, 512));  // one micro-batch of 2 prompts
  const double total = perf::estimate_offline_batch(est, 8, 512, 1);
  EXPECT_NEAR(total, t_prefill * 1.75, 1e-9 * total);
}

TEST(PipelineParallelism, StageHopsBetweenNodesUseTheScaleOutNetwork) {
  // H100: 8 GPUs per NVLink domain. tp=4 x pp=2 stays inside one node; tp=8 x pp=2 crosses to a second.
  const auto& m = card("llama-3.1-70b");
  auto inside = resolved("llama-3.1-70b", "h100-sxm", "vllm@0.5", 4, 2);
  auto across = resolved("llama-3.1-70b", "h100-sxm", "vllm@0.5", 8, 2);
  auto flat = resolved("llama-3.1-70b", "h100-sxm", "vllm@0.5", 8, 1);
  ASSERT_FALSE(inside.kernel_model);
  const auto b = model::BatchShape::decode(64, 2048);
  const auto& hw = inside.hardware;
  const double bytes8 = 64.0 * m.hidden_size * 2.0 / 8.0;  // bf16 activations, one rank's share
  const auto c_across = perf::StepEstimator(m, across).cost(b);
  const auto c_flat = perf::StepEstimator(m, flat).cost(b);
  EXPECT_NEAR(c_across.comm_bw_s - c_flat.comm_bw_s, bytes8 / hw.scale_out_bw_bytes_per_s, 1e-12);
  EXPECT_NEAR(c_across.comm_latency_s - c_flat.comm_latency_s, hw.scale_out_latency_s, 1e-12);
  auto inside1 = inside;
  inside1.pp = 1;
  const auto c_inside = perf::StepEstimator(m, inside).cost(b);
  const auto c_inside1 = perf::StepEstimator(m, inside1).cost(b);
  EXPECT_NEAR(c_inside.comm_latency_s - c_inside1.comm_latency_s, hw.scale_up_latency_s, 1e-12);
}
