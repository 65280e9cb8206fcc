#include "sweep_evaluators.h"

#include <fmt/format.h>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"

namespace infersim::cli {

namespace {

// Kind "simulate": the scenario is a serving scenario (docs/scenario-format.md); the row gets the
// summary metrics of `infersim simulate --json`.
planner::SweepOutcome evaluate_simulate_scenario(const planner::SweepScenario& s) {
  const auto scenario = serving::parse_scenario_text(s.json);
  const auto r = serving::simulate(scenario);
  planner::SweepOutcome o;
  auto q = [&](const std::string& name, const serving::Quantiles& x) {
    o.metrics[name + "_p50"] = x.p50;
    o.metrics[name + "_p90"] = x.p90;
    o.metrics[name + "_p99"] = x.p99;
  };
  q("ttft_s", r.ttft);
  q("tpot_s", r.tpot);
  q("e2e_s", r.e2e);
  q("queue_s", r.queue);
  o.metrics["requests"] = double(r.completed);
  o.metrics["unfinished"] = double(r.unfinished);
  o.metrics["throughput_tok_s"] = r.throughput_tok_s;
  o.metrics["requests_per_s"] = r.requests_per_s;
  o.metrics["goodput"] = r.goodput;
  o.metrics["cold_starts"] = r.cold_starts;
  o.metrics["hydration_s"] = r.hydration_s;
  o.metrics["energy_j"] = r.energy_j;
  o.metrics["joules_per_token"] = r.joules_per_token;
  o.metrics["avg_power_w"] = r.avg_power_w;
  o.metrics["usd_per_hour"] = r.usd_per_hour;
  o.metrics["usd_per_1k_tokens"] = r.usd_per_1k_tokens;
  o.metrics["preemptions"] = double(r.preemptions);
  const auto resolved = common::parse_json_text(r.scenario_json, "resolved scenario");
  if (resolved.contains("model") && resolved["model"].is_string()) o.labels["model"] = resolved["model"].get<std::string>();
  if (!r.pools.empty()) {
    const auto& d = resolved.contains("deployment") ? resolved["deployment"] : resolved["pools"][0];
    if (d.contains("hardware") && d["hardware"].is_string()) o.labels["hardware"] = d["hardware"].get<std::string>();
    if (d.contains("runtime") && d["runtime"].is_string()) o.labels["runtime"] = d["runtime"].get<std::string>();
  }
  o.model_hash = common::sha256_hex(o.labels["model"]).substr(0, 16);
  o.hardware_hash = common::sha256_hex(o.labels["hardware"]).substr(0, 16);
  return o;
}

}  // namespace

planner::SweepEvaluator sweep_evaluator(const std::string& kind) {
  if (kind == "estimate") return planner::evaluate_estimate_scenario;
  if (kind == "simulate") return evaluate_simulate_scenario;
  throw common::ConfigError("", "/kind", fmt::format("unknown sweep kind '{}' (estimate, simulate)", kind));
}

}  // namespace infersim::cli
