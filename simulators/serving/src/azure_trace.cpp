#include "infersim/serving/azure_trace.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"

namespace infersim::serving {

namespace {

// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + std::int64_t(doe) - 719468;
}

bool parse_timestamp(const std::string& s, double& out) {
  // "YYYY-MM-DD HH:MM:SS[.fraction]"
  int y, mo, d, h, mi;
  double sec;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec >= 61)
    return false;
  out = double(days_from_civil(y, unsigned(mo), unsigned(d))) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
  return true;
}

}  // namespace

std::string resolve_trace_path(const std::string& name, const std::string& base_dir) {
  namespace fs = std::filesystem;
  if (name == "azure-conv") return common::data_path("data/traces/AzureLLMInferenceTrace_conv.csv");
  if (name == "azure-code") return common::data_path("data/traces/AzureLLMInferenceTrace_code.csv");
  const fs::path p(name);
  if (p.is_absolute()) return name;
  if (!base_dir.empty() && fs::exists(fs::path(base_dir) / p)) return (fs::path(base_dir) / p).string();
  if (fs::exists(p)) return name;
  return common::data_path(name);
}

AzureTrace load_azure_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw common::IoError(fmt::format("{}: cannot open trace file", path));
  AzureTrace t;
  t.path = path;
  std::string line;
  int lineno = 0;
  double first = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (lineno == 1) {
      if (line.rfind("TIMESTAMP", 0) != 0)
        throw common::ConfigError(path, "line 1", "expected the header TIMESTAMP,ContextTokens,GeneratedTokens");
      continue;
    }
    const auto c1 = line.find(',');
    const auto c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string::npos)
      throw common::ConfigError(path, fmt::format("line {}", lineno),
                                "expected TIMESTAMP,ContextTokens,GeneratedTokens");
    double ts = 0;
    if (!parse_timestamp(line.substr(0, c1), ts))
      throw common::ConfigError(path, fmt::format("line {}", lineno), "bad timestamp '" + line.substr(0, c1) + "'");
    char* end = nullptr;
    const long in_tok = std::strtol(line.c_str() + c1 + 1, &end, 10);
    const long out_tok = std::strtol(line.c_str() + c2 + 1, &end, 10);
    if (in_tok < 0 || out_tok < 0 || in_tok > (1L << 30) || out_tok > (1L << 30))
      throw common::ConfigError(path, fmt::format("line {}", lineno), "token counts must be >= 0");
    if (t.time_s.empty()) first = ts;
    double rel = ts - first;
    if (!t.time_s.empty() && rel < t.time_s.back()) rel = t.time_s.back();  // tolerate tiny disorder
    t.time_s.push_back(rel);
    t.input.push_back(std::int32_t(in_tok));
    t.output.push_back(std::int32_t(out_tok));
  }
  if (t.time_s.empty()) throw common::ConfigError(path, "", "trace has no rows");
  return t;
}

}  // namespace infersim::serving
