// Oracle tests: the estimator against closed forms. Messages say what was expected and why.
#include <gtest/gtest.h>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "test_support.h"

using namespace infersim;
using infersim::testing::card;
using infersim::testing::deployment;
using infersim::testing::test_gpu;
using model::BatchShape;

namespace {
double sum_bytes(const model::OpCosts& c) {
  double b = 0;
  for (const auto& o : c) b += o.bytes();
  return b;
}
}  // namespace

// A batch-1 decode step is memory-bound: time = (weights + KV + activations) bytes / (bw x mf) + overheads.
TEST(StepOracle, MemoryBoundDecodeEqualsBytesOverEffectiveBandwidth) {
  const double step = 1e-3, layer = 10e-6, seq = 5e-6;
  const auto hw = test_gpu(0.5, 0.8, step, layer, seq);
  const auto& m = card("llama-3.1-8b");
  perf::StepEstimator est(m, deployment(hw));
  const auto b = BatchShape::decode(1, 2048);
  const double bytes = sum_bytes(model::op_costs(m, b, {}));
  const double expected = bytes / (2000e9 * 0.8) + step + layer * m.num_layers + seq * 1;
  const auto t = est.explain(b);
  EXPECT_NEAR(t.total_s, expected, expected * 1e-9)
      << "expected " << expected << " s because a batch-1 decode streams " << bytes
      << " bytes at 0.8 x 2000 GB/s plus overheads, got " << t.total_s;
  EXPECT_EQ(t.bound, perf::Bound::memory);
  EXPECT_EQ(t.compute_bound_s, 0.0) << "no op of a batch-1 decode should be compute-bound";
}

// A long prefill approaches the compute roofline: time -> flops / (peak x cf).
TEST(StepOracle, LongPrefillApproachesComputeBound) {
  const auto hw = test_gpu(0.5, 0.8);
  const auto& m = card("llama-3.1-8b");
  perf::StepEstimator est(m, deployment(hw));
  const auto b = BatchShape::prefill(1, 8192);
  double flops = 0;
  for (const auto& o : model::op_costs(m, b, {})) flops += o.flops;
  const double compute = flops / (1000e12 * 0.5);
  const auto t = est.explain(b);
  EXPECT_EQ(t.bound, perf::Bound::compute);
  EXPECT_GT(t.total_s, compute * 0.99);
  EXPECT_LT(t.total_s, compute * 1.05) << "expected ~" << compute << " s (compute roofline), got " << t.total_s;
}

// TP all-reduce: 2 per layer, each 2(n-1)/n x tokens x hidden x bytes over the link, plus latency.
TEST(StepOracle, TensorParallelAllReduceMatchesClosedForm) {
  const auto hw = test_gpu();
  const auto& m = card("llama-3.1-70b");
  const int n = 4;
  perf::StepEstimator est(m, deployment(hw, n));
  const double T = 64;
  const auto c = est.cost(BatchShape::decode(T, 1000));
  const double per = 2.0 * (n - 1) / n * T * 8192 * 2;
  const double expected_bw = 2.0 * 80 * per / 400e9;
  EXPECT_NEAR(c.comm_bw_s, expected_bw, expected_bw * 1e-9);
  EXPECT_NEAR(c.comm_latency_s, 2.0 * 80 * 2 * 2e-6, 1e-12);  // log2(4) = 2 latency steps each
  EXPECT_EQ(c.collectives, 160.0 * 2);
}

TEST(StepOracle, TensorParallelSplitsWeightsAndSpeedsDecode) {
  const auto hw = test_gpu();
  const auto& m = card("llama-3.1-70b");
  perf::StepEstimator e2(m, deployment(hw, 2)), e4(m, deployment(hw, 4));
  const auto f2 = e2.memory_fit(0, 1), f4 = e4.memory_fit(0, 1);
  EXPECT_NEAR(f2.weights_bytes / f4.weights_bytes, 2.0, 1e-9);
  EXPECT_GT(e2.time(BatchShape::decode(1, 100)), e4.time(BatchShape::decode(1, 100)));
}

TEST(StepOracle, MoreBandwidthNeverSlower) {
  auto slow = test_gpu();
  auto fast = slow;
  fast.main_memory_bw_bytes_per_s *= 2;
  const auto& m = card("mixtral-8x7b");
  perf::StepEstimator es(m, deployment(slow, 2)), ef(m, deployment(fast, 2));
  for (double b : {1.0, 8.0, 64.0, 256.0})
    EXPECT_LE(ef.time(BatchShape::decode(b, 1000)), es.time(BatchShape::decode(b, 1000))) << "batch " << b;
}

