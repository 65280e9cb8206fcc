#pragma once
// The one declared vocabulary of results-store metrics: every m_<name> column a store may hold, with
// its unit and meaning (docs/metrics.md). ResultsStore::put_batch() rejects undeclared names, so a
// metric cannot silently change meaning or appear under a second spelling.
#include <string>
#include <vector>

namespace infersim::store {

struct MetricDef {
  std::string name;     // [a-z0-9_]+, as stored (column m_<name>)
  std::string unit;     // "s", "W", "USD", "USD/1K output tokens", "1" (dimensionless), "bytes", ...
  std::string meaning;  // one sentence: what it measures and on which basis
};

// Every metric name a results store may hold, sorted by name. put_batch() rejects names not listed.
const std::vector<MetricDef>& metric_vocabulary();
// nullptr when undeclared.
const MetricDef* find_metric(const std::string& name);

}  // namespace infersim::store
