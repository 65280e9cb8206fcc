#include "infersim/model/op_cost.h"

#include <gtest/gtest.h>

#include "infersim/model/model_catalog.h"

using namespace infersim;
using model::BatchShape;
using model::OpClass;

namespace {
double total_flops(const model::OpCosts& c) {
  double f = 0;
  for (const auto& o : c) f += o.flops;
  return f;
}
}  // namespace

// A decode token of a dense model costs ~2 x active parameters FLOPs (plus attention over context).
TEST(OpCost, DecodeFlopsAreTwicePerTokenParameters) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  const auto c = model::op_costs(m, BatchShape::decode(1, 1), {});
  const double expected = 2.0 * model::active_params_per_token(m);
  EXPECT_NEAR(total_flops(c) / expected, 1.0, 0.01) << "expected ~" << expected << " because each weight is one MAC";
}

// Decode at batch 1 reads every weight once: weight bytes = bf16 parameter bytes (minus the embedding
// table, of which only one row is read).
TEST(OpCost, DecodeReadsAllWeightsOnce) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-70b");
  const auto c = model::op_costs(m, BatchShape::decode(1, 1000), {});
  double w = 0;
  for (const auto& o : c) w += o.weight_bytes;
  const double expected = 2.0 * (model::param_count(m) - model::param_breakdown(m).embedding);
  EXPECT_NEAR(w / expected, 1.0, 0.001);
  // KV read for 1000 tokens of context + 1 written, 80 layers.
  const double kv = c[size_t(OpClass::attention)].kv_bytes;
  EXPECT_NEAR(kv, 1001.0 * model::kv_bytes_per_token(m, common::DType::bf16), 1.0);
}

TEST(OpCost, PrefillAttentionIsQuadratic) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  const double a1 = model::op_costs(m, BatchShape::prefill(1, 1000), {})[size_t(OpClass::attention)].flops;
  const double a2 = model::op_costs(m, BatchShape::prefill(1, 2000), {})[size_t(OpClass::attention)].flops;
  EXPECT_NEAR(a2 / a1, 4.0, 0.01);
}

TEST(OpCost, MoeTouchesOnlyRoutedExpertsAtSmallBatch) {
  const auto& m = model::ModelCatalog::shipped().get("mixtral-8x7b");
  const auto one = model::op_costs(m, BatchShape::decode(1, 100), {})[size_t(OpClass::moe_experts)];
  const auto many = model::op_costs(m, BatchShape::decode(256, 100), {})[size_t(OpClass::moe_experts)];
  // One token touches top_k = 2 of 8 experts; 256 tokens touch essentially all 8.
  EXPECT_NEAR(many.weight_bytes / one.weight_bytes, 4.0, 0.01);
  EXPECT_NEAR(model::expected_experts_touched(8, 2, 1), 2.0, 1e-9);
}

TEST(OpCost, SlidingWindowCapsAttention) {
  const auto& m = model::ModelCatalog::shipped().get("mistral-7b");  // window 4096 on every layer
  const double at8k = model::op_costs(m, BatchShape::decode(1, 8192), {})[size_t(OpClass::attention)].kv_bytes;
  const double at16k = model::op_costs(m, BatchShape::decode(1, 16384), {})[size_t(OpClass::attention)].kv_bytes;
  EXPECT_DOUBLE_EQ(at8k, at16k);
}
