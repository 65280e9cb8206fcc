#pragma once
// Minimal, strict command-line parsing: --name value, --name=value, boolean --flags and positionals.
// Unknown options are errors with a suggestion. Usage errors are ConfigError (exit code 2).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace infersim::cli {

class Args {
 public:
  // `valued`: options that take a value; `flags`: boolean options. argv[first..] are parsed.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& valued, const std::set<std::string>& flags);

  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;  // repeated options
  std::string value_or(const std::string& name, const std::string& fallback) const;
  double number(const std::string& name, double fallback, double min, double max) const;
  std::optional<double> optional_number(const std::string& name, double min, double max) const;
  int integer(const std::string& name, int fallback, int min, int max) const;
  std::optional<int> optional_integer(const std::string& name, int min, int max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace infersim::cli
