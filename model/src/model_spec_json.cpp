#include "infersim/model/model_spec_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::model {

using common::ConfigError;
using common::Json;
using common::JsonReader;

namespace {
constexpr std::int64_t BIG = std::int64_t(1) << 40;

void require_valid(const ModelSpec& m, const std::string& file) {
  const std::string why = check_model_spec(m);
  if (!why.empty()) throw ConfigError(file, "/", fmt::format("invalid model card '{}': {}", m.name, why));
}

std::string slugify(std::string s) {
  s = common::to_lower(s);
  std::string out;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}
}  // namespace

ModelSpec model_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto version = r.integer("schema_version", 1, 1000);
  if (version != MODEL_CARD_SCHEMA_VERSION)
    r.fail("schema_version",
           fmt::format("unsupported schema_version {} (this build reads {})", version, MODEL_CARD_SCHEMA_VERSION));
  ModelSpec m;
  m.name = r.string("name");
  if (m.name.empty() || slugify(m.name) != m.name)
    r.fail("name", fmt::format("'{}' is not a lowercase slug ([a-z0-9.-])", m.name));
  m.display_name = r.string_or("display_name", m.name);
  m.family = r.string("family");
  m.architecture = r.string_or("architecture", m.family);
  m.hf_id = r.string_or("hf_id", "");
  m.source = r.string("source");
  {
    auto pp = r.child("published_params");
    m.published_params = pp.positive("value");
    m.published_params_source = pp.string("source");
    pp.finish();
  }
  if (auto pa = r.optional_child("published_active_params")) {
    m.published_active_params = pa->positive("value");
    pa->string("source");
    pa->finish();
  }
  m.hidden_size = r.integer("hidden_size", 1, BIG);
  m.num_layers = int(r.integer("num_layers", 1, 100000));
  m.num_heads = int(r.integer("num_heads", 1, 100000));
  m.num_kv_heads = int(r.integer_or("num_kv_heads", m.num_heads, 1, 100000));
  m.head_dim = int(r.integer_or("head_dim", m.hidden_size / m.num_heads, 1, 100000));
  m.intermediate_size = r.integer_or("intermediate_size", 0, 0, BIG);
  m.vocab_size = r.integer("vocab_size", 1, BIG);
  m.tie_embeddings = r.boolean_or("tie_embeddings", false);
  m.attention_bias = r.boolean_or("attention_bias", false);
  m.attention_output_gate = r.boolean_or("attention_output_gate", false);
  m.mlp = r.one_of_or("mlp", {"swiglu", "gelu"}, "swiglu") == "gelu" ? MlpType::gelu : MlpType::swiglu;
  m.norm = r.one_of_or("norm", {"rmsnorm", "layernorm"}, "rmsnorm") == "layernorm" ? NormType::layernorm
                                                                                   : NormType::rmsnorm;
  m.max_context = r.integer("max_context", 1, BIG);
  m.sliding_window = r.integer_or("sliding_window", 0, 0, BIG);
  m.sliding_layer_fraction = r.number_or("sliding_layer_fraction", 0.0, 0.0, 1.0);
  if (auto q = r.optional_child("quantized_weights")) {
    m.quantized_weights = q->one_of("value", {"all_linear", "routed_experts"}) == "routed_experts"
                              ? QuantizedWeights::routed_experts
                              : QuantizedWeights::all_linear;
    m.quantized_weights_source = q->string("source");
    q->finish();
  }
  if (auto mo = r.optional_child("moe")) {
    m.moe.num_experts = int(mo->integer("num_experts", 1, 100000));
    m.moe.top_k = int(mo->integer("top_k", 1, 100000));
    m.moe.num_shared_experts = int(mo->integer_or("num_shared_experts", 0, 0, 100000));
    m.moe.expert_intermediate_size = mo->integer("expert_intermediate_size", 1, BIG);
    m.moe.shared_expert_intermediate_size = mo->integer_or("shared_expert_intermediate_size", 0, 0, BIG);
    m.moe.first_dense_layers = int(mo->integer_or("first_dense_layers", 0, 0, 100000));
    mo->finish();
  }
  if (auto ml = r.optional_child("mla")) {
    m.mla.q_lora_rank = int(ml->integer_or("q_lora_rank", 0, 0, 1 << 20));
    m.mla.kv_lora_rank = int(ml->integer("kv_lora_rank", 1, 1 << 20));
    m.mla.qk_nope_head_dim = int(ml->integer("qk_nope_head_dim", 1, 1 << 20));
    m.mla.qk_rope_head_dim = int(ml->integer("qk_rope_head_dim", 1, 1 << 20));
    m.mla.v_head_dim = int(ml->integer("v_head_dim", 1, 1 << 20));
    ml->finish();
  }
  if (auto ds = r.optional_child("dsa")) {
    m.dsa.index_heads = int(ds->integer("index_heads", 1, 1 << 20));
    m.dsa.index_head_dim = int(ds->integer("index_head_dim", 1, 1 << 20));
    m.dsa.index_topk = int(ds->integer("index_topk", 1, 1 << 30));
    ds->finish();
  }
  if (auto la = r.optional_child("linear_attention")) {
    m.linear.full_attention_interval = int(la->integer("full_attention_interval", 2, 100000));
    m.linear.num_key_heads = int(la->integer("num_key_heads", 1, 1 << 20));
    m.linear.num_value_heads = int(la->integer("num_value_heads", 1, 1 << 20));
    m.linear.key_head_dim = int(la->integer("key_head_dim", 1, 1 << 20));
    m.linear.value_head_dim = int(la->integer("value_head_dim", 1, 1 << 20));
    m.linear.conv_kernel = int(la->integer("conv_kernel", 1, 1 << 10));
    la->finish();
  }
  r.finish();
  require_valid(m, file);
  return m;
}

