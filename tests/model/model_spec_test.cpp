#include "infersim/model/model_spec.h"
#include "infersim/model/op_cost.h"

#include <gtest/gtest.h>

#include <cmath>

#include "infersim/model/model_catalog.h"

using namespace infersim;
using infersim::common::DType;

TEST(ModelCatalog, ShipsTheRequiredCards) {
  auto& cat = model::ModelCatalog::shipped();
  for (const char* n :
       {"llama-2-7b", "llama-2-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.2-1b", "mistral-7b",
        "mixtral-8x7b", "qwen2-7b", "qwen2-72b", "qwen3-32b", "deepseek-v3", "gpt-oss-120b"})
    EXPECT_TRUE(cat.contains(n)) << n;
}

// Every shipped card's computed parameter count is within 1% of its published count. A DSA indexer
// (GLM-5: 0.73B) is left out of the comparison: vendors' headline counts leave it out (DeepSeek-V3.2
// publishes V3's 671B / 37B activated with its indexer added). Active counts published as whole billions
// (Qwen3.5-397B-A17B: "17B activated", 16.3B computed) may be off by their rounding, half a billion.
TEST(ModelCatalog, ParameterCountsWithinOnePercentOfPublished) {
  auto& cat = model::ModelCatalog::shipped();
  for (const auto& n : cat.names()) {
    const auto& m = cat.get(n);
    const double indexer = m.num_layers * model::dsa_indexer_params_per_layer(m);
    const double p = model::param_count(m) - indexer;
    EXPECT_NEAR(p / m.published_params, 1.0, 0.01)
        << n << ": expected " << m.published_params << " (" << m.published_params_source << "), computed " << p;
    if (m.published_active_params > 0) {
      const double active = model::active_params_per_token(m) - indexer;
      const double whole = std::fmod(m.published_active_params, 1e9) == 0.0 ? 0.5e9 : 0.0;
      EXPECT_NEAR(active, m.published_active_params, 0.02 * m.published_active_params + whole)
          << n << ": active parameters expected " << m.published_active_params << ", computed " << active;
    }
  }
}

// Qwen3.5-397B-A17B's hybrid layout: 45 Gated DeltaNet layers (q, k 16 x 128; v, z 64 x 128), 15 gated
// GQA layers (32 x 256 queries and as many gates, 2 KV heads). Only the GQA layers cache KV; each
// sequence keeps an FP32 64 x 128 x 128 state and a 3-token window of its 12,288 convolved channels per
// Gated DeltaNet layer.
TEST(ModelSpec, HybridLinearAttentionClosedForms) {
  const auto& m = model::ModelCatalog::shipped().get("qwen3.5-397b-a17b");
  ASSERT_TRUE(m.is_hybrid_linear());
  EXPECT_EQ(m.attention_kind(), "linear");
  EXPECT_EQ(model::full_attention_layers(m), 15);
  EXPECT_EQ(model::linear_attention_layers(m), 45);
  EXPECT_EQ(model::linear_conv_dim(m), 2 * 2048 + 8192);
  EXPECT_DOUBLE_EQ(model::linear_attention_params_per_layer(m),
                   4096.0 * (2 * 2048 + 2 * 8192) + 4096.0 * 2 * 64 + 12288.0 * 4 + 2 * 64 + 128 + 8192.0 * 4096);
  EXPECT_DOUBLE_EQ(model::attention_params_per_layer(m), 4096.0 * 8192 * 2 + 2 * 4096.0 * 512 + 8192.0 * 4096);
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(m, common::DType::bf16), 15 * 2.0 * 512 * 2);
  EXPECT_DOUBLE_EQ(model::recurrent_state_bytes_per_sequence(m), 45 * (64.0 * 128 * 128 * 4 + 12288.0 * 3 * 2));
  // A card whose linear layers cannot be laid out is refused.
  auto bad = m;
  bad.linear.full_attention_interval = 1;
  EXPECT_NE(model::check_model_spec(bad).find("full_attention_interval"), std::string::npos);
  bad = m;
  bad.linear.num_value_heads = 24;
  EXPECT_NE(model::check_model_spec(bad).find("multiple of num_key_heads"), std::string::npos);
  // A dense GQA model has neither.
  const auto& l = model::ModelCatalog::shipped().get("llama-3.1-8b");
  EXPECT_EQ(model::full_attention_layers(l), l.num_layers);
  EXPECT_EQ(model::linear_attention_layers(l), 0);
  EXPECT_DOUBLE_EQ(model::recurrent_state_bytes_per_sequence(l), 0.0);
}

// Qwen3-Next-80B-A3B against its printed module tree: 36 Gated DeltaNet layers (in_proj_qkvz 2048 -> 12288,
// in_proj_ba 2048 -> 64, conv1d over 8192 channels, out_proj 4096 -> 2048) and 12 gated GQA layers
// (16 x 256 queries and as many gates, 2 KV heads); and its whole count against the safetensors header of
// Qwen3-Coder-Next, a checkpoint of the same shapes: 79,674,391,296 parameters (the card leaves out only
// the per-layer shared-expert gate and norm vectors, ~0.1M).
TEST(ModelSpec, Qwen3NextMatchesItsModuleTree) {
  const auto& m = model::ModelCatalog::shipped().get("qwen3-next-80b-a3b");
  ASSERT_TRUE(m.is_hybrid_linear());
  EXPECT_EQ(model::full_attention_layers(m), 12);
  EXPECT_EQ(model::linear_attention_layers(m), 36);
  EXPECT_EQ(model::linear_conv_dim(m), 8192);
  EXPECT_DOUBLE_EQ(model::linear_in_proj_params(m), 2048.0 * (12288 + 64));
  EXPECT_DOUBLE_EQ(model::linear_out_proj_params(m), 4096.0 * 2048);
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(m, common::DType::bf16), 12 * 2.0 * 512 * 2);
  EXPECT_DOUBLE_EQ(model::recurrent_state_bytes_per_sequence(m), 36 * (32.0 * 128 * 128 * 4 + 8192.0 * 3 * 2));
  EXPECT_NEAR(model::param_count(m), 79674391296.0, 79674391296.0 * 1e-5);
}

