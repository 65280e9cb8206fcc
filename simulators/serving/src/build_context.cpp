#include "infersim/serving/build_context.h"

namespace infersim::serving {

std::shared_ptr<const AzureTrace> BuildContext::trace(const std::string& name_or_path) {
  const std::string path = resolve_trace_path(name_or_path, base_dir_);
  auto it = traces_.find(path);
  if (it != traces_.end()) return it->second;
  auto t = std::make_shared<const AzureTrace>(load_azure_trace(path));
  traces_.emplace(path, t);
  return t;
}

}  // namespace infersim::serving
