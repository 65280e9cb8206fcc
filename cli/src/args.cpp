#include "args.h"

#include <fmt/format.h>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::cli {

using common::ConfigError;

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& flags) {
  std::vector<std::string> known(valued.begin(), valued.end());
  known.insert(known.end(), flags.begin(), flags.end());
  for (auto& k : known) k = "--" + k;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), val;
    bool has_val = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      val = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_val = true;
    }
    if (flags.count(name)) {
      if (has_val) throw ConfigError("", "--" + name, "is a flag and takes no value");
      flags_.insert(name);
    } else if (valued.count(name)) {
      if (!has_val) {
        if (i + 1 >= argv.size()) throw ConfigError("", "--" + name, "needs a value");
        val = argv[++i];
      }
      values_.emplace(name, val);
    } else {
      throw ConfigError("", "--" + name, fmt::format("unknown option{}", common::suggest_suffix("--" + name, known)));
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto r = values_.equal_range(name);
  if (r.first == r.second) return std::nullopt;
  auto last = r.second;
  --last;
  return last->second;
}

std::vector<std::string> Args::values(const std::string& name) const {
  std::vector<std::string> out;
  auto r = values_.equal_range(name);
  for (auto it = r.first; it != r.second; ++it) out.push_back(it->second);
  return out;
}

std::string Args::value_or(const std::string& name, const std::string& fallback) const {
  auto v = value(name);
  return v ? *v : fallback;
}

std::optional<double> Args::optional_number(const std::string& name, double min, double max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  double d = 0;
  try {
    std::size_t pos = 0;
    d = std::stod(*v, &pos);
    if (pos != v->size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw ConfigError("", "--" + name, fmt::format("'{}' is not a number", *v));
  }
  if (!std::isfinite(d)) throw ConfigError("", "--" + name, "must be a finite number");
  if (d < min || d > max) throw ConfigError("", "--" + name, fmt::format("{} is out of range [{}, {}]", *v, min, max));
  return d;
}

double Args::number(const std::string& name, double fallback, double min, double max) const {
  auto v = optional_number(name, min, max);
  return v ? *v : fallback;
}

std::optional<int> Args::optional_integer(const std::string& name, int min, int max) const {
  auto d = optional_number(name, min, max);
  if (!d) return std::nullopt;
  if (*d != std::floor(*d)) throw ConfigError("", "--" + name, fmt::format("{} is not a whole number", *d));
  return int(*d);
}

int Args::integer(const std::string& name, int fallback, int min, int max) const {
  auto v = optional_integer(name, min, max);
  return v ? *v : fallback;
}

}  // namespace infersim::cli
