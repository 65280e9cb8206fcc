#include "infersim/brief/build_brief.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "brief_internal.h"
#include "infersim/brief/brief_json.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/contract/contract_check.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::brief {

const char* risk_level_name(RiskLevel l) {
  switch (l) {
    case RiskLevel::low: return "low";
    case RiskLevel::medium: return "medium";
    case RiskLevel::high: return "high";
  }
  return "?";
}

RiskLevel parse_risk_level(const std::string& s) {
  if (s == "low") return RiskLevel::low;
  if (s == "medium") return RiskLevel::medium;
  if (s == "high") return RiskLevel::high;
  throw common::ConfigError("", "risk level", fmt::format("'{}' is not low, medium or high", s));
}

namespace detail {

namespace {

std::string money(double v) { return Cell::usd(v, 0).text; }
std::string millions(double v) { return Cell::usd_millions(v).text; }
std::string ms(double s) { return Cell::ms(s, 0).text + " ms"; }

std::string weeks(double w) { return std::isfinite(w) ? fmt::format("{:g}", w) : "n/a"; }

std::string top_risks(const OptionResult& o) {
  std::vector<std::string> areas;
  std::set<std::string> seen;
  for (const auto& k : o.risks)
    if (k.level == o.risk_level && k.area != "cold start" && seen.insert(k.area).second) areas.push_back(k.area);
  return fmt::format("{} ({})", risk_level_name(o.risk_level),
                     areas.empty() ? "none flagged" : common::join(areas, ", "));
}

std::string latency_phrase(const BriefRequest& req, const OptionResult& o) {
  std::vector<std::string> parts;
  for (std::size_t w = 0; w < req.workloads.size(); ++w)
    parts.push_back(fmt::format("{} {} P99 / {} at batch 1", req.workloads[w].name, ms(o.workloads[w].ttft_p99_s),
                                ms(o.workloads[w].ttft_b1_s)));
  return common::join(parts, ", ");
}

}  // namespace

void recommend(BriefResult& r) {
  const auto& req = r.request;
  std::vector<int> feasible;
  for (std::size_t i = 0; i < r.options.size(); ++i)
    if (r.options[i].feasible) feasible.push_back(int(i));
  std::stable_sort(feasible.begin(), feasible.end(), [&](int a, int b) {
    return r.options[std::size_t(a)].tco_total_usd < r.options[std::size_t(b)].tco_total_usd;
  });
  if (feasible.empty()) {
    r.recommended = -1;
    r.recommendation = fmt::format(
        "No option serves {} at {:g} requests/s within the SLOs: every option was rejected (reasons in the options "
        "table). Relax the SLOs, allow more precisions or hardware, or raise the chip limit.",
        req.model, req.requests_per_s);
    return;
  }
  int pick = -1;
  for (int i : feasible)
    if (r.options[std::size_t(i)].risk_level != RiskLevel::high) {
      pick = i;
      break;
    }
  const bool all_high = pick < 0;
  if (all_high) pick = feasible.front();
  r.recommended = pick;
  const auto& o = r.options[std::size_t(pick)];
  std::string text;
  const OptionResult* base = r.baseline >= 0 && r.options[std::size_t(r.baseline)].feasible
                                 ? &r.options[std::size_t(r.baseline)]
                                 : nullptr;
  if (base && pick == r.baseline) {
    text = fmt::format("Recommendation: {}. It serves {:g} requests/s within the SLOs with {:g} chips at {}/month ({} "
                       "per 1K output "
                       "tokens) and a 3-year TCO of {}; {}.",
                       o.option.label, req.requests_per_s, o.chips, money(o.monthly_usd),
                       Cell::usd(o.usd_per_1k_output, 5).text, millions(o.tco_total_usd), latency_phrase(req, o));
  } else {
    text = fmt::format("Recommendation: {}. 3-year TCO {} (capex {}, opex {}, porting {})", o.option.label,
                       millions(o.tco_total_usd), millions(o.tco_capex_usd), millions(o.tco_opex_usd),
                       money(o.porting_usd));
    if (base) {
      const double save = base->tco_total_usd - o.tco_total_usd;
      text += fmt::format(" vs {} for {}: {} {} ({:.0f}%) over 3 years", millions(base->tco_total_usd),
                          base->option.label, save >= 0 ? "saves" : "costs", millions(std::fabs(save)),
                          std::fabs(100 * save / base->tco_total_usd));
      text += fmt::format("; {}/month vs {}; {} vs {} per 1K output tokens", money(o.monthly_usd),
                          money(base->monthly_usd), Cell::usd(o.usd_per_1k_output, 5).text,
                          Cell::usd(base->usd_per_1k_output, 5).text);
    } else {
      text += fmt::format("; {}/month; {} per 1K output tokens", money(o.monthly_usd),
                          Cell::usd(o.usd_per_1k_output, 5).text);
    }
    text += fmt::format(". TTFT: {}; TPOT P99 {}. {:g} chips{}, {:.0f} kW facility power.", latency_phrase(req, o),
                        Cell::ms(o.tpot_p99_s, 1).text + " ms", o.chips,
                        base ? fmt::format(" (stay: {:g})", base->chips) : "", o.facility_kw);
    text += fmt::format(" Ready in about {} weeks (porting {} engineer-weeks, lead time {} weeks [EST]).",
                        weeks(o.ready_weeks), weeks(o.porting_weeks), weeks(o.lead_time_weeks));
    // Owned capacity needs a hall: where it goes, how long that takes, and the stranded-asset risk of
    // building one (planner::stranded_risk; the stranded-asset table in section 3).
    const auto fp = option_footprint(o);
    if (fp.owned && fp.racks > 0) {
      const auto k = planner::stranded_risk(planner::shipped_facility(), true, fp.cooling_needed(), fp.kw_rack,
                                            fp.it_kw, std::atoi(req.pricing.price_date.substr(0, 4).c_str()));
      text += fmt::format(" Hosting: {} {} racks, {:.3g} MW provisioned: {}; building its own hall costs ${:.2f}M of "
                          "fit-out with {} stranded-asset risk (section 3).",
                          fp.racks, fp.cooling_needed(), fp.facility_kw / 1000, k.path, k.fitout_usd / 1e6, k.level);
    }
  }
  text += fmt::format(" Risk: {}.", top_risks(o));
  if (all_high) text += " Every feasible option carries a high risk: pilot before committing.";
  // A cheaper option that was passed over for risk.
  for (int i : feasible) {
    if (i == pick) break;
    const auto& c = r.options[std::size_t(i)];
    text += fmt::format(" Cheaper but high risk: {} ({} lower 3-year TCO; {}).", c.option.label,
                        millions(o.tco_total_usd - c.tco_total_usd), top_risks(c));
    break;
  }
  r.recommendation = text;
}

}  // namespace detail

