#pragma once
// Numeric formats that weights, activations and the KV cache can be stored or computed in.
// bytes_per_element is fractional for sub-byte formats (int4/fp4 = 0.5). Pure, thread-safe.
#include <optional>
#include <string>
#include <vector>

namespace infersim::common {

enum class DType { fp32, tf32, bf16, fp16, fp8, int8, fp4, int4 };

double bytes_per_element(DType d);
const char* dtype_name(DType d);
std::optional<DType> parse_dtype(const std::string& s);
const std::vector<std::string>& dtype_names();
inline constexpr int DTYPE_COUNT = 8;

}  // namespace infersim::common