ModelSpec load_model_card(const std::string& path) { return model_from_json(common::load_json_file(path), path); }

Json model_to_json(const ModelSpec& m) {
  Json j;
  j["schema_version"] = MODEL_CARD_SCHEMA_VERSION;
  j["name"] = m.name;
  j["display_name"] = m.display_name;
  j["family"] = m.family;
  j["architecture"] = m.architecture;
  if (!m.hf_id.empty()) j["hf_id"] = m.hf_id;
  j["source"] = m.source;
  j["published_params"] = {{"value", m.published_params}, {"source", m.published_params_source}};
  if (m.published_active_params > 0)
    j["published_active_params"] = {{"value", m.published_active_params}, {"source", m.published_params_source}};
  j["hidden_size"] = m.hidden_size;
  j["num_layers"] = m.num_layers;
  j["num_heads"] = m.num_heads;
  j["num_kv_heads"] = m.num_kv_heads;
  j["head_dim"] = m.head_dim;
  j["intermediate_size"] = m.intermediate_size;
  j["vocab_size"] = m.vocab_size;
  j["tie_embeddings"] = m.tie_embeddings;
  j["attention_bias"] = m.attention_bias;
  if (m.attention_output_gate) j["attention_output_gate"] = true;
  j["mlp"] = m.mlp == MlpType::gelu ? "gelu" : "swiglu";
  j["norm"] = m.norm == NormType::layernorm ? "layernorm" : "rmsnorm";
  j["max_context"] = m.max_context;
  if (m.sliding_window > 0) {
    j["sliding_window"] = m.sliding_window;
    j["sliding_layer_fraction"] = m.sliding_layer_fraction;
  }
  if (m.quantized_weights == QuantizedWeights::routed_experts)
    j["quantized_weights"] = {{"value", "routed_experts"}, {"source", m.quantized_weights_source}};
  if (m.is_moe()) {
    j["moe"] = {{"num_experts", m.moe.num_experts},
                {"top_k", m.moe.top_k},
                {"num_shared_experts", m.moe.num_shared_experts},
                {"expert_intermediate_size", m.moe.expert_intermediate_size},
                {"shared_expert_intermediate_size", m.moe.shared_expert_intermediate_size},
                {"first_dense_layers", m.moe.first_dense_layers}};
  }
  if (m.is_mla()) {
    j["mla"] = {{"q_lora_rank", m.mla.q_lora_rank},
                {"kv_lora_rank", m.mla.kv_lora_rank},
                {"qk_nope_head_dim", m.mla.qk_nope_head_dim},
                {"qk_rope_head_dim", m.mla.qk_rope_head_dim},
                {"v_head_dim", m.mla.v_head_dim}};
  }
  if (m.is_dsa()) {
    j["dsa"] = {{"index_heads", m.dsa.index_heads},
                {"index_head_dim", m.dsa.index_head_dim},
                {"index_topk", m.dsa.index_topk}};
  }
  if (m.is_hybrid_linear()) {
    j["linear_attention"] = {{"full_attention_interval", m.linear.full_attention_interval},
                             {"num_key_heads", m.linear.num_key_heads},
                             {"num_value_heads", m.linear.num_value_heads},
                             {"key_head_dim", m.linear.key_head_dim},
                             {"value_head_dim", m.linear.value_head_dim},
                             {"conv_kernel", m.linear.conv_kernel}};
  }
  return j;
}

