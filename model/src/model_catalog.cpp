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
  for (const auto& f : common::list_json_files(dir_, false)) {
    ModelSpec m = load_model_card(f.string());
    const std::string name = m.name;
    cards_.insert(name, std::move(m), f);
  }
  loaded_ = true;
}

std::vector<std::string> ModelCatalog::names() const {
  load();
  return cards_.names();
}

bool ModelCatalog::contains(const std::string& name) const {
  load();
  return cards_.contains(name);
}

const ModelSpec& ModelCatalog::get(const std::string& name) const {
  load();
  return cards_.get(name);
}

std::string ModelCatalog::path_of(const std::string& name) const {
  load();
  return cards_.path_of(name);
}

ModelSpec ModelCatalog::resolve(const std::string& name_or_path) const {
  if (common::looks_like_path(name_or_path)) {
    if (!fs::exists(name_or_path)) throw common::IoError(fmt::format("{}: no such model file", name_or_path));
    const common::Json j = common::load_json_file(name_or_path);
    if (j.is_object() && j.contains("model_type") && !j.contains("schema_version"))
      return import_hf_config(j, name_or_path);
    return model_from_json(j, name_or_path);
  }
  return get(name_or_path);
}

}  // namespace infersim::model
