// Numbers -> document. Every figure is put into a Cell here, once; the renderers only draw cells.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "brief_internal.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/contract/contract_json.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/token_prices.h"

namespace infersim::brief::detail {

namespace {

using common::Json;

Cell level_cell(RiskLevel level) {
  return Cell::str(risk_level_name(level), level == RiskLevel::high  ? Tone::bad
                                           : level == RiskLevel::low ? Tone::good
                                                                     : Tone::normal);
}

std::string num_label(std::size_t i) { return std::to_string(i + 1); }

Cell weeks_cell(double w) { return std::isfinite(w) ? Cell::num(w, 0) : Cell::na("not available"); }

Table summary_compare(const BriefResult& r) {
  const auto& o = r.options[std::size_t(r.recommended)];
  const bool cmp = r.baseline >= 0 && r.baseline != r.recommended && r.options[std::size_t(r.baseline)].feasible;
  Table t;
  t.id = "summary-compare";
  t.caption = cmp ? "Recommended option against staying as is" : "Recommended option";
  t.columns = {{"Figure", false}, {"Recommended: " + o.option.label, true}};
  const OptionResult* b = cmp ? &r.options[std::size_t(r.baseline)] : nullptr;
  if (b) {
    t.columns.push_back({b->option.label, true});
    t.columns.push_back({"Change", true});
  }
  // change: 0 = ratio in %, 1 = difference, 2 = none
  auto row = [&](const std::string& name, Cell a, Cell c, bool lower_is_better = true, int change = 0) {
    std::vector<Cell> cells = {Cell::str(name), a};
    if (b) {
      cells.push_back(c);
      if (change == 2) {
        cells.push_back(Cell::str(""));
      } else if (change == 1 && a.numeric() && c.numeric()) {
        cells.push_back(Cell::num(a.value - c.value, 0, ""));
        if (cells.back().text.rfind('-', 0) != 0 && a.value != c.value) cells.back().text = "+" + cells.back().text;
      } else if (a.numeric() && c.numeric() && c.value != 0) {
        const double ch = a.value / c.value - 1;
        Cell d = Cell::percent(ch, 0, true);
        if (std::fabs(ch) >= 0.005) d.tone = (ch < 0) == lower_is_better ? Tone::good : Tone::bad;
        cells.push_back(d);
      } else {
        cells.push_back(Cell::str(""));
      }
    }
    t.rows.push_back(cells);
  };
  auto val = [&](const OptionResult* x, auto f) { return x ? f(*x) : Cell::str(""); };
  row("$ per 1K output tokens", Cell::usd(o.usd_per_1k_output, 5),
      val(b, [](auto& x) { return Cell::usd(x.usd_per_1k_output, 5); }));
  row("Monthly cost at load", Cell::usd(o.monthly_usd, 0), val(b, [](auto& x) { return Cell::usd(x.monthly_usd, 0); }));
  row("3-year TCO", Cell::usd_millions(o.tco_total_usd),
      val(b, [](auto& x) { return Cell::usd_millions(x.tco_total_usd); }));
  row("3-year capex", Cell::usd_millions(o.tco_capex_usd),
      val(b, [](auto& x) { return Cell::usd_millions(x.tco_capex_usd); }));
  row("3-year opex", Cell::usd_millions(o.tco_opex_usd),
      val(b, [](auto& x) { return Cell::usd_millions(x.tco_opex_usd); }));
  row("Porting (one-time)", Cell::usd(o.porting_usd, 0), val(b, [](auto& x) { return Cell::usd(x.porting_usd, 0); }));
  row("TTFT P99 at load, worst workload (ms)", Cell::ms(o.ttft_p99_s, 0),
      val(b, [](auto& x) { return Cell::ms(x.ttft_p99_s, 0); }));
  row("TTFT at batch 1, worst workload (ms)", Cell::ms(o.ttft_b1_s, 0),
      val(b, [](auto& x) { return Cell::ms(x.ttft_b1_s, 0); }));
  row("TPOT P99, worst workload (ms)", Cell::ms(o.tpot_p99_s, 1),
      val(b, [](auto& x) { return Cell::ms(x.tpot_p99_s, 1); }));
  row("Chips", Cell::num(o.chips, 0), val(b, [](auto& x) { return Cell::num(x.chips, 0); }));
  row("Facility power (kW)", Cell::num(o.facility_kw, 1), val(b, [](auto& x) { return Cell::num(x.facility_kw, 1); }));
  row("Energy per output token (J)", Cell::num(o.joules_per_output_token, 3),
      val(b, [](auto& x) { return Cell::num(x.joules_per_output_token, 3); }));
  row("Headroom before re-sizing", Cell::percent(o.headroom, 1, true),
      val(b, [](auto& x) { return Cell::percent(x.headroom, 1, true); }), false, 2);
  row("Ready in (weeks)", weeks_cell(o.ready_weeks), val(b, [](auto& x) { return weeks_cell(x.ready_weeks); }), true,
      1);
  row("Risk", level_cell(o.risk_level), val(b, [](auto& x) { return level_cell(x.risk_level); }));
  return t;
}

Table summary_options(const BriefResult& r) {
  Table t;
  t.id = "summary-options";
  t.caption = "All options, by 3-year TCO (infeasible last)";
  t.columns = {{"#", true},       {"Option", false},       {"$/month", true}, {"3-year TCO", true},
               {"vs stay", true}, {"TTFT P99 (ms)", true}, {"Risk", false},   {"Status", false}};
  std::vector<std::size_t> order(r.options.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto &x = r.options[a], &y = r.options[b];
    if (x.feasible != y.feasible) return x.feasible;
    return x.feasible && x.tco_total_usd < y.tco_total_usd;
  });
  const OptionResult* base = r.baseline >= 0 && r.options[std::size_t(r.baseline)].feasible
                                 ? &r.options[std::size_t(r.baseline)]
                                 : nullptr;
  for (std::size_t i : order) {
    const auto& o = r.options[i];
    const bool rec = int(i) == r.recommended;
    Cell label = Cell::str(o.option.label + (rec ? "  (recommended)" : ""), rec ? Tone::strong : Tone::normal);
    if (!o.feasible) {
      t.rows.push_back({Cell::str(num_label(i)), label, Cell::na("-"), Cell::na("-"), Cell::na("-"), Cell::na("-"),
                        level_cell(o.risk_level), Cell::str("infeasible", Tone::bad)});
      continue;
    }
    Cell vs = base ? Cell::percent(o.tco_total_usd / base->tco_total_usd - 1, 0, true) : Cell::na("-");
    if (base && vs.numeric() && std::fabs(vs.value) >= 0.005) vs.tone = vs.value < 0 ? Tone::good : Tone::bad;
    t.rows.push_back({Cell::str(num_label(i)), label, Cell::usd(o.monthly_usd, 0), Cell::usd_millions(o.tco_total_usd),
                      vs, Cell::ms(o.ttft_p99_s, 0), level_cell(o.risk_level), Cell::str("feasible", Tone::good)});
  }
  return t;
}

std::string short_reason(const std::string& s, std::size_t max = 220) {
  if (s.size() <= max) return s;
  return s.substr(0, max - 3) + "...";
}

Bullets why_not(const BriefResult& r) {
  Bullets b;
  const OptionResult* rec = r.recommended >= 0 ? &r.options[std::size_t(r.recommended)] : nullptr;
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    if (int(i) == r.recommended) continue;
    const auto& o = r.options[i];
    if (!o.feasible) {
      b.items.push_back(fmt::format("{} {}: infeasible: {}", num_label(i), o.option.label, short_reason(o.reason)));
      continue;
    }
    std::string s = fmt::format("{} {}: 3-year TCO {}", num_label(i), o.option.label,
                                Cell::usd_millions(o.tco_total_usd).text);
    if (rec) {
      const double d = o.tco_total_usd - rec->tco_total_usd;
      s += fmt::format(" ({} {} than the recommendation)", Cell::usd_millions(std::fabs(d)).text,
                       d >= 0 ? "more" : "less");
    }
    s += fmt::format("; TTFT P99 {} ms; risk {}", Cell::ms(o.ttft_p99_s, 0).text, risk_level_name(o.risk_level));
    std::vector<std::string> high;
    for (const auto& k : o.risks)
      if (k.level == RiskLevel::high && k.area != "cold start") high.push_back(k.area);
    std::sort(high.begin(), high.end());
    high.erase(std::unique(high.begin(), high.end()), high.end());
    if (!high.empty()) s += " (" + common::join(high, ", ") + ")";
    // Where a lane runs on chips whose vendor sells tokens: how its cost compares with that vendor's
    // own price, and what drives it (the largest ratio over the workloads).
    const Part* vp = nullptr;
    for (const auto& p : o.parts)
      if (p.vendor_price_ratio > 0 && (vp == nullptr || p.vendor_price_ratio > vp->vendor_price_ratio)) vp = &p;
    if (vp != nullptr)
      s += fmt::format("; its {} lane costs up to {:.1f}x {}'s own API price per output token{}: {}", vp->lane,
                       vp->vendor_price_ratio, vp->vendor_price_provider,
                       planner::within_vendor_price_band(vp->vendor_price_ratio)
                           ? ""
                           : " (outside 0.2x-2x: check the inputs)",
                       vp->vendor_price_driver);
    b.items.push_back(s);
  }
  return b;
}

