// Options -> numbers. Planner parts are solved by planner::plan() exactly as `infersim plan PART.json`
// would; the disaggregated option's pools are sized by planner::size_disaggregated() (planner/
// disaggregated.h has the method) and mapped into parts here. Risks: brief_risks.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "brief_internal.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/disaggregated.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"

namespace infersim::brief {

double cold_start_seconds(double weight_bytes, double storage_bytes_per_s, double loader_bytes_per_s,
                          double host_link_bytes_per_s, int chips, double init_s) {
  // Chips load their shards in parallel over their own host links but share the storage path and the
  // runtime's checkpoint loader.
  double bw = storage_bytes_per_s;
  if (loader_bytes_per_s > 0) bw = std::min(bw, loader_bytes_per_s);
  if (host_link_bytes_per_s > 0) bw = std::min(bw, host_link_bytes_per_s * std::max(1, chips));
  return weight_bytes / bw + init_s;
}

double default_init_seconds(const std::string& kind) {
  if (kind == "gpu") return 60;   // CUDA/HIP graph capture, allocator warm-up, kernel autotune
  if (kind == "tpu") return 180;  // XLA compilation of the prefill and decode graphs
  if (kind == "lpu") return 120;  // loading a precompiled program onto hundreds of chips
  if (kind == "cpu") return 10;   // llama.cpp / OpenVINO: mmap and thread-pool start
  return 120;                     // other ASICs (Neuron, Gaudi graph compile)
}

double lead_time_weeks(const std::string& vendor, const std::string& kind, bool owned) {
  if (!owned) {
    if (vendor == "groq") return -1;  // no chip-hours: token-priced API only
    if (vendor == "nvidia") return 2;
    if (vendor == "amd") return 4;
    if (vendor == "google") return 4;
    if (vendor == "aws") return 3;
    if (vendor == "intel") return kind == "cpu" ? 1 : 4;
    return 6;
  }
  if (vendor == "google" || vendor == "aws") return -1;  // not sold
  if (vendor == "nvidia") return 12;
  if (vendor == "amd") return 10;
  if (vendor == "groq") return 16;
  if (vendor == "intel") return kind == "cpu" ? 4 : 10;
  if (vendor == "cerebras") return 26;
  if (vendor == "sambanova") return 20;
  return 12;
}

namespace detail {

using common::Json;

planner::Slo slo_for(const BriefRequest& req, std::size_t w) { return req.workloads[w].slo.value_or(req.slo); }

double total_output_tok_s(const BriefRequest& req) {
  double s = 0;
  for (const auto& w : req.workloads) s += req.requests_per_s * w.share * w.output_tokens;
  return s;
}

double total_input_tok_s(const BriefRequest& req) {
  double s = 0;
  for (const auto& w : req.workloads) s += req.requests_per_s * w.share * w.input_tokens;
  return s;
}

namespace {

struct Ctx {
  const BriefRequest& req;
  const planner::Verifier& verifier;
};

planner::Pricing pricing_for(const BriefRequest& req, const BriefOption& o) {
  planner::Pricing p = req.pricing;
  if (o.type == OptionType::owned) p.mode = planner::PricingMode::owned;
  if (o.pricing_mode) p.mode = *o.pricing_mode;
  if (o.cloud_tier) p.cloud_tier = *o.cloud_tier;
  return p;
}

bool pricing_is_default(const BriefRequest& req, const BriefOption& o) {
  const auto p = pricing_for(req, o);
  return req.pricing_is_default && p.mode == req.pricing.mode &&
         (!o.cloud_tier || *o.cloud_tier == req.pricing.cloud_tier);
}

bool four_bit(const std::string& p) { return p == "int4" || p == "fp4"; }

std::string plan_json_text(const planner::PlanRequest& pr, bool default_pricing) {
  Json j = planner::plan_request_to_json(pr);
  if (default_pricing) j["pricing"] = "default";
  return j.dump(2);
}

std::string fmt_num(double v) { return fmt::format("{:g}", v); }

std::string estimate_command(const std::string& model, const planner::Candidate& c, double batch, double in,
                             double out) {
  return fmt::format("infersim estimate --model {} --hardware {} --tp {} --pp {} --precision {} --runtime {} --batch "
                     "{} "
                     "--input {} --output {}",
                     model, c.hardware, c.tp, c.pp, c.precision, c.runtime, fmt_num(batch), fmt_num(in), fmt_num(out));
}

std::string summarize_option_rejections(const planner::PlanResult& res) {
  std::vector<std::string> out;
  std::set<std::string> reasons;
  // Candidates that were sized tell more than unsupported combinations: list them first.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& c : res.rejected) {
      const bool sized = c.tp * c.pp > 0 && c.id.find("/tp") != std::string::npos;
      if ((pass == 0) != sized) continue;
      if (!reasons.insert(c.reason).second) continue;
      if (out.size() < 3) out.push_back(fmt::format("{}: {}", c.id, c.reason));
    }
  }
  if (out.empty()) return "no candidate (check the hardware, runtime and precision lists)";
  return common::join(out, "; ");
}

planner::PlanRequest base_request(const BriefRequest& req, std::size_t w, const std::string& model, double share,
                                  const planner::Pricing& pricing) {
  const auto& wl = req.workloads[w];
  planner::PlanRequest r;
  r.model = model;
  r.workload_name = wl.name;
  r.input_tokens = wl.input_tokens;
  r.output_tokens = wl.output_tokens;
  r.requests_per_s = req.requests_per_s * wl.share * share;
  r.calls_per_task = wl.calls_per_task;
  r.slo = slo_for(req, w);
  r.precisions = req.precisions;
  r.allow_int4 = req.allow_int4;
  r.max_chips_per_replica = req.max_chips_per_replica;
  r.top = 3;
  r.verify_top = req.verify_top;
  r.mixes = false;
  r.pricing = pricing;
  // Owned capacity lives in the buyer's own site: plan it within the site's limits.
  if (pricing.mode == planner::PricingMode::owned && req.site) r.site = req.site;
  return r;
}

// The current stack (hardware, runtime, precision) for a share of one workload.
planner::PlanRequest current_request(const BriefRequest& req, std::size_t w, double share, const planner::Pricing& p) {
  auto r = base_request(req, w, req.model, share, p);
  r.hardware = {req.current.hardware};
  if (!req.current.runtime.empty()) r.runtimes = {req.current.runtime};
  r.precisions = {req.current.precision};
  r.allow_int4 = req.allow_int4 || four_bit(req.current.precision);
  return r;
}

planner::PlanRequest target_request(const BriefRequest& req, const BriefOption& o, std::size_t w, double share,
                                    const planner::Pricing& p, const std::string& model) {
  auto r = base_request(req, w, model, share, p);
  r.hardware = o.to;
  r.runtimes = o.runtimes;
  if (!o.precisions.empty()) r.precisions = o.precisions;
  for (const auto& x : r.precisions)
    if (four_bit(x)) r.allow_int4 = true;
  return r;
}

// The scale-up paths of ScaleUpPath (build_brief.h) for one replica of the part.
void fill_scale_up(const BriefRequest& req, Part& p, const hwprofiles::HardwareProfile& hw,
                   const hwprofiles::RuntimeColdStart* rcs) {
  const auto& c = p.candidate;
  const auto& cs = req.cold_start;
  const double replicas = std::max(1.0, c.replicas);
  const double replica_month = c.cost.usd_per_hour / replicas * 730.0;
  const double gb = p.weight_bytes / 1e9;
  const double image_gb = rcs ? rcs->image_gb : 0.0;
  const double loader = rcs ? rcs->loader_gb_s * 1e9 : 0.0;
  const auto weights_s = [&](double tier) {
    return cold_start_seconds(p.weight_bytes, tier, loader, hw.host_link_effective_bytes_per_s, c.chips_per_replica, 0);
  };
  const double nvme_s = weights_s(cs.local_nvme_bytes_per_s), object_s = weights_s(cs.object_store_bytes_per_s);
  const double engine_cached = p.init_s;  // the brief's init: engine phases with the compile cache
  const double engine_cold = cs.init_s ? *cs.init_s
                             : rcs     ? rcs->engine_phases_s(c.chips_per_replica, false)
                                       : engine_cached;
  const double nvme_month = (gb + image_gb) * cs.nvme_usd_per_gb_month;
  const auto path = [&](const char* name, double ready, double usd, std::string note) {
    p.scale_up.push_back({name, true, std::move(note), ready, ready + p.ttft_batch1_s, usd});
  };
  path("warm standby", 0, replica_month, "an idle replica kept running");
  if (rcs && rcs->wake_s >= 0) {
    // Owned: a sleeping engine saves its energy above idle; rented devices cost the same asleep.
    const double chip_w = std::max(c.power.chip_w, hw.idle_w);
    const double saving = c.cost.basis_kind == "owned" && chip_w > 0
                              ? c.cost.energy_usd_per_hour / replicas * 730.0 * (1.0 - hw.idle_w / chip_w)
                              : 0.0;
    path("sleep / wake", rcs->wake_s, replica_month - saving, "devices stay allocated while the engine sleeps");
  } else {
    p.scale_up.push_back({"sleep / wake", false, fmt::format("{} offers no sleep mode", c.runtime), NAN, NAN, NAN});
  }
  if (rcs && rcs->snapshot_restore_s >= 0)
    path("snapshot restore", rcs->snapshot_restore_s + nvme_s, nvme_month, "engine snapshot + weights on NVMe");
  else
    p.scale_up.push_back(
        {"snapshot restore", false, fmt::format("{} offers no engine snapshot", c.runtime), NAN, NAN, NAN});
  path("NVMe cache", engine_cached + nvme_s, nvme_month, "image, weights and compile cache on NVMe");
  path("streaming (what-if)", std::max(engine_cached, nvme_s), nvme_month,
       "engine phases overlap the NVMe transfer; no shipped runtime serves before its weights are in");
  path("scale to zero", image_gb * 1e9 / cs.image_pull_bytes_per_s + engine_cold + object_s,
       gb * cs.object_store_usd_per_gb_month, "fresh node: image pull, no compile cache, weights from object storage");
}

void fill_hydration(const BriefRequest& req, Part& p, const model::ModelSpec& m) {
  const auto& c = p.candidate;
  const auto& hw = hwprofiles::HardwareCatalog::shipped().get(c.hardware);
  p.weight_bytes = model::weight_bytes(m, *common::parse_dtype(c.precision));
  // The engine phases and loader cap of the candidate's runtime (its profile's sourced cold_start block, as
  // the simulator uses them; compile cache present); by hardware kind for a runtime without one.
  const auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const hwprofiles::RuntimeColdStart* rcs = rts.contains(c.runtime) && rts.get(c.runtime).cold_start.present
                                                ? &rts.get(c.runtime).cold_start
                                                : nullptr;
  p.init_s = req.cold_start.init_s.value_or(rcs ? rcs->engine_phases_s(c.chips_per_replica, true)
                                                : default_init_seconds(hwprofiles::kind_name(c.hardware_kind)));
  const double loader = rcs ? rcs->loader_gb_s * 1e9 : 0.0;
  p.cold_start_nvme_s = cold_start_seconds(p.weight_bytes, req.cold_start.local_nvme_bytes_per_s, loader,
                                           hw.host_link_effective_bytes_per_s, c.chips_per_replica, p.init_s);
  p.cold_start_object_s = cold_start_seconds(p.weight_bytes, req.cold_start.object_store_bytes_per_s, loader,
                                             hw.host_link_effective_bytes_per_s, c.chips_per_replica, p.init_s);
  p.scale_up.clear();
  fill_scale_up(req, p, hw, rcs);
}

Part planner_part(const Ctx& ctx, planner::PlanRequest pr, std::size_t w, const std::string& lane, double share,
                  bool default_pricing, const std::string& option_id) {
  const auto& req = ctx.req;
  Part p;
  p.workload = int(w);
  p.lane = lane;
  p.model = pr.model;
  p.share = share;
  p.requests_per_s = pr.requests_per_s;
  p.from_planner = true;
  p.plan_request = pr;
  std::string lane_slug;
  for (char ch : lane) lane_slug += std::isalnum(static_cast<unsigned char>(ch)) ? char(std::tolower(ch)) : '-';
  while (lane_slug.find("--") != std::string::npos) lane_slug.replace(lane_slug.find("--"), 2, "-");
  while (!lane_slug.empty() && lane_slug.back() == '-') lane_slug.pop_back();
  p.plan_file = fmt::format("{}--{}--{}.json", option_id, req.workloads[w].name, lane_slug);
  p.plan_json = plan_json_text(pr, default_pricing);
  p.output_tok_s = pr.requests_per_s * pr.output_tokens;
  p.input_tok_s = pr.requests_per_s * pr.input_tokens;
  p.commands.push_back(fmt::format("infersim plan plans/{}{}", p.plan_file, ctx.verifier ? "" : " --no-verify"));
  const auto res = planner::plan(pr, ctx.verifier);
  if (res.ranked.empty()) {
    p.feasible = false;
    p.reason = summarize_option_rejections(res);
    return p;
  }
  p.candidate = res.ranked.front();
  p.feasible = true;
  const auto m = model::ModelCatalog::shipped().resolve(pr.model);
  perf::StepEstimator est(m, planner::candidate_deployment(m, p.candidate));
  p.ttft_batch1_s = perf::estimate_serving(est, {1, pr.input_tokens, pr.output_tokens}).ttft_s;
  p.commands.push_back(estimate_command(pr.model, p.candidate, 1, pr.input_tokens, pr.output_tokens));
  // A lane the simulator verified runs the smallest replica count that met the SLOs there (one fewer
  // did not): its headroom is below one replica, reported as 0. Analytic lanes: capacity / load - 1.
  p.headroom = p.candidate.verified
                   ? 0.0
                   : std::max(0.0, p.candidate.replicas * p.candidate.replica_req_s / pr.requests_per_s - 1.0);
  fill_hydration(req, p, m);
  return p;
}

// ---- disaggregated: GPU prefill pool + decode pool on other hardware, sized by planner::size_disaggregated ----

std::vector<Part> disaggregated_parts(const Ctx& ctx, const BriefOption& o, std::size_t w, std::string& failure) {
  const auto& req = ctx.req;
  const auto& wl = req.workloads[w];
  const auto pricing = pricing_for(req, o);
  const bool def_pricing = pricing_is_default(req, o);
  const auto m = model::ModelCatalog::shipped().resolve(req.model);
  const auto slo = slo_for(req, w);
  const double lambda = req.requests_per_s * wl.share;
  const double I = wl.input_tokens, O = wl.output_tokens;

  // Prefill layout: the planner's choice for the prefill hardware on this workload.
  planner::PlanRequest pr = base_request(req, w, req.model, 1.0, pricing);
  pr.hardware = {o.prefill_hardware};
  if (o.prefill_hardware == req.current.hardware) {
    if (!req.current.runtime.empty()) pr.runtimes = {req.current.runtime};
    pr.precisions = {req.current.precision};
    pr.allow_int4 = req.allow_int4 || four_bit(req.current.precision);
  }
  Part pre = planner_part(ctx, pr, w, "prefill pool", 1.0, def_pricing, o.id);
  pre.from_planner = false;
  pre.commands.erase(pre.commands.begin());  // keep the estimate; the plan only chose the layout
  pre.commands.push_back(fmt::format("infersim plan plans/{}{}   # chooses the prefill layout only", pre.plan_file,
                                     ctx.verifier ? "" : " --no-verify"));
  if (!pre.feasible) {
    failure = fmt::format("prefill pool on {}: {}", o.prefill_hardware, pre.reason);
    return {};
  }

  // The two pools, sized by the planner; decode precisions: the option's, else the chip's served format,
  // the current precision, fp16, int8.
  const auto& hd = hwprofiles::HardwareCatalog::shipped().get(o.decode_hardware);
  planner::DisaggregatedRequest dr;
  dr.model = req.model;
  dr.input_tokens = I;
  dr.output_tokens = O;
  dr.requests_per_s = lambda;
  dr.slo = slo;
  dr.pricing = pricing;
  dr.prefill = pre.candidate;
  dr.decode_hardware = o.decode_hardware;
  if (!o.decode_precision.empty())
    dr.decode_precisions = {o.decode_precision};
  else if (hd.served_weights)
    dr.decode_precisions = {common::dtype_name(*hd.served_weights), req.current.precision, "fp16", "int8"};
  else
    dr.decode_precisions = {req.current.precision, "fp16", "int8"};
  const auto sz = planner::size_disaggregated(dr);
  if (!sz.feasible) {
    failure = sz.reason;
    if (sz.rejection == planner::Rejection::no_price && !sz.decode.cost.priced &&
        pricing.mode == planner::PricingMode::cloud)
      failure += " (set \"pricing_mode\": \"owned\" for this option)";
    return {};
  }
  const double t_p = sz.prefill_step_s, t_kv = sz.kv_transfer_s;

  pre.candidate = sz.prefill;
  const auto& cp = pre.candidate;
  const double n_p = cp.replicas;
  pre.requests_per_s = lambda;
  pre.ttft_batch1_s = sz.frontend_s + t_p + t_kv;
  // The pool's own replica count, cost and first-token latency, not the planner lane it started from.
  fill_hydration(req, pre, m);
  pre.headroom = n_p * cp.replica_req_s / lambda - 1.0;
  pre.output_tok_s = 0;
  pre.input_tok_s = lambda * I;
  pre.analytic_notes = {
      fmt::format("prefill step {} for a {}-token prompt ({} --batch 1: TTFT)", common::format_seconds(t_p), fmt_num(I),
                  cp.hardware),
      fmt::format("KV transfer {} = {} of KV / {}/s + {} latency (the slower per-chip network link of the two pools)",
                  common::format_seconds(t_kv), common::format_bytes(sz.kv_bytes),
                  common::format_bytes(sz.kv_link_bytes_per_s), common::format_seconds(sz.kv_latency_s)),
      fmt::format("{:g} prefill replicas: P99 queue wait {} (Erlang C, M/D/c over the pool) at utilisation {:.0f}%",
                  n_p, common::format_seconds(sz.prefill_wait_p99_s), 100 * lambda * t_p / n_p)};

  Part dec;
  dec.workload = int(w);
  dec.lane = "decode pool";
  dec.model = req.model;
  dec.share = 1.0;
  dec.requests_per_s = lambda;
  dec.from_planner = false;
  dec.feasible = true;
  dec.candidate = sz.decode;
  auto& cd = dec.candidate;
  const double n_d = cd.replicas, batch = cd.batch, t_d = cd.tpot_p99_s;
  dec.ttft_batch1_s = 0;
  dec.headroom = n_d * cd.replica_req_s / lambda - 1.0;
  dec.output_tok_s = lambda * O;
  dec.input_tok_s = 0;
  fill_hydration(req, dec, m);
  dec.commands.push_back(estimate_command(req.model, cd, batch, I, O) +
                         "   # \"decode step\" = TPOT of the decode pool");
  const std::string layout_note = cd.tp == sz.decode_min_tp
                                      ? fmt::format("layout: {}", sz.decode_min_layout)
                                      : fmt::format("layout: tp={} x pp={} = {} chips, widened from the smallest fit "
                                                    "(tp={}) so each chip keeps more "
                                                    "SRAM for KV: {:g} sequences per replica instead of {:g}",
                                                    cd.tp, cd.pp, cd.chips_per_replica, sz.decode_min_tp, batch,
                                                    sz.decode_min_max_sequences);
  dec.analytic_notes = {
      layout_note,
      fmt::format("decode step {} at {:g} concurrent sequences (mean context {}); no prefill interference in a "
                  "decode-only pool, so TPOT P99 = the step",
                  common::format_seconds(t_d), batch, fmt_num(I + O / 2)),
      fmt::format("{:g} decode replicas of {:g} chips (capacity {:.3f} requests/s each at <= {:.0f}% utilisation; "
                  "utilisation {:.0f}%); P99 wait for a decode slot {}",
                  n_d, double(cd.chips_per_replica), cd.replica_req_s, 100 * pricing.target_utilisation,
                  100 * cd.utilisation, common::format_seconds(sz.decode_wait_p99_s))};
  // Plausibility against the decode chip vendor's own per-token price for the model (Groq, Cerebras and
  // SambaNova sell tokens from these chips): the option's cost per output token on this workload.
  if (lambda * O > 0) {
    const double option_per_1k = (cp.cost.usd_per_hour + cd.cost.usd_per_hour) / (lambda * O * 3.6);
    const auto lane = planner::token_lane(m.name, I, O, 0.0, slo.tpot_p99_s, pricing);
    if (const planner::TokenCost* api = planner::vendor_offer(lane, hd.vendor, hd.family)) {
      const auto& t = *api;
      const double ratio = option_per_1k / t.usd_per_1k_output;
      const std::string why = fmt::format(
          "{:.2f}x {}'s own API price for {} on this workload (${:.5f} vs ${:.5f} per 1K output tokens, list "
          "price {}); {:g} decode chips priced at {}{}",
          ratio, t.offer.provider, t.offer.model, option_per_1k, t.usd_per_1k_output, t.offer.as_of,
          n_d * cd.chips_per_replica, cd.cost.basis,
          hd.prices.purchase.known() && pricing.mode != planner::PricingMode::cloud
              ? fmt::format(", purchase ${:.0f} per chip ({}, {})", hd.prices.purchase.usd,
                            hd.prices.purchase.source.substr(0, hd.prices.purchase.source.find(')') + 1),
                            hd.prices.purchase.as_of)
              : std::string());
      dec.analytic_notes.push_back("vendor price check: " + why);
      dec.vendor_price_ratio = ratio;
      dec.vendor_price_provider = t.offer.provider;
      dec.vendor_price_driver = hd.prices.purchase.known() && pricing.mode != planner::PricingMode::cloud
                                    ? fmt::format("{:g} {} at ${:.0f} each ({})", n_d * cd.chips_per_replica, hd.name,
                                                  hd.prices.purchase.usd, hd.prices.purchase.as_of)
                                    : fmt::format("{:g} {}", n_d * cd.chips_per_replica, hd.name);
      if (!planner::within_vendor_price_band(ratio))
        cd.risks.push_back("costs " + why +
                           ": outside the 0.2x-2x plausibility band, a modelling error to investigate");
    }
  }
  return {pre, dec};
}

void aggregate(const BriefRequest& req, OptionResult& r, const planner::Pricing& pricing) {
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const double out_tok = total_output_tok_s(req), in_tok = total_input_tok_s(req);
  std::set<std::string> new_runtimes;
  r.headroom = INFINITY;
  for (const auto& p : r.parts) {
    const auto& c = p.candidate;
    r.chips += c.replicas * c.chips_per_replica;
    r.usd_per_hour += c.cost.usd_per_hour;
    r.monthly_usd += c.cost.monthly_usd;
    r.rental_monthly += c.cost.rental_usd_per_hour * HOURS_PER_MONTH;
    r.capex_monthly += c.cost.capex_usd_per_hour * HOURS_PER_MONTH;
    r.energy_monthly += c.cost.energy_usd_per_hour * HOURS_PER_MONTH;
    r.hosting_monthly += c.cost.hosting_usd_per_hour * HOURS_PER_MONTH;
    r.network_monthly += c.cost.network_usd_per_hour * HOURS_PER_MONTH;
    r.software_monthly += c.cost.software_usd_per_hour * HOURS_PER_MONTH;
    r.tco_capex_usd += c.cost.tco_capex_usd;
    r.tco_opex_usd += c.cost.tco_opex_usd;
    r.it_kw += c.power.it_kw;
    r.facility_kw += c.power.facility_kw;
    r.headroom = std::min(r.headroom, p.headroom);
    if (std::find(pricing.current_runtimes.begin(), pricing.current_runtimes.end(), c.runtime) ==
        pricing.current_runtimes.end())
      new_runtimes.insert(c.runtime);
  }
  for (const auto& rt : new_runtimes) r.porting_weeks += rts.contains(rt) ? rts.get(rt).porting_effort_weeks : 0.0;
  r.porting_usd = r.porting_weeks * pricing.usd_per_engineer_week;
  r.tco_total_usd = r.tco_capex_usd + r.tco_opex_usd + r.porting_usd;
  r.usd_per_1k_output = r.usd_per_hour / (out_tok * 3600.0) * 1000.0;
  r.usd_per_1k_blended = r.usd_per_hour / ((out_tok + in_tok) * 3600.0) * 1000.0;
  r.joules_per_output_token = r.facility_kw * 1e3 / out_tok;
  r.workloads.assign(req.workloads.size(), WorkloadFigures{});
  std::vector<double> usd_per_hour_w(req.workloads.size(), 0.0);
  for (const auto& p : r.parts) {
    auto& f = r.workloads[std::size_t(p.workload)];
    const auto& c = p.candidate;
    f.ttft_b1_s = std::max(f.ttft_b1_s, p.ttft_batch1_s);
    f.ttft_p50_s = std::max(f.ttft_p50_s, c.ttft_p50_s);
    f.ttft_p99_s = std::max(f.ttft_p99_s, c.ttft_p99_s);
    f.tpot_p50_s = std::max(f.tpot_p50_s, c.tpot_p50_s);
    f.tpot_p99_s = std::max(f.tpot_p99_s, c.tpot_p99_s);
    usd_per_hour_w[std::size_t(p.workload)] += c.cost.usd_per_hour;
  }
  for (std::size_t w = 0; w < req.workloads.size(); ++w) {
    auto& f = r.workloads[w];
    const double lambda = req.requests_per_s * req.workloads[w].share;
    f.usd_per_request = usd_per_hour_w[w] / (lambda * 3600.0);
    f.usd_per_task = f.usd_per_request * req.workloads[w].calls_per_task;
    const auto slo = slo_for(req, w);
    f.meets_slo = f.ttft_p99_s <= slo.ttft_p99_s * (1 + 1e-9) && f.tpot_p99_s <= slo.tpot_p99_s * (1 + 1e-9);
    r.ttft_b1_s = std::max(r.ttft_b1_s, f.ttft_b1_s);
    r.ttft_p50_s = std::max(r.ttft_p50_s, f.ttft_p50_s);
    r.ttft_p99_s = std::max(r.ttft_p99_s, f.ttft_p99_s);
    r.tpot_p50_s = std::max(r.tpot_p50_s, f.tpot_p50_s);
    r.tpot_p99_s = std::max(r.tpot_p99_s, f.tpot_p99_s);
  }
}

void timeline(const BriefRequest& req, OptionResult& r, const planner::Pricing& pricing) {
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  const bool owned = pricing.mode == planner::PricingMode::owned;
  double lead = 0;
  std::map<std::string, double> chips_by_hw;
  for (const auto& p : r.parts)
    chips_by_hw[p.candidate.hardware] += p.candidate.replicas * p.candidate.chips_per_replica;
  for (const auto& [name, chips] : chips_by_hw) {
    const auto& hw = hws.get(name);
    // The current fleet (when stated) already covers that many chips, under the brief's own pricing mode.
    if (name == req.current.hardware && pricing.mode == req.pricing.mode && req.current.chips >= chips) continue;
    const double l = lead_time_weeks(hw.vendor, hwprofiles::kind_name(hw.kind), owned);
    lead = l < 0 ? INFINITY : std::max(lead, l);
  }
  r.lead_time_weeks = lead;
  r.ready_weeks = std::max(r.porting_weeks, lead);
}

OptionResult evaluate(const Ctx& ctx, const BriefOption& o) {
  const auto& req = ctx.req;
  OptionResult r;
  r.option = o;
  const auto pricing = pricing_for(req, o);
  const bool def = pricing_is_default(req, o);
  r.pricing_basis = pricing.mode == planner::PricingMode::cloud
                        ? fmt::format("cloud {}", planner::cloud_tier_name(pricing.cloud_tier))
                        : fmt::format("owned ({:g}-year depreciation)", pricing.depreciation_years);
  std::string failure;
  for (std::size_t w = 0; w < req.workloads.size() && failure.empty(); ++w) {
    const std::string wname = req.workloads[w].name;
    auto add = [&](Part p) {
      if (!p.feasible && failure.empty()) failure = fmt::format("{} ({}): {}", wname, p.lane, p.reason);
      r.parts.push_back(std::move(p));
    };
    const auto pct = [](double s) { return fmt::format("{:g}%", std::round(s * 1000) / 10); };
    switch (o.type) {
      case OptionType::stay:
      case OptionType::owned:
        add(planner_part(ctx, current_request(req, w, 1.0, pricing), w, "all traffic", 1.0, def, o.id));
        break;
      case OptionType::shift:
        add(planner_part(ctx, current_request(req, w, 1 - o.share, pricing), w, "current " + pct(1 - o.share),
                         1 - o.share, def, o.id));
        add(planner_part(ctx, target_request(req, o, w, o.share, pricing, req.model), w, "shifted " + pct(o.share),
                         o.share, def, o.id));
        break;
      case OptionType::cpu_fallback:
        add(planner_part(ctx, current_request(req, w, 1 - o.share, pricing), w, "current " + pct(1 - o.share),
                         1 - o.share, def, o.id));
        add(planner_part(ctx, target_request(req, o, w, o.share, pricing, o.model.empty() ? req.model : o.model), w,
                         "CPU lane " + pct(o.share), o.share, def, o.id));
        break;
      case OptionType::move:
        add(planner_part(ctx, target_request(req, o, w, 1.0, pricing, req.model), w, "all traffic", 1.0, def, o.id));
        break;
      case OptionType::disaggregated: {
        r.analytic = true;
        std::string f;
        auto parts = disaggregated_parts(ctx, o, w, f);
        if (!f.empty()) failure = fmt::format("{}: {}", wname, f);
        for (auto& p : parts) r.parts.push_back(std::move(p));
        break;
      }
    }
  }
  r.feasible = failure.empty();
  r.reason = failure;
  if (r.feasible) aggregate(req, r, pricing);
  r.risks = option_risks(r, pricing);
  r.risk_level = decision_risk_level(r);
  if (r.feasible) timeline(req, r, pricing);
  return r;
}

}  // namespace