// GLM-5's DSA indexer: wq_b (q_lora_rank 2048 -> 32 heads x 128), wk (6144 -> 128), the key LayerNorm
// and weights_proj (6144 -> 32 heads); its cache holds one FP8 index key and an FP32 scale per token
// per layer beside the latent KV.
TEST(ModelSpec, DsaIndexerParametersAndCacheClosedForms) {
  const auto& m = model::ModelCatalog::shipped().get("glm-5");
  ASSERT_TRUE(m.is_dsa());
  EXPECT_DOUBLE_EQ(model::dsa_indexer_params_per_layer(m), 2048.0 * 32 * 128 + 6144.0 * 128 + 2 * 128 + 6144.0 * 32);
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(m, DType::fp8), 78.0 * ((512 + 64) * 1 + 128 + 4));
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(m, DType::bf16), 78.0 * ((512 + 64) * 2 + 128 + 4));
  const auto& dense = model::ModelCatalog::shipped().get("deepseek-v3");
  EXPECT_FALSE(dense.is_dsa());
  EXPECT_DOUBLE_EQ(model::dsa_indexer_params_per_layer(dense), 0.0);
}

TEST(ModelSpec, KvBytesPerTokenClosedForms) {
  auto& cat = model::ModelCatalog::shipped();
  // GQA: 2 (K and V) x layers x kv_heads x head_dim x bytes.
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(cat.get("llama-3.1-70b"), DType::bf16), 2.0 * 80 * 8 * 128 * 2);
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(cat.get("llama-2-7b"), DType::fp8), 2.0 * 32 * 32 * 128 * 1);
  // MLA: latent (512) + rope key (64) per layer.
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(cat.get("deepseek-v3"), DType::bf16), 61.0 * (512 + 64) * 2);
}

TEST(ModelSpec, WeightBytesScaleWithDtype) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  EXPECT_DOUBLE_EQ(model::weight_bytes(m, DType::bf16), 2.0 * model::param_count(m));
  EXPECT_DOUBLE_EQ(model::weight_bytes(m, DType::int4), 0.5 * model::param_count(m));
}

// gpt-oss ships its routed experts in MXFP4 and every other weight in BF16 (quantized_weights). OpenAI's
// model card lists the checkpoints at 60.8 GiB (120b) and 12.8 GiB (20b); those also hold MXFP4's 8-bit
// block scale, one per 32 weights. Counting every parameter at 4 bits came to 57.7 GiB for 120b (-5%).
TEST(ModelSpec, ExpertOnlyQuantizationMatchesThePublishedCheckpointSizes) {
  auto& cat = model::ModelCatalog::shipped();
  for (const auto& [name, gib] : {std::pair{"gpt-oss-120b", 60.8}, std::pair{"gpt-oss-20b", 12.8}}) {
    const auto& m = cat.get(name);
    ASSERT_EQ(m.quantized_weights, model::QuantizedWeights::routed_experts) << name;
    const double scales = model::param_breakdown(m).routed_experts / 32.0;
    EXPECT_NEAR((model::weight_bytes(m, DType::fp4) + scales) / (gib * 1024.0 * 1024.0 * 1024.0), 1.0, 0.01) << name;
    // 16-bit formats hold every weight at 16 bits either way.
    EXPECT_DOUBLE_EQ(model::weight_bytes(m, DType::bf16), 2.0 * model::param_count(m)) << name;
  }
  // A card without the field quantizes every linear layer.
  const auto& q = cat.get("qwen3-235b-a22b");
  EXPECT_EQ(q.quantized_weights, model::QuantizedWeights::all_linear);
  EXPECT_DOUBLE_EQ(model::weight_bytes(q, DType::fp8), model::param_count(q));
}

TEST(ModelSpec, TiedEmbeddingsHaveNoSeparateHead) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.2-1b");
  const auto pb = model::param_breakdown(m);
  EXPECT_EQ(pb.lm_head, 0.0);
  EXPECT_GT(pb.embedding, 0.0);
}

TEST(ModelSpec, CheckRejectsInconsistentShapes) {
  model::ModelSpec m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  m.num_kv_heads = 5;  // 32 heads not a multiple of 5
  EXPECT_NE(model::check_model_spec(m), "");
  m = model::ModelCatalog::shipped().get("mixtral-8x7b");
  m.moe.top_k = 9;
  EXPECT_NE(model::check_model_spec(m), "");
  m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  m.quantized_weights = model::QuantizedWeights::routed_experts;  // a dense model has no routed experts
  EXPECT_NE(model::check_model_spec(m).find("routed_experts"), std::string::npos);
}
