#pragma once
// What factories need beyond their parameters when a scenario is turned into live components: the
// scenario's folder (relative file paths) and a cache of loaded traces so that a trace used for both
// arrivals and lengths is read once. Owned by the caller for the duration of building; not
// thread-safe.
#include <map>
#include <memory>
#include <string>

#include "infersim/serving/azure_trace.h"

namespace infersim::serving {

class BuildContext {
 public:
  explicit BuildContext(std::string base_dir = "") : base_dir_(std::move(base_dir)) {}
  const std::string& base_dir() const { return base_dir_; }
  std::shared_ptr<const AzureTrace> trace(const std::string& name_or_path);

 private:
  std::string base_dir_;
  std::map<std::string, std::shared_ptr<const AzureTrace>> traces_;
};

}  // namespace infersim::serving
