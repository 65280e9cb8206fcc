#include "infersim/model/op_cost.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

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

// Oracles for model::ExpertRouting: each token picks exactly top_k distinct experts by systematic
// sampling (Madow), whose inclusion probabilities are exactly the q_i; q_i computed here by the classic
// cap-and-renormalise loop (not the class's bisection).
namespace {
std::vector<double> inclusion_probabilities(int E, int k, double skew) {
  std::vector<double> w(std::size_t(E), 0.0), q(std::size_t(E), 0.0);
  for (int i = 0; i < E; ++i) w[std::size_t(i)] = std::pow(double(i + 1), -skew);
  std::vector<bool> capped(std::size_t(E), false);
  for (bool more = true; more;) {
    double left = k, sum = 0;  // picks left for the uncapped experts, and their weight
    for (int i = 0; i < E; ++i) {
      if (capped[std::size_t(i)])
        left -= 1.0;
      else
        sum += w[std::size_t(i)];
    }
    more = false;
    for (int i = 0; i < E; ++i) {
      q[std::size_t(i)] = capped[std::size_t(i)] ? 1.0 : left * w[std::size_t(i)] / sum;
      if (q[std::size_t(i)] > 1.0) capped[std::size_t(i)] = more = true;
    }
  }
  return q;
}

// One token's picks, marked in `hit`; returns how many it picked.
int sample_token(const std::vector<double>& q, std::mt19937_64& rng, std::vector<bool>& hit) {
  const double start = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  double cum = 0;
  int picks = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double before = cum;
    cum += q[i];
    // The points start, start + 1, ..., start + k - 1 that fall in [before, cum) pick expert i.
    if (std::ceil(cum - start) > std::ceil(before - start)) {
      hit[i] = true;
      ++picks;
    }
  }
  return picks;
}
}  // namespace

// Mean distinct experts over many sampled batches must match touched(T), which also groups experts of
// nearly equal q.
TEST(OpCost, SkewedRoutingTouchesWhatSampledTokensTouch) {
  const int E = 256, k = 8;
  const double skew = 1.25;
  const auto q = inclusion_probabilities(E, k, skew);
  const model::ExpertRouting r(E, k, skew);
  std::mt19937_64 rng(7);
  for (int T : {1, 4, 32, 256}) {
    const int trials = T >= 32 ? 500 : 4000;
    double mean = 0;
    for (int t = 0; t < trials; ++t) {
      std::vector<bool> hit(E, false);
      for (int tok = 0; tok < T; ++tok) ASSERT_EQ(sample_token(q, rng, hit), k);
      for (bool h : hit) mean += h;
    }
    mean /= trials;
    EXPECT_NEAR(r.touched(T), mean, 0.01 * mean + 0.05) << "T = " << T;
    // Skewed routing touches fewer experts than uniform routing (from the second token on).
    if (T > 1) {
      EXPECT_LT(r.touched(T), model::expected_experts_touched(E, k, T));
    }
  }
  EXPECT_NEAR(r.touched(1), double(k), 1e-9);    // one token: exactly its k experts
  EXPECT_NEAR(r.touched(1e7), double(E), 1e-6);  // enough tokens reach every expert
  const model::ExpertRouting uniform(E, k, 0.0);
  EXPECT_DOUBLE_EQ(uniform.touched(37), model::expected_experts_touched(E, k, 37));
}

TEST(OpCost, SlidingWindowCapsAttention) {
  const auto& m = model::ModelCatalog::shipped().get("mistral-7b");  // window 4096 on every layer
  const double at8k = model::op_costs(m, BatchShape::decode(1, 8192), {})[size_t(OpClass::attention)].kv_bytes;
  const double at16k = model::op_costs(m, BatchShape::decode(1, 16384), {})[size_t(OpClass::attention)].kv_bytes;
  EXPECT_DOUBLE_EQ(at8k, at16k);
}