TEST(StepOracle, MemoryFitSaysWhatDoesNotFitAndByHowMuch) {
  const auto hw = test_gpu();
  const auto& m = card("llama-3.1-70b");
  perf::StepEstimator est(m, deployment(hw, 1));
  const auto f = est.memory_fit(1000, 1000);
  EXPECT_FALSE(f.fits);
  EXPECT_NE(f.message.find("does not fit"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("short by"), std::string::npos) << f.message;
  EXPECT_NEAR(f.weights_bytes, model::weight_bytes(m, common::DType::bf16), 1.0);
  EXPECT_NEAR(f.reserve_bytes, 8e9, 1.0);
}

TEST(StepOracle, InvalidLayoutsAreConfigErrors) {
  const auto hw = test_gpu();
  EXPECT_THROW(perf::StepEstimator(card("llama-3.1-8b"), deployment(hw, 3)), common::ConfigError);  // 32 heads % 3
  auto d = deployment(hw, 2);
  d.ep = 2;
  EXPECT_THROW(perf::StepEstimator(card("llama-3.1-8b"), d), common::ConfigError);  // EP on a dense model
  auto fp4 = deployment(hw);
  fp4.precision.weight = fp4.precision.activation = common::DType::fp4;
  EXPECT_THROW(perf::StepEstimator(card("llama-3.1-8b"), fp4), common::ConfigError);  // no fp4 math on this chip
  fp4.precision.activation = common::DType::bf16;  // fp4 weights, bf16 math: weight-only, allowed
  EXPECT_NO_THROW(perf::StepEstimator(card("llama-3.1-8b"), fp4));
  auto rt = deployment(hw);
  rt.runtime = "tensorrt-llm";
  EXPECT_THROW(perf::StepEstimator(card("llama-3.1-8b"), rt), common::ConfigError);  // no such calibration
}

// LPU: SRAM-only chips must pipeline a 70B model over hundreds of chips.
TEST(StepOracle, GroqAutoSizesToHundredsOfChips) {
  const auto& m = card("llama-3.1-70b");
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("groq-lpu");
  d.precision = {common::DType::fp16, common::DType::fp16, common::DType::fp16};
  const auto r = perf::auto_size(m, d, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024}));
  ASSERT_TRUE(r.fits) << r.explanation;
  const double min_chips = model::weight_bytes(m, common::DType::fp16) / (d.hardware.memory_bytes() * 0.9);
  EXPECT_GE(r.deployment.chips(), int(min_chips)) << r.explanation;
  EXPECT_LT(r.deployment.chips(), int(min_chips * 1.5)) << r.explanation;
  EXPECT_NE(r.explanation.find("SRAM"), std::string::npos);
}

// Issue 15: Groq's published Llama-2-70B deployment is 576 chips = 72 whole 8-chip GroqNodes (tp 8 per
// stage). Sizing keeps a stage inside one fully connected node (tp divides 8), so the 8-bit 70B model
// takes 8 chips a layer: 640 chips, within 15% of 576. Without the node the smallest fit is tp 5
// (400 chips, whose stages straddle nodes).
TEST(StepOracle, GroqStagesLieInWholeNodes) {
  const auto& m = card("llama-3.1-70b");
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("groq-lpu");
  ASSERT_EQ(d.hardware.scale_up_node, 8);
  d.precision = {common::DType::int8, common::DType::int8, common::DType::fp16};
  const auto r = perf::auto_size(m, d, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024}));
  ASSERT_TRUE(r.fits) << r.explanation;
  EXPECT_EQ(r.deployment.tp, 8) << r.explanation;
  EXPECT_EQ(r.deployment.pp, 80) << r.explanation;
  EXPECT_LE(std::abs(r.deployment.chips() / 576.0 - 1.0), 0.15) << r.explanation;
  EXPECT_NE(r.explanation.find("8-chip fully connected node"), std::string::npos) << r.explanation;
  // By hand: one layer's 8-bit weights (1/80 of 65.7 GiB) exceed 4 chips' usable SRAM, not 8 chips'.
  const double layer = model::weight_bytes(m, common::DType::int8) / 80.0;
  const double usable = d.hardware.memory_bytes() * (1.0 - d.memory_reserve_fraction);
  EXPECT_GT(layer / 4.0, usable);
  EXPECT_LT(layer / 8.0, usable);
  perf::Deployment loose = d;
  loose.hardware.scale_up_node = 1;
  const auto r1 = perf::auto_size(m, loose, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024}));
  ASSERT_TRUE(r1.fits);
  EXPECT_EQ(r1.deployment.tp, 5) << r1.explanation;
  // A stage wider than a node spans nodes whatever its width: 16-bit weights take the smallest fit.
  d.precision = {common::DType::fp16, common::DType::fp16, common::DType::fp16};
  const auto r16 = perf::auto_size(m, d, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024}));
  loose.precision = d.precision;
  EXPECT_EQ(r16.deployment.tp,
            perf::auto_size(m, loose, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024})).deployment.tp);
  EXPECT_GT(r16.deployment.tp, 8);
  // Wider stages tried for KV room keep to the nodes as well.
  for (int t : perf::sram_stage_widths(m, d.hardware, 2)) EXPECT_TRUE(d.hardware.node_aligned_tp(t)) << t;
}

