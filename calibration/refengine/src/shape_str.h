#pragma once
// "[a, b, c]" for a tensor shape, as error messages quote it (safetensors header and weight checks).
#include <cstdint>
#include <string>
#include <vector>

namespace infersim::refengine::detail {

inline std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace infersim::refengine::detail
