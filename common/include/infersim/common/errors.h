#pragma once
// One error policy for the whole project.
//  - ConfigError: the user's input is wrong (bad JSON, unknown name, impossible value). Carries the
//    file and JSON pointer so the message can point at the field. CLI exit code 2.
//  - IoError: a file could not be read or written.
//  - InternalError: a broken invariant inside infersim (a bug).
// Thrown only where input is loaded; hot loops use INFERSIM_ASSERT. Thread-safe (plain values).
#include <stdexcept>
#include <string>

namespace infersim::common {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, const std::string& pointer, const std::string& message);
  explicit ConfigError(const std::string& message);
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  std::string pointer_;
  std::string reason_;
};

class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line);

}  // namespace infersim::common

#define INFERSIM_ASSERT(expr) ((expr) ? (void)0 : ::infersim::common::assertion_failed(#expr, __FILE__, __LINE__))