std::string workload_line(const BriefRequest& req) {
  std::vector<std::string> ws;
  for (const auto& w : req.workloads)
    ws.push_back(fmt::format("{} {:g}% ({:g} in / {:g} out tokens{})", w.name, 100 * w.share, w.input_tokens,
                             w.output_tokens,
                             w.calls_per_task > 1 ? fmt::format(", {:g} calls per task", w.calls_per_task) : ""));
  return common::join(ws, ", ");
}

// "Buy tokens instead": the cheapest hosted API serving the brief's model (its own weights first),
// priced on the brief's traffic mix, against the recommended option's monthly cost.
std::string buy_tokens_line(const BriefResult& r) {
  const auto& req = r.request;
  const auto offers = planner::token_offers_for(req.model, planner::shipped_token_offers());
  if (offers.empty())
    return fmt::format("Buy tokens instead: no hosted API price for {} in planner/data/api-token-prices.json, so "
                       "this brief compares renting and owning only.",
                       req.model);
  const planner::TokenOffer* best = nullptr;
  double best_month = INFINITY;
  bool best_tpot_ok = true;
  std::string best_stale;
  for (const auto& o : offers) {
    if (best != nullptr && o.model != req.model && best->model == req.model) break;  // own weights first
    double month = 0;
    bool tpot_ok = true;
    std::string stale;
    for (std::size_t w = 0; w < req.workloads.size(); ++w) {
      const auto& x = req.workloads[w];
      const auto c = planner::token_cost(o, req.model, x.input_tokens, x.output_tokens, 0.0, slo_for(req, w).tpot_p99_s,
                                         req.pricing);
      month += req.requests_per_s * x.share * 3600.0 * 730.0 * c.usd_per_request;
      tpot_ok = tpot_ok && (!o.speed_tok_s || c.tpot_meets);
      stale = c.stale_note;
    }
    if (month < best_month) {
      best_month = month;
      best = &o;
      best_tpot_ok = tpot_ok;
      best_stale = stale;
    }
  }
  std::string slo = best->speed_tok_s
                        ? (best_tpot_ok
                               ? fmt::format("its published {:g} tok/s meets the TPOT SLO", *best->speed_tok_s)
                               : fmt::format("its published {:g} tok/s misses the TPOT SLO", *best->speed_tok_s))
                        : std::string("it publishes no speed");
  slo += "; TTFT is not published, so the latency SLOs are unchecked for this lane";
  std::string head =
      fmt::format("Buy tokens instead: {} serves {}{} at ${:g} / ${:g} per 1M input / output tokens (as of {}): "
                  "{} a month for this traffic",
                  best->provider, best->model, best->model == req.model ? "" : " (same architecture)",
                  best->usd_per_1m_input, best->usd_per_1m_output, best->as_of, Cell::usd(best_month, 0).text);
  if (r.recommended >= 0) {
    const auto& o = r.options[std::size_t(r.recommended)];
    const double ratio = o.monthly_usd > 0 ? best_month / o.monthly_usd : 0;
    head += fmt::format(" vs {} for the recommended option ({}): buying tokens is {}", Cell::usd(o.monthly_usd, 0).text,
                        o.pricing_basis,
                        ratio < 1 ? fmt::format("{:.1f}x cheaper", 1 / ratio) : fmt::format("{:.1f}x dearer", ratio));
  }
  return head + fmt::format(" ({}{}).", slo, best_stale.empty() ? "" : "; " + best_stale);
}

Section summary_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "summary";
  s.title = "1. Executive summary";
  s.blocks.push_back(Paragraph{r.recommendation, true});
  s.blocks.push_back(Paragraph{buy_tokens_line(r), false});
  if (r.recommended >= 0) s.blocks.push_back(summary_compare(r));
  s.blocks.push_back(summary_options(r));
  auto wn = why_not(r);
  if (!wn.items.empty()) {
    s.blocks.push_back(Paragraph{"Why not the others:", false});
    s.blocks.push_back(wn);
  }
  s.blocks.push_back(Paragraph{
      fmt::format("Scope: {} at {:g} requests/s: {}. SLO TTFT P99 <= {} ms, TPOT P99 <= {} ms. Pricing: {}. The "
                  "recommendation is the lowest 3-year TCO among feasible options not rated high risk. Figures are {}; "
                  "section 8 lists the commands that reproduce every number.",
                  req.model, req.requests_per_s, workload_line(req), Cell::ms(req.slo.ttft_p99_s, 0).text,
                  Cell::ms(req.slo.tpot_p99_s, 0).text,
                  req.pricing.mode == planner::PricingMode::cloud
                      ? fmt::format("cloud {}", planner::cloud_tier_name(req.pricing.cloud_tier))
                      : std::string("owned"),
                  r.verified ? "from the planner with discrete-event verification of the cheapest layouts"
                             : "analytic (planner sizing with Erlang-C queueing; no discrete-event verification)"),
      false});
  return s;
}

Section workload_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "workload";
  s.title = "2. Workload and current deployment";
  s.new_page = true;
  Table t;
  t.id = "workloads";
  t.caption = "Workload profile at the target load";
  t.columns = {{"Workload", false},         {"Share", true},
               {"Requests/s", true},        {"Input tokens", true},
               {"Output tokens", true},     {"Calls per task", true},
               {"TTFT P99 SLO (ms)", true}, {"TPOT P99 SLO (ms)", true},
               {"Output tokens/s", true}};
  for (std::size_t w = 0; w < req.workloads.size(); ++w) {
    const auto& x = req.workloads[w];
    const auto slo = slo_for(req, w);
    const double lambda = req.requests_per_s * x.share;
    t.rows.push_back({Cell::str(x.name), Cell::percent(x.share, 0), Cell::num(lambda, 2), Cell::num(x.input_tokens, 0),
                      Cell::num(x.output_tokens, 0), Cell::num(x.calls_per_task, 0), Cell::ms(slo.ttft_p99_s, 0),
                      Cell::ms(slo.tpot_p99_s, 0), Cell::num(lambda * x.output_tokens, 0)});
  }
  t.rows.push_back({Cell::str("total", Tone::strong), Cell::percent(1.0, 0), Cell::num(req.requests_per_s, 2),
                    Cell::str(""), Cell::str(""), Cell::str(""), Cell::str(""), Cell::str(""),
                    Cell::num(total_output_tok_s(req), 0)});
  t.notes.push_back(
      "Arrivals are Poisson at the stated rate; lengths are the stated means. Latency SLOs apply to every "
      "request; goodput target " +
      fmt::format("{:g}%", 100 * req.slo.goodput) + ".");
  s.blocks.push_back(t);

  // Current deployment: its stack and what it needs at the target load (the "stay" option).
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  const auto& hw = hws.get(req.current.hardware);
  KeyValues kv;
  kv.id = "current";
  std::string rt_text = req.current.runtime.empty() ? "(hardware default)" : req.current.runtime;
  try {
    const auto m = model::ModelCatalog::shipped().resolve(req.model);
    perf::Deployment d;
    d.hardware = hw;
    d.runtime = req.current.runtime;
    d.precision = perf::default_precision(hw, *common::parse_dtype(req.current.precision), std::nullopt,
                                          req.current.runtime);
    const auto rr = perf::resolve_runtime(m, d);
    rt_text = fmt::format("{} ({} backend, {}; calibration basis: {})", rr.runtime, rr.backend, rr.maturity, rr.basis);
  } catch (const common::ConfigError& e) {
    rt_text += fmt::format(" - not supported: {}", e.reason());
  }
  kv.items.push_back({"Hardware", Cell::str(fmt::format("{} ({})", hw.display_name, hw.name)), ""});
  kv.items.push_back({"Runtime", Cell::str(rt_text), ""});
  kv.items.push_back({"Precision (weights)", Cell::str(req.current.precision), ""});
  kv.items.push_back({"Current fleet",
                      req.current.chips > 0 ? Cell::num(req.current.chips, 0, " chips") : Cell::na("not stated"), ""});
  if (r.baseline >= 0) {
    const auto& b = r.options[std::size_t(r.baseline)];
    if (b.feasible) {
      kv.items.push_back(
          {"Needed at the target load", Cell::num(b.chips, 0, " chips"),
           req.current.chips > 0 ? fmt::format("{:+g} vs the current fleet", b.chips - req.current.chips) : ""});
      kv.items.push_back({"Monthly cost at load", Cell::usd(b.monthly_usd, 0), b.pricing_basis});
      kv.items.push_back({"$ per 1K output tokens", Cell::usd(b.usd_per_1k_output, 5), ""});
      for (std::size_t w = 0; w < req.workloads.size(); ++w) {
        const auto& f = b.workloads[w];
        kv.items.push_back(
            {fmt::format("{}: TTFT at batch 1 / P50 / P99 (ms)", req.workloads[w].name),
             Cell::str(fmt::format("{} / {} / {}", Cell::ms(f.ttft_b1_s, 0).text, Cell::ms(f.ttft_p50_s, 0).text,
                                   Cell::ms(f.ttft_p99_s, 0).text)),
             fmt::format("TPOT P50 / P99 {} / {} ms", Cell::ms(f.tpot_p50_s, 1).text, Cell::ms(f.tpot_p99_s, 1).text)});
      }
      kv.items.push_back({"Facility power", Cell::num(b.facility_kw, 1, " kW"),
                          fmt::format("{} J per output token", Cell::num(b.joules_per_output_token, 3).text)});
    } else {
      kv.items.push_back({"At the target load", Cell::str("cannot meet the SLOs", Tone::bad), short_reason(b.reason)});
    }
  }
  s.blocks.push_back(
      Paragraph{"Current deployment and what it needs at the target load (option 1 when it is \"stay\"):", false});
  s.blocks.push_back(kv);
  return s;
}

