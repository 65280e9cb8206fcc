#include "infersim/common/data_dir.h"

#include <cstdlib>

namespace infersim::common {

std::string data_root() {
  if (const char* env = std::getenv("INFERSIM_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return INFERSIM_SOURCE_ROOT;
}

std::string data_path(const std::string& relative) { return data_root() + "/" + relative; }

const char* version_string() { return INFERSIM_VERSION; }

}  // namespace infersim::common
