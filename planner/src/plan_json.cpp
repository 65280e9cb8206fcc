#include "infersim/planner/plan_json.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "infersim/common/errors.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::planner {

using common::ConfigError;
using common::Json;
using common::JsonReader;

double round6(double x) {
  if (x == 0 || !std::isfinite(x)) return x;
  const double mag = std::pow(10.0, 5 - int(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * mag) / mag;
}

namespace {
double r6(double x) { return round6(x); }
}  // namespace

Site site_from_json(common::JsonReader& s) {
  Site site;
  site.cooling = s.one_of_or("cooling", {"air", "rear_door", "liquid"}, "air");
  site.mw = s.optional_number("mw", 1e-6, 1e5);
  site.kw_per_rack = s.optional_number("kw_per_rack", 0.1, 1e4);
  if (s.has("racks")) site.racks = int(s.integer("racks", 1, 10000000));
  s.finish();
  return site;
}

common::Json site_to_json(const Site& site) {
  common::Json s = {{"cooling", site.cooling}};
  if (site.mw) s["mw"] = *site.mw;
  if (site.kw_per_rack) s["kw_per_rack"] = *site.kw_per_rack;
  if (site.racks) s["racks"] = *site.racks;
  return s;
}

PlanRequest plan_request_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  PlanRequest p;
  p.model = r.string("model");
  {
    auto w = r.child("workload");
    p.workload_name = w.string_or("name", "custom");
    p.input_tokens = w.number("input_tokens", 1, 1e7);
    p.input_tokens_p99 = w.number_or("input_tokens_p99", 0, 0, 1e7);
    if (p.input_tokens_p99 > 0 && p.input_tokens_p99 < p.input_tokens)
      w.fail("input_tokens_p99", "must be at least input_tokens (the mean)");
    p.output_tokens = w.number("output_tokens", 1, 1e7);
    p.calls_per_task = w.number_or("calls_per_task", 1, 1, 1e4);
    w.finish();
  }
  {
    auto l = r.child("load");
    const auto rps = l.optional_number("requests_per_s", 1e-9, 1e9);
    const auto tpd = l.optional_number("tokens_per_day", 1, 1e18);
    if (rps && tpd) l.fail("tokens_per_day", "give requests_per_s or tokens_per_day, not both");
    if (!rps && !tpd) l.fail("requests_per_s", "required (or tokens_per_day)");
    p.requests_per_s = rps ? *rps : *tpd / 86400.0 / (p.input_tokens + p.output_tokens);
    l.finish();
  }
  if (auto s = r.optional_child("slo")) {
    p.slo.ttft_p99_s = s->number_or("ttft_p99_s", p.slo.ttft_p99_s, 1e-4, 1e5);
    p.slo.tpot_p99_s = s->number_or("tpot_p99_s", p.slo.tpot_p99_s, 1e-5, 1e3);
    p.slo.goodput = s->number_or("goodput", p.slo.goodput, 0.0, 1.0);
    s->finish();
  }
  if (auto s = r.optional_child("site")) p.site = site_from_json(*s);
  p.hardware = r.string_list_or("hardware", {});
  p.runtimes = r.string_list_or("runtimes", {});
  p.precisions = r.string_list_or("precisions", p.precisions);
  p.allow_int4 = r.boolean_or("allow_int4", false);
  p.state_precision = r.string_or("state_precision", "");
  if (!p.state_precision.empty()) {
    try {
      perf::state_precision_for(model::ModelCatalog::shipped().resolve(p.model), p.state_precision);
    } catch (const common::ConfigError& e) {
      r.fail("state_precision", e.reason());
    }
  }
  if (r.has("pricing")) {
    const Json& pj = r.raw("pricing");
    if (pj.is_string()) {
      std::string path = pj.get<std::string>();
      if (path != "default" && !std::filesystem::path(path).is_absolute())
        path = (std::filesystem::path(file).parent_path() / path).string();
      p.pricing = load_pricing(path);
    } else if (pj.is_object()) {
      p.pricing = pricing_from_json(pj, file + " /pricing");
    } else {
      r.fail("pricing", "expected \"default\", a pricing file path or an inline pricing object");
    }
  } else {
    p.pricing = load_pricing("default");
  }
  if (auto s = r.optional_child("search")) {
    p.max_chips_per_replica = int(s->integer_or("max_chips_per_replica", p.max_chips_per_replica, 1, 100000));
    p.max_sram_chips_per_replica = int(
        s->integer_or("max_sram_chips_per_replica", p.max_sram_chips_per_replica, 1, 100000));
    p.top = int(s->integer_or("top", p.top, 1, 10000));
    p.verify_top = int(s->integer_or("verify_top", p.verify_top, 0, 1000));
    p.mixes = s->boolean_or("mixes", p.mixes);
    if (s->has("mix_shares")) p.mix_shares = s->number_list("mix_shares", 0.01, 0.99);
    p.layout_tp = int(s->integer_or("tp", 0, 0, 4096));
    p.layout_pp = int(s->integer_or("pp", 0, 0, 4096));
    if (p.layout_pp > 0 && p.layout_tp == 0) s->fail("pp", "give tp with pp");
    s->finish();
  }
  r.finish();
  return p;
}

