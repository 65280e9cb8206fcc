#pragma once
// JSON reading at the edges of the system: strict, field-by-field readers that name the file and the
// JSON pointer of anything wrong, reject unknown keys, and check ranges. Used only by *_json.cpp
// loaders; value structs never see nlohmann. Not thread-safe per reader object; cheap to copy.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace infersim::common {

using Json = nlohmann::ordered_json;

// Reads and parses a JSON file; malformed JSON -> ConfigError naming file, line and column.
Json load_json_file(const std::string& path);
Json parse_json_text(const std::string& text, const std::string& origin);
std::string read_text_file(const std::string& path);
// Writes atomically (temp file + rename) so a failure never leaves a half-written file.
void write_text_file_atomic(const std::string& path, const std::string& text);

// A cursor into one JSON object: typed getters that record which keys were consumed, and finish()
// which rejects the keys nobody asked for (unknown keys are errors).
class JsonReader {
 public:
  JsonReader(const Json& j, std::string file, std::string pointer = "");

  bool has(const std::string& key) const;
  JsonReader child(const std::string& key);  // required object
  std::optional<JsonReader> optional_child(const std::string& key);
  std::vector<JsonReader> array_of_objects(const std::string& key);

  std::string string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  std::optional<std::string> optional_string(const std::string& key);
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed);
  std::string one_of_or(const std::string& key, const std::vector<std::string>& allowed, const std::string& fallback);

  // Numbers: must be finite; min/max inclusive unless stated.
  double number(const std::string& key, double min, double max);
  double number_or(const std::string& key, double fallback, double min, double max);
  std::optional<double> optional_number(const std::string& key, double min, double max);
  double positive(const std::string& key);  // > 0
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  bool boolean_or(const std::string& key, bool fallback);
  std::vector<std::string> string_list_or(const std::string& key, std::vector<std::string> fallback);
  std::vector<double> number_list(const std::string& key, double min, double max);

  const Json& raw() const { return *j_; }
  const Json& raw(const std::string& key);  // marks consumed
  const std::string& file() const { return file_; }
  std::string pointer(const std::string& key = "") const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

  // Throws ConfigError on the first key that was not consumed.
  void finish() const;

 private:
  const Json& get(const std::string& key);
  const Json* j_;
  std::string file_;
  std::string pointer_;
  std::set<std::string> used_;
};

std::string json_pointer_escape(const std::string& key);

}  // namespace infersim::common
