#pragma once
// The shipped model cards (model/data/*.json) plus any card file a user names by path.
// resolve() accepts a catalog slug or a path to a model-card JSON or a Hugging Face config.json.
// Loading is lazy and cached; a catalog object is loading is thread-safe (once, under a mutex) (load once, then share
// the returned values, which are plain copies).
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "infersim/common/named_files.h"
#include "infersim/model/model_spec.h"

namespace infersim::model {

class ModelCatalog {
 public:
  explicit ModelCatalog(std::string directory);  // usually common::data_path("model/data")
  static ModelCatalog& shipped();                // process-wide catalog of the shipped cards

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  const ModelSpec& get(const std::string& name) const;  // ConfigError with a suggestion if unknown
  std::string path_of(const std::string& name) const;
  // A slug from the catalog, or a file path (model card, or HF config.json detected by model_type).
  ModelSpec resolve(const std::string& name_or_path) const;

 private:
  void load() const;  // thread-safe: once, under a mutex
  void load_locked() const;
  std::string dir_;
  mutable bool loaded_ = false;
  mutable std::mutex mu_;
  mutable common::NamedFiles<ModelSpec> cards_{"model", "`infersim models list` shows the catalog"};
};

}  // namespace infersim::model