// DSA (GLM-5): the MLA core attends to at most index_topk = 2048 tokens per query, and the indexer
// scores every cached token with 32 heads x 128 (2 FLOPs per multiply-add). Below 2048 tokens of
// context the core is MLA's dense attention; beyond it only the indexer grows with the context.
TEST(OpCost, SparseAttentionAttendsTopKTokensAfterScoringAll) {
  auto m = model::ModelCatalog::shipped().get("glm-5");
  const double L = m.num_layers, nh = m.num_heads;
  const double core = 2.0 * nh * (2.0 * m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);  // absorbed decode, per pair
  const double index = 2.0 * 32 * 128;
  for (double ctx : {1000.0, 2048.0, 65536.0}) {
    const auto c = model::op_costs(m, BatchShape::decode(4, ctx), {})[size_t(OpClass::attention)];
    const double want = L * 4.0 * (std::min(ctx, 2048.0) * core + ctx * index);
    EXPECT_NEAR(c.flops / want, 1.0, 1e-9) << "ctx " << ctx;
  }
  // At 64K tokens the sparse model does a fraction of dense MLA's attention work.
  const double sparse = model::op_costs(m, BatchShape::decode(4, 65536), {})[size_t(OpClass::attention)].flops;
  const double sparse_kv = model::op_costs(m, BatchShape::decode(4, 65536), {})[size_t(OpClass::attention)].kv_bytes;
  m.dsa = {};
  const auto dense = model::op_costs(m, BatchShape::decode(4, 65536), {})[size_t(OpClass::attention)];
  EXPECT_LT(sparse, 0.1 * dense.flops);
  EXPECT_LT(sparse_kv, 0.5 * dense.kv_bytes)
      << "the 132-byte index keys of every token are read, the latent KV of 2048";
}

// Under a format narrower than 16 bits, a card whose checkpoints quantize the routed experts alone
// (gpt-oss) keeps attention weights at 16 bits: their bytes at 2 per weight and their FLOPs marked for
// the 16-bit matmul rate; the experts take the format. A card without the field marks nothing.
TEST(OpCost, ExpertOnlyQuantizationKeepsTheRestAtSixteenBits) {
  const auto& g = model::ModelCatalog::shipped().get("gpt-oss-120b");
  model::Precision p4;
  p4.weight = p4.activation = common::DType::fp4;
  const auto c4 = model::op_costs(g, BatchShape::prefill(1, 512), p4);
  const auto c16 = model::op_costs(g, BatchShape::prefill(1, 512), {});
  for (auto op : {OpClass::qkv_proj, OpClass::out_proj}) {
    const auto& o = c4[size_t(op)];
    EXPECT_DOUBLE_EQ(o.weight_bytes, c16[size_t(op)].weight_bytes) << model::op_class_name(op);
    EXPECT_DOUBLE_EQ(o.weight_bytes16, o.weight_bytes);
    EXPECT_DOUBLE_EQ(o.flops16, o.flops);
  }
  const auto& ex = c4[size_t(OpClass::moe_experts)];
  EXPECT_DOUBLE_EQ(ex.weight_bytes, 0.25 * c16[size_t(OpClass::moe_experts)].weight_bytes);
  EXPECT_EQ(ex.flops16, 0.0);
  const auto& q = model::ModelCatalog::shipped().get("qwen3-235b-a22b");
  for (const auto& o : model::op_costs(q, BatchShape::prefill(1, 512), p4)) {
    EXPECT_EQ(o.flops16, 0.0) << model::op_class_name(o.op);
    EXPECT_EQ(o.weight_bytes16, 0.0) << model::op_class_name(o.op);
  }
}

// A hybrid model on the roofline: a decode token reads the KV of the GQA layers only, steps the recurrent
// state (read and written) of every Gated DeltaNet layer, and still reads every weight once.
TEST(OpCost, HybridDecodeReadsTheGqaLayersKvAndEachStateOnce) {
  const auto& m = model::ModelCatalog::shipped().get("qwen3.5-397b-a17b");
  const auto c = model::op_costs(m, BatchShape::decode(32, 1000), {});
  const auto& att = c[size_t(OpClass::attention)];
  EXPECT_NEAR(att.kv_bytes, 32 * 1001.0 * model::kv_bytes_per_token(m, common::DType::bf16), 1.0);
  const double states = 45 * 32 * 2.0 * 64 * 128 * 128 * 4;
  EXPECT_GE(att.act_bytes, states);
  EXPECT_LT(att.act_bytes, 1.1 * states);
  double w = 0;
  for (const auto& o : c) w += o.weight_bytes;
  // Every dense weight once and, at 32 tokens x 10 of 512 experts, only the experts they touch.
  const auto p = model::param_breakdown(m);
  const double dense = p.total() - p.embedding - p.routed_experts;
  EXPECT_GT(w, 2.0 * dense);
  EXPECT_LT(w, 2.0 * (p.total() - p.embedding));
}
