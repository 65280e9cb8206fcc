#pragma once
// (De)serialisation of ModelSpec: the model-card format (docs/model-card-format.md) and import of a
// Hugging Face config.json. Errors are ConfigError naming the file and JSON pointer.
#include <string>

#include "infersim/common/json_util.h"
#include "infersim/model/model_spec.h"

namespace infersim::model {

inline constexpr int MODEL_CARD_SCHEMA_VERSION = 1;

ModelSpec model_from_json(const common::Json& j, const std::string& file);
ModelSpec load_model_card(const std::string& path);
common::Json model_to_json(const ModelSpec& m);

// Builds a model card from a Hugging Face config.json (llama, mistral, mixtral, qwen2, qwen2_moe,
// qwen3, qwen3_moe, deepseek_v2/v3, gpt_oss, bloom, phi3, gemma/gemma2 families). `name` overrides
// the slug derived from the file's folder / _name_or_path.
ModelSpec import_hf_config(const common::Json& config, const std::string& file, const std::string& name = "");
ModelSpec import_hf_config_file(const std::string& path, const std::string& name = "");

}  // namespace infersim::model