// Issue 15: at large batches an SRAM-only chip runs out of KV room, which more TP cannot fix once TP
// exceeds the KV heads. Sizing stops there and names the limit (it used to walk TP to 4,096:
// 327,680 chips).
TEST(StepOracle, SramSizingStopsAtKvCapacityAndNamesIt) {
  const auto& m = card("llama-3.1-70b");
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("groq-lpu");
  d.precision = {common::DType::fp16, common::DType::fp16, common::DType::fp16};
  const double kv_tokens = 320 * 1280.0;
  const auto r = perf::auto_size(m, d, kv_tokens, perf::max_step_tokens(d.hardware, {320, 1024, 256}));
  EXPECT_FALSE(r.fits);
  EXPECT_NE(r.explanation.find("KV capacity, not weights, is the limit"), std::string::npos) << r.explanation;
  EXPECT_LE(r.deployment.tp, m.num_kv_heads) << r.explanation;
  // By hand: KV per chip at tp = KV heads over 80 stages exceeds the usable SRAM.
  const double kv_chip = kv_tokens * model::kv_bytes_per_token(m, common::DType::fp16) / (m.num_kv_heads * 80.0);
  EXPECT_GT(kv_chip, d.hardware.memory_bytes() * (1.0 - d.memory_reserve_fraction));
  // A batch that does fit still sizes as before.
  EXPECT_TRUE(perf::auto_size(m, d, 2048, perf::max_step_tokens(d.hardware, {1, 1024, 1024})).fits);
}

TEST(StepOracle, EdgeNpuReportsThatA70bModelDoesNotFit) {
  const auto& m = card("llama-3.1-70b");
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("snapdragon-x-elite-npu");
  d.precision = {common::DType::int8, common::DType::int8, common::DType::bf16};
  const auto r = perf::auto_size(m, d, 2048, 1024);
  EXPECT_FALSE(r.fits);
  perf::StepEstimator est(m, r.deployment);
  const auto f = est.memory_fit(2048, 1024);
  EXPECT_FALSE(f.fits);
  EXPECT_GT(f.used_bytes() - f.usable_bytes(), 0.0);
  EXPECT_NE(f.message.find("short by"), std::string::npos);
}

// SambaNova's third memory tier: weights that HBM cannot hold beside the KV go to DDR (routed experts
// first) and stream at the DDR bandwidth; KV stays in HBM.
TEST(StepEstimatorOracle, WeightsPlacedInDdrStreamAtItsBandwidth) {
  const auto& hws = hwprofiles::HardwareCatalog::shipped();
  const auto& m = model::ModelCatalog::shipped().get("deepseek-r1");
  perf::Deployment d;
  d.hardware = hws.get("sn40l");
  ASSERT_GT(d.hardware.ddr_bytes, 0);
  d.runtime = "sambaflow";
  d.precision = perf::default_precision(d.hardware, common::DType::bf16, std::nullopt, "sambaflow");
  perf::apply_runtime(m, d);
  d.tp = 16;
  const double kv_tokens = 1500, step_tokens = perf::max_step_tokens(d.hardware, {1, 1000, 500});
  ASSERT_FALSE(perf::StepEstimator(m, d, false).memory_fit(kv_tokens, step_tokens).fits)
      << "671B at 16 bits overflows 16 x 64 GB of HBM";
  perf::Deployment placed = d;
  const std::string note = perf::place_weights(m, placed, kv_tokens, step_tokens);
  EXPECT_NE(note.find("DDR"), std::string::npos) << note;
  ASSERT_GT(placed.ddr_weight_fraction, 0);
  const auto fit = perf::StepEstimator(m, placed, false).memory_fit(kv_tokens, step_tokens);
  EXPECT_TRUE(fit.fits) << fit.message;
  EXPECT_NEAR(fit.used_bytes(), fit.usable_bytes(), 1e-6 * fit.usable_bytes()) << "only the overflow moves";
  EXPECT_GT(fit.ddr_weights_bytes, 0);
  // By hand: the experts' weight bytes of a decode step, the spilled share of them at the DDR bandwidth.
  const auto b = BatchShape::decode(4, 1250);
  const auto c0 = perf::StepEstimator(m, d).cost(b);
  const auto c1 = perf::StepEstimator(m, placed).cost(b);
  const auto ops = model::op_costs(m, b, d.precision);
  const auto ex = std::size_t(model::OpClass::moe_experts);
  const double wb = ops[ex].weight_bytes / d.tp;
  const double total = model::weight_bytes(m, d.precision.weight);
  const double experts = model::param_breakdown(m).routed_experts * 2.0;  // bf16
  const double f = std::min(1.0, placed.ddr_weight_fraction * total / experts);
  const double expected = c0.memory_s[ex] - wb * f / d.hardware.main_memory_bw_bytes_per_s +
                          wb * f / d.hardware.ddr_bw_bytes_per_s;
  EXPECT_NEAR(c1.memory_s[ex], expected, 1e-9 * expected);
  const auto qkv = std::size_t(model::OpClass::qkv_proj);
  EXPECT_DOUBLE_EQ(c1.memory_s[qkv], c0.memory_s[qkv]) << "experts go first; attention weights stay in HBM";
  // A chip without a DDR tier is left alone.
  perf::Deployment h = d;
  h.hardware = hws.get("h100-sxm");
  h.runtime = "";
  EXPECT_EQ(perf::place_weights(m, h, kv_tokens, step_tokens), "");
  EXPECT_EQ(h.ddr_weight_fraction, 0.0);
}