// An owned option checked against the brief's site: per-hardware refusals, then the option's totals.
struct SiteCheck {
  bool checked = false, fits = true;
  std::string text;
};

// The option's footprint placed in `site`: each hardware at the site's cooling and rack limit, then
// the totals against the site's MW and racks.
void check_site(const OptionResult& o, const planner::Site& site, SiteCheck& x) {
  planner::Site per_hardware = site;  // cooling and kW/rack per hardware; the totals below
  per_hardware.mw.reset();
  per_hardware.racks.reset();
  const auto fp = option_footprint(o, &per_hardware);
  x.checked = true;
  if (!fp.fits) {
    x.fits = false;
    x.text = fp.reason;
    return;
  }
  const double kw = fp.facility_kw;
  const int racks = fp.racks;
  std::vector<std::string> parts;
  if (site.mw) {
    parts.push_back(fmt::format("{:.3g} of {:g} MW", kw / 1000, *site.mw));
    if (kw > *site.mw * 1000) x.fits = false;
  }
  if (site.racks) {
    parts.push_back(fmt::format("{} of {} racks", racks, *site.racks));
    if (racks > *site.racks) x.fits = false;
  }
  x.text = fmt::format("{}{}{}", x.fits ? "fits" : "exceeds the site", parts.empty() ? "" : ": ",
                       common::join(parts, ", "));
}

// What each option needs from a facility: servers, racks, the densest rack, cooling, provisioned MW and
// floor. Cloud options are hosted by the provider; the figures show what owning them would take.
Table facility_table(const BriefResult& r) {
  Table t;
  t.id = "facility";
  t.caption = "Facility each option needs (all lanes): servers, racks, densest rack, cooling, provisioned power, floor";
  t.columns = {{"#", true},        {"Option", false},        {"Servers", true},  {"Racks", true},    {"kW/rack", true},
               {"Cooling", false}, {"MW provisioned", true}, {"Floor m2", true}, {"Products", false}};
  const auto& site = r.request.site;
  if (site) t.columns.push_back({"Own site", false});
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    const auto x = option_footprint(o);
    t.rows.push_back({Cell::str(num_label(i)), Cell::str(o.option.label), Cell::num(x.servers, 0),
                      Cell::num(x.racks, 0), Cell::num(x.kw_rack, 1),
                      Cell::str(common::join(std::vector<std::string>(x.cooling.begin(), x.cooling.end()), " + ")),
                      Cell::num(x.facility_kw / 1000, 3), Cell::num(x.floor, 1),
                      Cell::str(common::join(std::vector<std::string>(x.products.begin(), x.products.end()), "; "))});
    if (site) {
      SiteCheck sc;
      if (x.owned) check_site(o, *site, sc);
      t.rows.back().push_back(sc.checked ? Cell::str(sc.text, sc.fits ? Tone::good : Tone::bad) : Cell::na("rented"));
    }
  }
  if (site)
    t.notes.push_back(fmt::format(
        "Own site: {} cooling{}{}{}. Owned options are planned within it (plans that break a limit are rejected with "
        "the limit named); the column checks each owned option's total. Rented options run in the provider's hall.",
        site->cooling, site->kw_per_rack ? fmt::format(", {:g} kW/rack", *site->kw_per_rack) : "",
        site->mw ? fmt::format(", {:g} MW", *site->mw) : "",
        site->racks ? fmt::format(", {} racks", *site->racks) : ""));
  t.notes.push_back(
      "Per hardware (lanes on one chip share racks): servers = ceil(chips / chips per server) of the product a buyer "
      "racks; racks at the product's own "
      "cooling (air where it allows air, at that type's typical rack limit: air 30 kW, liquid 150 kW); MW = "
      "nameplate server power x the cooling type's PUE, what a site must provision (not the average draw of the cost "
      "figures). Sources per figure: planner/data/facility.json; arithmetic: docs/plan-format.md \"Facility\". "
      "Cloud options are hosted by the provider: the figures show what owning them would take.");
  return t;
}

// Stranded-asset risk per option (planner::stranded_risk over the option's facility): how the capacity
// is obtained and how long it takes, the facility fit-out an owner pays, what a change to liquid
// cooling within the IT depreciation period means, and whether the facility carries the densest
// generation a refresh could bring.
Table stranded_table(const BriefResult& r) {
  Table t;
  t.id = "stranded-asset";
  t.caption =
      "Stranded-asset risk: lead time, facility fit-out, air-to-liquid within depreciation, next-generation re-use";
  t.columns = {{"#", true},          {"Option", false},        {"Supply", false},          {"Lead (months)", true},
               {"Fit-out $M", true}, {"Air to liquid", false}, {"Next generation", false}, {"Risk", false}};
  const auto& fac = planner::shipped_facility();
  const int year = std::atoi(r.request.pricing.price_date.substr(0, 4).c_str());
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    const auto x = option_footprint(o);
    const std::string cooling = x.cooling_needed();
    const auto k = planner::stranded_risk(fac, x.owned, cooling, x.kw_rack, x.it_kw, year);
    const Tone tone = k.level == "high" ? Tone::bad : k.level == "medium" ? Tone::strong : Tone::good;
    t.rows.push_back({Cell::str(num_label(i)), Cell::str(o.option.label),
                      Cell::str(x.owned ? fmt::format("own, {}", cooling) : std::string("rent")),
                      Cell::num(k.lead_months, 0), x.owned ? Cell::num(k.fitout_usd / 1e6, 2) : Cell::na("-"),
                      Cell::str(k.air_to_liquid), Cell::str(k.next_generation), Cell::str(k.level, tone)});
  }
  const auto& st = fac.stranded;
  t.notes.push_back(fmt::format(
      "Owned options' TCO assumes colocation hosting (the pricing's $/kW-month); the fit-out column is what building "
      "your own hall would cost instead, and the risk column rates that build (leasing moves the facility risk to "
      "the colocation provider for the lease term). "
      "Window: {} to {} (the {:g}-year IT depreciation; NVIDIA ships a rack generation every {:g} year(s)); the "
      "facility's mechanical plant lives {:g} years, so one hall sees several generations. Fit-out per MW of IT load: "
      "air ${:.1f}M, liquid ${:.1f}M; air-to-liquid retrofit ${:.1f}M/MW. Lead times exclude chip delivery and a new "
      "grid connection. Sources per figure: planner/data/facility.json \"stranded_asset\" ([EST] marked there); "
      "method: docs/plan-format.md \"Stranded-asset risk\".",
      year, year + int(st.it_depreciation_years), st.it_depreciation_years, st.cadence_years, st.mechanical_life_years,
      st.fitout_air_usd_per_mw / 1e6, st.fitout_liquid_usd_per_mw / 1e6, st.retrofit_usd_per_mw / 1e6));
  return t;
}

