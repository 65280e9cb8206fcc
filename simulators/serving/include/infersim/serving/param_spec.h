#pragma once
// Declared configuration parameters. Every scenario parameter is declared exactly once, here-style:
// key, type, unit, default, range and a one-line description. The JSON reader (param_json.h) reads
// and validates values against the declaration, fills defaults and rejects unknown keys; the same
// declarations generate docs/scenario-format.md (`infersim simulate --format-doc`) and the resolved
// scenario echoed into every result. ParamValues is a plain ordered value (no nlohmann); thread-safe
// to share once built.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace infersim::serving {

enum class ParamType { number, integer, string, boolean, number_list };
const char* param_type_name(ParamType t);

struct ParamSpec {
  std::string key;
  ParamType type = ParamType::number;
  std::string unit;          // "s", "tokens", "1/s", "GB/s", "W", "" for dimensionless
  std::string default_json;  // JSON text of the default; "" = required; "null" = optional (absent unless given)
  std::string description;
  double min = -1e300;  // inclusive range for number / integer / each list element
  double max = 1e300;
  std::vector<std::string> choices;  // allowed strings (empty = any)
};

// One typed value (the variant is small; only the field matching `type` is meaningful).
struct ParamValue {
  ParamType type = ParamType::number;
  double number = 0;
  std::string text;
  bool flag = false;
  std::vector<double> list;
};

class ParamValues {
 public:
  void set(const std::string& key, ParamValue v);
  bool has(const std::string& key) const;
  double number(const std::string& key) const;  // number or integer
  std::int64_t integer(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  bool boolean(const std::string& key) const;
  const std::vector<double>& list(const std::string& key) const;
  double number_or(const std::string& key, double fallback) const { return has(key) ? number(key) : fallback; }
  const std::vector<std::pair<std::string, ParamValue>>& items() const { return items_; }

 private:
  const ParamValue& get(const std::string& key) const;
  std::vector<std::pair<std::string, ParamValue>> items_;  // in declaration order
};

// A configurable component: where it sits in the scenario tree, and its parameters.
struct ComponentSchema {
  std::string path;         // JSON path in a scenario, e.g. "/scheduler" or "/deployment/hydration"
  std::string title;        // "scheduler: continuous"
  std::string description;  // one line
  std::vector<ParamSpec> params;
};

// A swappable implementation in a registry: its name, one-line description and own parameters.
struct ComponentInfo {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
};

}  // namespace infersim::serving
