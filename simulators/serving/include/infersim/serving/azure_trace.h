#pragma once
// Loader for the Azure LLM inference trace format (Splitwise, ISCA'24; CC-BY 4.0):
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:15:46.6805900,374,44
// Timestamps become seconds relative to the first row. Aliases "azure-conv" and "azure-code" name
// the bundled traces (data/traces/). The whole trace is held as three compact columns (12 bytes per
// row), so memory depends on the trace file, not on how often it is replayed. Pure loader;
// thread-safe.
#include <cstdint>
#include <string>
#include <vector>

namespace infersim::serving {

struct AzureTrace {
  std::string path;
  std::vector<double> time_s;        // relative to the first row, non-decreasing
  std::vector<std::int32_t> input;   // context (prompt) tokens
  std::vector<std::int32_t> output;  // generated tokens
  double span_s() const { return time_s.empty() ? 0.0 : time_s.back() - time_s.front(); }
  std::size_t size() const { return time_s.size(); }
};

// Resolves an alias, an absolute path, a path relative to `base_dir` (the scenario's folder), or a
// path relative to the data root. IoError / ConfigError (with the line number) on bad files.
std::string resolve_trace_path(const std::string& name, const std::string& base_dir);
AzureTrace load_azure_trace(const std::string& path);

}  // namespace infersim::serving