// Predictability: the step-time spread of each option's chips ([EST] CV by execution model, the
// simulator's step_jitter "auto") as the P99 of a single token's latency over its mean, and that
// per-token P99 on the option's slowest decode lane.
Table predictability_table(const BriefResult& r) {
  // P99 of a lognormal of mean 1 and coefficient of variation c (the simulator's jitter factor).
  const auto p99_factor = [](double c) {
    const double s2 = std::log1p(c * c);
    return std::exp(-0.5 * s2 + 2.3263479 * std::sqrt(s2));
  };
  Table t;
  t.id = "predictability";
  t.caption = "Predictability: per-token latency spread from step-time jitter (worst lane)";
  t.columns = {{"#", true},
               {"Option", false},
               {"Execution", false},
               {"Step CV [EST]", true},
               {"Token P99 / mean", true},
               {"Token P99 (ms)", true}};
  const auto& hws = hwprofiles::HardwareCatalog::shipped();
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    double cv = 0, token_p99 = 0;
    std::set<std::string> exec;
    for (const auto& p : o.parts) {
      if (!p.feasible || p.lane == "prefill pool" || !hws.contains(p.candidate.hardware)) continue;
      const auto& hw = hws.get(p.candidate.hardware);
      exec.insert(hw.static_dataflow() ? "static dataflow"
                  : hw.kind == hwprofiles::HardwareKind::tpu || hw.kind == hwprofiles::HardwareKind::asic
                      ? "compiled graph"
                      : "kernel launch");
      const double c = hw.step_jitter_cv_est();
      cv = std::max(cv, c);
      token_p99 = std::max(token_p99, p.candidate.tpot_p50_s * p99_factor(c));
    }
    t.rows.push_back({Cell::str(num_label(i)), Cell::str(o.option.label),
                      Cell::str(common::join(std::vector<std::string>(exec.begin(), exec.end()), " + ")),
                      Cell::num(cv, 2), Cell::num(p99_factor(cv), 2), Cell::ms(token_p99, 1)});
  }
  t.notes.push_back(
      "A token's latency is one decode step; its P99 over the mean is the P99 of a lognormal of mean 1 with the chip's "
      "step-time coefficient of variation ([EST]: 0.05 GPUs / CPUs / NPUs, 0.02 TPUs and compiled ASICs, 0 statically "
      "scheduled dataflow chips; no public per-step variance measurement was found). Token P99 = the lane's TPOT P50 "
      "x that factor. `infersim simulate` with step_jitter \"auto\" runs the same spread "
      "(docs/serving-simulator.md).");
  return t;
}

Section options_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "options";
  s.title = "3. Options compared";
  Table cost;
  cost.id = "options-cost";
  cost.caption = "Options: cost at the target load";
  cost.columns = {{"#", true},        {"Option", false},         {"Chips", true},
                  {"$/1K out", true}, {"$/1K all tokens", true}, {"$/month", true},
                  {"3y capex", true}, {"3y opex", true},         {"Porting", true},
                  {"3y TCO", true},   {"Headroom", true}};
  Table lat;
  lat.id = "options-latency";
  lat.caption = "Options: latency (worst workload) and power";
  lat.columns = {{"#", true},
                 {"Option", false},
                 {"TTFT b1 (ms)", true},
                 {"TTFT P50 (ms)", true},
                 {"TTFT P99 (ms)", true},
                 {"TPOT P50 (ms)", true},
                 {"TPOT P99 (ms)", true},
                 {"kW", true},
                 {"J/token", true},
                 {"Risk", false}};
  Table per;
  per.id = "options-workloads";
  per.caption = "Options per workload";
  per.columns = {{"#", true},
                 {"Option", false},
                 {"Workload", false},
                 {"TTFT b1 (ms)", true},
                 {"TTFT P50 (ms)", true},
                 {"TTFT P99 (ms)", true},
                 {"TPOT P99 (ms)", true},
                 {"$/request", true},
                 {"$/task", true},
                 {"SLOs", false}};
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    const Cell n = Cell::str(num_label(i));
    const Cell label = Cell::str(o.option.label + (o.analytic ? " [analytic]" : ""),
                                 int(i) == r.recommended ? Tone::strong : Tone::normal);
    if (!o.feasible) {
      cost.notes.push_back(fmt::format("Option {} is infeasible: {}", num_label(i), o.reason));
      std::vector<Cell> row = {n, label, Cell::str("infeasible", Tone::bad)};
      while (row.size() < cost.columns.size()) row.push_back(Cell::str(""));
      cost.rows.push_back(row);
      std::vector<Cell> row2 = {n, label, Cell::str("infeasible", Tone::bad)};
      while (row2.size() < lat.columns.size() - 1) row2.push_back(Cell::str(""));
      row2.push_back(level_cell(o.risk_level));
      lat.rows.push_back(row2);
      continue;
    }
    cost.rows.push_back(
        {n, label, Cell::num(o.chips, 0), Cell::usd(o.usd_per_1k_output, 5), Cell::usd(o.usd_per_1k_blended, 5),
         Cell::usd(o.monthly_usd, 0), Cell::usd_millions(o.tco_capex_usd), Cell::usd_millions(o.tco_opex_usd),
         Cell::usd(o.porting_usd, 0), Cell::usd_millions(o.tco_total_usd), Cell::percent(o.headroom, 1, true)});
    lat.rows.push_back({n, label, Cell::ms(o.ttft_b1_s, 1), Cell::ms(o.ttft_p50_s, 1), Cell::ms(o.ttft_p99_s, 1),
                        Cell::ms(o.tpot_p50_s, 1), Cell::ms(o.tpot_p99_s, 1), Cell::num(o.facility_kw, 1),
                        Cell::num(o.joules_per_output_token, 3), level_cell(o.risk_level)});
    for (std::size_t w = 0; w < req.workloads.size(); ++w) {
      const auto& f = o.workloads[w];
      per.rows.push_back({n, label, Cell::str(req.workloads[w].name), Cell::ms(f.ttft_b1_s, 1),
                          Cell::ms(f.ttft_p50_s, 1), Cell::ms(f.ttft_p99_s, 1), Cell::ms(f.tpot_p99_s, 1),
                          Cell::usd(f.usd_per_request, 5), Cell::usd(f.usd_per_task, 4),
                          f.meets_slo ? Cell::str("met", Tone::good) : Cell::str("missed", Tone::bad)});
    }
  }
  cost.notes.insert(
      cost.notes.begin(),
      "$/1K out = all cost over output tokens (the headline figure); $/1K all tokens = over input + output tokens. "
      "Monthly = 730 hours at the target load. 3-year TCO = capex (owned: chip purchase) + opex (rental, or energy, "
      "hosting, network and software) + one-time porting to runtimes not yet in production (counted once per runtime). "
      "Headroom = load growth the sized replicas absorb within the SLOs before another replica is needed (smallest "
      "over "
      "lanes); it comes on top of the target utilisation the planner sizes to (section 7). Lanes verified by the "
      "discrete-event simulator run the smallest replica count that met the SLOs in simulation: their headroom is "
      "below "
      "one replica and shown as 0%.");
  lat.notes = {"TTFT b1 = time to first token of one request on an idle replica for the workload's stated prompt "
               "length (batch 1); "
               "P50/P99 = at the target load (queueing included). TPOT = time per output token. Worst workload shown; "
               "per-workload "
               "figures below. kW = facility power (IT x PUE); J/token = facility energy per output token."};
  per.notes = {"$/task = $/request x calls per task. In mixed options each workload's latency is its slowest lane's."};
  s.blocks.push_back(cost);
  s.blocks.push_back(lat);
  s.blocks.push_back(per);
  s.blocks.push_back(facility_table(r));
  s.blocks.push_back(stranded_table(r));
  s.blocks.push_back(predictability_table(r));
  return s;
}

std::string option_tag(std::size_t i, const OptionResult& o) {
  std::string l = o.option.label;
  if (l.size() > 38) l = l.substr(0, 35) + "...";
  return fmt::format("{} {}", i + 1, l);
}

