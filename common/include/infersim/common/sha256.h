#pragma once
// SHA-256 of a byte string, as lowercase hex. Used for content hashes of model cards, hardware
// profiles and scenarios so stored results can be tied to the exact inputs. Pure, thread-safe.
#include <string>

namespace infersim::common {

std::string sha256_hex(const std::string& bytes);

}  // namespace infersim::common
