#include "infersim/planner/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::planner {

using common::ConfigError;
using common::DType;

double p99_slot_wait_s(double lambda, double service_s, double slots) {
  if (lambda <= 0) return 0.0;
  const double mu = 1.0 / service_s;
  const double c = std::max(1.0, std::floor(slots));
  const double a = lambda / mu;  // offered load in slots
  if (a >= c) return INFINITY;
  // Erlang C via the Erlang B recursion in its reciprocal form, 1/B(k) = 1 + (k/a) / B(k-1): one
  // multiply-add per slot instead of a division (the planner's hottest loop). It overflows to
  // infinity only where B is far below anything that matters (B -> 0, so no wait).
  // Erlang B falls with every slot added and Erlang C <= B / (1 - rho), so once B(k) <= 0.01 (1 - rho)
  // the answer is "no wait" and the remaining slots need not be visited.
  const double rho = a / c;
  const double inv_a = 1.0 / a, r_done = 100.0 / (1.0 - rho);
  double r = 1.0;
  for (int k = 1; k <= int(c); ++k) {
    r = 1.0 + k * inv_a * r;
    if (r >= r_done) return 0.0;
  }
  const double b = 1.0 / r;
  const double erlang_c = b / (1.0 - rho + rho * b);
  if (erlang_c <= 0.01) return 0.0;
  // P(W > t) = C e^{-(c mu - lambda) t}; deterministic service halves the wait (Allen-Cunneen, cs^2 = 0).
  return 0.5 * std::log(erlang_c / 0.01) / (c * mu - lambda);
}

namespace {
// The per-stream term with `in_flight` requests in the replica (t.streams_s is it with every slot full).
double streams_term_s(const OpenLoopTtft& t, double in_flight) {
  if (t.concurrency <= 1) return 0.0;
  return t.streams_s * std::clamp((in_flight - 1.0) / (t.concurrency - 1.0), 0.0, 1.0);
}
}  // namespace

double open_loop_ttft_p99_s(const OpenLoopTtft& t, double lambda) {
  const double in_flight = std::max(0.0, lambda) * t.e2e_s;
  const double n99 = std::min(t.concurrency, in_flight + 2.33 * std::sqrt(in_flight));
  return t.unloaded_s + t.tail_prefill_s + streams_term_s(t, n99) + p99_slot_wait_s(lambda, t.e2e_s, t.concurrency) +
         p99_slot_wait_s(lambda, t.prefill_s, 1);
}

