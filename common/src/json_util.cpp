#include "infersim/common/json_util.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::common {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open file for reading", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("{}: read error", path));
  return ss.str();
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path tmp = target.string() + ".tmp-infersim";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(fmt::format("{}: cannot open file for writing", path));
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw IoError(fmt::format("{}: write failed", path));
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError(fmt::format("{}: cannot move temporary file into place", path));
  }
}

Json parse_json_text(const std::string& text, const std::string& origin) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::size_t line = 1, col = 1;
    const std::size_t upto = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    for (std::size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann's message repeats position info; keep the part after the last ": ".
    const auto cut = what.find("parse error");
    if (cut != std::string::npos) what = what.substr(cut);
    throw ConfigError(origin, "", fmt::format("malformed JSON at line {}, column {}: {}", line, col, what));
  }
}

Json load_json_file(const std::string& path) { return parse_json_text(read_text_file(path), path); }

std::string json_pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

JsonReader::JsonReader(const Json& j, std::string file, std::string pointer)
    : j_(&j), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!j.is_object()) throw ConfigError(file_, pointer_.empty() ? "/" : pointer_, "expected a JSON object");
}

std::string JsonReader::pointer(const std::string& key) const {
  if (key.empty()) return pointer_.empty() ? "/" : pointer_;
  return pointer_ + "/" + json_pointer_escape(key);
}

void JsonReader::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(file_, pointer(key), message);
}

bool JsonReader::has(const std::string& key) const { return j_->contains(key) && !(*j_)[key].is_null(); }

const Json& JsonReader::get(const std::string& key) {
  auto it = j_->find(key);
  if (it == j_->end()) fail(key, "required field is missing");
  used_.insert(key);
  return *it;
}

const Json& JsonReader::raw(const std::string& key) { return get(key); }

JsonReader JsonReader::child(const std::string& key) {
  const Json& v = get(key);
  if (!v.is_object()) fail(key, "expected an object");
  return JsonReader(v, file_, pointer(key));
}

std::optional<JsonReader> JsonReader::optional_child(const std::string& key) {
  if (!j_->contains(key)) return std::nullopt;
  used_.insert(key);
  if ((*j_)[key].is_null()) return std::nullopt;
  return child(key);
}

std::vector<JsonReader> JsonReader::array_of_objects(const std::string& key) {
  const Json& v = get(key);
  if (!v.is_array()) fail(key, "expected an array");
  std::vector<JsonReader> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string p = pointer(key) + "/" + std::to_string(i);
    if (!v[i].is_object()) throw ConfigError(file_, p, "expected an object");
    out.emplace_back(v[i], file_, p);
  }
  return out;
}

std::string JsonReader::string(const std::string& key) {
  const Json& v = get(key);
  if (!v.is_string()) fail(key, "expected a string");
  return v.get<std::string>();
}

std::string JsonReader::string_or(const std::string& key, const std::string& fallback) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  return string(key);
}

std::optional<std::string> JsonReader::optional_string(const std::string& key) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return std::nullopt;
  }
  return string(key);
}

std::string JsonReader::one_of(const std::string& key, const std::vector<std::string>& allowed) {
  std::string v = string(key);
  for (const auto& a : allowed)
    if (a == v) return v;
  fail(key, fmt::format("'{}' is not one of: {}{}", v, join(allowed, ", "), suggest_suffix(v, allowed)));
}

std::string JsonReader::one_of_or(const std::string& key, const std::vector<std::string>& allowed,
                                  const std::string& fallback) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  return one_of(key, allowed);
}

double JsonReader::number(const std::string& key, double min, double max) {
  const Json& v = get(key);
  if (!v.is_number()) fail(key, "expected a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(key, "must be a finite number");
  if (d < min || d > max) fail(key, fmt::format("{} is out of range [{}, {}]", d, min, max));
  return d;
}

double JsonReader::number_or(const std::string& key, double fallback, double min, double max) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  return number(key, min, max);
}

std::optional<double> JsonReader::optional_number(const std::string& key, double min, double max) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return std::nullopt;
  }
  return number(key, min, max);
}

double JsonReader::positive(const std::string& key) {
  const double d = number(key, -HUGE_VAL, HUGE_VAL);
  if (!(d > 0)) fail(key, fmt::format("must be > 0, got {}", d));
  return d;
}

std::int64_t JsonReader::integer(const std::string& key, std::int64_t min, std::int64_t max) {
  const Json& v = get(key);
  if (!v.is_number_integer()) {
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
        const auto i = static_cast<std::int64_t>(d);
        if (i < min || i > max) fail(key, fmt::format("{} is out of range [{}, {}]", i, min, max));
        return i;
      }
    }
    fail(key, "expected an integer");
  }
  const auto i = v.get<std::int64_t>();
  if (i < min || i > max) fail(key, fmt::format("{} is out of range [{}, {}]", i, min, max));
  return i;
}

std::int64_t JsonReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  return integer(key, min, max);
}

bool JsonReader::boolean_or(const std::string& key, bool fallback) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  const Json& v = get(key);
  if (!v.is_boolean()) fail(key, "expected true or false");
  return v.get<bool>();
}

std::vector<std::string> JsonReader::string_list_or(const std::string& key, std::vector<std::string> fallback) {
  if (!has(key)) {
    if (j_->contains(key)) used_.insert(key);
    return fallback;
  }
  const Json& v = get(key);
  if (!v.is_array()) fail(key, "expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) throw ConfigError(file_, pointer(key) + "/" + std::to_string(i), "expected a string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::vector<double> JsonReader::number_list(const std::string& key, double min, double max) {
  const Json& v = get(key);
  if (!v.is_array()) fail(key, "expected an array of numbers");
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string p = pointer(key) + "/" + std::to_string(i);
    if (!v[i].is_number()) throw ConfigError(file_, p, "expected a number");
    const double d = v[i].get<double>();
    if (!std::isfinite(d) || d < min || d > max)
      throw ConfigError(file_, p, fmt::format("{} is out of range [{}, {}]", d, min, max));
    out.push_back(d);
  }
  return out;
}

void JsonReader::finish() const {
  for (auto it = j_->begin(); it != j_->end(); ++it) {
    if (used_.count(it.key()) == 0) {
      std::vector<std::string> known(used_.begin(), used_.end());
      throw ConfigError(file_, pointer(it.key()),
                        fmt::format("unknown field '{}'{}", it.key(), suggest_suffix(it.key(), known)));
    }
  }
}

}  // namespace infersim::common
