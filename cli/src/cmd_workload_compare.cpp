// `infersim workloads compare`: every hardware x every workload type for one model, each cell the
// cheapest plan on that hardware at the workload's load within its SLOs (checked by the simulator),
// printed per workload type and stored in the SQLite results store (resumable: a second run reuses
// the stored rows). It is a sweep of kind "plan" (docs/plan-format.md, "Workload comparison").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"
#include "infersim/serving/workload_presets.h"
#include "infersim/serving/workload_summary.h"
#include "infersim/store/results_store.h"
#include "sweep_driver.h"
#include "table.h"
#include "token_lane_table.h"

namespace infersim::cli {

using common::ConfigError;
using common::Json;

std::string default_results_db() {
  if (const char* p = std::getenv("INFERSIM_RESULTS_DB"); p && *p) return p;
  return "results/infersim.sqlite";
}

int workloads_compare(const ArgList& argv) {
  Args a(argv, {"model", "hardware", "workloads", "rps", "pricing", "pricing-mode", "db", "run", "jobs"},
         {"json", "no-verify", "quiet"});
  if (!a.positional().empty())
    throw ConfigError("", "workloads compare", fmt::format("unexpected argument '{}'", a.positional()[0]));
  app::WorkloadCompareRequest req;
  req.model = a.value_or("model", "llama-3.1-70b");
  if (auto v = a.value("hardware")) req.hardware = common::split(*v, ',');
  if (auto v = a.value("workloads")) req.workloads = common::split(*v, ',');
  if (a.value("rps")) req.requests_per_s = a.number("rps", 0, 1e-6, 1e9);
  req.pricing_file = a.value_or("pricing", "");
  if (auto m = a.value("pricing-mode")) {
    if (*m != "cloud" && *m != "owned")
      throw ConfigError("", "--pricing-mode", fmt::format("'{}' is not cloud or owned", *m));
    req.pricing_mode = *m == "owned" ? planner::PricingMode::owned : planner::PricingMode::cloud;
  }
  req.verify = !a.flag("no-verify");
  req.db = a.value_or("db", default_results_db());
  req.run = a.value_or("run", "");
  req.jobs = a.integer("jobs", 0, 0, 4096);
  const bool quiet = a.flag("quiet") || a.flag("json");
  const auto cmp = run_with_progress(req, quiet);
  const auto& st = cmp.stats;
  const auto& pricing = cmp.pricing;
  auto metric = [](const store::ResultRow& r, const char* k) { return app::row_metric(r, k); };
  auto label = [](const store::ResultRow& r, const char* k) { return app::row_label(r, k); };
  if (a.flag("json")) {
    Json out = {{"model", cmp.model}, {"db", cmp.db}, {"run", cmp.run}, {"workloads", Json::object()}};
    for (const auto& g : cmp.groups) {
      Json arr = Json::array();
      for (const auto& r : g.rows) {
        Json row = {{"hardware", label(r, "hardware")}, {"scenario_id", r.scenario_id}, {"error", r.error}};
        for (const auto& [k, v] : r.labels) row[k] = v;
        for (const auto& [k, v] : r.metrics) row[k] = v;
        arr.push_back(row);
      }
      out["workloads"][g.workload] = arr;
    }
    fmt::print("{}\n", out.dump(2));
    return st.cancelled ? 130 : 0;
  }
  fmt::print("{}: every hardware x workload type, the cheapest plan on each hardware at the workload's load within its "
             "SLOs\n(DES = checked by the discrete-event simulator on the preset's length distributions; costs are "
             "{} pricing)\n",
             cmp.model,
             pricing.mode == planner::PricingMode::cloud
                 ? fmt::format("cloud {}", planner::cloud_tier_name(pricing.cloud_tier))
                 : std::string("owned (capex amortised + energy + hosting)"));
  for (const auto& g : cmp.groups) {
    const auto& w = g.workload;
    const auto& rows = g.rows;
    const auto& s = g.summary;
    const double rps = g.requests_per_s;
    fmt::print("\n== {}: {:.0f} in / {:.0f} out tokens{}, {:g} requests/s; SLO TTFT P99 <= {}, TPOT P99 <= {}{} ==\n",
               w, std::round(s.input_tokens), std::round(s.output_tokens),
               s.calls_per_task > 1 ? fmt::format(", {:.1f} calls per task", s.calls_per_task) : "", rps,
               common::format_seconds(s.ttft_p99_s), common::format_seconds(s.tpot_p99_s),
               s.slo_note.empty() ? "" : " (" + s.slo_note + ")");
    Table t({"hardware", "plan", "chips", "$/1K out", "$/1M in/out/cached", "tok/$", "TTFT P99", "TPOT P99",
             "J/out tok", "J/tok", "kW", "price basis", "check"});
    std::vector<std::string> infeasible, unpriced;
    std::size_t shown = 0;
    bool any_owned_only = false, any_stale = false;
    for (const auto& r : rows) {
      if (!r.error.empty()) {
        infeasible.push_back(fmt::format("{}: invalid: {}", label(r, "hardware"), r.error));
        continue;
      }
      if (metric(r, "feasible") != 1.0) {
        const auto why = label(r, "reason");
        if (why.find("price") != std::string::npos && why.rfind("no ", 0) == 0)
          unpriced.push_back(label(r, "hardware"));
        else
          infeasible.push_back(fmt::format("{}: {}", label(r, "hardware"), why));
        continue;
      }
      const bool owned_only = metric(r, "owned_only") == 1.0, stale = metric(r, "price_stale") == 1.0;
      any_owned_only = any_owned_only || owned_only;
      any_stale = any_stale || stale;
      const std::string kind = label(r, "price_basis");
      const std::string as_of = label(r, "price_as_of");
      const std::string basis_text = fmt::format("{}{}{}",
                                                 owned_only                     ? std::string("owned only")
                                                 : kind.rfind("cloud ", 0) == 0 ? kind.substr(6)
                                                                                : kind,
                                                 as_of.empty() ? std::string() : fmt::format(" {}", as_of.substr(0, 7)),
                                                 stale ? " !" : "");
      t.add({label(r, "hardware"), label(r, "plan"), fmt::format("{:g}", metric(r, "chips")),
             money(metric(r, "usd_per_1k_output")),
             fmt::format("{:.2f}/{:.2f}/{:.2f}", metric(r, "usd_per_1m_input"), metric(r, "usd_per_1m_output"),
                         metric(r, "usd_per_1m_cached_input")),
             fmt::format("{:.0f}", metric(r, "tokens_per_usd")), common::format_seconds(metric(r, "ttft_p99_s")),
             common::format_seconds(metric(r, "tpot_p99_s")),
             fmt::format("{:.2f}", metric(r, "joules_per_output_token")),
             fmt::format("{:.3f}", metric(r, "joules_per_token")), fmt::format("{:.1f}", metric(r, "facility_kw")),
             basis_text, label(r, "check")});
      ++shown;
    }
    if (shown > 0) fmt::print("{}", t.render());
    if (any_owned_only)
      fmt::print(
          "owned only: no public cloud price for the chip (sold as tokens, or rented by quote only): costed owned "
          "all-in (chip + server share over its life, maintenance, power x PUE, hosting), a different basis from "
          "the rented rows\n");
    if (any_stale)
      fmt::print("!: price older than {} months before {}: check it\n", pricing.stale_after_months, pricing.price_date);
    // The buy-tokens lane: hosted APIs serving this model, on the workload's mean tokens per request.
    if (!g.tokens.empty())
      fmt::print("{}", token_lane_table(g.tokens));
    else
      fmt::print("buy tokens: no hosted API price for {} in planner/data/api-token-prices.json\n", cmp.model);
    if (!infeasible.empty() || !unpriced.empty()) {
      fmt::print("no feasible plan ({}):\n", infeasible.size() + unpriced.size());
      for (const auto& l : infeasible) fmt::print("  {}\n", l);
      if (!unpriced.empty())
        fmt::print("  not priced in this pricing mode (try --pricing-mode {}): {}\n",
                   req.pricing_mode == planner::PricingMode::owned ? "cloud" : "owned", common::join(unpriced, ", "));
    }
  }
  fmt::print("\ncheapest per workload type: ");
  std::vector<std::string> parts;
  for (const auto& g : cmp.groups)
    parts.push_back(fmt::format("{} {}", g.workload, g.best_plan.empty() ? "(none feasible)" : g.best_plan));
  fmt::print("{}\n", common::join(parts, "; "));
  // Buy tokens vs rent / own, per workload type, on the same $ per 1K output tokens.
  std::vector<std::string> vs;
  for (const auto& g : cmp.groups) {
    if (g.tokens.empty()) continue;
    const auto& t = g.tokens.front();
    if (!g.best_rented_usd_per_1k_output)
      vs.push_back(fmt::format("{} {} {} ${} (no rented plan feasible)", g.workload, t.offer.provider, t.offer.model,
                               money(t.usd_per_1k_output)));
    else
      vs.push_back(fmt::format("{} {}", g.workload,
                               tokens_vs_plan(t, *g.best_rented_usd_per_1k_output,
                                              pricing.mode == planner::PricingMode::cloud ? "rented" : "owned")));
  }
  if (!vs.empty())
    fmt::print("buy tokens instead ($/1K output, cheapest API vs cheapest plan): {}\n", common::join(vs, "; "));
  fmt::print("stored: {} rows of run '{}' in {} ({} computed now, {} reused){}\n", cmp.scenarios, cmp.run, cmp.db,
             st.done + st.failed, st.skipped, st.cancelled ? "; CANCELLED: run the same command again to resume" : "");
  fmt::print("export: infersim results export --db {} --run {} --csv\n", cmp.db, cmp.run);
  return st.cancelled ? 130 : 0;
}

}  // namespace infersim::cli