namespace {

struct Sized {
  bool ok = false;
  std::string reason;
  Rejection rejection = Rejection::none;
  double batch = 1, replica_req_s = 0, tpot = 0, tpot_p99 = 0, e2e = 0, prefill_s = 0;
  OpenLoopTtft open;                             // TTFT terms at the chosen concurrency
  double cached_prefill_ratio = 0;               // prefill of a prompt found in the prefix cache / an uncached one
  double input_cost_share = 0;                   // the prompt's step time / (prompt + its share of the decode steps)
  double prefill_chip_w = 0, decode_chip_w = 0;  // active chip power per phase at the chosen concurrency
  std::string bound_p, bound_d;
};

// Largest per-replica request rate within the SLOs over a grid of concurrency limits.
Sized size_replica(const perf::StepEstimator& est, const PlanRequest& req) {
  Sized best;
  const double I = req.input_tokens, O = req.output_tokens;
  const auto& hw = est.deployment().hardware;
  const auto fit1 = est.memory_fit(I + O, perf::max_step_tokens(hw, {1, I, O}), 1);
  if (!fit1.fits) {
    best.reason = fit1.message;
    best.rejection = Rejection::does_not_fit;
    return best;
  }
  const double max_conc = fit1.sequences_for(I + O);
  // TTFT P99 is set by the long prompts of a skewed length distribution: the P99 prompt's prefill in
  // place of the mean prompt's.
  const double tail_prefill_s = req.input_tokens_p99 > I
                                    ? std::max(0.0, est.time(model::BatchShape::prefill(1, req.input_tokens_p99)) -
                                                        est.time(model::BatchShape::prefill(1, I)))
                                    : 0.0;
  std::string first_miss;
  // Concurrency limits: powers of two, then the KV cache's own limit when it falls between two of them
  // (a KV-bound layout would otherwise be planned at up to half the batch its memory holds).
  const double top = std::min(max_conc, 1024.0);
  for (double B = 1; B <= top; B = (B < top && 2 * B > top) ? top : 2 * B) {
    const auto e = perf::estimate_serving(est, {B, I, O}, /*detail=*/false);
    if (!e.fits) break;
    const double tpot_p99 = e.tpot_s * TPOT_TAIL;
    if (e.ttft_s > req.slo.ttft_p99_s || tpot_p99 > req.slo.tpot_p99_s) {
      if (B == 1)
        first_miss = e.ttft_s > req.slo.ttft_p99_s
                         ? fmt::format("misses TTFT P99 {} by {} even at batch 1 (prefill alone takes {})",
                                       common::format_seconds(req.slo.ttft_p99_s),
                                       common::format_seconds(e.ttft_s - req.slo.ttft_p99_s),
                                       common::format_seconds(e.ttft_s))
                         : fmt::format("misses TPOT P99 {} by {} even at batch 1 (decode step {})",
                                       common::format_seconds(req.slo.tpot_p99_s),
                                       common::format_seconds(tpot_p99 - req.slo.tpot_p99_s),
                                       common::format_seconds(e.tpot_s));
      break;  // latency only grows with batch
    }
    const double cap = req.pricing.target_utilisation * B / e.e2e_s;
    // Open-loop arrivals: the closed-loop benchmark's queueing term is replaced by the P99 queueing at
    // the replica's own rate (open_loop_ttft_p99_s). Largest rate that keeps TTFT within the SLO (to
    // 2^-24 of the capacity: each probe runs the Erlang recursion over B slots, the planner's hottest
    // loop).
    // A pipelined replica takes the next prompt into its first stage once the last one moves on: the
    // prefill engine serves a prompt in one stage time, its traversal over the stages in flight.
    const double prefill_service_s = e.prefill.step_s / est.micro_batches(est.deployment().pp);
    const OpenLoopTtft open{
        e.ttft_s - e.ttft_queue_s - e.ttft_streams_s, e.ttft_streams_s, tail_prefill_s, prefill_service_s, e.e2e_s, B};
    const auto within = [&](double rate) { return open_loop_ttft_p99_s(open, rate) <= req.slo.ttft_p99_s; };
    double lo = 0, hi = cap;
    if (within(cap)) lo = hi;
    for (int it = 0; it < 24 && lo < hi; ++it) {
      const double mid = 0.5 * (lo + hi);
      (within(mid) ? lo : hi) = mid;
    }
    if (lo > best.replica_req_s) {
      best.ok = true;
      best.batch = B;
      best.replica_req_s = lo;
      best.open = open;
      best.tpot = e.tpot_s;
      best.tpot_p99 = tpot_p99;
      best.e2e = e.e2e_s;
      best.prefill_s = e.prefill.step_s;
    }
  }
  if (best.ok) {
    // Which bound applied, for the chosen concurrency only (the per-op breakdown is not needed per B).
    const auto e = perf::estimate_serving(est, {best.batch, I, O});
    best.bound_p = perf::bound_name(e.prefill.bound);
    best.bound_d = perf::bound_name(e.decode.bound);
    best.prefill_chip_w = e.prefill_chip_w;
    best.decode_chip_w = e.decode_chip_w;
    // A prompt found in the prefix cache still computes its last token against the whole cached
    // prefix: the work of one decode step at context I.
    const double cached = est.time(model::BatchShape::decode(1, I));
    if (e.prefill.step_s > 0) best.cached_prefill_ratio = std::min(1.0, cached / e.prefill.step_s);
    // Cost attribution: a request's prompt costs its prefill step; its output costs its share of the
    // decode steps it rides in (O steps shared by the batch).
    const double decode_share = O * e.decode.step_s / std::max(1.0, best.batch);
    if (e.prefill.step_s + decode_share > 0)
      best.input_cost_share = e.prefill.step_s / (e.prefill.step_s + decode_share);
  }
  if (!best.ok) {
    best.reason = first_miss.empty() ? "no concurrency level meets the SLOs" : first_miss;
    best.rejection = Rejection::misses_slo;
  }
  return best;
}

void fill_cost(Candidate& c, const hwprofiles::HardwareProfile& hw, const PlanRequest& req, double share,
               double porting_weeks, const Sized& s) {
  const double lambda = req.requests_per_s * share;
  const double per_replica = lambda / std::max(c.replicas, 1e-9);
  // Little's law: sequences in a replica = rate x e2e; busy when at least one is present.
  const double in_system = per_replica * s.e2e;
  const double busy = std::min(1.0, 1.0 - std::exp(-in_system));
  LoadPoint l;
  l.chips_per_replica = c.chips_per_replica;
  l.replicas = c.replicas;
  l.busy_fraction = busy;
  l.prefill_share = busy > 0 ? std::min(1.0, per_replica * s.prefill_s / busy) : 0.0;
  l.output_tok_s = lambda * req.output_tokens;
  l.input_tok_s = lambda * req.input_tokens;
  l.requests_s = lambda;
  l.runtime = c.runtime;
  l.porting_weeks = porting_weeks;
  l.cached_prefill_ratio = s.cached_prefill_ratio;
  l.input_cost_share = s.input_cost_share;
  l.prefill_chip_w = s.prefill_chip_w;
  l.decode_chip_w = s.decode_chip_w;
  c.power = power_at(hw, l, req.pricing);
  c.cost = cost_at(hw, l, c.power, req.pricing);
  c.utilisation = lambda / (c.replicas * s.replica_req_s / req.pricing.target_utilisation);
  // Analytic TTFT P99 at the rate each replica actually gets (sizing found the largest rate that keeps
  // it within the SLO; rounding the replica count up lowers the load and so the queueing tail).
  if (!c.verified) {
    c.ttft_p99_s = open_loop_ttft_p99_s(s.open, per_replica);
    // Median: the unloaded TTFT with the streams of the mean number in flight (waits are rare at P50).
    c.ttft_p50_s = s.open.unloaded_s + streams_term_s(s.open, per_replica * s.e2e);
  }
}

std::vector<DType> precisions_for(const PlanRequest& req) {
  std::vector<DType> out;
  for (const auto& p : req.precisions) {
    auto d = common::parse_dtype(p);
    if (!d) throw ConfigError("", "/precisions", fmt::format("unknown precision '{}'", p));
    if ((*d == DType::int4 || *d == DType::fp4) && !req.allow_int4)
      throw ConfigError("", "/precisions",
                        fmt::format("{} needs \"allow_int4\": true (4-bit tiers carry accuracy risk)", p));
    out.push_back(*d);
  }
  if (req.allow_int4) {
    for (DType d : {DType::int4, DType::fp4})
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  return out;
}

// The state one plan() call builds up, stage by stage.
struct PlanState {
  const PlanRequest& req;
  const model::ModelSpec& model;
  const hwprofiles::HardwareCatalog& hws;
  const hwprofiles::RuntimeCatalog& rts;
  std::vector<DType> precisions;
  DType state;  // recurrent-state format (PlanRequest::state_precision)
  PlanResult& res;
  std::vector<Candidate> feasible;
  std::map<std::string, Sized> sized_by_id;
};

// Cheapest first among plans that can be bought today on the requested basis; then plans on chips no
// public cloud rents (costed owned, labelled), then announced chips (estimates).
bool cheaper(const Candidate& a, const Candidate& b) {
  if (a.announced != b.announced) return b.announced;
  if (a.cost.owned_only != b.cost.owned_only) return b.cost.owned_only;
  if (a.cost.usd_per_1k_output != b.cost.usd_per_1k_output) return a.cost.usd_per_1k_output < b.cost.usd_per_1k_output;
  if (a.verified != b.verified) return a.verified;  // at equal cost, the one the simulator confirmed
  return a.id < b.id;
}

// Stage 1: every runtime x precision x layout of one chip, sized analytically; each becomes a feasible
// candidate or a rejection with its kind.
void size_hardware(PlanState& st, const std::string& hn) {
  const PlanRequest& req = st.req;
  const model::ModelSpec& model = st.model;
  const auto& rts = st.rts;
  const auto& precisions = st.precisions;
  PlanResult& res = st.res;
  auto& feasible = st.feasible;
  auto& sized_by_id = st.sized_by_id;
  const auto& hw = st.hws.get(hn);
  // A chip with no price on this basis cannot be ranked: say so once, before sizing it.
  if (std::string why; !can_price(hw, req.pricing, why)) {
    Candidate c;
    c.hardware = hw.name;
    c.vendor = hw.vendor;
    c.hardware_kind = hw.kind;
    c.id = fmt::format("{}/(any)", hw.name);
    c.reason = why;
    c.rejection = Rejection::no_price;
    res.rejected.push_back(c);
    return;
  }
  std::vector<std::string> runtimes;
  if (req.runtimes.empty()) {
    runtimes.push_back("");
  } else {
    for (const auto& r : req.runtimes) {
      rts.get(hwprofiles::split_runtime_version(r).first);  // unknown names are input errors (NAME or NAME@VERSION)
      runtimes.push_back(r);
    }
  }
  for (const auto& rt : runtimes) {
    // The 16-bit tier is bf16 where the chip and runtime have it, else fp16 (LPUs, NPUs, older GPUs).
    auto tier16 = [&](DType w) {
      if (w != DType::bf16 || std::find(precisions.begin(), precisions.end(), DType::fp16) != precisions.end())
        return w;
      perf::Deployment t;
      t.hardware = hw;
      t.runtime = rt;
      t.precision = perf::default_precision(hw, DType::bf16, std::nullopt, rt);
      try {
        if (hw.matmul_peak(t.precision.weight, t.precision.activation) <= 0) return DType::fp16;
        perf::apply_runtime(model, t);
        return DType::bf16;
      } catch (const ConfigError&) {
        return DType::fp16;
      }
    };
    // The format the vendor serves on the chip (Groq's 8-bit storage) is always tried as well.
    std::vector<DType> tiers = precisions;
    if (hw.served_weights && std::find(tiers.begin(), tiers.end(), *hw.served_weights) == tiers.end() &&
        (req.allow_int4 || (*hw.served_weights != DType::int4 && *hw.served_weights != DType::fp4)))
      tiers.push_back(*hw.served_weights);
    for (DType w0 : tiers) {
      const DType w = tier16(w0);
      Candidate base;
      base.hardware = hw.name;
      base.vendor = hw.vendor;
      base.announced = hw.availability == "announced";
      if (base.announced)
        base.risks.push_back(
            fmt::format("{} is announced, not shipping: its figures and price are estimates", hw.name));
      else if (hw.availability == "discontinued")
        base.risks.push_back(fmt::format("{} is discontinued: supply and support risk", hw.name));
      base.hardware_kind = hw.kind;
      base.precision = common::dtype_name(w);
      perf::Deployment d;
      d.hardware = hw;
      d.runtime = rt;
      d.precision = perf::default_precision(hw, w, std::nullopt, rt);
      d.precision.state = st.state;
      base.kv_precision = common::dtype_name(d.precision.kv);
      if (model.is_hybrid_linear()) base.state_precision = common::dtype_name(st.state);
      perf::RuntimeResolution rr;
      ++res.evaluated;
      try {
        if (hw.matmul_peak(d.precision.weight, d.precision.activation) <= 0 ||
            ((w == DType::fp8 || w == DType::fp4) && !hw.supports(w)))
          throw ConfigError(fmt::format("{} has no {} compute", hw.name, common::dtype_name(w)));
        rr = perf::apply_runtime(model, d);
      } catch (const ConfigError& e) {
        base.runtime = rt.empty() ? "(default)" : rt;
        base.id = fmt::format("{}/{}/{}", hw.name, base.runtime, base.precision);
        base.reason = e.reason();
        base.rejection = Rejection::unsupported;
        res.rejected.push_back(base);
        continue;
      }
      base.runtime = rr.runtime;
      base.runtime_basis = rr.basis;
      // A runtime that runs prompts whole is planned with room in its token budget for the longest prompt
      // beside the largest batch the sizing tries (perf::whole_prompt_budget); its default budget would hold
      // new prompts back until the batch drains (perf::whole_prompt_room).
      const double longest = std::max(req.input_tokens, req.input_tokens_p99);
      const double widest = std::min(1024.0, double(std::max(1, d.scheduler.max_batch)));
      if (const int budget = perf::whole_prompt_budget(d.scheduler, widest, longest); budget > 0) {
        const double room = perf::whole_prompt_room(d.scheduler, longest);
        std::string note = fmt::format(
            "{} runs prompts whole (no chunked prefill): planned with a token budget (max_num_tokens) of {}, room for "
            "a {:.0f}-token prompt beside {:.0f} running sequences, sized as aiconfigurator's generated configs size "
            "it (batch + prompt + 1500); its default {} would admit such a prompt {}",
            rr.runtime, budget, longest, widest, d.scheduler.max_num_tokens,
            room > 1 ? fmt::format("only while at most {:.0f} sequences decode", room - 1.0)
                     : std::string("only on an idle engine, one request at a time"));
        if (std::find(res.notes.begin(), res.notes.end(), note) == res.notes.end()) res.notes.push_back(note);
        d.scheduler.max_num_tokens = budget;
      }
      const double porting = rts.contains(rr.runtime) ? rts.get(rr.runtime).porting_effort_weeks : 0.0;
      if (w == DType::int4 || w == DType::fp4)
        base.risks.push_back(
            fmt::format("{} weights: accuracy risk, validate quality on your own evals", base.precision));
      if (w == DType::int8 || w == DType::fp8)
        base.risks.push_back(
            fmt::format("{} weights: small accuracy risk; usually within 1% on benchmarks", base.precision));
      if (!perf::basis_is_measured(rr.basis))
        base.risks.push_back(
            fmt::format("speed not measured for {} on {} ({} calibration)", rr.runtime, hw.name, rr.basis));
      if (rr.maturity == "early" || rr.maturity == "experimental")
        base.risks.push_back(fmt::format("{} backend maturity on {}: {}", rr.runtime, hw.name, rr.maturity));
      if (std::find(req.pricing.current_runtimes.begin(), req.pricing.current_runtimes.end(), rr.runtime) ==
          req.pricing.current_runtimes.end())
        base.risks.push_back(fmt::format("porting to {} ({:g} engineer-weeks)", rr.runtime, porting));

      // Layouts: the smallest that fits a modest batch, then more tensor parallelism for latency.
      const auto minimal = perf::auto_size(model, d, 8 * (req.input_tokens + req.output_tokens),
                                           perf::max_step_tokens(hw, {8, req.input_tokens, req.output_tokens}), 8);
      if (!minimal.fits) {
        Candidate c = base;
        c.id = fmt::format("{}/{}/{}", hw.name, c.runtime, c.precision);
        c.reason = minimal.explanation;
        c.rejection = Rejection::does_not_fit;
        res.rejected.push_back(c);
        continue;
      }
      std::vector<std::pair<int, int>> layouts = {{minimal.deployment.tp, minimal.deployment.pp}};
      if (!hw.sram_only() && minimal.deployment.pp == 1)
        for (int t = minimal.deployment.tp * 2; t <= std::min(hw.scale_up_domain, req.max_chips_per_replica); t *= 2)
          layouts.push_back({t, 1});
      if (req.layout_tp > 0)
        layouts = {{req.layout_tp, req.layout_pp > 0 ? req.layout_pp : minimal.deployment.pp}};
      else if (hw.sram_only()) {
        // More chips per stage leave more SRAM for KV, so a replica of an SRAM-only chip can run a
        // larger batch.
        const auto widths = perf::sram_stage_widths(model, hw, minimal.deployment.tp);
        for (std::size_t i = 1; i < widths.size(); ++i) layouts.push_back({widths[i], minimal.deployment.pp});
      }
      for (auto [tp, pp] : layouts) {
        Candidate c = base;
        c.tp = tp;
        c.pp = pp;
        c.chips_per_replica = tp * pp;
        c.id = fmt::format("{}/{}/{}/tp{}{}", hw.name, c.runtime, c.precision, tp,
                           pp > 1 ? fmt::format("pp{}", pp) : "");
        const int limit = hw.sram_only() ? req.max_sram_chips_per_replica : req.max_chips_per_replica;
        if (c.chips_per_replica > limit) {
          c.reason = fmt::format("needs {} chips per replica (limit {}{})", c.chips_per_replica, limit,
                                 hw.sram_only() ? ", max_sram_chips_per_replica" : "");
          c.rejection = Rejection::too_many_chips;
          res.rejected.push_back(c);
          continue;
        }
        perf::Deployment dl = d;
        dl.tp = tp;
        dl.pp = pp;
        std::optional<perf::StepEstimator> est;
        try {
          est.emplace(model, std::move(dl));
        } catch (const ConfigError& e) {
          c.reason = e.reason();
          c.rejection = Rejection::unsupported;
          res.rejected.push_back(c);
          continue;
        }
        const Sized s = size_replica(*est, req);
        ++res.sized;
        if (!s.ok) {
          c.reason = s.reason;
          c.rejection = s.rejection;
          res.rejected.push_back(c);
          continue;
        }
        c.batch = s.batch;
        c.replica_req_s = s.replica_req_s;
        c.replicas = std::ceil(req.requests_per_s / s.replica_req_s);
        c.tpot_p50_s = s.tpot;
        c.tpot_p99_s = s.tpot_p99;
        c.bound_prefill = s.bound_p;
        c.bound_decode = s.bound_d;
        fill_cost(c, hw, req, 1.0, porting, s);
        c.feasible = true;  // priced: can_price() admitted the chip before sizing
        sized_by_id[c.id] = s;
        feasible.push_back(c);
      }
    }
  }
}

// Stage 2: the cheapest `verify_top` candidates the simulator confirms, each at its minimum replica
// count (bisection); refuted ones become rejections.
void verify_cheapest(PlanState& st, const Verifier& verifier) {
  const PlanRequest& req = st.req;
  const auto& hws = st.hws;
  const auto& rts = st.rts;
  PlanResult& res = st.res;
  auto& feasible = st.feasible;
  auto& sized_by_id = st.sized_by_id;
  // Until the `verify_top` cheapest candidates are all confirmed: a refuted one leaves, and a confirmed
  // one may need more replicas than sizing gave it, so after each check the list is re-sorted and the
  // cheapest unchecked candidate among the first `verify_top` is checked next. The plan ranked first is
  // then a verified one whenever any candidate survives within the bounded effort (3 x verify_top checks).
  // Refuted candidates move to the rejections; the rest are ranked by cost.
  const auto drop_refuted_and_rank = [&] {
    std::vector<Candidate> kept;
    for (auto& c : feasible) (c.feasible ? kept : res.rejected).push_back(c);
    feasible = std::move(kept);
    std::sort(feasible.begin(), feasible.end(), cheaper);
  };
  const int max_tries = 3 * req.verify_top;
  for (int tries = 0; tries < max_tries; ++tries) {
    drop_refuted_and_rank();
    std::size_t next = feasible.size();
    for (std::size_t k = 0; k < std::min(feasible.size(), std::size_t(req.verify_top)); ++k)
      if (!feasible[k].verified) {
        next = k;
        break;
      }
    if (next == feasible.size()) break;
    Candidate& c = feasible[next];
    const auto& s = sized_by_id[c.id];
    try {
      int hi = std::max(1, int(c.replicas));
      VerifyOutcome at_hi = verifier(req, c, hi);
      int guard = 0;
      while (!at_hi.meets && guard++ < 6 && hi <= 50000) {
        hi *= 2;
        at_hi = verifier(req, c, hi);
      }
      if (!at_hi.meets) {
        c.feasible = false;
        c.reason = fmt::format("discrete-event check misses the SLOs even with {} replicas: {}", hi, at_hi.detail);
        c.rejection = Rejection::des_refuted;
        continue;
      }
      int lo = std::max(1, int(std::floor(hi / 2.0)));
      VerifyOutcome best = at_hi;
      if (lo < hi) {
        const VerifyOutcome at_lo = verifier(req, c, lo);
        if (at_lo.meets) {
          hi = lo;
          best = at_lo;
          lo = 0;
        }
        while (hi - lo > 1) {
          const int mid = (lo + hi) / 2;
          const VerifyOutcome v = verifier(req, c, mid);
          if (v.meets) {
            hi = mid;
            best = v;
          } else {
            lo = mid;
          }
        }
      }
      c.replicas = hi;
      c.verified = true;
      c.ttft_p50_s = best.ttft_p50_s;
      c.ttft_p99_s = best.ttft_p99_s;
      c.tpot_p50_s = best.tpot_p50_s;
      c.tpot_p99_s = best.tpot_p99_s;
      c.verified_goodput = best.goodput;
      const auto& hw = hws.get(c.hardware);
      const double porting = rts.contains(c.runtime) ? rts.get(c.runtime).porting_effort_weeks : 0.0;
      fill_cost(c, hw, req, 1.0, porting, s);
    } catch (const ConfigError& e) {
      // The simulator's stricter build (e.g. KV room after activations at its chunk size) refuses it.
      c.feasible = false;
      c.reason = fmt::format("the discrete-event simulator cannot run it: {}",
                             e.reason().empty() ? e.what() : e.reason());
      c.rejection = Rejection::des_failed;
    }
  }
  drop_refuted_and_rank();
}

// Stage 3: mixed deployments: a share of traffic on the best candidate of a second vendor, and a CPU lane.
void add_mixes(PlanState& st) {
  const PlanRequest& req = st.req;
  const auto& hws = st.hws;
  const auto& rts = st.rts;
  auto& feasible = st.feasible;
  auto& sized_by_id = st.sized_by_id;
  const Candidate primary = feasible.front();
  auto best_where = [&](auto pred) -> const Candidate* {
    for (const auto& c : feasible)
      if (pred(c)) return &c;
    return nullptr;
  };
  std::vector<std::pair<const Candidate*, std::string>> seconds;
  if (const auto* v = best_where([&](const Candidate& c) {
        return c.vendor != primary.vendor && c.hardware_kind != hwprofiles::HardwareKind::cpu;
      }))
    seconds.push_back({v, "second vendor"});
  if (const auto* cpu = best_where(
          [&](const Candidate& c) { return c.hardware_kind == hwprofiles::HardwareKind::cpu; }))
    seconds.push_back({cpu, "CPU fallback lane"});
  for (const auto& [second, label] : seconds) {
    for (double share : req.mix_shares) {
      Candidate m;
      m.id = fmt::format("mix: {} {:.0f}% + {} {:.0f}% ({})", primary.id, 100 * (1 - share), second->id, 100 * share,
                         label);
      m.hardware = primary.hardware + "+" + second->hardware;
      m.vendor = primary.vendor + "+" + second->vendor;
      m.kind = CandidateKind::mix;
      m.hardware_kind = primary.hardware_kind;
      m.runtime = primary.runtime == second->runtime ? primary.runtime : primary.runtime + "+" + second->runtime;
      m.precision = primary.precision == second->precision ? primary.precision
                                                           : primary.precision + "+" + second->precision;
      m.kv_precision = primary.kv_precision;
      m.state_precision = primary.state_precision;
      m.runtime_basis = primary.runtime_basis;
      Candidate a = primary, b = *second;
      const auto& sa = sized_by_id[primary.id];
      const auto& sb = sized_by_id[second->id];
      a.replicas = std::ceil(req.requests_per_s * (1 - share) / sa.replica_req_s);
      b.replicas = std::ceil(req.requests_per_s * share / sb.replica_req_s);
      fill_cost(a, hws.get(a.hardware), req, 1 - share,
                rts.contains(a.runtime) ? rts.get(a.runtime).porting_effort_weeks : 0.0, sa);
      fill_cost(b, hws.get(b.hardware), req, share,
                rts.contains(b.runtime) ? rts.get(b.runtime).porting_effort_weeks : 0.0, sb);
      m.replicas = a.replicas + b.replicas;
      m.chips_per_replica = 0;
      m.parts = {fmt::format("{} x{:g} replicas ({:.0f}% of traffic)", a.id, a.replicas, 100 * (1 - share)),
                 fmt::format("{} x{:g} replicas ({:.0f}% of traffic)", b.id, b.replicas, 100 * share)};
      m.ttft_p50_s = std::max(a.ttft_p50_s, b.ttft_p50_s);
      m.ttft_p99_s = std::max(a.ttft_p99_s, b.ttft_p99_s);
      m.tpot_p50_s = std::max(a.tpot_p50_s, b.tpot_p50_s);
      m.tpot_p99_s = std::max(a.tpot_p99_s, b.tpot_p99_s);
      m.power.it_kw = a.power.it_kw + b.power.it_kw;
      m.power.facility_kw = a.power.facility_kw + b.power.facility_kw;
      const double out_tok_s = req.requests_per_s * req.output_tokens;
      m.power.joules_per_output_token = m.power.facility_kw * 1e3 / out_tok_s;
      m.power.tokens_per_s_per_mw = out_tok_s / (m.power.facility_kw / 1e3);
      m.power.joules_per_token = m.power.facility_kw * 1e3 / (out_tok_s + req.requests_per_s * req.input_tokens);
      m.cost = a.cost;
      m.cost.basis = a.cost.basis == b.cost.basis ? a.cost.basis : a.cost.basis + " + " + b.cost.basis;
      m.cost.notes.insert(m.cost.notes.end(), b.cost.notes.begin(), b.cost.notes.end());
      for (double CostBreakdown::*f :
           {&CostBreakdown::usd_per_hour, &CostBreakdown::capex_usd_per_hour, &CostBreakdown::energy_usd_per_hour,
            &CostBreakdown::hosting_usd_per_hour, &CostBreakdown::network_usd_per_hour,
            &CostBreakdown::software_usd_per_hour, &CostBreakdown::rental_usd_per_hour, &CostBreakdown::monthly_usd,
            &CostBreakdown::porting_one_time_usd, &CostBreakdown::tco_capex_usd, &CostBreakdown::tco_opex_usd,
            &CostBreakdown::tco_total_usd})
        m.cost.*f = a.cost.*f + b.cost.*f;
      const double in_tok_s = req.requests_per_s * req.input_tokens;
      m.cost.usd_per_1k_output = m.cost.usd_per_hour / (out_tok_s * 3600) * 1000;
      m.cost.usd_per_1k_blended = m.cost.usd_per_hour / ((in_tok_s + out_tok_s) * 3600) * 1000;
      m.cost.usd_per_request = m.cost.usd_per_hour / (req.requests_per_s * 3600);
      m.cost.usd_per_1k_input_phase = a.cost.usd_per_1k_input_phase * (1 - share) +
                                      b.cost.usd_per_1k_input_phase * share;
      m.cost.usd_per_1k_output_phase = a.cost.usd_per_1k_output_phase * (1 - share) +
                                       b.cost.usd_per_1k_output_phase * share;
      for (double CostBreakdown::*f : {&CostBreakdown::usd_per_1m_input, &CostBreakdown::usd_per_1m_output,
                                       &CostBreakdown::usd_per_1m_cached_input})
        m.cost.*f = a.cost.*f * (1 - share) + b.cost.*f * share;
      m.cost.maintenance_usd_per_hour = a.cost.maintenance_usd_per_hour + b.cost.maintenance_usd_per_hour;
      m.cost.tokens_per_usd = m.cost.usd_per_hour > 0 ? (in_tok_s + out_tok_s) * 3600 / m.cost.usd_per_hour : 0.0;
      m.cost.owned_only = a.cost.owned_only || b.cost.owned_only;
      m.cost.price_stale = a.cost.price_stale || b.cost.price_stale;
      if (a.cost.basis_kind != b.cost.basis_kind) m.cost.basis_kind = a.cost.basis_kind + " + " + b.cost.basis_kind;
      m.power.joules_per_token = m.power.facility_kw * 1e3 / (out_tok_s + in_tok_s);
      m.risks = a.risks;
      m.announced = a.announced || b.announced;
      m.risks.insert(m.risks.end(), b.risks.begin(), b.risks.end());
      m.risks.push_back(fmt::format("two serving stacks to operate ({} and {})", a.hardware, b.hardware));
      m.feasible = true;
      m.utilisation = std::max(a.utilisation, b.utilisation);
      feasible.push_back(m);
    }
  }
  std::sort(feasible.begin(), feasible.end(), cheaper);
}

// Stage 4: the buy-tokens lane, and each candidate's cost against its chip vendor's own API price.
void check_vendor_prices(PlanState& st) {
  const PlanRequest& req = st.req;
  const auto& hws = st.hws;
  PlanResult& res = st.res;
  auto& feasible = st.feasible;
  const model::ModelSpec& model = st.model;
  res.buy_tokens = token_lane(model.name, req.input_tokens, req.output_tokens, 0.0, req.slo.tpot_p99_s, req.pricing);
  for (auto& c : feasible) {
    if (!c.parts.empty() || c.cost.usd_per_1k_output <= 0) continue;
    const TokenCost* api = vendor_offer(res.buy_tokens, c.vendor, hws.get(c.hardware).family);
    if (api == nullptr) continue;
    c.vendor_price_ratio = c.cost.usd_per_1k_output / api->usd_per_1k_output;
    const bool plausible = within_vendor_price_band(c.vendor_price_ratio);
    c.vendor_price_check = fmt::format(
        "{:.2f}x {}'s own API price for {} on this workload (${:.4f} vs ${:.4f} per 1K output tokens, list price {}){}",
        c.vendor_price_ratio, api->offer.provider, api->offer.model, c.cost.usd_per_1k_output, api->usd_per_1k_output,
        api->offer.as_of, plausible ? ": within the 0.2x-2x plausibility band" : "");
    if (!plausible)
      c.risks.push_back(
          fmt::format("costs {}: outside the 0.2x-2x plausibility band, a modelling error to investigate, "
                      "not an answer",
                      c.vendor_price_check));
  }
}

// Stage 5: the Pareto frontier, the top N, and the rest as "costlier" rejections.
void rank(PlanState& st, bool verified) {
  const PlanRequest& req = st.req;
  PlanResult& res = st.res;
  auto& feasible = st.feasible;
  // Pareto frontier of cost vs TTFT P99 (cheapest first; each next point strictly faster).
  double best_ttft = INFINITY;
  for (const auto& c : feasible) {
    if (c.ttft_p99_s < best_ttft) {
      res.pareto.push_back(c.id);
      best_ttft = c.ttft_p99_s;
    }
  }
  for (std::size_t i = 0; i < feasible.size(); ++i) {
    if (int(i) < req.top) {
      res.ranked.push_back(feasible[i]);
    } else {
      Candidate c = feasible[i];
      c.reason = fmt::format("feasible but costlier than the top {}: ${:.5f} per 1K output tokens vs ${:.5f}", req.top,
                             c.cost.usd_per_1k_output, feasible.front().cost.usd_per_1k_output);
      c.rejection = Rejection::costlier;
      res.rejected.push_back(c);
    }
  }
  if (feasible.empty())
    res.notes.push_back("no feasible plan: every candidate was rejected (reasons below); relax the SLOs, allow more "
                        "hardware or precisions, or raise max_chips_per_replica");
  if (!verified) res.notes.push_back("latency percentiles are analytic estimates (no discrete-event verification)");
}

}  // namespace

perf::Deployment candidate_deployment(const model::ModelSpec& m, const Candidate& c) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(c.hardware);
  d.runtime = c.runtime;
  d.precision = perf::default_precision(d.hardware, *common::parse_dtype(c.precision), std::nullopt, c.runtime);
  d.precision.state = perf::state_precision_for(m, c.state_precision);
  perf::apply_runtime(m, d);
  d.tp = c.tp;
  d.pp = c.pp;
  return d;
}

