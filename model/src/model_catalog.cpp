#include "infersim/model/model_catalog.h"

#include <fmt/format.h>

#include <filesystem>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/model/model_spec_json.h"

namespace infersim::model {

namespace fs = std::filesystem;

ModelCatalog::ModelCatalog(std::string directory) : dir_(std::move(directory)) {}

ModelCatalog& ModelCatalog::shipped() {
  static ModelCatalog catalog(common::data_path("model/data"));
  return catalog;
}

void ModelCatalog::load() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) load_locked();
}

void ModelCatalog::load_locked() const {
  if (!fs::is_directory(dir_))
    throw common::IoError(fmt::format("{}: model catalog directory not found (set INFERSIM_DATA_DIR)", dir_));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    ModelSpec m = load_model_card(f.string());
    if (m.name != f.stem().string())
      throw common::ConfigError(f.string(), "/name",
                                fmt::format("name '{}' must equal the file name '{}'", m.name, f.stem().string()));
    paths_[m.name] = f.string();
    cards_.emplace(m.name, std::move(m));
  }
  loaded_ = true;
}

std::vector<std::string> ModelCatalog::names() const {
  load();
  std::vector<std::string> out;
  for (const auto& [k, v] : cards_) out.push_back(k);
  return out;
}

bool ModelCatalog::contains(const std::string& name) const {
  load();
  return cards_.count(name) > 0;
}

const ModelSpec& ModelCatalog::get(const std::string& name) const {
  load();
  auto it = cards_.find(name);
  if (it == cards_.end())
    throw common::ConfigError(fmt::format("unknown model '{}'{}; `infersim models list` shows the catalog", name,
                                          common::suggest_suffix(name, names())));
  return it->second;
}

std::string ModelCatalog::path_of(const std::string& name) const {
  load();
  auto it = paths_.find(name);
  return it == paths_.end() ? std::string{} : it->second;
}

ModelSpec ModelCatalog::resolve(const std::string& name_or_path) const {
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               (name_or_path.size() > 5 && name_or_path.ends_with(".json"));
  if (looks_like_path) {
    if (!fs::exists(name_or_path)) throw common::IoError(fmt::format("{}: no such model file", name_or_path));
    const common::Json j = common::load_json_file(name_or_path);
    if (j.is_object() && j.contains("model_type") && !j.contains("schema_version"))
      return import_hf_config(j, name_or_path);
    return model_from_json(j, name_or_path);
  }
  return get(name_or_path);
}

}  // namespace infersim::model
