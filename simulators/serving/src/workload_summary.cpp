#include "infersim/serving/workload_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/json_util.h"
#include "infersim/serving/build_context.h"
#include "infersim/serving/distribution_registry.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/workload_presets.h"

namespace infersim::serving {

namespace {

double mean_of(const ComponentConfig& c, BuildContext& ctx) { return make_distribution(c, ctx)->mean(); }

// The 99th percentile of a token-count distribution: 20,000 draws with a fixed seed (deterministic).
double p99_of(const ComponentConfig& c, BuildContext& ctx) {
  const auto d = make_distribution(c, ctx);
  engine::Rng rng(1);
  std::vector<double> x(20000);
  for (auto& v : x) v = double(sample_tokens(*d, rng));
  const auto k = x.begin() + std::ptrdiff_t(0.99 * double(x.size()));
  std::nth_element(x.begin(), k, x.end());
  return *k;
}

}  // namespace

WorkloadSummary summarize_workload(const Scenario& s) {
  WorkloadSummary w;
  BuildContext ctx(s.base_dir);
  w.name = s.workload.preset.empty() ? "custom" : s.workload.preset;
  w.description = s.description;
  const double in = mean_of(s.workload.input, ctx);
  w.output_tokens = std::max(1.0, mean_of(s.workload.output, ctx));
  w.input_tokens = std::max(1.0, in);
  if (s.workload.agentic.enabled) {
    w.calls_per_task = std::max(1.0, mean_of(s.workload.agentic.calls, ctx));
    const double tool = mean_of(s.workload.agentic.tool_output_tokens, ctx);
    w.input_tokens = std::max(1.0, in + 0.5 * (w.calls_per_task - 1.0) * (w.output_tokens + tool));
  }
  // The P99 prompt: the mean context plus how far the input distribution's P99 lies above its mean.
  w.input_tokens_p99 = w.input_tokens + std::max(0.0, p99_of(s.workload.input, ctx) - in);
  const auto& a = s.workload.arrival;
  if (a.params.has("rate_per_s")) w.requests_per_s = a.params.number("rate_per_s") * w.calls_per_task;
  if (a.type == "closed_loop" && a.params.has("users")) {
    // N users thinking T seconds between requests offer at most N / T requests per second.
    w.closed_loop_users = a.params.number("users");
    w.requests_per_s = *w.closed_loop_users / std::max(0.1, a.params.number_or("think_time_s", 1.0));
  }
  const auto& slo = s.slo;
  const double e2e = slo.e2e_s.value_or(3600.0);
  w.ttft_p99_s = slo.ttft_s.value_or(e2e);
  if (slo.tpot_s) {
    w.tpot_p99_s = *slo.tpot_s;
  } else {
    w.tpot_p99_s = std::max(1e-3, (e2e - (slo.ttft_s ? *slo.ttft_s : 0.0)) / std::max(1.0, w.output_tokens - 1.0));
    w.slo_note = fmt::format("TPOT P99 <= {:.4g} s derived from the E2E bound {:g} s", w.tpot_p99_s, e2e);
  }
  if (!slo.ttft_s) {
    const std::string n = fmt::format("TTFT P99 <= E2E {:g} s", e2e);
    w.slo_note = w.slo_note.empty() ? n : n + "; " + w.slo_note;
  }
  return w;
}

WorkloadSummary summarize_workload_preset(const std::string& preset) {
  const auto p = load_workload_preset(preset);  // a clear error for an unknown name
  const common::Json j = {{"model", "llama-3.1-8b"},
                          {"deployment", {{"hardware", "h100-sxm"}}},
                          {"workload", {{"preset", preset}}}};
  auto s = parse_scenario(j, "workload preset " + preset, "");
  auto w = summarize_workload(s);
  w.description = p.description;
  return w;
}

}  // namespace infersim::serving
