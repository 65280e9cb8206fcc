#include "infersim/serving/param_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::serving {

using common::Json;
using common::JsonReader;

namespace {

ParamValue from_json(const Json& j, const ParamSpec& s, const JsonReader& r) {
  ParamValue v;
  v.type = s.type;
  auto range = [&](double d) {
    if (!std::isfinite(d)) r.fail(s.key, "must be a finite number");
    if (d < s.min || d > s.max) r.fail(s.key, fmt::format("{:g} is out of range [{:g}, {:g}]", d, s.min, s.max));
  };
  switch (s.type) {
    case ParamType::number:
      if (!j.is_number()) r.fail(s.key, fmt::format("expected a number{}", s.unit.empty() ? "" : " (" + s.unit + ")"));
      v.number = j.get<double>();
      range(v.number);
      break;
    case ParamType::integer: {
      if (!j.is_number()) r.fail(s.key, "expected an integer");
      const double d = j.get<double>();
      if (std::floor(d) != d) r.fail(s.key, fmt::format("expected an integer, got {:g}", d));
      v.number = d;
      range(d);
      break;
    }
    case ParamType::string:
      if (!j.is_string()) r.fail(s.key, "expected a string");
      v.text = j.get<std::string>();
      if (!s.choices.empty()) {
        bool ok = false;
        for (const auto& c : s.choices) ok = ok || c == v.text;
        if (!ok)
          r.fail(s.key, fmt::format("'{}' is not one of: {}{}", v.text, common::join(s.choices, ", "),
                                    common::suggest_suffix(v.text, s.choices)));
      }
      break;
    case ParamType::boolean:
      if (!j.is_boolean()) r.fail(s.key, "expected true or false");
      v.flag = j.get<bool>();
      break;
    case ParamType::number_list:
      if (!j.is_array()) r.fail(s.key, "expected an array of numbers");
      for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_number())
          throw common::ConfigError(r.file(), r.pointer(s.key) + "/" + std::to_string(i), "expected a number");
        const double d = j[i].get<double>();
        if (!std::isfinite(d) || d < s.min || d > s.max)
          throw common::ConfigError(r.file(), r.pointer(s.key) + "/" + std::to_string(i),
                                    fmt::format("{:g} is out of range [{:g}, {:g}]", d, s.min, s.max));
        v.list.push_back(d);
      }
      break;
  }
  return v;
}

}  // namespace

ParamValues read_params(JsonReader& r, const std::vector<ParamSpec>& specs) {
  ParamValues out;
  for (const auto& s : specs) {
    if (r.has(s.key)) {
      const Json& j = r.raw(s.key);
      if (j.is_null() && s.default_json == "null") continue;
      out.set(s.key, from_json(j, s, r));
      continue;
    }
    if (s.default_json.empty())
      r.fail(s.key, "required field is missing" + (s.description.empty() ? "" : " (" + s.description + ")"));
    if (s.default_json == "null") continue;
    const Json d = Json::parse(s.default_json);
    out.set(s.key, from_json(d, s, r));
  }
  return out;
}

void finish_declared(const JsonReader& r, const std::vector<ParamSpec>& specs, const std::vector<std::string>& extra) {
  std::vector<std::string> known = extra;
  for (const auto& s : specs) known.push_back(s.key);
  for (const auto& [k, v] : r.raw().items()) {
    if (std::find(known.begin(), known.end(), k) == known.end())
      r.fail(k, fmt::format("unknown field '{}'{}", k, common::suggest_suffix(k, known)));
  }
  r.finish();
}

Json param_value_to_json(const ParamValue& v) {
  switch (v.type) {
    case ParamType::number: return Json(v.number);
    case ParamType::integer: return Json(std::int64_t(std::llround(v.number)));
    case ParamType::string: return Json(v.text);
    case ParamType::boolean: return Json(v.flag);
    case ParamType::number_list: {
      Json a = Json::array();
      for (double d : v.list) a.push_back(d);
      return a;
    }
  }
  return Json();
}

void write_params(Json& out, const ParamValues& values) {
  for (const auto& [k, v] : values.items()) out[k] = param_value_to_json(v);
}

void with_component(const std::string& component, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const common::ConfigError& e) {
    if (e.reason().rfind(component, 0) == 0) throw;
    throw common::ConfigError(e.file(), e.pointer(), component + ": " + e.reason());
  }
}

}  // namespace infersim::serving
