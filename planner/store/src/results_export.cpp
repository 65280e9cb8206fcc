// CSV and JSON exports of the results store. Deterministic by construction: rows in (run_name,
// scenario_id) order, columns in a fixed order (fixed fields, metrics sorted, labels sorted, scenario),
// numbers in the shortest form that reads back to the same double. created_utc is left out unless
// asked for, so a resumed, sharded-and-merged or re-run sweep exports byte-identically.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>
#include <sstream>

#include "infersim/store/results_store.h"
#include "results_store_impl.h"

namespace infersim::store {

namespace {

// RFC 4180: quote a field holding a separator, a quote or a line break (and leading/trailing blanks,
// which some readers strip), doubling the quotes inside.
std::string csv_field(const std::string& s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string::npos;
  if (!s.empty() && (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t')) quote = true;
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Shortest round-trip decimal (fmt's default for double): exact and stable; "inf" / "-inf" for infinities.
std::string number(double v) { return fmt::format("{}", v); }

std::vector<std::string> fixed_export_fields(const ExportOptions& o) {
  std::vector<std::string> f = {"run_name", "scenario_id", "kind", "model_hash", "hardware_hash", "build_version"};
  if (o.include_created_utc) f.push_back("created_utc");
  f.push_back("error");
  return f;
}

const std::string& fixed_value(const ResultRow& r, const std::string& field) {
  if (field == "run_name") return r.run_name;
  if (field == "scenario_id") return r.scenario_id;
  if (field == "kind") return r.kind;
  if (field == "model_hash") return r.model_hash;
  if (field == "hardware_hash") return r.hardware_hash;
  if (field == "build_version") return r.build_version;
  if (field == "created_utc") return r.created_utc;
  return r.error;
}

}  // namespace

void ResultsStore::export_csv(std::ostream& out, const ExportOptions& options) const {
  const auto fixed = fixed_export_fields(options);
  const auto metrics = metric_names();
  const auto labels = label_names();
  std::string line;
  for (const auto& f : fixed) line += (line.empty() ? "" : ",") + f;
  for (const auto& m : metrics) line += ",m_" + m;
  for (const auto& l : labels) line += ",l_" + l;
  line += ",scenario_json\n";
  out << line;
  for_each_row(options.run_name, [&](const ResultRow& r) {
    line.clear();
    for (const auto& f : fixed) {
      if (!line.empty()) line += ',';
      line += csv_field(fixed_value(r, f));
    }
    for (const auto& m : metrics) {
      line += ',';
      if (auto it = r.metrics.find(m); it != r.metrics.end()) line += number(it->second);
    }
    for (const auto& l : labels) {
      line += ',';
      if (auto it = r.labels.find(l); it != r.labels.end()) line += csv_field(it->second);
    }
    line += ',';
    line += csv_field(r.scenario_json);
    line += '\n';
    out << line;
  });
}

void ResultsStore::export_json(std::ostream& out, const ExportOptions& options) const {
  using OJson = nlohmann::ordered_json;
  const auto fixed = fixed_export_fields(options);
  out << "{\"format\":\"infersim-results\",\"schema_version\":" << SCHEMA_VERSION << ",\"rows\":[\n";
  bool first = true;
  for_each_row(options.run_name, [&](const ResultRow& r) {
    OJson j = OJson::object();
    for (const auto& f : fixed) j[f] = fixed_value(r, f);
    OJson m = OJson::object();
    for (const auto& [k, v] : r.metrics) m[k] = v;  // std::map: sorted; non-finite values dump as null
    j["metrics"] = std::move(m);
    OJson l = OJson::object();
    for (const auto& [k, v] : r.labels) l[k] = v;
    j["labels"] = std::move(l);
    try {
      j["scenario"] = OJson::parse(r.scenario_json);  // keeps the stored key order
    } catch (const std::exception&) {
      j["scenario"] = r.scenario_json;  // put_batch refuses invalid JSON; keep a damaged value visible
    }
    if (!first) out << ",\n";
    first = false;
    out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  });
  out << (first ? "" : "\n") << "]}\n";
}

std::string ResultsStore::export_csv(const ExportOptions& options) const {
  std::ostringstream s;
  export_csv(s, options);
  return s.str();
}

std::string ResultsStore::export_json(const ExportOptions& options) const {
  std::ostringstream s;
  export_json(s, options);
  return s.str();
}

}  // namespace infersim::store
