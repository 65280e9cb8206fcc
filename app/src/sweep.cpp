#include "infersim/app/sweep.h"

#include <fmt/format.h>

#include "infersim/app/verify.h"
#include "infersim/app/workloads.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"
#include "infersim/serving/workload_summary.h"
#include "infersim/store/results_store.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

namespace infersim::app {

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
  o.metrics["joules_per_output_token"] = r.joules_per_token;  // the simulator's J per output token
  o.metrics["avg_power_w"] = r.avg_power_w;
  o.metrics["usd_per_hour"] = r.usd_per_hour;
  o.metrics["usd_per_1k_output"] = r.usd_per_1k_tokens;  // the simulator's cost per 1K output tokens
  o.metrics["preemptions"] = double(r.preemptions);
  const auto resolved = common::parse_json_text(r.scenario_json, "resolved scenario");
  if (resolved.contains("model") && resolved["model"].is_string())
    o.labels["model"] = resolved["model"].get<std::string>();
  if (!r.pools.empty()) {
    const auto& d = resolved.contains("deployment") ? resolved["deployment"] : resolved["pools"][0];
    if (d.contains("hardware") && d["hardware"].is_string()) o.labels["hardware"] = d["hardware"].get<std::string>();
    if (d.contains("runtime") && d["runtime"].is_string()) o.labels["runtime"] = d["runtime"].get<std::string>();
  }
  o.model_hash = planner::model_content_hash(o.labels["model"]);
  o.hardware_hash = planner::hardware_content_hash(o.labels["hardware"]);
  return o;
}

}  // namespace

namespace {

// Kind "plan": the cheapest way to serve a workload preset on one hardware (docs/plan-format.md,
// "Workload comparison"): the planner restricted to that hardware, its best candidate checked by the
// simulator on the preset's own length distributions. Infeasible is a finished row with the reason.
planner::SweepOutcome evaluate_plan_scenario(const planner::SweepScenario& s) {
  const auto j = common::parse_json_text(s.json, "scenario " + s.id);
  common::JsonReader r(j, "scenario " + s.id);
  const std::string model = r.string("model"), hardware = r.string("hardware"), preset = r.string("workload");
  std::optional<double> rps;
  rps = r.optional_number("requests_per_s", 1e-6, 1e9);
  planner::Pricing pricing = planner::load_pricing(r.string_or("pricing", "default"));
  const std::string mode = r.string_or("pricing_mode", planner::pricing_mode_name(pricing.mode));
  if (mode == "cloud")
    pricing.mode = planner::PricingMode::cloud;
  else if (mode == "owned")
    pricing.mode = planner::PricingMode::owned;
  else
    r.fail("pricing_mode", fmt::format("'{}' is not cloud or owned", mode));
  const bool verify = r.boolean_or("verify", true);
  r.finish();
  const auto wp = plan_workload(model, hardware, preset, rps, pricing, verify);
  const auto& req = wp.request;
  const auto& res = wp.result;
  planner::SweepOutcome o;
  o.labels = {{"model", model}, {"hardware", hardware}, {"workload", preset}};
  o.metrics = {{"requests_per_s", req.requests_per_s},     {"input_tokens", req.input_tokens},
               {"input_tokens_p99", req.input_tokens_p99}, {"output_tokens", req.output_tokens},
               {"calls_per_task", req.calls_per_task},     {"slo_ttft_p99_s", req.slo.ttft_p99_s},
               {"slo_tpot_p99_s", req.slo.tpot_p99_s},     {"feasible", res.ranked.empty() ? 0.0 : 1.0}};
  if (res.ranked.empty()) {
    const auto reasons = planner::summarize_rejections(res, 3);
    o.labels["reason"] = reasons.empty() ? "no feasible plan" : reasons.front();
    o.labels["other_reasons"] = reasons.size() > 1 ? common::join({reasons.begin() + 1, reasons.end()}, "; ") : "";
  } else {
    const auto& c = res.ranked.front();
    o.labels["plan"] = c.id;
    o.labels["runtime"] = c.runtime;
    o.labels["runtime_basis"] = c.runtime_basis;
    o.labels["precision"] = c.precision;
    o.labels["check"] = c.verified ? "DES" : "analytic";
    o.labels["bound_prefill"] = c.bound_prefill;
    o.labels["bound_decode"] = c.bound_decode;
    o.labels["pricing"] = c.cost.basis;
    o.labels["price_basis"] = c.cost.basis_kind;  // "cloud on_demand" | "owned": rows of one kind compare
    o.labels["price_as_of"] = c.cost.price_as_of;
    o.metrics["owned_only"] = c.cost.owned_only ? 1.0 : 0.0;
    o.metrics["price_stale"] = c.cost.price_stale ? 1.0 : 0.0;
    o.metrics["usd_per_1m_input"] = c.cost.usd_per_1m_input;
    o.metrics["usd_per_1m_output"] = c.cost.usd_per_1m_output;
    o.metrics["usd_per_1m_cached_input"] = c.cost.usd_per_1m_cached_input;
    o.metrics["tokens_per_usd"] = c.cost.tokens_per_usd;
    o.metrics["joules_per_token"] = c.power.joules_per_token;
    o.metrics["usd_per_1k_output"] = c.cost.usd_per_1k_output;
    o.metrics["usd_per_1k_blended"] = c.cost.usd_per_1k_blended;
    o.metrics["usd_per_request"] = c.cost.usd_per_request;
    o.metrics["usd_per_task"] = c.cost.usd_per_request * req.calls_per_task;
    o.metrics["usd_per_hour"] = c.cost.usd_per_hour;
    o.metrics["monthly_usd"] = c.cost.monthly_usd;
    o.metrics["tco_3y_usd"] = c.cost.tco_total_usd;
    o.metrics["ttft_p50_s"] = c.ttft_p50_s;
    o.metrics["ttft_p99_s"] = c.ttft_p99_s;
    o.metrics["tpot_p50_s"] = c.tpot_p50_s;
    o.metrics["tpot_p99_s"] = c.tpot_p99_s;
    o.metrics["joules_per_output_token"] = c.power.joules_per_output_token;
    o.metrics["facility_kw"] = c.power.facility_kw;
    o.metrics["tokens_per_s_per_mw"] = c.power.tokens_per_s_per_mw;
    o.metrics["replicas"] = c.replicas;
    o.metrics["chips_per_replica"] = c.chips_per_replica;
    o.metrics["chips"] = c.replicas * c.chips_per_replica;
    o.metrics["utilisation"] = c.utilisation;
    o.metrics["verified"] = c.verified ? 1.0 : 0.0;
    if (c.verified) o.metrics["goodput"] = c.verified_goodput;
  }
  o.model_hash = planner::model_content_hash(model);
  o.hardware_hash = planner::hardware_content_hash(hardware);
  return o;
}

}  // namespace

