#include "infersim/app/workloads.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "infersim/app/sweep.h"
#include "infersim/app/verify.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/serving/workload_presets.h"

namespace infersim::app {

using common::ConfigError;
using common::Json;

planner::PlanRequest plan_request_for_workload(const std::string& model, const std::string& hardware,
                                               const std::string& preset, std::optional<double> requests_per_s,
                                               const planner::Pricing& pricing) {
  const auto w = serving::summarize_workload_preset(preset);
  planner::PlanRequest req;
  req.model = model;
  req.workload_name = preset;
  req.input_tokens = std::round(w.input_tokens);
  req.input_tokens_p99 = std::round(w.input_tokens_p99);
  req.output_tokens = std::round(w.output_tokens);
  req.calls_per_task = w.calls_per_task;
  // Offline batches have no arrival rate: they are sized for a stated rate (10 requests/s by default).
  req.requests_per_s = requests_per_s ? *requests_per_s : w.requests_per_s.value_or(10.0);
  req.slo.ttft_p99_s = w.ttft_p99_s;
  req.slo.tpot_p99_s = w.tpot_p99_s;
  req.hardware = {hardware};
  // One hardware per cell: an SRAM-only chip (LPU, wafer-scale) needs hundreds of chips per replica, which
  // is its honest answer here, not a reason to leave it out.
  req.max_chips_per_replica = 4096;
  req.mixes = false;
  req.top = 1;
  req.verify_top = 1;
  req.pricing = pricing;
  return req;
}

WorkloadPlan plan_workload(const std::string& model, const std::string& hardware, const std::string& preset,
                           std::optional<double> requests_per_s, const planner::Pricing& pricing, bool verify) {
  WorkloadPlan p;
  p.request = plan_request_for_workload(model, hardware, preset, requests_per_s, pricing);
  p.result = planner::plan(p.request, verify ? make_plan_verifier(preset) : planner::Verifier{});
  return p;
}

double row_metric(const store::ResultRow& r, const std::string& name) {
  const auto it = r.metrics.find(name);
  return it == r.metrics.end() ? NAN : it->second;
}

std::string row_label(const store::ResultRow& r, const std::string& name) {
  const auto it = r.labels.find(name);
  return it == r.labels.end() ? std::string() : it->second;
}

namespace {

std::vector<std::string> checked_list(const std::vector<std::string>& given, const std::vector<std::string>& known,
                                      const char* field) {
  if (given.empty()) return known;
  std::vector<std::string> out;
  for (const auto& x : given) {
    const auto v = common::trim(x);
    if (v.empty()) continue;
    if (std::find(known.begin(), known.end(), v) == known.end())
      throw ConfigError("", field, fmt::format("unknown name '{}'{}", v, common::suggest_suffix(v, known)));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  if (out.empty()) throw ConfigError("", field, "is empty");
  return out;
}

}  // namespace

WorkloadComparison compare_workloads(const WorkloadCompareRequest& r,
                                     const std::function<void(const planner::SweepProgress&)>& progress,
                                     const std::atomic<bool>* cancel) {
  WorkloadComparison out;
  out.model = r.model;
  model::ModelCatalog::shipped().resolve(r.model);  // a clear error before anything runs
  const auto hardware = checked_list(r.hardware, hwprofiles::HardwareCatalog::shipped().names(), "hardware");
  const auto presets = checked_list(r.workloads, serving::workload_preset_names(), "workloads");
  Json base = {{"model", r.model}, {"verify", r.verify}};
  if (r.requests_per_s) base["requests_per_s"] = *r.requests_per_s;
  // Loaded (so validated) before the store is touched: a bad file is exit 2 with nothing written.
  out.pricing = planner::load_pricing(r.pricing_file.empty() ? std::string("default") : r.pricing_file);
  if (r.pricing_mode) out.pricing.mode = *r.pricing_mode;
  if (!r.pricing_file.empty()) base["pricing"] = std::filesystem::absolute(r.pricing_file).string();
  if (r.pricing_mode) base["pricing_mode"] = planner::pricing_mode_name(*r.pricing_mode);
  for (const auto& w : presets) serving::summarize_workload_preset(w);  // every preset readable
  const Json sweep = {{"name", "workloads-compare"},
                      {"kind", "plan"},
                      {"base", base},
                      {"grid", {{"workload", presets}, {"hardware", hardware}}}};
  const auto scenarios = planner::expand_sweep_text(sweep.dump(), "workloads compare");
  out.scenarios = scenarios.size();
  out.db = r.db;
  if (const auto parent = std::filesystem::path(out.db).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent);
  out.run = r.run.empty() ? "workloads-compare-" + r.model : r.run;
  out.stats = run_sweep_into_store(scenarios, {out.db, out.run, r.jobs, 16}, progress, cancel);

  // Read back what the store holds for exactly these scenarios: what was computed now and earlier.
  const auto store = store::ResultsStore::open(out.db, store::OpenMode::read_only);
  std::map<std::string, const planner::SweepScenario*> wanted;
  for (const auto& s : scenarios) wanted[s.id] = &s;
  std::map<std::string, std::vector<store::ResultRow>> by_workload;
  store.for_each_row(out.run, [&](const store::ResultRow& row) {
    if (wanted.count(row.scenario_id))
      by_workload[row.labels.count("workload") ? row.labels.at("workload") : "?"].push_back(row);
  });
  for (const auto& w : presets) {
    WorkloadGroup g;
    g.workload = w;
    g.rows = by_workload[w];
    // Feasible cheapest first (per output token), then the rest by hardware name.
    std::sort(g.rows.begin(), g.rows.end(), [](const auto& x, const auto& y) {
      const double cx = row_metric(x, "usd_per_1k_output"), cy = row_metric(y, "usd_per_1k_output");
      const bool fx = !std::isnan(cx), fy = !std::isnan(cy);
      if (fx != fy) return fx;
      if (fx && cx != cy) return cx < cy;
      return row_label(x, "hardware") < row_label(y, "hardware");
    });
    g.summary = serving::summarize_workload_preset(w);
    g.requests_per_s = r.requests_per_s ? *r.requests_per_s : g.summary.requests_per_s.value_or(10.0);
    for (const auto& row : g.rows) {
      if (!row.error.empty() || row_metric(row, "feasible") != 1.0 || row_metric(row, "owned_only") == 1.0) continue;
      if (g.best_plan.empty()) g.best_plan = row_label(row, "plan");
      if (!g.best_rented_usd_per_1k_output) g.best_rented_usd_per_1k_output = row_metric(row, "usd_per_1k_output");
    }
    g.tokens = planner::token_lane(r.model, g.summary.input_tokens, g.summary.output_tokens, 0.0, g.summary.tpot_p99_s,
                                   out.pricing);
    out.groups.push_back(std::move(g));
  }
  return out;
}

}  // namespace infersim::app