// Every single-pool candidate's facility footprint; with a site, the ones that break its limits become
// rejections naming the limit.
void apply_facility(PlanState& st) {
  const auto& fac = shipped_facility();
  const Site* site = st.req.site ? &*st.req.site : nullptr;
  std::vector<Candidate> kept;
  for (auto& c : st.feasible) {
    c.facility = facility_footprint(fac, c.hardware, c.replicas * c.chips_per_replica, site);
    if (c.feasible && site && c.facility.present && !c.facility.fits) {
      c.feasible = false;
      c.rejection = Rejection::site_limits;
      c.reason = c.facility.reason;
      st.res.rejected.push_back(c);
      continue;
    }
    kept.push_back(std::move(c));
  }
  st.feasible = std::move(kept);
}

PlanResult plan(const PlanRequest& req, const Verifier& verifier) {
  PlanResult res;
  res.request = req;
  if (!(req.requests_per_s > 0)) throw ConfigError("", "/load/requests_per_s", "must be > 0");
  if (!(req.input_tokens >= 1) || !(req.output_tokens >= 1))
    throw ConfigError("", "/workload", "input and output lengths must be >= 1");
  const auto model = model::ModelCatalog::shipped().resolve(req.model);
  const auto& hws = hwprofiles::HardwareCatalog::shipped();
  DType state = model::Precision{}.state;
  try {
    state = perf::state_precision_for(model, req.state_precision);
  } catch (const ConfigError& e) {
    throw ConfigError("", "/state_precision", e.reason());
  }
  PlanState st{req, model, hws, hwprofiles::RuntimeCatalog::shipped(), precisions_for(req), state, res, {}, {}};
  for (const auto& hn : req.hardware.empty() ? hws.names() : req.hardware) size_hardware(st, hn);
  std::sort(st.feasible.begin(), st.feasible.end(), cheaper);
  apply_facility(st);
  if (verifier) {
    verify_cheapest(st, verifier);
    apply_facility(st);  // the simulator may have changed replica counts
  }
  if (req.mixes && !st.feasible.empty()) add_mixes(st);
  check_vendor_prices(st);
  rank(st, bool(verifier));
  // Footprints are reported for the plans shown and for the ones the site refused.
  for (auto& c : res.rejected)
    if (c.rejection != Rejection::site_limits) c.facility = {};
  return res;
}

