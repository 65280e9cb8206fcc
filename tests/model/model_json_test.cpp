#include "infersim/model/model_spec_json.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/model/model_catalog.h"

using namespace infersim;
using common::ConfigError;

namespace {
std::string data(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/" + f; }

void expect_error(const std::string& text, const std::string& pointer_part) {
  try {
    model::model_from_json(common::parse_json_text(text, "card.json"), "card.json");
    FAIL() << "expected ConfigError mentioning " << pointer_part;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(pointer_part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("card.json"), std::string::npos) << e.what();
  }
}

std::string card_with(const std::string& extra) {
  return R"({"schema_version":1,"name":"t","family":"x","source":"[EST] t",
             "published_params":{"value":1e9,"source":"[EST] t"},"hidden_size":1024,"num_layers":4,
             "num_heads":8,"num_kv_heads":8,"head_dim":128,"intermediate_size":4096,"vocab_size":1000,
             "max_context":2048)" +
         extra + "}";
}
}  // namespace

TEST(ModelJson, RoundTripsEveryShippedCard) {
  auto& cat = model::ModelCatalog::shipped();
  for (const auto& n : cat.names()) {
    const auto& m = cat.get(n);
    const auto back = model::model_from_json(model::model_to_json(m), "roundtrip");
    EXPECT_DOUBLE_EQ(model::param_count(back), model::param_count(m)) << n;
    EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(back, common::DType::bf16),
                     model::kv_bytes_per_token(m, common::DType::bf16))
        << n;
  }
}

TEST(ModelJson, BadCardsGetPointedErrors) {
  EXPECT_NO_THROW(model::model_from_json(common::parse_json_text(card_with(""), "card.json"), "card.json"));
  expect_error(card_with(R"(,"hiden_size":3)"), "/hiden_size");
  expect_error(card_with(R"(,"moe":{"num_experts":8,"top_k":9,"expert_intermediate_size":10})"), "top_k");
  expect_error(card_with(R"(,"mlp":"relu")"), "/mlp");
  expect_error(R"({"schema_version":2})", "/schema_version");
  expect_error(card_with(R"(,"sliding_layer_fraction":2)"), "/sliding_layer_fraction");
  expect_error(card_with(R"(,"quantized_weights":{"value":"experts","source":"s"})"), "/quantized_weights/value");
  expect_error(card_with(R"(,"quantized_weights":{"value":"routed_experts"})"), "/quantized_weights/source");
  expect_error(card_with(R"(,"quantized_weights":{"value":"routed_experts","source":"s"})"), "routed_experts");
}

TEST(ModelJson, ImportsHuggingFaceConfigs) {
  const auto l = model::import_hf_config_file(data("hf/llama3_config.json"));
  EXPECT_EQ(l.name, "llama-3.1-8b");
  EXPECT_NEAR(model::param_count(l), 8030261248.0, 1.0);
  const auto d = model::import_hf_config_file(data("hf/deepseek_v3_config.json"), "dsv3");
  EXPECT_TRUE(d.is_mla());
  EXPECT_TRUE(d.is_moe());
  EXPECT_NEAR(model::param_count(d) / 671e9, 1.0, 0.01);
  const auto x = model::import_hf_config_file(data("hf/mixtral_config.json"), "mx");
  EXPECT_NEAR(model::param_count(x), 46702792704.0, 1e6);
  // 2025-26 MoE families read with the same fields (issue 14): GLM-4.6 ~355B (352.8B without MTP),
  // Kimi-K2 ~1.03T (MLA), MiniMax-M2 ~230B.
  const auto g = model::import_hf_config_file(data("hf/glm4_moe_config.json"), "glm");
  EXPECT_TRUE(g.is_moe());
  EXPECT_NEAR(model::param_count(g) / 352.8e9, 1.0, 0.01);
  const auto k = model::import_hf_config_file(data("hf/kimi_k2_config.json"), "kimi");
  EXPECT_TRUE(k.is_mla());
  EXPECT_NEAR(model::param_count(k) / 1026.4e9, 1.0, 0.01);
  const auto mm = model::import_hf_config_file(data("hf/minimax_m2_config.json"), "mm");
  EXPECT_NEAR(model::param_count(mm) / 228.7e9, 1.0, 0.01);
  EXPECT_EQ(mm.quantized_weights, model::QuantizedWeights::all_linear) << "no quantization_config";
}

// openai/gpt-oss-120b's config.json: its quantization_config (quant_method mxfp4, modules_to_not_convert
// naming the attention, router, embeddings and LM head) makes the imported card quantize the routed
// experts alone, as the shipped card does; the shape is the shipped card's.
TEST(ModelJson, HuggingFaceImportReadsWhichWeightsTheCheckpointQuantizes) {
  const auto g = model::import_hf_config_file(data("hf/gpt_oss_config.json"), "gpt-oss-120b");
  const auto& shipped = model::ModelCatalog::shipped().get("gpt-oss-120b");
  EXPECT_EQ(g.quantized_weights, model::QuantizedWeights::routed_experts);
  EXPECT_NE(g.quantized_weights_source.find("mxfp4"), std::string::npos) << g.quantized_weights_source;
  EXPECT_DOUBLE_EQ(model::param_count(g), model::param_count(shipped));
  EXPECT_DOUBLE_EQ(model::weight_bytes(g, common::DType::fp4), model::weight_bytes(shipped, common::DType::fp4));
  EXPECT_DOUBLE_EQ(g.sliding_layer_fraction, 0.5);
}