Section charts_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "charts";
  s.title = "4. Charts";
  s.new_page = false;  // follows the options tables; each chart moves to the next page only if it does not fit
  std::vector<std::string> infeasible;
  for (std::size_t i = 0; i < r.options.size(); ++i)
    if (!r.options[i].feasible) infeasible.push_back(fmt::format("{} {}", i + 1, r.options[i].option.label));
  const std::string missing = infeasible.empty()
                                  ? ""
                                  : "Not shown (infeasible, see section 3): " + common::join(infeasible, "; ") + ".";

  Chart f;
  f.id = "frontier";
  f.kind = ChartKind::scatter;
  f.title = "Cost vs first-token latency";
  f.x_label = "TTFT (ms), worst workload";
  f.y_label = "$ per 1K output tokens";
  f.value_prefix = "$";
  ChartSeries p99{"TTFT P99 at load", {}, false, false, 0};
  ChartSeries b1{"TTFT at batch 1", {}, false, true, 0};
  std::vector<std::pair<double, std::string>> pts;
  std::vector<std::tuple<double, double, std::string>> frontier_src;
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    p99.points.push_back({num_label(i), o.ttft_p99_s * 1e3, o.usd_per_1k_output});
    b1.points.push_back({num_label(i), o.ttft_b1_s * 1e3, o.usd_per_1k_output});
    frontier_src.push_back({o.usd_per_1k_output, o.ttft_p99_s * 1e3, num_label(i)});
    f.legend.push_back(option_tag(i, o));
  }
  std::sort(frontier_src.begin(), frontier_src.end());
  ChartSeries front{"Pareto frontier (P99)", {}, true, false, 3};
  double best = INFINITY;
  for (const auto& [cost, ttft, label] : frontier_src)
    if (ttft < best - 1e-9) {
      front.points.push_back({label, ttft, cost});
      best = ttft;
    }
  f.series = {front, b1, p99};
  f.guide_x = {{req.slo.ttft_p99_s * 1e3, 0}};
  f.guide_label = fmt::format("SLO {} ms", Cell::ms(req.slo.ttft_p99_s, 0).text);
  f.notes.push_back("Filled markers: TTFT P99 at the target load (the planner sizes replicas up to the SLO); open "
                    "markers: TTFT at batch 1 on an idle replica. The line joins options no other option beats on both "
                    "cost and P99 TTFT.");
  if (!missing.empty()) f.notes.push_back(missing);
  s.blocks.push_back(f);

  Chart c;
  c.id = "cost-breakdown";
  c.kind = ChartKind::stacked_bars;
  c.title = "Monthly cost per option, by component";
  c.x_label = "$ per month (millions)";
  c.value_prefix = "$";
  c.value_suffix = "M";
  c.value_scale = 1e6;
  const std::vector<std::string> comp = {"cloud rental", "capex (amortised)", "energy",
                                         "hosting",      "network",           "software"};
  std::vector<bool> used(comp.size(), false);
  std::vector<std::vector<double>> vals;
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    std::vector<double> v = {o.rental_monthly,  o.capex_monthly,   o.energy_monthly,
                             o.hosting_monthly, o.network_monthly, o.software_monthly};
    for (std::size_t k = 0; k < v.size(); ++k) used[k] = used[k] || v[k] > 0;
    vals.push_back(v);
    c.categories.push_back(option_tag(i, o));
    c.bar_labels.push_back(Cell::usd(o.monthly_usd, 0).text);
  }
  for (std::size_t k = 0; k < comp.size(); ++k)
    if (used[k]) c.stack_names.push_back(comp[k]);
  for (const auto& v : vals) {
    std::vector<double> row;
    for (std::size_t k = 0; k < comp.size(); ++k)
      if (used[k]) row.push_back(v[k]);
    c.values.push_back(row);
  }
  c.notes.push_back("Owned options: capex is the purchase price amortised over the depreciation period; porting is a "
                    "one-time cost shown in the TCO, not here.");
  if (!missing.empty()) c.notes.push_back(missing);
  s.blocks.push_back(c);

  Chart p;
  p.id = "power";
  p.kind = ChartKind::bars;
  p.title = "Facility power per option at the target load";
  p.x_label = "kW (IT power x PUE)";
  p.value_suffix = " kW";
  p.stack_names = {"facility kW"};
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) continue;
    p.categories.push_back(option_tag(i, o));
    p.values.push_back({o.facility_kw});
    p.bar_labels.push_back(fmt::format("{} kW, {} J/token", Cell::num(o.facility_kw, 1).text,
                                       Cell::num(o.joules_per_output_token, 3).text));
  }
  if (!missing.empty()) p.notes.push_back(missing);
  s.blocks.push_back(p);
  return s;
}

Section risks_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "risks";
  s.title = "5. Risks and timeline";
  s.new_page = true;
  Table tl;
  tl.id = "timeline";
  tl.caption = "Timeline: porting (runtime profiles) and procurement lead time [EST]";
  tl.columns = {{"#", true},
                {"Option", false},
                {"New runtimes", false},
                {"Porting (eng.-weeks)", true},
                {"Porting cost", true},
                {"Lead time (weeks) [EST]", true},
                {"Ready in (weeks)", true}};
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    if (!o.feasible) {
      tl.rows.push_back({Cell::str(num_label(i)), Cell::str(o.option.label), Cell::str("infeasible", Tone::bad),
                         Cell::str(""), Cell::str(""), Cell::str(""), Cell::str("")});
      continue;
    }
    std::set<std::string> rts;
    for (const auto& p : o.parts)
      if (std::find(req.pricing.current_runtimes.begin(), req.pricing.current_runtimes.end(), p.candidate.runtime) ==
          req.pricing.current_runtimes.end())
        rts.insert(p.candidate.runtime);
    tl.rows.push_back(
        {Cell::str(num_label(i)), Cell::str(o.option.label),
         Cell::str(rts.empty() ? "none" : common::join(std::vector<std::string>(rts.begin(), rts.end()), ", ")),
         Cell::num(o.porting_weeks, 0), Cell::usd(o.porting_usd, 0), weeks_cell(o.lead_time_weeks),
         weeks_cell(o.ready_weeks)});
  }
  tl.notes.push_back(
      "Porting and procurement run in parallel: ready = max(porting, lead time). Porting weeks come from "
      "the runtime profiles (porting_effort_weeks, with their sources in section 7); lead times are "
      "[EST] typical 2025-26 figures: confirm them with the vendors.");
  s.blocks.push_back(tl);

  Table rk;
  rk.id = "risks";
  rk.caption = "Risks per option (medium and high in detail; low areas listed)";
  rk.columns = {{"#", true}, {"Option", false}, {"Area", false}, {"Level", false}, {"Detail", false}};
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    std::vector<Risk> sorted;
    std::vector<std::string> low;
    for (const auto& k : o.risks) {
      if (k.level == RiskLevel::low) {
        if (std::find(low.begin(), low.end(), k.area) == low.end()) low.push_back(k.area);
      } else {
        sorted.push_back(k);
      }
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const Risk& a, const Risk& b) { return a.level > b.level; });
    bool first = true;
    for (const auto& k : sorted) {
      rk.rows.push_back({Cell::str(first ? num_label(i) : ""), Cell::str(first ? o.option.label : ""),
                         Cell::str(k.area), level_cell(k.level), Cell::str(k.text)});
      first = false;
    }
    // Areas low in one lane but medium/high in another are not "low" for the option.
    std::vector<std::string> only_low;
    for (const auto& a : low)
      if (std::none_of(sorted.begin(), sorted.end(), [&](const Risk& k) { return k.area == a; })) only_low.push_back(a);
    if (!only_low.empty())
      rk.rows.push_back({Cell::str(first ? num_label(i) : ""), Cell::str(first ? o.option.label : ""),
                         Cell::str(common::join(only_low, ", ")), level_cell(RiskLevel::low),
                         Cell::str("no concern found (details in the portability table and section 7)")});
  }
  rk.notes.push_back(
      "Decision risk = the highest level among lock-in, supply, quantisation, calibration, maturity, operations, "
      "method "
      "and feasibility. Cold start is shown for capacity planning but does not gate the decision: hydration = weight "
      "bytes / min(storage bandwidth, host-link effective bandwidth x chips) + runtime init.");
  s.blocks.push_back(rk);

  // Portability: which stacks serve the model on each hardware the options touch.
  Table pt;
  pt.id = "portability";
  pt.caption = "Portability: runtimes that serve the model on each hardware (backend maturity)";
  pt.columns = {{"Hardware", false},
                {"Runtimes (maturity)", false},
                {"Vendor-neutral, production-ready", true},
                {"Lock-in", false}};
  {
    std::set<std::string> hw_names;
    hw_names.insert(req.current.hardware);
    for (const auto& o : r.options) {
      for (const auto& h : o.option.to) hw_names.insert(h);
      if (!o.option.decode_hardware.empty()) hw_names.insert(o.option.decode_hardware);
      if (!o.option.prefill_hardware.empty()) hw_names.insert(o.option.prefill_hardware);
      for (const auto& p : o.parts)
        if (p.feasible) hw_names.insert(p.candidate.hardware);
    }
    auto& hwc = hwprofiles::HardwareCatalog::shipped();
    auto& rtc = hwprofiles::RuntimeCatalog::shipped();
    const auto m = model::ModelCatalog::shipped().resolve(req.model);
    for (const auto& h : hw_names) {
      if (!hwc.contains(h)) continue;
      const auto& hw = hwc.get(h);
      std::vector<std::string> names;
      int ready = 0, neutral = 0;
      for (const auto* rt : rtc.for_hardware(hw)) {
        if (!rt->serves(m.architecture)) continue;
        const auto* be = rt->backend_for(hw);
        const std::string mat = be ? be->maturity : "?";
        names.push_back(fmt::format("{} ({}{})", rt->name, mat, rt->vendor_neutral ? "" : ", vendor-specific"));
        if (rt->vendor_neutral) {
          ++neutral;
          if (mat == "mature" || mat == "production") ++ready;
        }
      }
      const RiskLevel level = lock_in_level(ready, neutral);
      pt.rows.push_back({Cell::str(h),
                         Cell::str(names.empty() ? "none serves " + m.architecture : common::join(names, ", ")),
                         Cell::num(ready, 0), level_cell(level)});
    }
  }
  pt.notes.push_back(
      "From the runtime profiles (RuntimeCatalog::for_hardware, served architectures, backend maturity). "
      "Lock-in: low = two or more vendor-neutral stacks with a production backend; medium = at least one "
      "vendor-neutral stack; high = vendor stacks only.");
  s.blocks.push_back(pt);

  // Questions to ask vendors, with the figures this brief assumed for them.
  Bullets q;
  std::map<std::string, std::vector<std::string>> by_vendor;
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  std::set<std::string> asked;
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    for (const auto& p : o.parts) {
      if (!p.feasible) continue;
      const auto& c = p.candidate;
      if (!asked.insert(c.hardware + "|" + c.runtime).second) continue;
      const auto& hw = hws.get(c.hardware);
      std::string price;
      for (auto t :
           {hwprofiles::CloudTier::on_demand, hwprofiles::CloudTier::commit_1y, hwprofiles::CloudTier::commit_3y})
        if (const auto& pq = hw.prices.cloud(t); pq.known())
          price += fmt::format("{}{} ${:g}/chip-hour ({}, {})", price.empty() ? "" : ", ",
                               hwprofiles::cloud_tier_label(t), pq.usd, pq.provider, pq.as_of);
      if (hw.prices.purchase.known())
        price += fmt::format("{}purchase {} ({})", price.empty() ? "" : ", ", Cell::usd(hw.prices.purchase.usd, 0).text,
                             hw.prices.purchase.as_of);
      q.items.push_back(fmt::format(
          "{} ({}): quote and delivery date for the chips these options need (this brief assumed {}); a 1- and 3-year "
          "commitment price; does {} serve {} in production on it today, with FlashAttention-class kernels; {}-weight "
          "accuracy parity with your BF16 baseline on your evals; cold-start path (parallel weight streaming, runtime "
          "init time); support SLA and driver/toolkit pinning.",
          hw.vendor, c.hardware, price.empty() ? "no price" : price, c.runtime, req.model, c.precision));
    }
  }
  if (!q.items.empty()) {
    s.blocks.push_back(Paragraph{"Questions to ask vendors:", false});
    s.blocks.push_back(q);
  }
  return s;
}