OptionFootprint option_footprint(const OptionResult& o, const planner::Site* site) {
  OptionFootprint x;
  std::map<std::string, double> chips;
  for (const auto& p : o.parts) {
    if (!p.feasible) continue;
    chips[p.candidate.hardware] += p.candidate.replicas * p.candidate.chips_per_replica;
    if (p.candidate.cost.basis_kind == "owned" || p.candidate.cost.owned_only) x.owned = true;
  }
  const auto& fac = planner::shipped_facility();
  for (const auto& [hw, n] : chips) {
    const auto f = planner::facility_footprint(fac, hw, n, site);
    if (!f.present) continue;
    if (!f.fits && x.fits) {
      x.fits = false;
      x.reason = f.reason;
    }
    x.servers += f.servers;
    x.racks += f.racks;
    x.kw_rack = std::max(x.kw_rack, f.kw_per_rack);
    x.it_kw += f.it_kw;
    x.facility_kw += f.facility_kw;
    x.floor += f.floor_m2;
    x.cooling.insert(f.cooling);
    x.products.insert(f.product.substr(0, f.product.find(" (")));
  }
  return x;
}

std::vector<OptionResult> evaluate_options(const BriefRequest& req, const planner::Verifier& verifier) {
  Ctx ctx{req, verifier};
  std::vector<OptionResult> out;
  for (const auto& o : req.options) out.push_back(evaluate(ctx, o));
  return out;
}

}  // namespace detail
}  // namespace infersim::brief
