#include "infersim/planner/disaggregated.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/power_model.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/cost_model.h"

namespace infersim::planner {

namespace {

// Per-chip network link for the KV transfer: scale-out, else the host link.
double kv_link_of(const hwprofiles::HardwareProfile& h) {
  return h.scale_out_bw_bytes_per_s > 0 ? h.scale_out_bw_bytes_per_s : h.host_link_effective_bytes_per_s;
}

// $/chip-hour that ranks replica pairs: the cloud tier's price, else owned all-in at decode power; 1 when
// neither is known (the pair with fewer chips wins).
double pool_chip_hour_usd(const hwprofiles::HardwareProfile& h, const Pricing& pricing) {
  std::string basis;
  double v = pricing.mode == PricingMode::cloud ? chip_hour_price(h, pricing.cloud_tier, basis) : 0.0;
  if (v <= 0) v = owned_chip_hour_usd(h, h.decode_w, pricing);  // owned, or not rented publicly
  return v > 0 ? v : 1.0;
}

}  // namespace

DisaggregatedPlan size_disaggregated(const DisaggregatedRequest& req) {
  DisaggregatedPlan out;
  auto fail = [&](Rejection kind, std::string why) {
    out.feasible = false;
    out.rejection = kind;
    out.reason = std::move(why);
    return out;
  };
  const auto m = model::ModelCatalog::shipped().resolve(req.model);
  const auto& slo = req.slo;
  const auto& pricing = req.pricing;
  const double lambda = req.requests_per_s;
  const double I = req.input_tokens, O = req.output_tokens;
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  auto& rts = hwprofiles::RuntimeCatalog::shipped();

  // Prefill: one prompt at batch 1 on the given layout.
  const auto dp = candidate_deployment(m, req.prefill);
  perf::StepEstimator est_p(m, dp);
  const auto e_p = perf::estimate_serving(est_p, {1, I, O});
  const double t_p = e_p.prefill.step_s;
  // Client-side time outside the engine (the kernel path's fitted frontend: HTTP, tokenization).
  const double front = std::max(0.0, e_p.ttft_s - t_p);

  // Decode pool: precision, layout, best concurrency.
  const auto& hd = hws.get(req.decode_hardware);
  perf::Deployment dd;
  std::string last_error = req.decode_precisions.empty() ? "no decode precision to try" : "";
  bool have = false;
  for (const auto& ps : req.decode_precisions) {
    const common::DType wdt = *common::parse_dtype(ps);
    perf::Deployment x;
    x.hardware = hd;
    x.precision = perf::default_precision(hd, wdt, std::nullopt, "");
    x.precision.state = dp.precision.state;  // the plan's recurrent-state format
    try {
      if (hd.matmul_peak(x.precision.weight, x.precision.activation) <= 0 ||
          ((wdt == common::DType::fp8 || wdt == common::DType::fp4) && !hd.supports(wdt)))
        throw common::ConfigError(fmt::format("{} has no {} compute", hd.name, ps));
      perf::apply_runtime(m, x);
    } catch (const common::ConfigError& e) {
      last_error = e.reason();
      continue;
    }
    dd = x;
    have = true;
    break;
  }
  if (!have) return fail(Rejection::unsupported, fmt::format("decode pool on {}: {}", req.decode_hardware, last_error));
  const auto rr = perf::resolve_runtime(m, dd);
  auto sized = perf::auto_size(m, dd, 8 * (I + O), perf::max_step_tokens(hd, {8, I, O}), 8);
  if (!sized.fits)
    return fail(Rejection::does_not_fit, fmt::format("decode pool on {}: {}", req.decode_hardware, sized.explanation));
  // Layouts: the smallest that fits; on SRAM-only chips also wider stages (up to one KV head per
  // chip), which leave room for more KV and so a larger batch (as the planner does). The layout with
  // the lowest chips per sustainable request rate wins.
  const std::vector<int> tps = hd.sram_only() ? perf::sram_stage_widths(m, hd, sized.deployment.tp)
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
    const auto f1 = est.memory_fit(I + O, perf::max_step_tokens(hd, {1, I, O}), 1);
    const double mc = f1.sequences_for(I + O);
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
      if (!est.memory_fit(B * (I + O), perf::max_step_tokens(hd, {B, I, O}), B).fits) break;
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
  out.decode_min_layout = sized.explanation;
  out.decode_min_tp = tps.front();
  out.decode_min_max_sequences = max_conc;
  sized.deployment = chosen;
  if (best_rate <= 0) {
    if (max_conc < 1)
      return fail(Rejection::does_not_fit,
                  fmt::format("decode pool on {}: the KV cache of one {:g}-token sequence does not fit ({})",
                              req.decode_hardware, I + O, fit1.message));
    return fail(Rejection::misses_slo,
                fmt::format("decode pool on {}: decode step {} misses TPOT P99 {} even at batch 1", req.decode_hardware,
                            common::format_seconds(td1), common::format_seconds(slo.tpot_p99_s)));
  }
  // KV transfer prefill -> decode.
  const auto& hp = hws.get(req.prefill.hardware);
  const double kv_bytes = I * model::kv_bytes_per_token(m, dp.precision.kv);
  const double bw = std::min(kv_link_of(hp), kv_link_of(hd));
  const double lat = std::max({hp.scale_out_latency_s, hd.scale_out_latency_s, 10e-6});
  const double t_kv = kv_bytes / bw + lat;
  out.frontend_s = front;
  out.prefill_step_s = t_p;
  out.kv_bytes = kv_bytes;
  out.kv_link_bytes_per_s = bw;
  out.kv_latency_s = lat;
  out.kv_transfer_s = t_kv;

  // Replica counts: the TTFT budget left after prefill and KV transfer is shared by the prefill queue
  // and the wait for a decode slot; more decode replicas shorten the latter. Cheapest pair wins
  // (chips x the price per chip of the pricing mode).
  const double u_p = pool_chip_hour_usd(hp, pricing) * req.prefill.chips_per_replica,
               u_d = pool_chip_hour_usd(hd, pricing) * sized.deployment.chips();
  const double n_d_min = std::ceil(lambda / best_rate);
  const double n_p_min = std::max(1.0, std::ceil(lambda * t_p / target_util));
  double n_d = 0, n_p = 0, w_d = 0, best_cost = INFINITY,
         w_d_min = p99_slot_wait_s(lambda / n_d_min, O * best_td, best_b);
  for (double nd = n_d_min; nd <= n_d_min * 4 + 16; nd += 1) {
    const double wd = p99_slot_wait_s(lambda / nd, O * best_td, best_b);
    const double fixed = front + t_p + t_kv + wd;
    if (fixed < slo.ttft_p99_s) {
      double np = n_p_min;
      while (np <= n_p_min * 4 + 64 && fixed + p99_slot_wait_s(lambda, t_p, np) > slo.ttft_p99_s) np += 1;
      if (np <= n_p_min * 4 + 64 && np * u_p + nd * u_d < best_cost) {
        best_cost = np * u_p + nd * u_d;
        n_d = nd;
        n_p = np;
        w_d = wd;
      }
    }
    if (wd <= 0) break;  // more decode replicas cannot shorten the wait any further
  }
  if (n_d <= 0)
    return fail(Rejection::misses_slo,
                fmt::format("TTFT P99 {} cannot be met: prefill {} + KV transfer {} + decode-slot wait {} (at {:g} "
                            "decode replicas, falling with more) leave no room for queueing",
                            common::format_seconds(slo.ttft_p99_s), common::format_seconds(t_p),
                            common::format_seconds(t_kv), common::format_seconds(w_d_min), n_d_min));
  const double w_p = p99_slot_wait_s(lambda, t_p, n_p);
  out.prefill_wait_p99_s = w_p;
  out.decode_wait_p99_s = w_d;

  // Cost and power of each pool.
  const std::string rt_p = req.prefill.runtime;
  const double port_p = rts.contains(rt_p) ? rts.get(rt_p).porting_effort_weeks : 0.0;
  const double port_d = rts.contains(rr.runtime) ? rts.get(rr.runtime).porting_effort_weeks : 0.0;

  LoadPoint lp;
  lp.chips_per_replica = req.prefill.chips_per_replica;
  lp.replicas = n_p;
  lp.busy_fraction = std::min(1.0, lambda * t_p / n_p);
  lp.prefill_share = 1.0;
  lp.output_tok_s = lambda * O;
  lp.input_tok_s = lambda * I;
  lp.requests_s = lambda;
  lp.runtime = rt_p;
  lp.porting_weeks = port_p;
  lp.prefill_chip_w = e_p.prefill_chip_w;
  auto& cp = out.prefill;
  cp = req.prefill;
  cp.id = fmt::format("{}/{}/{}/tp{}{} (prefill pool)", cp.hardware, cp.runtime, cp.precision, cp.tp,
                      cp.pp > 1 ? fmt::format("pp{}", cp.pp) : "");
  cp.replicas = n_p;
  cp.batch = 1;
  cp.replica_req_s = target_util / t_p;
  cp.ttft_p50_s = front + t_p + t_kv;
  cp.ttft_p99_s = front + t_p + w_p + t_kv + w_d;
  cp.tpot_p50_s = cp.tpot_p99_s = 0;
  cp.power = power_at(hp, lp, pricing);
  cp.cost = cost_at(hp, lp, cp.power, pricing);
  cp.utilisation = lambda * t_p / n_p;
  cp.verified = false;
  cp.parts.clear();

  auto& cd = out.decode;
  cd.hardware = hd.name;
  cd.vendor = hd.vendor;
  cd.hardware_kind = hd.kind;
  cd.runtime = rr.runtime;
  cd.runtime_basis = rr.basis;
  cd.precision = common::dtype_name(dd.precision.weight);
  cd.kv_precision = common::dtype_name(dd.precision.kv);
  cd.state_precision = req.prefill.state_precision;
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
  LoadPoint ld;
  ld.chips_per_replica = cd.chips_per_replica;
  ld.replicas = n_d;
  ld.busy_fraction = std::min(1.0, 1.0 - std::exp(-(lambda / n_d) * O * best_td));
  ld.prefill_share = 0;
  ld.output_tok_s = lambda * O;
  ld.input_tok_s = 0;
  ld.requests_s = lambda;
  ld.runtime = rr.runtime;
  ld.porting_weeks = port_d;
  {
    // Decode power at the chosen concurrency (perf/power_model.h).
    const perf::StepEstimator est_d(m, chosen);
    const double micro = best_b / est_d.micro_batches(best_b);
    ld.decode_chip_w = perf::PowerModel::shipped().active_w(
        hd, est_d.roofline_work(model::BatchShape::decode(micro, I + O / 2.0)), best_td, false);
  }
  cd.power = power_at(hd, ld, pricing);
  cd.cost = cost_at(hd, ld, cd.power, pricing);
  if (!perf::basis_is_measured(rr.basis))
    cd.risks.push_back(fmt::format("speed not measured for {} on {} ({} calibration)", rr.runtime, hd.name, rr.basis));

  if (!cd.cost.priced) return fail(Rejection::no_price, fmt::format("decode pool: {}", cd.cost.basis));
  if (!cp.cost.priced) return fail(Rejection::no_price, fmt::format("prefill pool: {}", cp.cost.basis));
  out.feasible = true;
  return out;
}

}  // namespace infersim::planner