planner::SweepEvaluator sweep_evaluator(const std::string& kind) {
  if (kind == "estimate") return planner::evaluate_estimate_scenario;
  if (kind == "simulate") return evaluate_simulate_scenario;
  if (kind == "plan") return evaluate_plan_scenario;
  throw common::ConfigError("", "/kind", fmt::format("unknown sweep kind '{}' (estimate, simulate, plan)", kind));
}

namespace {

class StoreSink : public planner::SweepSink {
 public:
  StoreSink(store::ResultsStore& s, std::string run) : store_(s), run_(std::move(run)) {}
  std::set<std::string> finished_ids() override { return store_.finished_ids(run_); }
  void put_batch(const std::vector<std::pair<planner::SweepScenario, planner::SweepOutcome>>& rows) override {
    std::vector<store::ResultRow> out;
    out.reserve(rows.size());
    for (const auto& [s, o] : rows) {
      store::ResultRow r;
      r.run_name = run_;
      r.scenario_id = s.id;
      r.kind = s.kind;
      r.scenario_json = s.json;
      r.model_hash = o.model_hash;
      r.hardware_hash = o.hardware_hash;
      r.build_version = common::version_string();
      r.error = o.error;
      r.metrics = o.metrics;
      for (const auto& [k, v] : o.labels) r.labels[store::to_column_name(k)] = v;
      for (const auto& [k, v] : s.labels) r.labels["axis_" + store::to_column_name(k)] = v;
      out.push_back(std::move(r));
    }
    store_.put_batch(out);
  }

 private:
  store::ResultsStore& store_;
  std::string run_;
};

}  // namespace

planner::SweepStats run_sweep_into_store(const std::vector<planner::SweepScenario>& scenarios, const SweepRunOptions& o,
                                         const std::function<void(const planner::SweepProgress&)>& progress,
                                         const std::atomic<bool>* cancel) {
  const auto evaluator = sweep_evaluator(scenarios.empty() ? "estimate" : scenarios.front().kind);
  const int jobs = o.jobs > 0 ? o.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  auto results = store::ResultsStore::open(o.db, store::OpenMode::create);
  StoreSink sink(results, o.run);
  return planner::run_sweep(scenarios, evaluator, sink, jobs, o.batch, progress, cancel);
}

}  // namespace infersim::app