// Per option and workload, the slowest lane's scale-up paths (the event waits for its slowest pool).
std::vector<ScaleUpPath> worst_paths(const OptionResult& o, int workload) {
  std::vector<ScaleUpPath> worst;
  for (const auto& p : o.parts) {
    if (p.workload != workload || !p.feasible || p.scale_up.empty()) continue;
    if (worst.empty()) {
      worst = p.scale_up;
      continue;
    }
    for (std::size_t k = 0; k < worst.size() && k < p.scale_up.size(); ++k) {
      auto& w = worst[k];
      const auto& x = p.scale_up[k];
      if (!x.available || !w.available) {
        if (!x.available) w = x;
        continue;
      }
      const double usd = w.usd_per_month + x.usd_per_month;  // every lane keeps its own path ready
      if (x.ttft_s > w.ttft_s) w = x;
      w.usd_per_month = usd;
    }
  }
  return worst;
}

Cell path_cell(const ScaleUpPath& p) {
  if (!p.available) return Cell::na("n/a");
  Cell c = Cell::str(fmt::format("{} / ${}", common::format_seconds(p.ttft_s), group_thousands(p.usd_per_month, 0)));
  c.value = p.ttft_s;
  return c;
}

Table scale_up_table(const BriefResult& r) {
  Table t;
  t.id = "scale-up";
  t.caption = "Time to first token after a scale-up event / extra $ per month to keep that path ready (per replica "
              "of each lane)";
  t.columns = {{"#", true}, {"Workload", false}};
  std::vector<std::string> names;
  for (const auto& o : r.options) {
    for (std::size_t w = 0; w < r.request.workloads.size(); ++w) {
      const auto paths = worst_paths(o, int(w));
      if (paths.empty()) continue;
      if (names.empty())
        for (const auto& p : paths) {
          names.push_back(p.name);
          t.columns.push_back({p.name, true});
        }
      std::vector<Cell> row = {Cell::str(num_label(std::size_t(&o - r.options.data()))),
                               Cell::str(r.request.workloads[w].name)};
      for (const auto& p : paths) row.push_back(path_cell(p));
      t.rows.push_back(row);
    }
  }
  t.notes.push_back("TTFT = the replica ready (runtime profile's sourced cold-start phases, docs/runtime-format.md; "
                    "weights over the brief's storage tiers and the runtime's loader cap) + one prompt on an idle "
                    "replica. Warm standby and sleep / wake cost a replica (devices stay allocated); snapshot, NVMe "
                    "and streaming cost NVMe for weights + image, scale to zero object storage for the weights "
                    "(prices in section 7). Streaming is a what-if: no shipped runtime serves before its weights are "
                    "in. A multi-lane option waits for its slowest lane and pays for every lane's path.");
  return t;
}

// Per workload of the recommended option: what each path buys.
Bullets scale_up_costing(const BriefResult& r) {
  Bullets b;
  if (r.recommended < 0) return b;
  const auto& o = r.options[std::size_t(r.recommended)];
  for (std::size_t w = 0; w < r.request.workloads.size(); ++w) {
    const auto paths = worst_paths(o, int(w));
    std::vector<std::string> parts;
    for (const auto& p : paths)
      if (p.available)
        parts.push_back(fmt::format("{} {} for ${}/month", p.name, common::format_seconds(p.ttft_s),
                                    group_thousands(p.usd_per_month, 0)));
    if (!parts.empty())
      b.items.push_back(fmt::format("{} ({}): first token after a scale-up: {}.", r.request.workloads[w].name,
                                    o.option.label, common::join(parts, "; ")));
  }
  return b;
}

// Decimals that show about 3 significant digits.
int decimals3(double v) { return v < 0.01 ? 5 : v < 0.1 ? 4 : v < 1 ? 3 : v < 10 ? 2 : v < 100 ? 1 : 0; }

// The recommended option's deployment contracts: what the release must keep delivering on that target.
Table contract_table(const BriefResult& r) {
  Table t;
  t.id = "contract";
  t.caption = fmt::format("Deployment contract of the recommended option ({}): clauses and predicted values",
                          r.options[std::size_t(r.recommended)].option.label);
  t.columns = {{"Contract", false}, {"Workload", false}, {"Target", false}, {"Clause", false},
               {"Limit", true},     {"Predicted", true}, {"Margin", true}};
  for (const auto& m : r.contracts)
    for (const auto& w : m.contract.workloads) {
      const auto& p = *w.predicted;
      const auto& k = w.clauses;
      const auto row = [&](const char* clause, const std::optional<double>& limit, double value, bool ceiling,
                           bool seconds) {
        if (!limit) return;
        const double margin = *limit > 0 ? (ceiling ? (*limit - value) / *limit : (value - *limit) / *limit) : NAN;
        t.rows.push_back({Cell::str(m.file), Cell::str(w.name), Cell::str(p.target), Cell::str(clause),
                          seconds ? Cell::ms(*limit, 1) : Cell::num(*limit, decimals3(*limit)),
                          seconds ? Cell::ms(value, 1) : Cell::num(value, decimals3(value)),
                          std::isfinite(margin) ? Cell::percent(margin, 0, true) : Cell::na("-")});
      };
      row("TTFT P99 (ms)", k.ttft_p99_s, p.ttft_p99_s, true, true);
      row("TPOT P99 (ms)", k.tpot_p99_s, p.tpot_p99_s, true, true);
      row("Output tok/s per chip, min", k.min_output_tok_s_per_chip, p.output_tok_s_per_chip, false, false);
      row("$/1K output tokens, max", k.max_usd_per_1k_output, p.usd_per_1k_output, true, false);
      row("J/output token, max", k.max_joules_per_output_token, p.joules_per_output_token, true, false);
    }
  t.notes.push_back("Latency clauses are the workload's SLOs; cost, energy and throughput are the plan's predictions "
                    "with 10% headroom. Re-check on any target or after a recalibration with `infersim contract check "
                    "plans/<file>`; gate a new release with `infersim contract gate` (docs/contract-format.md).");
  return t;
}