PlanRequest load_plan_request(const std::string& path) {
  return plan_request_from_json(common::load_json_file(path), path);
}

Json plan_request_to_json(const PlanRequest& p) {
  Json j = {{"model", p.model},
            {"workload",
             {{"name", p.workload_name},
              {"input_tokens", p.input_tokens},
              {"input_tokens_p99", p.input_tokens_p99},
              {"output_tokens", p.output_tokens},
              {"calls_per_task", p.calls_per_task}}},
            {"load", {{"requests_per_s", p.requests_per_s}}},
            {"slo", {{"ttft_p99_s", p.slo.ttft_p99_s}, {"tpot_p99_s", p.slo.tpot_p99_s}, {"goodput", p.slo.goodput}}},
            {"hardware", p.hardware},
            {"runtimes", p.runtimes},
            {"precisions", p.precisions},
            {"allow_int4", p.allow_int4},
            {"pricing", pricing_to_json(p.pricing)},
            {"search",
             {{"max_chips_per_replica", p.max_chips_per_replica},
              {"max_sram_chips_per_replica", p.max_sram_chips_per_replica},
              {"top", p.top},
              {"verify_top", p.verify_top},
              {"mixes", p.mixes},
              {"mix_shares", p.mix_shares}}}};
  if (p.site) j["site"] = site_to_json(*p.site);
  if (!p.state_precision.empty()) j["state_precision"] = p.state_precision;
  if (p.layout_tp > 0) j["search"]["tp"] = p.layout_tp;
  if (p.layout_pp > 0) j["search"]["pp"] = p.layout_pp;
  return j;
}

