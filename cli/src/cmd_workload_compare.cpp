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

namespace {

std::vector<std::string> checked_list(const std::string& csv, const std::vector<std::string>& known, const char* opt) {
  std::vector<std::string> out;
  for (const auto& x : common::split(csv, ',')) {
    const auto v = common::trim(x);
    if (v.empty()) continue;
    if (std::find(known.begin(), known.end(), v) == known.end())
      throw ConfigError("", opt, fmt::format("unknown name '{}'{}", v, common::suggest_suffix(v, known)));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  if (out.empty()) throw ConfigError("", opt, "is empty");
  return out;
}

}  // namespace

int workloads_compare(const ArgList& argv) {
  Args a(argv, {"model", "hardware", "workloads", "rps", "pricing", "pricing-mode", "db", "run", "jobs"},
         {"json", "no-verify", "quiet"});
  if (!a.positional().empty())
    throw ConfigError("", "workloads compare", fmt::format("unexpected argument '{}'", a.positional()[0]));
  const std::string model = a.value_or("model", "llama-3.1-70b");
  model::ModelCatalog::shipped().resolve(model);  // a clear error before anything runs
  const auto hw_all = hwprofiles::HardwareCatalog::shipped().names();
  const auto hardware = a.value("hardware") ? checked_list(*a.value("hardware"), hw_all, "--hardware") : hw_all;
  const auto presets_all = serving::workload_preset_names();
  const auto presets = a.value("workloads") ? checked_list(*a.value("workloads"), presets_all, "--workloads") : presets_all;
  Json base = {{"model", model}, {"verify", !a.flag("no-verify")}};
  if (auto r = a.value("rps")) base["requests_per_s"] = a.number("rps", 0, 1e-6, 1e9);
  if (auto p = a.value("pricing")) {
    planner::load_pricing(*p);  // validated now: a bad file is exit 2 before the store is touched
    base["pricing"] = std::filesystem::absolute(*p).string();
  }
  if (auto m = a.value("pricing-mode")) {
    if (*m != "cloud" && *m != "owned") throw ConfigError("", "--pricing-mode", fmt::format("'{}' is not cloud or owned", *m));
    base["pricing_mode"] = *m;
  }
  for (const auto& w : presets) serving::summarize_workload_preset(w);  // every preset readable
  const Json sweep = {{"name", "workloads-compare"}, {"kind", "plan"}, {"base", base},
                      {"grid", {{"workload", presets}, {"hardware", hardware}}}};
  const auto scenarios = planner::expand_sweep_text(sweep.dump(), "workloads compare");
  const std::string db = a.value_or("db", default_results_db());
  if (const auto parent = std::filesystem::path(db).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent);
  const std::string run = a.value_or("run", "workloads-compare-" + model);
  const int jobs = a.integer("jobs", 0, 0, 4096);
  const auto st = run_sweep_with_progress(scenarios, {db, run, jobs, 16}, a.flag("quiet") || a.flag("json"));

  // Read back what the store holds for exactly these scenarios: what was computed now and earlier.
  const auto store = store::ResultsStore::open(db, store::OpenMode::read_only);
  std::map<std::string, const planner::SweepScenario*> wanted;
  for (const auto& s : scenarios) wanted[s.id] = &s;
  std::map<std::string, std::vector<store::ResultRow>> by_workload;
  store.for_each_row(run, [&](const store::ResultRow& r) {
    if (wanted.count(r.scenario_id)) by_workload[r.labels.count("workload") ? r.labels.at("workload") : "?"].push_back(r);
  });
  auto metric = [](const store::ResultRow& r, const char* k) {
    const auto it = r.metrics.find(k);
    return it == r.metrics.end() ? NAN : it->second;
  };
  auto label = [](const store::ResultRow& r, const char* k) {
    const auto it = r.labels.find(k);
    return it == r.labels.end() ? std::string() : it->second;
  };
  auto order = [&](std::vector<store::ResultRow>& rows) {
    std::sort(rows.begin(), rows.end(), [&](const auto& x, const auto& y) {
      const double cx = metric(x, "usd_per_1k_output"), cy = metric(y, "usd_per_1k_output");
      const bool fx = !std::isnan(cx), fy = !std::isnan(cy);
      if (fx != fy) return fx;
      if (fx && cx != cy) return cx < cy;
      return label(x, "hardware") < label(y, "hardware");
    });
  };
  if (a.flag("json")) {
    Json out = {{"model", model}, {"db", db}, {"run", run}, {"workloads", Json::object()}};
    for (const auto& w : presets) {
      auto rows = by_workload[w];
      order(rows);
      Json arr = Json::array();
      for (const auto& r : rows) {
        Json row = {{"hardware", label(r, "hardware")}, {"scenario_id", r.scenario_id}, {"error", r.error}};
        for (const auto& [k, v] : r.labels) row[k] = v;
        for (const auto& [k, v] : r.metrics) row[k] = v;
        arr.push_back(row);
      }
      out["workloads"][w] = arr;
    }
    fmt::print("{}\n", out.dump(2));
    return st.cancelled ? 130 : 0;
  }
  const planner::Pricing pricing = [&] {
    auto p = planner::load_pricing(base.value("pricing", std::string("default")));
    if (base.contains("pricing_mode"))
      p.mode = base["pricing_mode"] == "owned" ? planner::PricingMode::owned : planner::PricingMode::cloud;
    return p;
  }();
  fmt::print("{}: every hardware x workload type, the cheapest plan on each hardware at the workload's load within its "
             "SLOs\n(DES = checked by the discrete-event simulator on the preset's length distributions; costs are "
             "{} pricing)\n",
             model,
             pricing.mode == planner::PricingMode::cloud
                 ? fmt::format("cloud {}", planner::cloud_tier_name(pricing.cloud_tier))
                 : std::string("owned (capex amortised + energy + hosting)"));
  std::map<std::string, std::string> best;
  std::map<std::string, double> best_rent;
  std::map<std::string, planner::TokenCost> best_tokens;
  for (const auto& w : presets) {
    auto rows = by_workload[w];
    order(rows);
    const auto s = serving::summarize_workload_preset(w);
    const double rps = base.contains("requests_per_s") ? base["requests_per_s"].get<double>()
                                                       : s.requests_per_s.value_or(10.0);
    fmt::print("\n== {}: {:.0f} in / {:.0f} out tokens{}, {:g} requests/s; SLO TTFT P99 <= {}, TPOT P99 <= {}{} ==\n", w,
               std::round(s.input_tokens), std::round(s.output_tokens),
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
      if (!best.count(w) && metric(r, "owned_only") != 1.0) best[w] = label(r, "plan");
      const bool owned_only = metric(r, "owned_only") == 1.0, stale = metric(r, "price_stale") == 1.0;
      any_owned_only = any_owned_only || owned_only;
      any_stale = any_stale || stale;
      const std::string kind = label(r, "price_basis");
      const std::string basis_text =
          (owned_only ? std::string("owned only") : kind.rfind("cloud ", 0) == 0 ? kind.substr(6) : kind) +
          (label(r, "price_as_of").empty() ? "" : " " + label(r, "price_as_of").substr(0, 7)) + (stale ? " !" : "");
      t.add({label(r, "hardware"), label(r, "plan"), fmt::format("{:g}", metric(r, "chips")),
             money(metric(r, "usd_per_1k_output")),
             fmt::format("{:.2f}/{:.2f}/{:.2f}", metric(r, "usd_per_1m_input"), metric(r, "usd_per_1m_output"),
                         metric(r, "usd_per_1m_cached_input")),
             fmt::format("{:.0f}", metric(r, "tokens_per_usd")),
             common::format_seconds(metric(r, "ttft_p99_s")), common::format_seconds(metric(r, "tpot_p99_s")),
             fmt::format("{:.2f}", metric(r, "joules_per_output_token")), fmt::format("{:.3f}", metric(r, "joules_per_token")),
             fmt::format("{:.1f}", metric(r, "facility_kw")), basis_text, label(r, "check")});
      if (!best_rent.count(w) && !owned_only) best_rent[w] = metric(r, "usd_per_1k_output");
      ++shown;
    }
    if (shown > 0) fmt::print("{}", t.render());
    if (any_owned_only)
      fmt::print("owned only: no public cloud price for the chip (sold as tokens, or rented by quote only): costed owned "
                 "all-in (chip + server share over its life, maintenance, power x PUE, hosting), a different basis from "
                 "the rented rows\n");
    if (any_stale) fmt::print("!: price older than {} months before {}: check it\n", pricing.stale_after_months, pricing.price_date);
    // The buy-tokens lane: hosted APIs serving this model, on the workload's mean tokens per request.
    const auto lane = planner::token_lane(model, s.input_tokens, s.output_tokens, 0.0, s.tpot_p99_s, pricing);
    if (!lane.empty()) {
      fmt::print("{}", token_lane_table(lane));
      best_tokens[w] = lane.front();
    } else {
      fmt::print("buy tokens: no hosted API price for {} in planner/data/api-token-prices.json\n", model);
    }
    if (!infeasible.empty() || !unpriced.empty()) {
      fmt::print("no feasible plan ({}):\n", infeasible.size() + unpriced.size());
      for (const auto& l : infeasible) fmt::print("  {}\n", l);
      if (!unpriced.empty())
        fmt::print("  not priced in this pricing mode (try --pricing-mode {}): {}\n",
                   base.value("pricing_mode", std::string("cloud")) == "owned" ? "cloud" : "owned",
                   common::join(unpriced, ", "));
    }
  }
  fmt::print("\ncheapest per workload type: ");
  std::vector<std::string> parts;
  for (const auto& w : presets) parts.push_back(fmt::format("{} {}", w, best.count(w) ? best[w] : "(none feasible)"));
  fmt::print("{}\n", common::join(parts, "; "));
  // Buy tokens vs rent / own, per workload type, on the same $ per 1K output tokens.
  std::vector<std::string> vs;
  for (const auto& w : presets) {
    if (!best_tokens.count(w)) continue;
    const auto& t = best_tokens.at(w);
    if (!best_rent.count(w))
      vs.push_back(fmt::format("{} {} {} ${} (no rented plan feasible)", w, t.offer.provider, t.offer.model,
                               money(t.usd_per_1k_output)));
    else
      vs.push_back(fmt::format("{} {}", w, tokens_vs_plan(t, best_rent.at(w),
                                                          pricing.mode == planner::PricingMode::cloud ? "rented" : "owned")));
  }
  if (!vs.empty()) fmt::print("buy tokens instead ($/1K output, cheapest API vs cheapest plan): {}\n", common::join(vs, "; "));
  fmt::print("stored: {} rows of run '{}' in {} ({} computed now, {} reused){}\n", scenarios.size(), run, db, st.done + st.failed,
             st.skipped,
             st.cancelled ? "; CANCELLED: run the same command again to resume" : "");
  fmt::print("export: infersim results export --db {} --run {} --csv\n", db, run);
  return st.cancelled ? 130 : 0;
}

}  // namespace infersim::cli
