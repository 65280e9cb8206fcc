#include "infersim/serving/param_spec.h"

#include <cmath>

#include "infersim/common/errors.h"

namespace infersim::serving {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::number: return "number";
    case ParamType::integer: return "integer";
    case ParamType::string: return "string";
    case ParamType::boolean: return "boolean";
    case ParamType::number_list: return "number list";
  }
  return "?";
}

void ParamValues::set(const std::string& key, ParamValue v) {
  for (auto& [k, old] : items_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  items_.emplace_back(key, std::move(v));
}

bool ParamValues::has(const std::string& key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return true;
  return false;
}

const ParamValue& ParamValues::get(const std::string& key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return v;
  throw common::InternalError("parameter '" + key + "' was not declared or not read");
}

double ParamValues::number(const std::string& key) const { return get(key).number; }
std::int64_t ParamValues::integer(const std::string& key) const { return std::int64_t(std::llround(get(key).number)); }
const std::string& ParamValues::string(const std::string& key) const { return get(key).text; }
bool ParamValues::boolean(const std::string& key) const { return get(key).flag; }
const std::vector<double>& ParamValues::list(const std::string& key) const { return get(key).list; }

}  // namespace infersim::serving