// ---------------- Hugging Face config.json import ----------------
namespace {

// Lenient reader: HF configs carry many fields we do not need, so unknown keys are fine here; but
// what we need must be present and sane.
struct HfReader {
  const Json& j;
  const std::string& file;
  std::string prefix;  // JSON pointer of `j` inside the file ("" or "/text_config")
  bool has(const char* k) const { return j.contains(k) && !j[k].is_null(); }
  std::int64_t integer(const char* k) const {
    if (!has(k)) throw ConfigError(file, prefix + "/" + k, "required field is missing from config.json");
    const Json& v = j[k];
    if (!v.is_number()) throw ConfigError(file, prefix + "/" + k, "expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d != std::floor(d))
      throw ConfigError(file, prefix + "/" + k, fmt::format("expected a non-negative integer, got {}", d));
    return static_cast<std::int64_t>(d);
  }
  std::int64_t integer_or(const char* k, std::int64_t fallback) const { return has(k) ? integer(k) : fallback; }
  std::int64_t first_of(std::initializer_list<const char*> keys) const {
    for (const char* k : keys)
      if (has(k)) return integer(k);
    throw ConfigError(file, prefix + "/" + *keys.begin(), "required field is missing from config.json");
  }
  bool boolean_or(const char* k, bool fallback) const {
    if (!has(k)) return fallback;
    if (!j[k].is_boolean()) throw ConfigError(file, prefix + "/" + k, "expected true or false");
    return j[k].get<bool>();
  }
};

}  // namespace

ModelSpec import_hf_config(const Json& config, const std::string& file, const std::string& name) {
  if (!config.is_object()) throw ConfigError(file, "/", "a Hugging Face config.json must be a JSON object");
  auto type_of = [](const Json& j) {
    return j.contains("model_type") && j["model_type"].is_string() ? j["model_type"].get<std::string>() : "";
  };
  const std::string outer_type = type_of(config);
  if (outer_type.empty()) throw ConfigError(file, "/model_type", "required field is missing from config.json");
  static const std::vector<std::string> known = {
      "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3",
      "gpt_oss", "bloom", "phi3", "gemma", "gemma2",
      // MoE families whose fields read as qwen3_moe / deepseek_v3 do; glm_moe_dsa and deepseek_v32 add
      // DeepSeek Sparse Attention's indexer (index_n_heads, index_head_dim, index_topk: the card's `dsa`).
      "glm4_moe", "kimi_k2", "minimax_m2", "glm_moe_dsa", "deepseek_v32",
      // Hybrid linear attention: Gated DeltaNet layers between gated GQA layers (the card's
      // `linear_attention`). Qwen3.5's multimodal checkpoints wrap these in text_config.
      "qwen3_next", "qwen3_5_text", "qwen3_5_moe_text"};
  auto is_known = [&](const std::string& t) { return std::find(known.begin(), known.end(), t) != known.end(); };
  // A multimodal wrapper (Kimi-K2.5's kimi_k25, ...) keeps its language model in "text_config": import that
  // decoder; the vision encoder is not modelled.
  const bool wrapped = !is_known(outer_type) && config.contains("text_config") && config["text_config"].is_object();
  const Json& dec = wrapped ? config["text_config"] : config;
  HfReader r{dec, file, wrapped ? "/text_config" : ""};
  const std::string model_type = wrapped ? type_of(dec) : outer_type;
  if (wrapped && model_type.empty())
    throw ConfigError(file, "/text_config/model_type", "required field is missing from config.json");
  if (!is_known(model_type))
    throw ConfigError(file, wrapped ? "/text_config/model_type" : "/model_type",
                      fmt::format("model_type '{}' is not a supported decoder-only family ({}){}", model_type,
                                  common::join(known, ", "), common::suggest_suffix(model_type, known)));

  ModelSpec m;
  m.family = wrapped ? outer_type : model_type;
  m.architecture = m.family;
  m.source = wrapped ? fmt::format("imported from Hugging Face config.json ({}): the text decoder (text_config, "
                                   "model_type {}) of a {} model; its vision encoder is not modelled",
                                   file, model_type, outer_type)
                     : fmt::format("imported from Hugging Face config.json ({})", file);
  if (r.has("index_topk")) m.source += "; DeepSeek Sparse Attention: indexer and top-k attention modelled (dsa)";
  if (model_type == "bloom") {
    m.hidden_size = r.first_of({"hidden_size", "n_embed"});
    m.num_layers = int(r.first_of({"n_layer", "num_hidden_layers"}));
    m.num_heads = int(r.first_of({"n_head", "num_attention_heads"}));
    m.num_kv_heads = m.num_heads;
    m.head_dim = int(m.hidden_size / m.num_heads);
    m.intermediate_size = 4 * m.hidden_size;
    m.mlp = MlpType::gelu;
    m.norm = NormType::layernorm;
    m.attention_bias = true;
    m.max_context = r.integer_or("seq_length", 2048);
  } else {
    m.hidden_size = r.integer("hidden_size");
    m.num_layers = int(r.integer("num_hidden_layers"));
    m.num_heads = int(r.integer("num_attention_heads"));
    m.num_kv_heads = int(r.integer_or("num_key_value_heads", m.num_heads));
    m.head_dim = int(r.integer_or("head_dim", m.num_heads > 0 ? m.hidden_size / m.num_heads : 0));
    m.intermediate_size = r.integer_or("intermediate_size", 0);
    m.max_context = r.integer_or("max_position_embeddings", 4096);
    m.attention_bias = model_type == "qwen2" || model_type == "qwen2_moe" || r.boolean_or("attention_bias", false);
  }
  m.vocab_size = r.integer("vocab_size");
  m.tie_embeddings = r.boolean_or("tie_word_embeddings",
                                  model_type == "bloom" || model_type == "gemma" || model_type == "gemma2");
  // Gemma's GeGLU has three matrices like SwiGLU, so the default MLP shape is right for it.

  // Hybrid linear attention (Qwen3-Next, Qwen3.5): every full_attention_interval-th layer is a gated
  // GQA layer, the others Gated DeltaNet.
  if (r.has("linear_num_value_heads") && r.integer("linear_num_value_heads") > 0) {
    m.linear.full_attention_interval = int(r.integer("full_attention_interval"));
    m.linear.num_key_heads = int(r.integer("linear_num_key_heads"));
    m.linear.num_value_heads = int(r.integer("linear_num_value_heads"));
    m.linear.key_head_dim = int(r.integer("linear_key_head_dim"));
    m.linear.value_head_dim = int(r.integer("linear_value_head_dim"));
    m.linear.conv_kernel = int(r.integer_or("linear_conv_kernel_dim", 4));
    // Qwen3-Next and Qwen3.5 gate their attention output unless the config says otherwise.
    m.attention_output_gate = r.boolean_or("attn_output_gate", true);
    m.source +=
        "; hybrid linear attention: Gated DeltaNet layers and their recurrent state modelled (linear_attention)";
  }
  // Sliding window: Mistral uses it on every layer, gpt-oss on alternating layers.
  if (dec.contains("layer_types") && dec["layer_types"].is_array() && !dec["layer_types"].empty()) {
    double sliding = 0;
    for (const auto& t : dec["layer_types"])
      if (t.is_string() && t.get<std::string>() == "sliding_attention") sliding += 1;
    m.sliding_layer_fraction = sliding / double(dec["layer_types"].size());
    if (m.sliding_layer_fraction > 0) m.sliding_window = r.integer("sliding_window");
  } else if (r.has("sliding_window") && r.boolean_or("use_sliding_window", model_type == "mistral")) {
    m.sliding_window = r.integer("sliding_window");
    m.sliding_layer_fraction = m.sliding_window > 0 ? 1.0 : 0.0;
  }

  // MoE.
  const std::int64_t experts = r.has("n_routed_experts")    ? r.integer("n_routed_experts")
                               : r.has("num_local_experts") ? r.integer("num_local_experts")
                               : r.has("num_experts")       ? r.integer("num_experts")
                                                            : 0;
  if (experts > 0) {
    m.moe.num_experts = int(experts);
    m.moe.top_k = int(r.first_of({"num_experts_per_tok", "experts_per_token"}));
    m.moe.expert_intermediate_size = r.has("moe_intermediate_size") ? r.integer("moe_intermediate_size")
                                                                    : m.intermediate_size;
    m.moe.num_shared_experts = int(r.integer_or("n_shared_experts", 0));
    if (m.moe.num_shared_experts > 0)
      m.moe.shared_expert_intermediate_size = m.moe.num_shared_experts * m.moe.expert_intermediate_size;
    if (r.has("shared_expert_intermediate_size") && r.integer("shared_expert_intermediate_size") > 0) {
      m.moe.num_shared_experts = std::max(1, m.moe.num_shared_experts);
      m.moe.shared_expert_intermediate_size = r.integer("shared_expert_intermediate_size");
    }
    m.moe.first_dense_layers = int(r.integer_or("first_k_dense_replace", 0));
  }
  // MLA (DeepSeek V2/V3).
  if (r.has("kv_lora_rank") && r.integer("kv_lora_rank") > 0) {
    m.mla.q_lora_rank = int(r.integer_or("q_lora_rank", 0));
    m.mla.kv_lora_rank = int(r.integer("kv_lora_rank"));
    m.mla.qk_nope_head_dim = int(r.integer("qk_nope_head_dim"));
    m.mla.qk_rope_head_dim = int(r.integer("qk_rope_head_dim"));
    m.mla.v_head_dim = int(r.integer("v_head_dim"));
    m.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
    m.num_kv_heads = m.num_heads;
    // DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5).
    if (r.has("index_n_heads") && r.integer("index_n_heads") > 0) {
      m.dsa.index_heads = int(r.integer("index_n_heads"));
      m.dsa.index_head_dim = int(r.integer("index_head_dim"));
      m.dsa.index_topk = int(r.integer("index_topk"));
    }
  }

  // The checkpoint's own quantization: MXFP4 (gpt-oss) holds the MoE experts alone in 4 bits, and a
  // modules_to_not_convert that names the attention keeps it (and the rest outside the experts) at 16 bits.
  if (m.is_moe() && config.contains("quantization_config") && config["quantization_config"].is_object()) {
    const Json& q = config["quantization_config"];
    const std::string method = q.contains("quant_method") && q["quant_method"].is_string()
                                   ? q["quant_method"].get<std::string>()
                                   : "";
    bool keeps_attention = false;
    if (q.contains("modules_to_not_convert") && q["modules_to_not_convert"].is_array())
      for (const auto& mod : q["modules_to_not_convert"])
        keeps_attention = keeps_attention ||
                          (mod.is_string() && mod.get<std::string>().find("self_attn") != std::string::npos);
    if (method == "mxfp4" || keeps_attention) {
      m.quantized_weights = QuantizedWeights::routed_experts;
      m.quantized_weights_source =
          fmt::format("imported from {}: quantization_config quant_method '{}'{}", file, method,
                      keeps_attention ? ", modules_to_not_convert keeps the attention at 16 bits" : "");
    }
  }

  std::string base = name;
  if (base.empty() && config.contains("_name_or_path") && config["_name_or_path"].is_string()) {
    std::string p = config["_name_or_path"].get<std::string>();
    m.hf_id = p;
    base = p.substr(p.find_last_of('/') == std::string::npos ? 0 : p.find_last_of('/') + 1);
  }
  if (base.empty()) {
    const std::filesystem::path fp(file);
    base = fp.has_parent_path() ? fp.parent_path().filename().string() : "";
    if (base.empty() || base == ".") base = m.family + "-imported";
  }
  m.name = slugify(base);
  if (m.name.empty()) m.name = m.family + "-imported";
  m.display_name = base;
  m.published_params = param_count(m);
  m.published_params_source = "[EST] computed from the imported shape (no published count given)";
  require_valid(m, file);
  return m;
}

ModelSpec import_hf_config_file(const std::string& path, const std::string& name) {
  return import_hf_config(common::load_json_file(path), path, name);
}

}  // namespace infersim::model