std::string Candidate::kind_label() const { return is_mix() ? "mix" : hwprofiles::kind_name(hardware_kind); }

const char* rejection_name(Rejection r) {
  switch (r) {
    case Rejection::none: return "none";
    case Rejection::des_refuted: return "des_refuted";
    case Rejection::misses_slo: return "misses_slo";
    case Rejection::does_not_fit: return "does_not_fit";
    case Rejection::site_limits: return "site_limits";
    case Rejection::too_many_chips: return "too_many_chips";
    case Rejection::des_failed: return "des_failed";
    case Rejection::no_price: return "no_price";
    case Rejection::unsupported: return "unsupported";
    case Rejection::costlier: return "costlier";
  }
  return "?";
}

std::vector<std::string> summarize_rejections(const PlanResult& r, std::size_t n) {
  std::vector<const Candidate*> tell;
  for (const auto& c : r.rejected)
    if (c.rejection != Rejection::costlier && !c.reason.empty()) tell.push_back(&c);
  // The enum's order is the ranking; alphabetical within a kind (independent of search order).
  std::stable_sort(tell.begin(), tell.end(), [](const Candidate* x, const Candidate* y) {
    return x->rejection != y->rejection ? x->rejection < y->rejection : x->reason < y->reason;
  });
  std::vector<std::string> out;
  for (const auto* c : tell) {
    if (out.size() >= n) break;
    if (std::find(out.begin(), out.end(), c->reason) == out.end()) out.push_back(c->reason);
  }
  return out;
}

}  // namespace infersim::planner
