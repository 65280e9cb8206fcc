#include "infersim/common/errors.h"

#include <fmt/format.h>

namespace infersim::common {

namespace {
std::string compose(const std::string& file, const std::string& pointer, const std::string& message) {
  std::string where = file.empty() ? std::string{} : file;
  if (!pointer.empty()) where += where.empty() ? pointer : (": " + pointer);
  return where.empty() ? message : fmt::format("{}: {}", where, message);
}
}  // namespace

ConfigError::ConfigError(const std::string& file, const std::string& pointer, const std::string& message)
    : std::runtime_error(compose(file, pointer, message)), file_(file), pointer_(pointer), reason_(message) {}

ConfigError::ConfigError(const std::string& message) : std::runtime_error(message), reason_(message) {}

void assertion_failed(const char* expr, const char* file, int line) {
  throw InternalError(fmt::format("internal error: assertion '{}' failed at {}:{}", expr, file, line));
}

}  // namespace infersim::common