Section parts_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "sizing";
  s.title = "6. Sizing detail";
  s.new_page = true;
  Table t;
  t.id = "parts";
  t.caption = "Each option's lanes, as sized by the planner (or analytically where marked)";
  t.columns = {{"#", true},        {"Workload", false},     {"Lane", false},         {"Plan", false},
               {"Replicas", true}, {"Chips/replica", true}, {"Batch", true},         {"$/hour", true},
               {"$/month", true},  {"TTFT P50 (ms)", true}, {"TTFT P99 (ms)", true}, {"TPOT P99 (ms)", true},
               {"kW", true},       {"Basis", false}};
  Bullets notes;
  std::vector<std::string> infeasible_notes;
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    for (const auto& p : o.parts) {
      const auto& c = p.candidate;
      const std::string wl = req.workloads[std::size_t(p.workload)].name;
      if (!p.feasible) {
        infeasible_notes.push_back(fmt::format("Option {}, {} {}: {}", num_label(i), wl, p.lane, p.reason));
        t.rows.push_back({Cell::str(num_label(i)), Cell::str(wl), Cell::str(p.lane),
                          Cell::str("infeasible (see below)", Tone::bad), Cell::str(""), Cell::str(""), Cell::str(""),
                          Cell::str(""), Cell::str(""), Cell::str(""), Cell::str(""), Cell::str(""), Cell::str(""),
                          Cell::str("")});
        continue;
      }
      const bool prefill_pool = p.lane == "prefill pool", decode_pool = p.lane == "decode pool";
      t.rows.push_back({Cell::str(num_label(i)), Cell::str(wl), Cell::str(p.lane), Cell::str(c.id),
                        Cell::num(c.replicas, 0), Cell::num(c.chips_per_replica, 0), Cell::num(c.batch, 0),
                        Cell::usd(c.cost.usd_per_hour, 2), Cell::usd(c.cost.monthly_usd, 0),
                        decode_pool ? Cell::na("-") : Cell::ms(c.ttft_p50_s, 1),
                        decode_pool ? Cell::na("-") : Cell::ms(c.ttft_p99_s, 1),
                        prefill_pool ? Cell::na("-") : Cell::ms(c.tpot_p99_s, 1), Cell::num(c.power.facility_kw, 1),
                        Cell::str(p.from_planner ? (c.verified ? "planner + DES" : "planner") : "analytic")});
      for (const auto& n : p.analytic_notes)
        notes.items.push_back(fmt::format("{} {}, {} {}: {}", num_label(i), o.option.label, wl, p.lane, n));
    }
  }
  t.notes.push_back("Planner lanes equal `infersim plan` on the lane's PLAN.json (section 8); the option totals in "
                    "section 3 add these lanes up. Batch = the concurrency per replica the sizing chose.");
  for (const auto& n : infeasible_notes) t.notes.push_back(n);
  s.blocks.push_back(t);
  if (!notes.items.empty()) {
    s.blocks.push_back(Paragraph{"How the analytic lanes were derived:", false});
    s.blocks.push_back(notes);
  }
  if (auto up = scale_up_table(r); !up.rows.empty()) {
    s.blocks.push_back(std::move(up));
    s.blocks.push_back(scale_up_costing(r));
  }
  if (!r.contracts.empty()) s.blocks.push_back(contract_table(r));
  return s;
}

std::string figure_value(const hwprofiles::HardwareProfile& hw, const Json& file, const std::string& ptr) {
  try {
    const auto jp = Json::json_pointer(ptr);
    if (file.contains(jp)) {
      const auto& v = file.at(jp);
      if (v.is_object() && v.contains("value")) return fmt::format("{:g}", v["value"].get<double>());
      if (v.is_object() && v.contains("usd_per_chip_hour"))
        return fmt::format("${:g}/h ({}, {})", v["usd_per_chip_hour"].get<double>(), v.value("provider", ""),
                           v.value("as_of", ""));
    }
  } catch (const std::exception&) {
  }
  if (ptr == "/power/idle_w") return fmt::format("{:g}", hw.idle_w);
  if (ptr == "/power/prefill_w") return fmt::format("{:g}", hw.prefill_w);
  if (ptr == "/power/decode_w") return fmt::format("{:g}", hw.decode_w);
  if (ptr == "/host_link/effective_gb_s") return fmt::format("{:g}", hw.host_link_effective_bytes_per_s / 1e9);
  return "derived";
}