Json candidate_to_json(const Candidate& c) {
  Json j;
  j["id"] = c.id;
  j["feasible"] = c.feasible;
  if (!c.reason.empty()) j["reason"] = c.reason;
  if (c.rejection != Rejection::none) j["rejection"] = rejection_name(c.rejection);
  j["hardware"] = c.hardware;
  j["vendor"] = c.vendor;
  j["kind"] = c.kind_label();
  j["runtime"] = c.runtime;
  j["runtime_basis"] = c.runtime_basis;
  j["precision"] = c.precision;
  j["kv_precision"] = c.kv_precision;
  if (!c.state_precision.empty()) j["state_precision"] = c.state_precision;
  j["tp"] = c.tp;
  j["pp"] = c.pp;
  j["chips_per_replica"] = c.chips_per_replica;
  if (!c.feasible && c.replicas == 0) return j;
  j["replicas"] = c.replicas;
  j["chips_total"] = c.chips_per_replica * c.replicas;
  j["batch"] = c.batch;
  j["replica_req_s"] = r6(c.replica_req_s);
  j["utilisation"] = r6(c.utilisation);
  j["verified"] = c.verified;
  if (c.verified) j["verified_goodput"] = r6(c.verified_goodput);
  j["ttft_s"] = {{"p50", r6(c.ttft_p50_s)}, {"p99", r6(c.ttft_p99_s)}};
  j["tpot_s"] = {{"p50", r6(c.tpot_p50_s)}, {"p99", r6(c.tpot_p99_s)}};
  j["bound"] = {{"prefill", c.bound_prefill}, {"decode", c.bound_decode}};
  if (c.facility.present) {
    const auto& f = c.facility;
    j["facility"] = {{"product", f.product},
                     {"servers", f.servers},
                     {"servers_per_rack", f.servers_per_rack},
                     {"racks", f.racks},
                     {"kw_per_rack", r6(f.kw_per_rack)},
                     {"it_kw_provisioned", r6(f.it_kw)},
                     {"facility_kw_provisioned", r6(f.facility_kw)},
                     {"cooling", f.cooling},
                     {"pue", f.pue},
                     {"floor_m2", r6(f.floor_m2)},
                     {"fits_site", f.fits}};
    if (!f.reason.empty()) j["facility"]["reason"] = f.reason;
  }
  j["power"] = {{"chip_w", r6(c.power.chip_w)},
                {"active_chip_w", r6(c.power.active_chip_w)},
                {"idle_chip_w", r6(c.power.idle_chip_w)},
                {"it_kw", r6(c.power.it_kw)},
                {"facility_kw", r6(c.power.facility_kw)},
                {"joules_per_output_token", r6(c.power.joules_per_output_token)},
                {"joules_per_token", r6(c.power.joules_per_token)},
                {"tokens_per_s_per_mw", r6(c.power.tokens_per_s_per_mw)}};
  const auto& k = c.cost;
  j["cost"] = {{"basis", k.basis},
               {"basis_kind", k.basis_kind},
               {"owned_only", k.owned_only},
               {"price_as_of", k.price_as_of},
               {"price_stale", k.price_stale},
               {"usd_per_1m_input", r6(k.usd_per_1m_input)},
               {"usd_per_1m_output", r6(k.usd_per_1m_output)},
               {"usd_per_1m_cached_input", r6(k.usd_per_1m_cached_input)},
               {"tokens_per_usd", r6(k.tokens_per_usd)},
               {"usd_per_hour", r6(k.usd_per_hour)},
               {"monthly_usd", r6(k.monthly_usd)},
               {"usd_per_1k_output", r6(k.usd_per_1k_output)},
               {"usd_per_1k_input_phase", r6(k.usd_per_1k_input_phase)},
               {"usd_per_1k_output_phase", r6(k.usd_per_1k_output_phase)},
               {"usd_per_1k_blended", r6(k.usd_per_1k_blended)},
               {"usd_per_request", r6(k.usd_per_request)},
               {"porting_one_time_usd", r6(k.porting_one_time_usd)},
               {"tco_years", k.tco_years},
               {"tco_capex_usd", r6(k.tco_capex_usd)},
               {"tco_opex_usd", r6(k.tco_opex_usd)},
               {"tco_total_usd", r6(k.tco_total_usd)},
               {"breakdown_usd_per_hour",
                {{"rental", r6(k.rental_usd_per_hour)},
                 {"capex", r6(k.capex_usd_per_hour)},
                 {"maintenance", r6(k.maintenance_usd_per_hour)},
                 {"energy", r6(k.energy_usd_per_hour)},
                 {"hosting", r6(k.hosting_usd_per_hour)},
                 {"network", r6(k.network_usd_per_hour)},
                 {"software", r6(k.software_usd_per_hour)}}},
               {"notes", k.notes}};
  j["risks"] = c.risks;
  if (c.vendor_price_ratio > 0)
    j["vendor_price_check"] = {{"ratio", r6(c.vendor_price_ratio)}, {"detail", c.vendor_price_check}};
  if (!c.parts.empty()) j["parts"] = c.parts;
  return j;
}

Json plan_result_to_json(const PlanResult& r) {
  Json j;
  j["request"] = plan_request_to_json(r.request);
  j["evaluated"] = r.evaluated;
  Json ranked = Json::array();
  for (const auto& c : r.ranked) ranked.push_back(candidate_to_json(c));
  j["ranked"] = ranked;
  j["pareto_cost_vs_ttft_p99"] = r.pareto;
  Json rej = Json::array();
  for (const auto& c : r.rejected) rej.push_back(candidate_to_json(c));
  j["rejected"] = rej;
  Json lane = Json::array();
  for (const auto& t : r.buy_tokens) {
    Json o = {{"provider", t.offer.provider},
              {"model", t.offer.model},
              {"same_weights", t.same_weights},
              {"usd_per_1m_input", t.offer.usd_per_1m_input},
              {"usd_per_1m_output", t.offer.usd_per_1m_output},
              {"usd_per_1k_output", r6(t.usd_per_1k_output)},
              {"usd_per_1k_tokens", r6(t.usd_per_1k_tokens)},
              {"tokens_per_usd", r6(t.tokens_per_usd)},
              {"slo", t.slo},
              {"as_of", t.offer.as_of},
              {"stale", t.stale},
              {"source", t.offer.source}};
    if (t.offer.usd_per_1m_cached_input) o["usd_per_1m_cached_input"] = *t.offer.usd_per_1m_cached_input;
    if (t.offer.speed_tok_s) o["speed_tok_s"] = *t.offer.speed_tok_s;
    lane.push_back(o);
  }
  j["buy_tokens"] = lane;
  j["notes"] = r.notes;
  return j;
}

}  // namespace infersim::planner