// Kimi-K2.5 (a multimodal kimi_k25 wrapper: the decoder is text_config) and GLM-5 (glm_moe_dsa: MLA +
// DeepSeek Sparse Attention) import to the same shapes as the shipped cards (issue 14).
TEST(ModelJson, HuggingFaceImportOfWrappedAndSparseAttentionFamilies) {
  const auto& cat = model::ModelCatalog::shipped();
  const auto check = [&](const model::ModelSpec& got, const model::ModelSpec& card) {
    EXPECT_EQ(got.hidden_size, card.hidden_size) << card.name;
    EXPECT_EQ(got.num_layers, card.num_layers) << card.name;
    EXPECT_EQ(got.num_heads, card.num_heads) << card.name;
    EXPECT_EQ(got.num_kv_heads, card.num_kv_heads) << card.name;
    EXPECT_EQ(got.head_dim, card.head_dim) << card.name;
    EXPECT_EQ(got.intermediate_size, card.intermediate_size) << card.name;
    EXPECT_EQ(got.vocab_size, card.vocab_size) << card.name;
    EXPECT_EQ(got.max_context, card.max_context) << card.name;
    EXPECT_EQ(got.moe.num_experts, card.moe.num_experts) << card.name;
    EXPECT_EQ(got.moe.top_k, card.moe.top_k) << card.name;
    EXPECT_EQ(got.moe.expert_intermediate_size, card.moe.expert_intermediate_size) << card.name;
    EXPECT_EQ(got.moe.num_shared_experts, card.moe.num_shared_experts) << card.name;
    EXPECT_EQ(got.moe.first_dense_layers, card.moe.first_dense_layers) << card.name;
    EXPECT_EQ(got.mla.kv_lora_rank, card.mla.kv_lora_rank) << card.name;
    EXPECT_EQ(got.mla.q_lora_rank, card.mla.q_lora_rank) << card.name;
    EXPECT_EQ(got.mla.v_head_dim, card.mla.v_head_dim) << card.name;
    EXPECT_EQ(got.dsa.index_heads, card.dsa.index_heads) << card.name;
    EXPECT_EQ(got.dsa.index_head_dim, card.dsa.index_head_dim) << card.name;
    EXPECT_EQ(got.dsa.index_topk, card.dsa.index_topk) << card.name;
    EXPECT_DOUBLE_EQ(model::param_count(got), model::param_count(card)) << card.name;
  };
  const auto k = model::import_hf_config_file(data("hf/kimi_k25_config.json"), "kimi-k2.5");
  EXPECT_EQ(k.family, "kimi_k25");
  EXPECT_NE(k.source.find("text_config"), std::string::npos) << k.source;
  check(k, cat.get("kimi-k2.5"));
  const auto g = model::import_hf_config_file(data("hf/glm_moe_dsa_config.json"), "glm-5");
  EXPECT_EQ(g.family, "glm_moe_dsa");
  EXPECT_NE(g.source.find("Sparse Attention"), std::string::npos) << g.source;
  check(g, cat.get("glm-5"));
  EXPECT_TRUE(g.is_dsa());
  EXPECT_FALSE(k.is_dsa()) << "Kimi-K2.5 is dense MLA";
  // The card's `dsa` object round-trips through the card format.
  const auto back = model::model_from_json(model::model_to_json(cat.get("glm-5")), "glm-5.json");
  EXPECT_EQ(back.dsa.index_topk, 2048);
  EXPECT_EQ(back.dsa.index_heads, 32);
  // Qwen3.5: a multimodal wrapper around a hybrid decoder (Gated DeltaNet layers between gated GQA layers).
  const auto q = model::import_hf_config_file(data("hf/qwen3_5_moe_config.json"), "qwen3.5-397b-a17b");
  const auto& qc = cat.get("qwen3.5-397b-a17b");
  check(q, qc);
  EXPECT_TRUE(q.is_hybrid_linear());
  EXPECT_TRUE(q.attention_output_gate);
  EXPECT_EQ(q.linear.full_attention_interval, qc.linear.full_attention_interval);
  EXPECT_EQ(q.linear.num_key_heads, qc.linear.num_key_heads);
  EXPECT_EQ(q.linear.num_value_heads, qc.linear.num_value_heads);
  EXPECT_EQ(q.linear.key_head_dim, qc.linear.key_head_dim);
  EXPECT_EQ(q.linear.value_head_dim, qc.linear.value_head_dim);
  EXPECT_EQ(q.linear.conv_kernel, qc.linear.conv_kernel);
  EXPECT_DOUBLE_EQ(model::kv_bytes_per_token(q, common::DType::fp8), model::kv_bytes_per_token(qc, common::DType::fp8));
  EXPECT_NE(q.source.find("Gated DeltaNet"), std::string::npos) << q.source;
  // ... and the card's `linear_attention` and gate round-trip through the card format.
  const auto qb = model::model_from_json(model::model_to_json(qc), "qwen3.5.json");
  EXPECT_EQ(qb.linear.num_value_heads, 64);
  EXPECT_TRUE(qb.attention_output_gate);
  EXPECT_DOUBLE_EQ(model::param_count(qb), model::param_count(qc));
  // A wrapper whose decoder is an unsupported family names the nested pointer.
  try {
    model::import_hf_config(nlohmann::json::parse(R"({"model_type": "x_vl", "text_config": {"model_type": "t5"}})"),
                            "wrapped.json");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/text_config/model_type"), std::string::npos) << e.what();
  }
}

TEST(ModelJson, HuggingFaceImportErrors) {
  try {
    model::import_hf_config_file(data("hf/missing_layers_config.json"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/num_hidden_layers"), std::string::npos) << e.what();
  }
  try {
    model::import_hf_config_file(data("hf/unsupported_config.json"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t5"), std::string::npos) << e.what();
  }
}

TEST(ModelCatalog, UnknownNameSuggestsClosest) {
  try {
    model::ModelCatalog::shipped().get("mixtral-8x7");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'mixtral-8x7b'"), std::string::npos) << e.what();
  }
}