Section sources_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "sources";
  s.title = "7. Assumptions and sources";
  s.new_page = true;
  // Pricing.
  Table pr;
  pr.id = "pricing";
  pr.caption = fmt::format("Pricing assumptions ({})",
                           req.pricing_is_default ? "planner/data/pricing-default.json" : "from the brief");
  pr.columns = {{"Field", false}, {"Value", true}, {"Source", false}};
  const auto& p = req.pricing;
  auto src = [&](const std::string& k) {
    auto it = p.sources.find(k);
    return it == p.sources.end() ? std::string("[EST] set in the brief") : it->second;
  };
  pr.rows.push_back(
      {Cell::str("mode / cloud tier"),
       Cell::str(fmt::format("{} / {}", planner::pricing_mode_name(p.mode), planner::cloud_tier_name(p.cloud_tier))),
       Cell::str("brief (options may override: see each option's pricing basis)")});
  pr.rows.push_back({Cell::str("owned: depreciation (years)"), Cell::num(p.depreciation_years, 0),
                     Cell::str(src("/owned/depreciation_years"))});
  pr.rows.push_back(
      {Cell::str("owned: electricity ($/kWh)"), Cell::usd(p.usd_per_kwh, 3), Cell::str(src("/owned/usd_per_kwh"))});
  pr.rows.push_back({Cell::str("owned: PUE"), Cell::num(p.pue, 2), Cell::str(src("/owned/pue"))});
  pr.rows.push_back({Cell::str("owned: hosting ($/kW-month)"), Cell::usd(p.hosting_usd_per_kw_month, 0),
                     Cell::str(src("/owned/hosting_usd_per_kw_month"))});
  pr.rows.push_back({Cell::str("owned: network ($/chip-month)"), Cell::usd(p.network_usd_per_chip_month, 0),
                     Cell::str(src("/owned/network_usd_per_chip_month"))});
  pr.rows.push_back({Cell::str("owned: software ($/chip-month)"), Cell::usd(p.software_usd_per_chip_month, 0),
                     Cell::str(src("/owned/software_usd_per_chip_month"))});
  pr.rows.push_back({Cell::str("host overhead (W/chip)"), Cell::num(p.host_overhead_w_per_chip, 0),
                     Cell::str(src("/owned/host_overhead_w_per_chip"))});
  pr.rows.push_back({Cell::str("engineering ($/engineer-week)"), Cell::usd(p.usd_per_engineer_week, 0),
                     Cell::str(src("/engineering/usd_per_engineer_week"))});
  pr.rows.push_back({Cell::str("runtimes already in production"), Cell::str(common::join(p.current_runtimes, ", ")),
                     Cell::str("brief / pricing file")});
  pr.rows.push_back({Cell::str("TCO window (years)"), Cell::num(p.tco_years, 0), Cell::str("pricing file")});
  pr.rows.push_back(
      {Cell::str("target utilisation"), Cell::percent(p.target_utilisation, 0), Cell::str(src("/target_utilisation"))});
  s.blocks.push_back(pr);

  // Hardware figures used, each with its source.
  std::set<std::string> hw_used;
  std::set<std::pair<std::string, std::string>> lanes;
  for (const auto& o : r.options)
    for (const auto& part : o.parts)
      if (part.feasible) {
        hw_used.insert(part.candidate.hardware);
        lanes.insert({part.candidate.hardware, part.candidate.runtime});
      }
  hw_used.insert(req.current.hardware);
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  Table hs;
  hs.id = "hardware-sources";
  hs.caption = "Hardware figures (profile JSON pointer, value in the profile's unit, source)";
  hs.columns = {{"Hardware", false}, {"Figure", false}, {"Value", true}, {"Source", false}};
  for (const auto& name : hw_used) {
    const auto& hw = hws.get(name);
    Json file;
    try {
      file = common::load_json_file(hws.path_of(name));
    } catch (const std::exception&) {
    }
    bool first = true;
    for (const auto& [ptr, source] : hw.sources) {
      hs.rows.push_back(
          {Cell::str(first ? name : ""), Cell::str(ptr), Cell::str(figure_value(hw, file, ptr)), Cell::str(source)});
      first = false;
    }
  }
  s.blocks.push_back(hs);

  // Calibrations and runtime profiles.
  Table cal;
  cal.id = "calibrations";
  cal.caption = "Speed calibration of each (hardware, runtime) used";
  cal.columns = {{"Hardware", false}, {"Runtime", false}, {"Basis", false}, {"Calibration source and error", false}};
  Table rt;
  rt.id = "runtimes";
  rt.caption = "Runtime profiles used";
  rt.columns = {{"Runtime", false},
                {"Vendor-neutral", false},
                {"License", false},
                {"Porting (weeks)", true},
                {"Porting source", false}};
  std::set<std::string> rts_used;
  for (const auto& [h, rname] : lanes) {
    rts_used.insert(rname);
    std::string basis = "?", text;
    for (const auto& o : r.options)
      for (const auto& part : o.parts)
        if (part.feasible && part.candidate.hardware == h && part.candidate.runtime == rname)
          basis = part.candidate.runtime_basis;
    for (const auto& o : r.options)
      for (const auto& k : o.risks)
        if (k.area == "calibration" && k.text.rfind(rname + " on " + h + ":", 0) == 0)
          text = k.text.substr(k.text.find(": ") + 2);
    cal.rows.push_back({Cell::str(h), Cell::str(rname), Cell::str(basis), Cell::str(text)});
  }
  auto& rtc = hwprofiles::RuntimeCatalog::shipped();
  for (const auto& n : rts_used) {
    if (!rtc.contains(n)) continue;
    const auto& x = rtc.get(n);
    rt.rows.push_back({Cell::str(n), Cell::str(x.vendor_neutral ? "yes" : "no"), Cell::str(x.license),
                       Cell::num(x.porting_effort_weeks, 0), Cell::str(x.porting_effort_source)});
  }
  cal.notes.push_back("Basis: fitted = measured on this hardware with this runtime; family / vendor = borrowed from a "
                      "measured sibling; transferred = another chip's measured runtime ratio; assumed / default = not "
                      "measured (docs/runtime-format.md, docs/calibration.md).");
  s.blocks.push_back(cal);
  s.blocks.push_back(rt);

  Bullets a;
  a.items.push_back(fmt::format(
      "Cold start: local NVMe {:g} GB/s per replica ([EST] PCIe Gen4 x4 data-centre SSD, hardware-datasheet.md section "
      "5), object storage {:g} GB/s ([EST] parallel streamer on cloud block/object storage, Run:ai ~1.1 GB/s), capped "
      "by "
      "the runtime's checkpoint loader; engine phases {} (engine init, multi-device checks, cached compile, graph "
      "capture, warm-up: the runtime profile's sourced cold_start block, docs/runtime-format.md; without one [EST] GPU "
      "60 s, TPU 180 s, LPU 120 s, CPU 10 s, other ASICs 120 s).",
      req.cold_start.local_nvme_bytes_per_s / 1e9, req.cold_start.object_store_bytes_per_s / 1e9,
      req.cold_start.init_s ? fmt::format("{:g} s (from the brief)", *req.cold_start.init_s)
                            : std::string("by runtime")));
  a.items.push_back(fmt::format(
      "Scale-up paths (section 6): a fresh node pulls and extracts the runtime's container image at {:g} GB/s ([3P] "
      "10 GB in 4-5 min on a fresh node, Union.ai blog; 20 GB pull 5-6 min + extract 3-4 min, BentoML 2025-04); "
      "weights, image and compile cache kept on block storage at ${:g}/GB-month (AWS EBS gp3 list price, us-east-1, "
      "aws.amazon.com/ebs/pricing); weights kept in object storage at ${:g}/GB-month (AWS S3 Standard list price, "
      "first 50 TB, us-east-1, aws.amazon.com/s3/pricing); prices read 2026-12-04, override in the brief's "
      "cold_start block.",
      req.cold_start.image_pull_bytes_per_s / 1e9, req.cold_start.nvme_usd_per_gb_month,
      req.cold_start.object_store_usd_per_gb_month));
  a.items.push_back("Procurement lead time [EST]: cloud capacity NVIDIA 2, AWS 3, AMD 4, Google 4, Intel CPU 1 weeks; "
                    "purchase NVIDIA 12, AMD 10, Intel CPU 4, Groq 16, Cerebras 26, SambaNova 20 weeks; TPUs and AWS "
                    "chips are not sold, Groq sells no chip-hours.");
  a.items.push_back(
      "Planner method (docs/plan-format.md): per-replica capacity at the largest concurrency whose TTFT "
      "(prefill + P99 slot wait, Erlang C) and TPOT (x1.15 tail for prefill interference) meet the SLOs at "
      "<= target utilisation; replicas = ceil(load / capacity). Analytic lanes: build_brief.h.");
  a.items.push_back("Not modelled: prefix caching across agentic calls (it would lower prefill cost), network egress, "
                    "reserved-instance commitments beyond the chosen tier, staff to operate a second stack.");
  s.blocks.push_back(Paragraph{"Other assumptions:", false});
  s.blocks.push_back(a);
  return s;
}

Section reproduce_section(const BriefResult& r) {
  const auto& req = r.request;
  Section s;
  s.id = "reproduce";
  s.title = "8. Reproduce";
  KeyValues kv;
  kv.id = "provenance";
  kv.items.push_back({"Simulator", Cell::str(fmt::format("infersim {}", common::version_string())), ""});
  kv.items.push_back({"Brief scenario SHA-256", Cell::str(r.request_sha256), "of the resolved BRIEF JSON below"});
  kv.items.push_back(
      {"Verification", Cell::str(r.verified ? "planner + discrete-event verifier" : "analytic (--no-verify)"), ""});
  s.blocks.push_back(kv);
  Table h;
  h.id = "hashes";
  h.caption = "Input files (relative to the data root) and their SHA-256";
  h.columns = {{"File", false}, {"SHA-256", false}};
  for (const auto& [f, sha] : r.input_hashes) h.rows.push_back({Cell::str(f), Cell::str(sha)});
  s.blocks.push_back(h);
  Code cmds;
  cmds.caption = "Commands (write the PLAN.json files with `infersim brief BRIEF.json --out x.md --plans-dir plans`)";
  cmds.lines.push_back(fmt::format("infersim brief {} --out brief.pdf --plans-dir plans{}",
                                   req.file.empty() ? "BRIEF.json" : req.file, r.verified ? "" : " --no-verify"));
  for (std::size_t i = 0; i < r.options.size(); ++i) {
    const auto& o = r.options[i];
    for (const auto& p : o.parts) {
      cmds.lines.push_back(fmt::format("# {} {} / {} / {}", num_label(i), o.option.label,
                                       req.workloads[std::size_t(p.workload)].name, p.lane));
      for (const auto& c : p.commands) cmds.lines.push_back(c);
    }
  }
  s.blocks.push_back(cmds);
  Code plans;
  plans.caption = "PLAN.json of every planner lane (one line each: file name, then content)";
  for (const auto& o : r.options)
    for (const auto& p : o.parts) {
      if (p.plan_json.empty()) continue;
      plans.lines.push_back(
          fmt::format("plans/{}: {}", p.plan_file, common::parse_json_text(p.plan_json, p.plan_file).dump()));
    }
  s.blocks.push_back(plans);
  if (!r.contracts.empty()) {
    Code contracts;
    contracts.caption = "Deployment contracts of the recommended option (written with --plans-dir; check with "
                        "`infersim contract check plans/<file>`)";
    for (const auto& m : r.contracts)
      contracts.lines.push_back(fmt::format("plans/{}: {}", m.file, contract::contract_to_json(m.contract).dump()));
    s.blocks.push_back(contracts);
  }
  Code brief;
  brief.caption = "Resolved BRIEF JSON (its SHA-256 is the scenario hash above)";
  brief.lines = common::split(r.request_json, '\n');
  s.blocks.push_back(brief);
  return s;
}

}  // namespace

BriefDocument layout_document(const BriefResult& r) {
  const auto& req = r.request;
  BriefDocument d;
  const auto m = model::ModelCatalog::shipped().resolve(req.model);
  d.title = req.title.empty() ? fmt::format("{}: procurement brief", m.display_name.empty() ? m.name : m.display_name)
                              : req.title;
  d.subtitle = fmt::format("{} at {:g} requests/s ({}), currently on {}",
                           m.display_name.empty() ? m.name : m.display_name, req.requests_per_s, workload_line(req),
                           req.current.hardware);
  d.footer = fmt::format("infersim {} | scenario {}", common::version_string(), r.request_sha256.substr(0, 16));
  d.sections.push_back(summary_section(r));
  d.sections.push_back(workload_section(r));
  d.sections.push_back(options_section(r));
  d.sections.push_back(charts_section(r));
  d.sections.push_back(risks_section(r));
  d.sections.push_back(parts_section(r));
  d.sections.push_back(sources_section(r));
  d.sections.push_back(reproduce_section(r));
  return d;
}

}  // namespace infersim::brief::detail