namespace {

std::string relative_to_data_root(const std::string& path) {
  const std::string root = common::data_root();
  if (path.rfind(root + "/", 0) == 0) return path.substr(root.size() + 1);
  return path;
}

std::vector<std::pair<std::string, std::string>> input_hashes(const BriefResult& r) {
  const auto& req = r.request;
  std::set<std::string> files;
  auto& models = model::ModelCatalog::shipped();
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  auto add_model = [&](const std::string& m) { files.insert(models.contains(m) ? models.path_of(m) : m); };
  add_model(req.model);
  auto add_hw = [&](const std::string& h) {
    if (hws.contains(h)) files.insert(hws.path_of(h));
  };
  auto add_rt = [&](const std::string& n) {
    if (rts.contains(n)) files.insert(rts.path_of(n));
  };
  add_hw(req.current.hardware);
  if (!req.current.runtime.empty()) add_rt(req.current.runtime);
  for (const auto& o : req.options) {
    if (!o.model.empty()) add_model(o.model);
    for (const auto& h : o.to) add_hw(h);
    if (!o.prefill_hardware.empty()) add_hw(o.prefill_hardware);
    if (!o.decode_hardware.empty()) add_hw(o.decode_hardware);
  }
  for (const auto& o : r.options)
    for (const auto& p : o.parts)
      if (p.feasible) {
        add_hw(p.candidate.hardware);
        add_rt(p.candidate.runtime);
      }
  files.insert(common::data_path("hwprofiles/data/calibrations.json"));
  if (req.pricing_is_default) files.insert(common::data_path("planner/data/pricing-default.json"));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : files) out.push_back({relative_to_data_root(f), common::sha256_hex(common::read_text_file(f))});
  std::sort(out.begin(), out.end());
  return out;
}

// Analytic lanes (disaggregated pools) have no planner deployment to make a contract from.
std::vector<MadeContract> recommended_contracts(const BriefResult& r) {
  std::vector<MadeContract> out;
  if (r.recommended < 0) return out;
  const auto& o = r.options[std::size_t(r.recommended)];
  constexpr double HEADROOM = 0.10;
  for (const auto& p : o.parts) {
    const auto& c = p.candidate;
    if (!p.from_planner || !p.feasible || c.is_mix()) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const MadeContract& m) {
      const auto& t = m.contract.targets;
      return m.contract.model == p.plan_request.model && t.hardware.front() == c.hardware &&
             t.runtimes.front() == c.runtime && t.precisions.front() == c.precision && t.layout.tp == c.tp &&
             t.layout.pp == c.pp;
    });
    if (it != out.end()) {
      contract::add_workload(it->contract, p.plan_request, c, HEADROOM);
      continue;
    }
    MadeContract m;
    m.file = fmt::format("contract-option{}-{}-tp{}{}.json", r.recommended + 1, c.hardware, c.tp,
                         c.pp > 1 ? fmt::format("pp{}", c.pp) : "");
    m.contract = contract::make_contract(
        p.plan_request, c, fmt::format("{}-option-{}-{}", p.plan_request.model, r.recommended + 1, c.hardware), "1.0.0",
        HEADROOM);
    m.contract.made_from["option"] = o.option.label;
    m.contract.made_from["brief_sha256"] = r.request_sha256;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

BriefResult build_brief(const BriefRequest& request, const planner::Verifier& verifier) {
  BriefResult r;
  r.request = request;
  if (r.request.options.empty()) r.request.options = default_options(r.request.current);
  // A request built in code (the GUI) with the default pricing gets the shipped file, with its sources.
  if (r.request.pricing_is_default && r.request.pricing.sources.empty())
    r.request.pricing = planner::load_pricing("default");
  resolve_option_names(r.request.options, r.request.current, r.request.file);
  r.request_json = brief_request_to_json(r.request).dump(2);
  r.request_sha256 = common::sha256_hex(r.request_json);
  r.verified = bool(verifier);
  r.options = detail::evaluate_options(r.request, verifier);
  for (std::size_t i = 0; i < r.options.size(); ++i)
    if (r.options[i].option.type == OptionType::stay) {
      r.baseline = int(i);
      break;
    }
  detail::recommend(r);
  r.contracts = recommended_contracts(r);
  r.input_hashes = input_hashes(r);
  r.document = detail::layout_document(r);
  return r;
}

}  // namespace infersim::brief
