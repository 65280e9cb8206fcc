// The optional calibration terms of the step-time formula (hardware_profile.h CalibrationParams):
// unpack cost of weight-only quantisation as its own ceiling, the roofline p-norm near the ridge
// the attention fraction; and that with their defaults
// the formula is exactly the pure roofline it was before them.
#include <gtest/gtest.h>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "test_support.h"

using namespace infersim;
using common::DType;
using model::OpClass;

namespace {

constexpr std::size_t MLP = std::size_t(OpClass::mlp);
constexpr std::size_t ATTN = std::size_t(OpClass::attention);

hwprofiles::CalibrationParams unit_params() {
  hwprofiles::CalibrationParams p;
  p.compute_fraction = p.memory_fraction = p.interconnect_fraction = 1.0;
  return p;
}

perf::StepEstimator estimator(model::Precision prec, const std::string& card = "llama-3.1-8b") {
  auto d = infersim::testing::deployment(infersim::testing::test_gpu(0.6, 0.8, 100e-6, 5e-6, 2e-6));
  d.precision = prec;
  return perf::StepEstimator(infersim::testing::card(card), d);
}

}  // namespace

TEST(StepCostTerms, DefaultParametersAreExactlyThePureRoofline) {
  const auto est = estimator({DType::int8, DType::bf16, DType::bf16});
  const auto& p = est.params();
  for (const auto& shape : {model::BatchShape::decode(8, 1024), model::BatchShape::prefill(2, 512)}) {
    const auto c = est.cost(shape);
    double t = 0;
    for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i) {
      const double roof = std::max(c.compute_s[i] * (1.0 / p.compute_fraction),
                                   c.memory_s[i] * (1.0 / p.memory_fraction));
      EXPECT_EQ(c.op_time(i, p), roof) << model::op_class_name(OpClass(i));
      t += roof;
    }
    t += c.comm_bw_s / p.interconnect_fraction + c.comm_latency_s;
    t += p.step_overhead_s + p.layer_overhead_s * c.layers + p.seq_overhead_s * c.sequences;
    EXPECT_EQ(c.time(p), t);
    // explain() reports the same per-op times.
    const auto ex = est.explain(shape);
    for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i) EXPECT_EQ(ex.op_s[i], c.op_time(i, p));
  }
}

TEST(StepCostTerms, RooflineNormSoftensTheMaxOnlyNearTheRidge) {
  perf::StepCost c;
  c.compute_s[MLP] = 1.0;
  c.memory_s[MLP] = 1.0;
  auto p = unit_params();
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), 1.0);  // pure max
  p.roofline_norm = 2.0;
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), std::sqrt(2.0));  // at the ridge: 2^(1/p)
  p.roofline_norm = 1.0;
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), 2.0);  // p = 1: no overlap at all
  p.roofline_norm = 2.5;
  c.compute_s[MLP] = 0.01;  // far from the ridge: the max
  EXPECT_NEAR(c.op_time(MLP, p), 1.0, 1e-4);
  c.compute_s[MLP] = 0.5;  // between: 1 < t < 1.5
  EXPECT_GT(c.op_time(MLP, p), 1.05);
  EXPECT_LT(c.op_time(MLP, p), 1.5);
}

TEST(StepCostTerms, UnpackCostIsItsOwnCeilingAndOnlyForWeightOnlyQuantisation) {
  const auto shape = model::BatchShape::decode(4, 512);
  const auto w8a16 = estimator({DType::int8, DType::bf16, DType::bf16}).cost(shape);
  EXPECT_GT(w8a16.dequant_elements_s(), 0);
  EXPECT_EQ(estimator({DType::int8, DType::int8, DType::bf16}).cost(shape).dequant_elements_s(), 0);  // W8A8
  EXPECT_EQ(estimator({DType::bf16, DType::bf16, DType::bf16}).cost(shape).dequant_elements_s(), 0);
  EXPECT_EQ(w8a16.dequant_s[ATTN], 0);  // no weights
  // dequant_s of the MLP = its weight elements / matmul peak (1 byte per int8 element).
  const auto& card = infersim::testing::card("llama-3.1-8b");
  const double mlp_weights = 3.0 * double(card.hidden_size) * double(card.intermediate_size) * card.num_layers;
  EXPECT_NEAR(w8a16.dequant_s[MLP] * 1000e12, mlp_weights, 1e-6 * mlp_weights);
  // A ceiling: the op takes the largest of compute, memory and unpack, never their sum.
  perf::StepCost c;
  c.compute_s[MLP] = 0.2;
  c.memory_s[MLP] = 1.0;
  c.dequant_s[MLP] = 0.1;
  auto p = unit_params();
  p.dequant_flops_per_weight = 5;  // unpack 0.5 < memory 1.0
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), 1.0);
  p.dequant_flops_per_weight = 15;  // unpack 1.5
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), 1.5);
  bool compute_bound = false;
  c.op_time(MLP, p, &compute_bound);
  EXPECT_TRUE(compute_bound);
}

TEST(StepCostTerms, AttentionFractionScalesOnlyTheAttentionOp) {
  perf::StepCost c;
  c.memory_s[ATTN] = 1.0;
  c.memory_s[MLP] = 1.0;
  auto p = unit_params();
  p.attention_fraction = 0.5;
  EXPECT_DOUBLE_EQ(c.op_time(ATTN, p), 2.0);
  EXPECT_DOUBLE_EQ(c.op_time(MLP, p), 1.0);
  EXPECT_DOUBLE_EQ(c.time(p), 3.0);
}

TEST(StepCostTerms, ExtraTermsRoundTripThroughCalibrationsJsonAndAreOmittedWhenUnused) {
  hwprofiles::CalibrationEntry e;
  e.hardware = "host";
  e.calibration.runtime = "infersim-refengine";
  e.calibration.source = "[FIT] test";
  auto& p = e.calibration.params;
  p.compute_fraction = 0.8;
  p.memory_fraction = 0.9;
  const auto plain = hwprofiles::calibrations_to_json({e}, "test");
  for (const char* k : {"dequant_flops_per_weight", "roofline_norm", "attention_fraction"})
    EXPECT_FALSE(plain["entries"][0].contains(k)) << k;
  p.dequant_flops_per_weight = 6.5;
  p.roofline_norm = 2.4;
  p.attention_fraction = 0.71;
  const auto j = hwprofiles::calibrations_to_json({e}, "test");
  const auto back = hwprofiles::calibrations_from_json(j, "mem.json").at(0).calibration.params;
  EXPECT_DOUBLE_EQ(back.dequant_flops_per_weight, 6.5);
  EXPECT_DOUBLE_EQ(back.roofline_norm, 2.4);
  EXPECT_DOUBLE_EQ(back.attention_fraction, 0.71);
  auto bad = j;
  bad["entries"][0]["roofline_norm"] = 0.5;
  try {
    hwprofiles::calibrations_from_json(bad, "cal.json");
    FAIL() << "a norm below 1 must be rejected";
  } catch (const common::ConfigError& ex) {
    EXPECT_NE(std::string(ex.what()).find("cal.json"), std::string::npos) << ex.what();
    EXPECT_NE(std::string(ex.what()).find("roofline_norm"), std::string::npos) << ex.what();
  }
  bad = j;
  bad["entries"][0]["attention_fraction"] = 1.5;
  EXPECT_THROW(hwprofiles::calibrations_from_json(bad, "cal.json"), common::ConfigError);
}
