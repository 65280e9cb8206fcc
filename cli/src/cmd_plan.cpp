#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/app/plan.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/planner/plan_json.h"
#include "table.h"
#include "token_lane_table.h"

namespace infersim::cli {

using common::ConfigError;
using common::format_seconds;

int cmd_plan(const ArgList& argv) {
  Args a(argv, {"top", "verify-top"}, {"json", "no-verify", "all-rejections"});
  if (a.positional().size() != 1) throw ConfigError("", "plan", "needs exactly one PLAN.json file");
  planner::PlanRequest req = planner::load_plan_request(a.positional()[0]);
  if (auto t = a.optional_integer("top", 1, 100000)) req.top = *t;
  if (auto v = a.optional_integer("verify-top", 0, 1000)) req.verify_top = *v;
  app::PlanOptions opts;
  opts.verify = !a.flag("no-verify");
  const auto res = app::plan(req, opts);
  if (a.flag("json")) {
    fmt::print("{}\n", planner::plan_result_to_json(res).dump(2));
    return 0;
  }
  fmt::print("plan: {} {} ({} in / {} out tokens) at {:g} requests/s; SLO TTFT P99 <= {}, TPOT P99 <= {}; pricing {} "
             "{}\n",
             req.model, req.workload_name, req.input_tokens, req.output_tokens, req.requests_per_s,
             format_seconds(req.slo.ttft_p99_s), format_seconds(req.slo.tpot_p99_s),
             planner::pricing_mode_name(req.pricing.mode),
             req.pricing.mode == planner::PricingMode::cloud ? planner::cloud_tier_name(req.pricing.cloud_tier) : "");
  if (!req.state_precision.empty()) fmt::print("recurrent states kept in {}\n", req.state_precision);
  if (req.site)
    fmt::print("site: {} cooling{}{}{}\n", req.site->cooling,
               req.site->kw_per_rack ? fmt::format(", {:g} kW/rack", *req.site->kw_per_rack) : "",
               req.site->mw ? fmt::format(", {:g} MW", *req.site->mw) : "",
               req.site->racks ? fmt::format(", {} racks", *req.site->racks) : "");
  fmt::print("evaluated {} hardware x runtime x precision combinations; {} feasible shown, {} rejected\n\n",
             res.evaluated, res.ranked.size(), res.rejected.size());
  if (!res.ranked.empty()) {
    Table t({"#", "plan", "chips", "$/1K out", "$/month", "3y TCO $", "TTFT p99", "TPOT p99", "kW", "J/tok", "racks",
             "price basis", "check"});
    int i = 0;
    for (const auto& c : res.ranked) {
      const std::string chips = c.is_mix() ? fmt::format("{:g} repl", c.replicas)
                                           : fmt::format("{:g}x{}", c.replicas, c.chips_per_replica);
      t.add({std::to_string(++i), c.id, chips, fmt::format("{:.5f}", c.cost.usd_per_1k_output),
             fmt::format("{:.0f}", c.cost.monthly_usd), fmt::format("{:.0f}", c.cost.tco_total_usd),
             format_seconds(c.ttft_p99_s), format_seconds(c.tpot_p99_s), fmt::format("{:.1f}", c.power.facility_kw),
             fmt::format("{:.3f}", c.power.joules_per_output_token),
             c.facility.present ? fmt::format("{}", c.facility.racks) : std::string("-"),
             (c.cost.owned_only ? std::string("owned only") : c.cost.basis_kind) +
                 (c.cost.price_as_of.empty() ? "" : " " + c.cost.price_as_of) + (c.cost.price_stale ? " !" : ""),
             c.verified ? "DES" : "analytic"});
    }
    fmt::print("{}", t.render());
    fmt::print("\nPareto frontier (cost vs TTFT P99, cheapest first): {}\n", common::join(res.pareto, "  ->  "));
    const auto& best = res.ranked.front();
    fmt::print("\nbest: {}\n", best.id);
    for (const auto& p : best.parts) fmt::print("  part: {}\n", p);
    fmt::print("  {} | ${:.2f}/hour, ${:.0f}/month, 3-year TCO ${:.0f} (capex ${:.0f}, opex ${:.0f}, porting "
               "${:.0f})\n",
               best.cost.basis, best.cost.usd_per_hour, best.cost.monthly_usd, best.cost.tco_total_usd,
               best.cost.tco_capex_usd, best.cost.tco_opex_usd, best.cost.porting_one_time_usd);
    fmt::print("  ${:.5f} per 1K output tokens, ${:.5f} per 1K tokens blended, ${:.5f} per request\n",
               best.cost.usd_per_1k_output, best.cost.usd_per_1k_blended, best.cost.usd_per_request);
    if (!best.is_mix())
      fmt::print(
          "  power: {:.0f} W per chip on average (active {:.0f} W while stepping, idle {:.0f} W, busy {:.0f}% "
          "of the time at this load); {:.1f} kW facility; {:.3f} J per output token, {:.3f} J per token (input + "
          "output); {:.0f} output tokens/s per facility MW\n",
          best.power.chip_w, best.power.active_chip_w, best.power.idle_chip_w,
          best.power.active_chip_w > best.power.idle_chip_w
              ? 100 * (best.power.chip_w - best.power.idle_chip_w) / (best.power.active_chip_w - best.power.idle_chip_w)
              : 100.0,
          best.power.facility_kw, best.power.joules_per_output_token, best.power.joules_per_token,
          best.power.tokens_per_s_per_mw);
    else
      fmt::print("  power: {:.1f} kW facility; {:.3f} J per output token, {:.3f} J per token; {:.0f} output tokens/s "
                 "per "
                 "facility MW\n",
                 best.power.facility_kw, best.power.joules_per_output_token, best.power.joules_per_token,
                 best.power.tokens_per_s_per_mw);
    if (best.facility.present) {
      const auto& f = best.facility;
      fmt::print("  facility: {} x {} ({} per rack), {} racks at {:.1f} kW/rack, {} cooling; {:.3f} MW provisioned "
                 "(IT {:.3f} MW x PUE {:g}); {:.1f} m2 of floor\n",
                 f.servers, f.product, f.servers_per_rack, f.racks, f.kw_per_rack, f.cooling, f.facility_kw / 1000,
                 f.it_kw / 1000, f.pue, f.floor_m2);
    }
    for (const auto& r : best.risks) fmt::print("  risk: {}\n", r);
  }
  // Buy tokens instead: the hosted-API lane on the same workload.
  if (!res.buy_tokens.empty()) {
    fmt::print("\n{}", token_lane_table(res.buy_tokens));
    if (!res.ranked.empty()) {
      const auto& bp = res.ranked.front();
      fmt::print("buy tokens instead ($/1K output, cheapest API vs the best plan): {}\n",
                 tokens_vs_plan(res.buy_tokens.front(), bp.cost.usd_per_1k_output,
                                bp.cost.owned_only || req.pricing.mode == planner::PricingMode::owned ? "owned"
                                                                                                      : "rented"));
    }
  } else {
    fmt::print("\nbuy tokens: no hosted API price for {} in planner/data/api-token-prices.json\n", req.model);
  }
  // Rejections: one line per reason kind, with the first examples.
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const auto& c : res.rejected) {
    std::string key = c.reason;
    if (key.rfind("feasible but costlier", 0) == 0) key = "feasible but costlier than the top plans";
    by_reason[key].push_back(c.id);
  }
  fmt::print("\nrejected ({}):\n", res.rejected.size());
  int shown = 0;
  for (const auto& [reason, ids] : by_reason) {
    if (!a.flag("all-rejections") && shown++ >= 25) {
      fmt::print("  ... {} more reasons (--all-rejections or --json shows all)\n", by_reason.size() - 25);
      break;
    }
    fmt::print("  {}{}: {}\n",
               common::join(std::vector<std::string>(ids.begin(), ids.begin() + std::min<std::size_t>(3, ids.size())),
                            ", "),
               ids.size() > 3 ? fmt::format(" (+{} more)", ids.size() - 3) : "", reason);
  }
  for (const auto& n : res.notes) fmt::print("note: {}\n", n);
  return 0;
}

}  // namespace infersim::cli
