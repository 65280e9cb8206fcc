// Options -> numbers. Planner parts are solved by planner::plan() exactly as `infersim plan PART.json`
// would; the disaggregated option is sized analytically here (see build_brief.h for the method).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "brief_internal.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/cost_model.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"

namespace infersim::brief {

double cold_start_seconds(double weight_bytes, double storage_bytes_per_s, double host_link_bytes_per_s, int chips,
                          double init_s) {
  // Chips load their shards in parallel over their own host links but share the storage path.
  double bw = storage_bytes_per_s;
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

using common::ConfigError;
using common::DType;
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

// The deployment plan() evaluated for candidate `c` (same precision rules and runtime).
perf::Deployment deployment_of(const model::ModelSpec& m, const planner::Candidate& c) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(c.hardware);
  d.runtime = c.runtime;
  d.precision = perf::default_precision(d.hardware, *common::parse_dtype(c.precision), std::nullopt, c.runtime);
  perf::apply_runtime(m, d);
  d.tp = c.tp;
  d.pp = c.pp;
  return d;
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

void fill_hydration(const BriefRequest& req, Part& p, const model::ModelSpec& m) {
  const auto& c = p.candidate;
  const auto& hw = hwprofiles::HardwareCatalog::shipped().get(c.hardware);
  p.weight_bytes = model::weight_bytes(m, *common::parse_dtype(c.precision));
  p.init_s = req.cold_start.init_s.value_or(default_init_seconds(hwprofiles::kind_name(c.hardware_kind)));
  p.cold_start_nvme_s = cold_start_seconds(p.weight_bytes, req.cold_start.local_nvme_bytes_per_s,
                                           hw.host_link_effective_bytes_per_s, c.chips_per_replica, p.init_s);
  p.cold_start_object_s = cold_start_seconds(p.weight_bytes, req.cold_start.object_store_bytes_per_s,
                                             hw.host_link_effective_bytes_per_s, c.chips_per_replica, p.init_s);
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
  perf::StepEstimator est(m, deployment_of(m, p.candidate));
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

// ---- disaggregated: GPU prefill pool + decode pool on other hardware, sized analytically ----

double link_bytes_per_s(const hwprofiles::HardwareProfile& h) {
  return h.scale_out_bw_bytes_per_s > 0 ? h.scale_out_bw_bytes_per_s : h.host_link_effective_bytes_per_s;
}

std::vector<Part> disaggregated_parts(const Ctx& ctx, const BriefOption& o, std::size_t w, std::string& failure) {
  const auto& req = ctx.req;
  const auto& wl = req.workloads[w];
  const auto pricing = pricing_for(req, o);
  const bool def_pricing = pricing_is_default(req, o);
  const auto m = model::ModelCatalog::shipped().resolve(req.model);
  const auto slo = slo_for(req, w);
  const double lambda = req.requests_per_s * wl.share;
  const double I = wl.input_tokens, O = wl.output_tokens;
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  auto& rts = hwprofiles::RuntimeCatalog::shipped();

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
  const auto dp = deployment_of(m, pre.candidate);
  perf::StepEstimator est_p(m, dp);
  const auto e_p = perf::estimate_serving(est_p, {1, I, O});
  const double t_p = e_p.prefill.step_s;
  // Client-side time outside the engine (the kernel path's fitted frontend: HTTP, tokenization).
  const double front = std::max(0.0, e_p.ttft_s - t_p);

  // Decode pool: precision, layout, best concurrency.
  const auto& hd = hws.get(o.decode_hardware);
  std::vector<std::string> tries;
  if (!o.decode_precision.empty())
    tries = {o.decode_precision};
  else if (hd.served_weights)
    tries = {common::dtype_name(*hd.served_weights), req.current.precision, "fp16", "int8"};
  else
    tries = {req.current.precision, "fp16", "int8"};
  perf::Deployment dd;
  std::string last_error;
  bool have = false;
  for (const auto& ps : tries) {
    const DType wdt = *common::parse_dtype(ps);
    perf::Deployment x;
    x.hardware = hd;
    x.precision = perf::default_precision(hd, wdt, std::nullopt, "");
    try {
      if (hd.matmul_peak(x.precision.weight, x.precision.activation) <= 0 ||
          ((wdt == DType::fp8 || wdt == DType::fp4) && !hd.supports(wdt)))
        throw ConfigError(fmt::format("{} has no {} compute", hd.name, ps));
      perf::apply_runtime(m, x);
    } catch (const ConfigError& e) {
      last_error = e.reason();
      continue;
    }
    dd = x;
    have = true;
    break;
  }
  if (!have) {
    failure = fmt::format("decode pool on {}: {}", o.decode_hardware, last_error);
    return {};
  }
  const auto rr = perf::resolve_runtime(m, dd);
  auto sized = perf::auto_size(m, dd, 8 * (I + O), perf::max_step_tokens(hd, {8, I, O}));
  if (!sized.fits) {
    failure = fmt::format("decode pool on {}: {}", o.decode_hardware, sized.explanation);
    return {};
  }
  // Layouts: the smallest that fits; on SRAM-only chips also wider stages (up to one KV head per
  // chip), which leave room for more KV and so a larger batch (as the planner does). The layout with
  // the lowest chips per sustainable request rate wins.
  const std::vector<int> tps = hd.sram_only() ? perf::sram_stage_widths(m, sized.deployment.tp)
                                              : std::vector<int>{sized.deployment.tp};
  const double target_util = pricing.target_utilisation;
  double best_rate = 0, best_b = 0, best_td = 0, best_chips_per_rate = INFINITY;
  double td1 = 0, max_conc = 0;
  perf::MemoryFit fit1;
  perf::Deployment chosen = sized.deployment;
  for (int tp : tps) {
    perf::Deployment x = sized.deployment;
    x.tp = tp;
    const perf::StepEstimator est(m, x);
    const auto f1 = est.memory_fit(I + O, perf::max_step_tokens(hd, {1, I, O}));
    const double mc = std::floor(f1.max_kv_tokens / (I + O));
    if (tp == sized.deployment.tp) {
      fit1 = f1;
      max_conc = mc;
    }
    double rate_x = 0, b_x = 0, td_x = 0;
    for (double B = 1; B <= std::min(mc, 1024.0); B *= 2) {
      // Pipelined replicas keep min(B, pp) micro-batches in flight (StepEstimator::micro_batches).
      const double micro = B / est.micro_batches(B);
      const double td = perf::total_time(perf::mean_decode_cost(est, micro, I, O), est.params());
      if (B == 1 && tp == sized.deployment.tp) td1 = td;
      if (td > slo.tpot_p99_s) break;
      if (!est.memory_fit(B * (I + O), perf::max_step_tokens(hd, {B, I, O})).fits) break;
      const double rate = target_util * B / (O * td);
      if (rate > rate_x) {
        rate_x = rate;
        b_x = B;
        td_x = td;
      }
    }
    if (rate_x > 0 && x.chips() / rate_x < best_chips_per_rate) {
      best_chips_per_rate = x.chips() / rate_x;
      best_rate = rate_x;
      best_b = b_x;
      best_td = td_x;
      chosen = x;
    }
  }
  sized.deployment = chosen;
  if (best_rate <= 0) {
    failure = max_conc < 1
                  ? fmt::format("decode pool on {}: the KV cache of one {}-token sequence does not fit ({})",
                                o.decode_hardware, fmt_num(I + O), fit1.message)
                  : fmt::format("decode pool on {}: decode step {} misses TPOT P99 {} even at batch 1",
                                o.decode_hardware, common::format_seconds(td1), common::format_seconds(slo.tpot_p99_s));
    return {};
  }
  // KV transfer prefill -> decode.
  const auto& hp = hws.get(pre.candidate.hardware);
  const double kv_bytes = I * model::kv_bytes_per_token(m, dp.precision.kv);
  const double bw = std::min(link_bytes_per_s(hp), link_bytes_per_s(hd));
  const double lat = std::max({hp.scale_out_latency_s, hd.scale_out_latency_s, 10e-6});
  const double t_kv = kv_bytes / bw + lat;

  // Replica counts: the TTFT budget left after prefill and KV transfer is shared by the prefill queue
  // and the wait for a decode slot; more decode replicas shorten the latter. Cheapest pair wins
  // (chips x the price per chip of the pricing mode).
  auto unit = [&](const hwprofiles::HardwareProfile& h) {
    std::string basis;
    double v = pricing.mode == planner::PricingMode::cloud ? planner::chip_hour_price(h, pricing.cloud_tier, basis)
                                                           : 0.0;
    if (v <= 0) v = planner::owned_chip_hour_usd(h, h.decode_w, pricing);  // owned, or not rented publicly
    return v > 0 ? v : 1.0;
  };
  const double u_p = unit(hp) * pre.candidate.chips_per_replica, u_d = unit(hd) * sized.deployment.chips();
  const double n_d_min = std::ceil(lambda / best_rate);
  const double n_p_min = std::max(1.0, std::ceil(lambda * t_p / target_util));
  double n_d = 0, n_p = 0, w_d = 0, best_cost = INFINITY,
         w_d_min = planner::p99_slot_wait_s(lambda / n_d_min, O * best_td, best_b);
  for (double nd = n_d_min; nd <= n_d_min * 4 + 16; nd += 1) {
    const double wd = planner::p99_slot_wait_s(lambda / nd, O * best_td, best_b);
    const double fixed = front + t_p + t_kv + wd;
    if (fixed < slo.ttft_p99_s) {
      double np = n_p_min;
      while (np <= n_p_min * 4 + 64 && fixed + planner::p99_slot_wait_s(lambda, t_p, np) > slo.ttft_p99_s) np += 1;
      if (np <= n_p_min * 4 + 64 && np * u_p + nd * u_d < best_cost) {
        best_cost = np * u_p + nd * u_d;
        n_d = nd;
        n_p = np;
        w_d = wd;
      }
    }
    if (wd <= 0) break;  // more decode replicas cannot shorten the wait any further
  }
  if (n_d <= 0) {
    failure =
        fmt::format("TTFT P99 {} cannot be met: prefill {} + KV transfer {} + decode-slot wait {} (at {:g} decode "
                    "replicas, falling with more) leave no room for queueing",
                    common::format_seconds(slo.ttft_p99_s), common::format_seconds(t_p), common::format_seconds(t_kv),
                    common::format_seconds(w_d_min), n_d_min);
    return {};
  }
  const double w_p = planner::p99_slot_wait_s(lambda, t_p, n_p);

  // Cost and power of each pool.
  const std::string rt_p = pre.candidate.runtime;
  const double port_p = rts.contains(rt_p) ? rts.get(rt_p).porting_effort_weeks : 0.0;
  const double port_d = rts.contains(rr.runtime) ? rts.get(rr.runtime).porting_effort_weeks : 0.0;

  planner::LoadPoint lp;
  lp.chips_per_replica = pre.candidate.chips_per_replica;
  lp.replicas = n_p;
  lp.busy_fraction = std::min(1.0, lambda * t_p / n_p);
  lp.prefill_share = 1.0;
  lp.output_tok_s = lambda * O;
  lp.input_tok_s = lambda * I;
  lp.requests_s = lambda;
  lp.runtime = rt_p;
  lp.porting_weeks = port_p;
  const auto& hp_cat = hws.get(pre.candidate.hardware);
  auto& cp = pre.candidate;
  cp.id = fmt::format("{}/{}/{}/tp{}{} (prefill pool)", cp.hardware, cp.runtime, cp.precision, cp.tp,
                      cp.pp > 1 ? fmt::format("pp{}", cp.pp) : "");
  cp.replicas = n_p;
  cp.batch = 1;
  cp.replica_req_s = target_util / t_p;
  cp.ttft_p50_s = front + t_p + t_kv;
  cp.ttft_p99_s = front + t_p + w_p + t_kv + w_d;
  cp.tpot_p50_s = cp.tpot_p99_s = 0;
  cp.power = planner::power_at(hp_cat, lp, pricing);
  cp.cost = planner::cost_at(hp_cat, lp, cp.power, pricing);
  cp.utilisation = lambda * t_p / n_p;
  cp.verified = false;
  cp.parts.clear();
  pre.requests_per_s = lambda;
  pre.ttft_batch1_s = front + t_p + t_kv;
  pre.headroom = n_p * cp.replica_req_s / lambda - 1.0;
  pre.output_tok_s = 0;
  pre.input_tok_s = lambda * I;
  pre.analytic_notes = {
      fmt::format("prefill step {} for a {}-token prompt ({} --batch 1: TTFT)", common::format_seconds(t_p), fmt_num(I),
                  pre.candidate.hardware),
      fmt::format("KV transfer {} = {} of KV / {}/s + {} latency (the slower per-chip network link of the two pools)",
                  common::format_seconds(t_kv), common::format_bytes(kv_bytes), common::format_bytes(bw),
                  common::format_seconds(lat)),
      fmt::format("{:g} prefill replicas: P99 queue wait {} (Erlang C, M/D/c over the pool) at utilisation {:.0f}%",
                  n_p, common::format_seconds(w_p), 100 * lambda * t_p / n_p)};

  Part dec;
  dec.workload = int(w);
  dec.lane = "decode pool";
  dec.model = req.model;
  dec.share = 1.0;
  dec.requests_per_s = lambda;
  dec.from_planner = false;
  dec.feasible = true;
  auto& cd = dec.candidate;
  cd.hardware = hd.name;
  cd.vendor = hd.vendor;
  cd.hardware_kind = hd.kind;
  cd.runtime = rr.runtime;
  cd.runtime_basis = rr.basis;
  cd.precision = common::dtype_name(dd.precision.weight);
  cd.kv_precision = common::dtype_name(dd.precision.kv);
  cd.tp = sized.deployment.tp;
  cd.pp = sized.deployment.pp;
  cd.chips_per_replica = cd.tp * cd.pp;
  cd.id = fmt::format("{}/{}/{}/tp{}{} (decode pool)", cd.hardware, cd.runtime, cd.precision, cd.tp,
                      cd.pp > 1 ? fmt::format("pp{}", cd.pp) : "");
  cd.batch = best_b;
  cd.replica_req_s = best_rate;
  cd.replicas = n_d;
  cd.ttft_p50_s = cd.ttft_p99_s = 0;
  cd.tpot_p50_s = cd.tpot_p99_s = best_td;
  cd.utilisation = lambda / (n_d * best_rate / target_util);
  cd.feasible = true;
  planner::LoadPoint ld;
  ld.chips_per_replica = cd.chips_per_replica;
  ld.replicas = n_d;
  ld.busy_fraction = std::min(1.0, 1.0 - std::exp(-(lambda / n_d) * O * best_td));
  ld.prefill_share = 0;
  ld.output_tok_s = lambda * O;
  ld.input_tok_s = 0;
  ld.requests_s = lambda;
  ld.runtime = rr.runtime;
  ld.porting_weeks = port_d;
  cd.power = planner::power_at(hd, ld, pricing);
  cd.cost = planner::cost_at(hd, ld, cd.power, pricing);
  if (!perf::basis_is_measured(rr.basis))
    cd.risks.push_back(fmt::format("speed not measured for {} on {} ({} calibration)", rr.runtime, hd.name, rr.basis));
  dec.ttft_batch1_s = 0;
  dec.headroom = n_d * best_rate / lambda - 1.0;
  dec.output_tok_s = lambda * O;
  dec.input_tok_s = 0;
  fill_hydration(req, dec, m);
  dec.commands.push_back(estimate_command(req.model, cd, best_b, I, O) +
                         "   # \"decode step\" = TPOT of the decode pool");
  const std::string layout_note = chosen.tp == tps.front()
                                      ? fmt::format("layout: {}", sized.explanation)
                                      : fmt::format("layout: tp={} x pp={} = {} chips, widened from the smallest fit "
                                                    "(tp={}) so each chip keeps more "
                                                    "SRAM for KV: {:g} sequences per replica instead of {:g}",
                                                    chosen.tp, chosen.pp, chosen.chips(), tps.front(), best_b,
                                                    max_conc);
  dec.analytic_notes = {
      layout_note,
      fmt::format("decode step {} at {:g} concurrent sequences (mean context {}); no prefill interference in a "
                  "decode-only pool, so TPOT P99 = the step",
                  common::format_seconds(best_td), best_b, fmt_num(I + O / 2)),
      fmt::format("{:g} decode replicas of {:g} chips (capacity {:.3f} requests/s each at <= {:.0f}% utilisation; "
                  "utilisation {:.0f}%); P99 wait for a decode slot {}",
                  n_d, double(cd.chips_per_replica), best_rate, 100 * target_util, 100 * cd.utilisation,
                  common::format_seconds(w_d))};
  // Plausibility against the decode chip vendor's own per-token price for the model (Groq, Cerebras and
  // SambaNova sell tokens from these chips): the option's cost per output token on this workload.
  if (cp.cost.priced && cd.cost.priced && lambda * O > 0) {
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
  if (!cp.cost.priced || !cd.cost.priced) {
    failure = !cd.cost.priced ? fmt::format("decode pool: {}{}", cd.cost.basis,
                                            pricing.mode == planner::PricingMode::cloud
                                                ? " (set \"pricing_mode\": \"owned\" for this option)"
                                                : "")
                              : fmt::format("prefill pool: {}", cp.cost.basis);
    return {};
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

// ---- risks ----

struct Lane {
  std::string hardware, runtime, precision, basis, model;
  int chips = 1;
  double cold_nvme = 0, cold_object = 0, init = 0, weight_bytes = 0;
};

std::string held_out_error_text(const std::string& hardware, const std::string& runtime) {
  static const auto entries = hwprofiles::load_calibrations(common::data_path("hwprofiles/data/calibrations.json"));
  for (const auto& e : entries) {
    if (e.hardware != hardware || e.calibration.runtime != runtime) continue;
    if (!e.fit_error.is_object() || !e.fit_error.contains("held_out")) return "";
    std::vector<std::string> parts;
    for (const auto& [metric, v] : e.fit_error["held_out"].items())
      if (v.is_object() && v.contains("median_abs_pct"))
        parts.push_back(fmt::format("{} {:.1f}% (n={})", metric, v["median_abs_pct"].get<double>(), v.value("n", 0)));
    return parts.empty() ? "" : "held-out median |error|: " + common::join(parts, ", ");
  }
  return "";
}

void add_risks(const BriefRequest& req, OptionResult& r, const planner::Pricing& pricing) {
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const bool owned = pricing.mode == planner::PricingMode::owned;
  std::vector<Lane> lanes;
  std::set<std::string> seen;
  for (const auto& p : r.parts) {
    if (!p.feasible) continue;
    const auto& c = p.candidate;
    const std::string key = c.hardware + "|" + c.runtime + "|" + c.precision + "|" + p.model;
    if (!seen.insert(key).second) continue;
    lanes.push_back({c.hardware, c.runtime, c.precision, c.runtime_basis, p.model, c.chips_per_replica,
                     p.cold_start_nvme_s, p.cold_start_object_s, p.init_s, p.weight_bytes});
  }
  std::set<std::string> hw_seen;
  for (const auto& l : lanes) {
    const auto& hw = hws.get(l.hardware);
    const auto m = model::ModelCatalog::shipped().resolve(l.model);
    // Lock-in / portability: which stacks serve this model on this hardware.
    if (hw_seen.insert(l.hardware).second) {
      std::vector<std::string> names;
      int neutral_ready = 0, neutral = 0;
      for (const auto* rt : rts.for_hardware(hw)) {
        if (!rt->serves(m.architecture)) continue;
        const auto* be = rt->backend_for(hw);
        const std::string mat = be ? be->maturity : "?";
        names.push_back(fmt::format("{} ({}{})", rt->name, mat, rt->vendor_neutral ? ", vendor-neutral" : ""));
        if (rt->vendor_neutral) {
          ++neutral;
          if (mat == "mature" || mat == "production") ++neutral_ready;
        }
      }
      const RiskLevel level = neutral_ready >= 2 ? RiskLevel::low : neutral >= 1 ? RiskLevel::medium : RiskLevel::high;
      r.risks.push_back(
          {"lock-in", level,
           names.empty()
               ? fmt::format("no runtime in the catalog serves {} ({}) on {}", m.name, m.architecture, l.hardware)
               : fmt::format("{} runtime(s) serve {} ({}) on {}: {}; {} vendor-neutral with a production "
                             "backend",
                             names.size(), m.name, m.architecture, l.hardware, common::join(names, ", "),
                             neutral_ready)});
      const double lead = lead_time_weeks(hw.vendor, hwprofiles::kind_name(hw.kind), owned);
      r.risks.push_back({"supply",
                         lead < 0     ? RiskLevel::high
                         : lead <= 4  ? RiskLevel::low
                         : lead <= 12 ? RiskLevel::medium
                                      : RiskLevel::high,
                         lead < 0
                             ? fmt::format("{} cannot be {} ([EST] vendor sells no {})", l.hardware,
                                           owned ? "bought" : "rented by the chip-hour", owned ? "chips" : "chip-hours")
                             : fmt::format("[EST] ~{:g} weeks to {} {} capacity", lead,
                                           owned ? "buy and install" : "reserve cloud", l.hardware)});
    }
    // Quantisation tier and how many stacks carry it here.
    const DType wd = *common::parse_dtype(l.precision);
    int carry = 0, total = 0;
    for (const auto* rt : rts.for_hardware(hw)) {
      if (!rt->serves(m.architecture)) continue;
      ++total;
      perf::Deployment d;
      d.hardware = hw;
      d.precision = perf::default_precision(hw, wd, std::nullopt, rt->name);
      if (rt->dtype_problem(hw, d.precision.weight, d.precision.kv).empty()) ++carry;
    }
    const bool four = l.precision == "int4" || l.precision == "fp4";
    const bool eight = l.precision == "int8" || l.precision == "fp8";
    r.risks.push_back({"quantisation",
                       four    ? RiskLevel::high
                       : eight ? RiskLevel::medium
                               : RiskLevel::low,
                       fmt::format("{} weights on {}: {}; {} of {} runtimes serving the model there support this tier",
                                   l.precision, l.hardware,
                                   four    ? "4-bit tier, accuracy must be proven on your own evals"
                                   : eight ? "8-bit tier, usually within 1% on benchmarks; run acceptance tests"
                                           : "16-bit baseline tier",
                                   carry, total)});
    // Calibration basis: was this runtime's speed measured on this hardware?
    perf::Deployment d;
    d.hardware = hw;
    d.runtime = l.runtime;
    d.precision = perf::default_precision(hw, wd, std::nullopt, l.runtime);
    std::string cal_text, basis = l.basis, maturity;
    try {
      const auto rr = perf::resolve_runtime(m, d);
      basis = rr.basis;
      maturity = rr.maturity;
      const std::string err = held_out_error_text(rr.calibration.fitted_on.empty() ? l.hardware
                                                                                   : rr.calibration.fitted_on,
                                                  rr.calibration.runtime.empty() ? l.runtime : rr.calibration.runtime);
      cal_text = fmt::format("{} on {}: calibration basis '{}': {}{}", l.runtime, l.hardware, rr.basis,
                             rr.calibration.source, err.empty() ? "" : "; " + err);
    } catch (const ConfigError& e) {
      cal_text = e.what();
    }
    const RiskLevel cal_level = parse_risk_level(perf::basis_risk(basis));
    r.risks.push_back({"calibration", cal_level, cal_text});
    r.risks.push_back(
        {"maturity",
         maturity == "experimental" ? RiskLevel::high
         : maturity == "early"      ? RiskLevel::medium
                                    : RiskLevel::low,
         fmt::format("{} backend on {}: {}", l.runtime, l.hardware, maturity.empty() ? "n/a" : maturity)});
    // Cold start under autoscaling.
    r.risks.push_back(
        {"cold start",
         l.cold_object <= 120   ? RiskLevel::low
         : l.cold_object <= 600 ? RiskLevel::medium
                                : RiskLevel::high,
         fmt::format("one {} replica ({} chips, {} of {} weights) hydrates in {} from local NVMe, {} from object "
                     "storage (incl. {} runtime init [EST]); an autoscaler must add replicas that long before the load "
                     "arrives",
                     l.hardware, l.chips, common::format_bytes(l.weight_bytes), l.precision,
                     common::format_seconds(l.cold_nvme), common::format_seconds(l.cold_object),
                     common::format_seconds(l.init))});
  }
  std::set<std::string> hardware;
  for (const auto& l : lanes) hardware.insert(l.hardware);
  if (hardware.size() > 1)
    r.risks.push_back({"operations", RiskLevel::medium,
                       fmt::format("{} serving stacks to build, monitor and keep in step ({})", hardware.size(),
                                   common::join(std::vector<std::string>(hardware.begin(), hardware.end()), ", "))});
  if (r.analytic)
    r.risks.push_back({"method", RiskLevel::medium,
                       "sized analytically outside the planner (step estimates + queueing); verify with the serving "
                       "simulator before committing"});
  (void)req;
}

void finish_risk_level(OptionResult& r) {
  r.risk_level = RiskLevel::low;
  for (const auto& k : r.risks)
    if (k.area != "cold start") r.risk_level = std::max(r.risk_level, k.level);
  if (!r.feasible) r.risk_level = RiskLevel::high;
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
  add_risks(req, r, pricing);
  if (!r.feasible) r.risks.push_back({"feasibility", RiskLevel::high, r.reason});
  finish_risk_level(r);
  if (r.feasible) timeline(req, r, pricing);
  return r;
}

}  // namespace

std::vector<OptionResult> evaluate_options(const BriefRequest& req, const planner::Verifier& verifier) {
  Ctx ctx{req, verifier};
  std::vector<OptionResult> out;
  for (const auto& o : req.options) out.push_back(evaluate(ctx, o));
  return out;
}

}  // namespace detail
}  // namespace infersim::brief
