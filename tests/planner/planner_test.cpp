#include <gtest/gtest.h>

#include <cmath>

#include "hybrid_plan_request.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/cost_model.h"
#include "infersim/planner/plan.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"

using namespace infersim;
using planner::CloudTier;
using planner::LoadPoint;
using planner::Pricing;
using planner::PricingMode;

namespace {
const hwprofiles::HardwareProfile& hw(const std::string& n) { return hwprofiles::HardwareCatalog::shipped().get(n); }

LoadPoint load(double out_tok_s) {
  LoadPoint l;
  l.chips_per_replica = 4;
  l.replicas = 3;
  l.busy_fraction = 0.7;
  l.prefill_share = 0.25;
  l.output_tok_s = out_tok_s;
  l.input_tok_s = 4 * out_tok_s;
  l.requests_s = out_tok_s / 256;
  l.runtime = "vllm";
  return l;
}

planner::PlanRequest chat_request() {
  planner::PlanRequest r;
  r.model = "llama-3.1-70b";
  r.input_tokens = 1024;
  r.output_tokens = 256;
  r.requests_per_s = 20;
  r.hardware = {"h100-sxm", "h200", "mi300x", "a100-80g-sxm", "tpu-v6e"};
  r.pricing = planner::load_pricing("default");
  r.mixes = true;
  return r;
}
}  // namespace

TEST(CostModel, PerTokenCostIsTheClosedFormOfThroughput) {
  const Pricing p = planner::load_pricing("default");
  const auto l = load(5000);
  const auto pw = planner::power_at(hw("h100-sxm"), l, p);
  const auto c = planner::cost_at(hw("h100-sxm"), l, pw, p);
  const double expected_hour = 12 * hw("h100-sxm").prices.on_demand.usd;
  EXPECT_DOUBLE_EQ(c.usd_per_hour, expected_hour);
  EXPECT_NEAR(c.usd_per_1k_output, expected_hour / (5000 * 3600.0) * 1000, 1e-15)
      << "expected $/hour / (tokens/s x 3600) x 1000";
  EXPECT_NEAR(c.monthly_usd, expected_hour * 730, 1e-9);
  EXPECT_NEAR(c.tco_opex_usd, expected_hour * 8760 * 3, 1e-6);
}

TEST(CostModel, CostIsLinearInPrice) {
  Pricing p = planner::load_pricing("default");
  auto h = hw("h100-sxm");
  const auto l = load(5000);
  const auto base = planner::cost_at(h, l, planner::power_at(h, l, p), p);
  h.prices.on_demand.usd *= 3;
  const auto tripled = planner::cost_at(h, l, planner::power_at(h, l, p), p);
  EXPECT_NEAR(tripled.usd_per_1k_output, 3 * base.usd_per_1k_output, 1e-15);
  // Owned mode: doubling the capex (chip + server share) doubles the capex and maintenance parts only.
  p.mode = PricingMode::owned;
  auto g = hw("h100-sxm");
  const auto o1 = planner::cost_at(g, l, planner::power_at(g, l, p), p);
  g.prices.purchase.usd *= 2;
  g.prices.server_share.usd *= 2;
  const auto o2 = planner::cost_at(g, l, planner::power_at(g, l, p), p);
  EXPECT_NEAR(o2.capex_usd_per_hour, 2 * o1.capex_usd_per_hour, 1e-12);
  EXPECT_NEAR(o2.maintenance_usd_per_hour, 2 * o1.maintenance_usd_per_hour, 1e-12);
  EXPECT_NEAR(o2.usd_per_hour - o1.usd_per_hour, o1.capex_usd_per_hour + o1.maintenance_usd_per_hour, 1e-12);
  EXPECT_NEAR(o2.tco_capex_usd, 2 * o1.tco_capex_usd, 1e-6);
}

// Owned all-in per chip-hour by hand: (chip + server share) / life + maintenance share of that capex
// + energy at the facility power + hosting per provisioned kW + network + software.
TEST(CostModel, OwnedAllInMatchesTheHandCalculation) {
  Pricing p = planner::load_pricing("default");
  p.mode = PricingMode::owned;
  auto h = hw("h100-sxm");
  h.prices.purchase.usd = 30000;
  h.prices.server_share.usd = 10000;
  const double chip_w = 500;
  const double capex = 40000.0 / (p.depreciation_years * 8760) + 40000.0 * p.maintenance_fraction_per_year / 8760;
  const double energy = (chip_w + p.host_overhead_w_per_chip) * p.pue / 1e3 * p.usd_per_kwh;
  const double hosting = (h.tdp_w + p.host_overhead_w_per_chip) / 1e3 * p.hosting_usd_per_kw_month / 730;
  const double other = (p.network_usd_per_chip_month + p.software_usd_per_chip_month) / 730;
  EXPECT_NEAR(planner::owned_chip_hour_usd(h, chip_w, p), capex + energy + hosting + other, 1e-12);
  h.prices.purchase = {};
  EXPECT_EQ(planner::owned_chip_hour_usd(h, chip_w, p), 0.0);
}

// A chip no public cloud rents stays in a cloud comparison on its owned cost, labelled as such; a
// rented chip without a price in the asked tier is not priced from another tier.
TEST(CostModel, CloudModeCostsUnrentedChipsOwnedAndSaysSo) {
  Pricing p = planner::load_pricing("default");
  const auto l = load(1000);
  const auto& g = hw("groq-lpu");
  ASSERT_FALSE(g.prices.rented());
  const auto c = planner::cost_at(g, l, planner::power_at(g, l, p), p);
  EXPECT_TRUE(c.priced);
  EXPECT_TRUE(c.owned_only);
  EXPECT_EQ(c.basis_kind, "owned");
  EXPECT_NE(c.basis.find("owned cost only"), std::string::npos) << c.basis;
  const auto& h = hw("h100-sxm");
  const auto r = planner::cost_at(h, l, planner::power_at(h, l, p), p);
  EXPECT_FALSE(r.owned_only);
  EXPECT_EQ(r.basis_kind, "cloud on_demand");
  EXPECT_NE(r.basis.find(h.prices.on_demand.as_of), std::string::npos) << r.basis;
}

TEST(CostModel, StalePricesAreFlaggedAgainstThePricingDate) {
  Pricing p = planner::load_pricing("default");
  auto h = hw("h100-sxm");
  h.prices.on_demand.as_of = "2025-06";
  p.price_date = "2026-12-03";
  const auto l = load(1000);
  const auto c = planner::cost_at(h, l, planner::power_at(h, l, p), p);
  EXPECT_TRUE(c.price_stale);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("2025-06, 18 months before 2026-12-03"), std::string::npos) << c.notes[0];
  h.prices.on_demand.as_of = "2026-01-15";
  EXPECT_FALSE(planner::cost_at(h, l, planner::power_at(h, l, p), p).price_stale);
  EXPECT_EQ(hwprofiles::months_between("2025-12-04", "2026-12-03"), 11);
  EXPECT_EQ(hwprofiles::months_between("2025-12", "2026-12-03"), 12);
  EXPECT_EQ(hwprofiles::months_between("late 2025", "2026-12-03"), -1);
}

TEST(CostModel, NoSilentFallbackBetweenPriceTiers) {
  Pricing p = planner::load_pricing("default");
  p.cloud_tier = CloudTier::commit_3y;
  const auto l = load(1000);
  const auto& h = hw("h100-sxm");
  ASSERT_FALSE(h.prices.commit_3y.known());  // the premise: H100 has on-demand but no public 3-year price
  ASSERT_TRUE(h.prices.on_demand.known());
  const auto c = planner::cost_at(h, l, planner::power_at(h, l, p), p);
  EXPECT_FALSE(c.priced);
  EXPECT_EQ(c.usd_per_hour, 0.0);
  EXPECT_NE(c.basis.find("no public cloud 3-year commitment price"), std::string::npos) << c.basis;
}

// Power never exceeds TDP x chips x PUE plus the host overheads.
TEST(PowerModel, NeverExceedsTdpTimesChipsTimesPue) {
  const Pricing p = planner::load_pricing("default");
  for (const auto& n : hwprofiles::HardwareCatalog::shipped().names()) {
    for (double busy : {0.0, 0.5, 1.0})
      for (double pre : {0.0, 0.5, 1.0}) {
        auto l = load(1000);
        l.busy_fraction = busy;
        l.prefill_share = pre;
        const auto& h = hw(n);
        const auto pw = planner::power_at(h, l, p);
        const double chips = l.chips_per_replica * l.replicas;
        EXPECT_LE(pw.facility_kw * 1e3, (h.tdp_w + p.host_overhead_w_per_chip) * chips * p.pue + 1e-6) << n;
        EXPECT_GE(pw.chip_w, h.idle_w - 1e-9) << n;
      }
  }
}

TEST(Planner, ErlangWaitIsZeroAtLightLoadAndGrowsWithLoad) {
  EXPECT_EQ(planner::p99_slot_wait_s(0.01, 1.0, 8), 0.0);
  const double w1 = planner::p99_slot_wait_s(6.0, 1.0, 8), w2 = planner::p99_slot_wait_s(7.5, 1.0, 8);
  EXPECT_GT(w2, w1);
  EXPECT_TRUE(std::isinf(planner::p99_slot_wait_s(9.0, 1.0, 8)));
}

// Oracle: Erlang C from its closed form, C = (a^c/c!) / (1 - rho) / (sum_{k<c} a^k/k! + (a^c/c!) / (1 - rho)),
// summed in log space, then the same P99 tail as the planner (0.5 ln(C / 0.01) / (c mu - lambda)).
// The planner's division-free recursion with its early "no wait" exit must agree on a grid of slot
// counts (1-1024) and loads (1%-99.9% of the slots).
TEST(Planner, ErlangWaitMatchesTheClosedForm) {
  auto oracle = [](double lambda, double service, int c) {
    const double a = lambda * service, rho = a / c;
    double log_max = -INFINITY;
    std::vector<double> terms;
    for (int k = 0; k <= c; ++k) terms.push_back(k * std::log(a) - std::lgamma(k + 1.0));
    terms.back() -= std::log(1.0 - rho);
    for (double t : terms) log_max = std::max(log_max, t);
    double sum = 0;
    for (double t : terms) sum += std::exp(t - log_max);
    const double erlang_c = std::exp(terms.back() - log_max) / sum;
    if (erlang_c <= 0.01) return 0.0;
    return 0.5 * std::log(erlang_c / 0.01) / (c / service - lambda);
  };
  int nonzero = 0;
  for (int c : {1, 2, 3, 8, 31, 64, 100, 256, 1024})
    for (double load : {0.01, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99, 0.999}) {
      const double service = 2.5, lambda = load * c / service;
      const double got = planner::p99_slot_wait_s(lambda, service, c), want = oracle(lambda, service, c);
      if (want > 0) ++nonzero;
      EXPECT_NEAR(got, want, 1e-9 + 1e-9 * want) << "slots " << c << " load " << load;
    }
  EXPECT_GT(nonzero, 20);  // the grid exercises the tail, not only the "no wait" exit
}

// The best plan is never beaten by any candidate the planner rejected as costlier.
TEST(Planner, OpenLoopTtftIsTheUnloadedTtftPlusWaitsThatGrowWithLoad) {
  planner::OpenLoopTtft t;
  t.unloaded_s = 0.2;
  t.streams_s = 0.1;  // every one of 32 slots in flight
  t.prefill_s = 0.05;
  t.e2e_s = 4.0;
  t.concurrency = 32;
  // No load: no other streams, no waits.
  EXPECT_DOUBLE_EQ(planner::open_loop_ttft_p99_s(t, 0.0), 0.2);
  // The per-stream term follows the requests in flight (P99 of a Poisson count), never past all slots.
  const double lambda = 2.0;  // 8 in flight on average
  const double n99 = 8.0 + 2.33 * std::sqrt(8.0);
  const double want = 0.2 + 0.1 * (n99 - 1.0) / 31.0 + planner::p99_slot_wait_s(lambda, 4.0, 32) +
                      planner::p99_slot_wait_s(lambda, 0.05, 1);
  EXPECT_NEAR(planner::open_loop_ttft_p99_s(t, lambda), want, 1e-12);
  // The prefill engine's queue: one server at load lambda x prefill (M/D/1 tail); saturates at 1/prefill.
  EXPECT_GT(planner::p99_slot_wait_s(lambda, 0.05, 1), 0.0);
  EXPECT_TRUE(std::isinf(planner::open_loop_ttft_p99_s(t, 1.0 / 0.05)));
  double last = 0;
  for (double l : {0.5, 1.0, 2.0, 4.0, 7.0}) {
    const double v = planner::open_loop_ttft_p99_s(t, l);
    EXPECT_GT(v, last) << l;
    last = v;
  }
}

TEST(Planner, TtftP99IsSizedForTheLongPromptsOfASkewedWorkload) {
  auto req = chat_request();
  req.hardware = {"h100-sxm"};
  req.mixes = false;
  req.top = 50;
  const auto fixed = planner::plan(req);
  req.input_tokens_p99 = 6000;  // same mean, a long tail
  const auto skewed = planner::plan(req);
  ASSERT_FALSE(fixed.ranked.empty());
  ASSERT_FALSE(skewed.ranked.empty());
  int compared = 0;
  for (const auto& a : fixed.ranked)
    for (const auto& b : skewed.ranked)
      if (a.id == b.id && a.batch == b.batch && a.replicas == b.replicas) {
        // The P99 prompt's longer prefill is in the P99 TTFT; the median is unchanged.
        EXPECT_GT(b.ttft_p99_s, a.ttft_p99_s) << a.id;
        EXPECT_DOUBLE_EQ(b.ttft_p50_s, a.ttft_p50_s) << a.id;
        ++compared;
      }
  EXPECT_GE(compared, 1);
  // Less SLO room left for queueing: never more capacity per replica.
  for (const auto& a : fixed.ranked)
    for (const auto& b : skewed.ranked)
      if (a.id == b.id) {
        EXPECT_LE(b.replica_req_s, a.replica_req_s * (1 + 1e-9)) << a.id;
      }
}

TEST(Planner, BestPlanIsNeverBeatenByARejectedCandidate) {
  auto req = chat_request();
  req.top = 3;
  const auto res = planner::plan(req);
  ASSERT_FALSE(res.ranked.empty());
  const double best = res.ranked.front().cost.usd_per_1k_output;
  for (const auto& c : res.ranked) EXPECT_GE(c.cost.usd_per_1k_output, best);
  for (const auto& c : res.rejected)
    if (c.feasible) {
      EXPECT_GE(c.cost.usd_per_1k_output, best) << c.id;
    }
  for (const auto& c : res.ranked) {
    EXPECT_LE(c.ttft_p99_s, req.slo.ttft_p99_s + 1e-9) << c.id;
    EXPECT_LE(c.tpot_p99_s, req.slo.tpot_p99_s + 1e-9) << c.id;
    if (!c.is_mix()) {
      EXPECT_GE(c.replicas * c.replica_req_s, req.requests_per_s - 1e-9) << c.id;
    }
    // The analytic P99 is the tail at the load each replica actually gets, not the sizing limit: with
    // spare capacity from rounding the replica count up it sits below the SLO, never above P50.
    if (!c.is_mix() && !c.verified) {
      EXPECT_GE(c.ttft_p99_s, c.ttft_p50_s) << c.id;
      if (c.replicas * c.replica_req_s > 1.05 * req.requests_per_s) {
        EXPECT_LT(c.ttft_p99_s, req.slo.ttft_p99_s) << c.id;
      }
    }
  }
  // Frontier: cheapest first, each point strictly faster.
  ASSERT_FALSE(res.pareto.empty());
  EXPECT_EQ(res.pareto.front(), res.ranked.front().id);
}

// TensorRT-LLM runs prompts whole: with its default 8192-token budget a 16K-token prompt would join only
// an idle engine (perf::whole_prompt_room), one request at a time. A plan sizes the budget for the
// workload, as aiconfigurator's generated configs do, and says so.
TEST(Planner, WholePromptRuntimesArePlannedWithRoomInTheTokenBudget) {
  auto req = chat_request();
  req.hardware = {"b200"};
  req.runtimes = {"tensorrt-llm"};
  req.precisions = {"fp8"};
  req.input_tokens = 16000;
  req.output_tokens = 300;
  req.requests_per_s = 2;
  req.slo.ttft_p99_s = 5.0;
  req.slo.tpot_p99_s = 0.1;
  req.mixes = false;
  const auto res = planner::plan(req);
  ASSERT_FALSE(res.ranked.empty());
  for (const auto& c : res.ranked) EXPECT_GT(c.batch, 1) << c.id << ": more than one request at a time";
  bool noted = false;
  for (const auto& n : res.notes)
    noted = noted || (n.find("tensorrt-llm runs prompts whole") != std::string::npos &&
                      n.find("max_num_tokens) of 18528") != std::string::npos);
  EXPECT_TRUE(noted) << "1024 + 16000 + 1500 rounded up to 32 tokens";
  // A runtime with chunked prefill needs no such note.
  req.runtimes = {"vllm"};
  for (const auto& n : planner::plan(req).notes) EXPECT_EQ(n.find("runs prompts whole"), std::string::npos) << n;
}

TEST(Planner, KvBoundLayoutsArePlannedAtTheBatchTheirCacheHolds) {
  // Llama-3.1-70B at FP8 on one MI300X, 8k-token prompts: the KV cache holds 82 whole requests, between
  // the 64 and 128 of the sizing's powers of two. With SLOs loose enough, the plan runs 82, not 64.
  auto req = chat_request();
  req.hardware = {"mi300x"};
  req.precisions = {"fp8"};
  req.input_tokens = 8192;
  req.output_tokens = 512;
  req.slo.ttft_p99_s = 20.0;
  req.slo.tpot_p99_s = 0.5;
  req.mixes = false;
  req.verify_top = 0;
  const auto res = planner::plan(req);
  const planner::Candidate* tp1 = nullptr;
  for (const auto& c : res.ranked)
    if (c.tp == 1 && c.pp == 1) tp1 = &c;
  ASSERT_NE(tp1, nullptr);
  // What the cache holds, asked of the estimator the planner uses.
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("mi300x");
  d.precision = perf::default_precision(d.hardware, common::DType::fp8, std::nullopt, tp1->runtime);
  d.runtime = tp1->runtime;
  const auto& m = model::ModelCatalog::shipped().get(req.model);
  perf::apply_runtime(m, d);
  const perf::StepEstimator est(m, d);
  const double I = req.input_tokens, O = req.output_tokens;
  const double holds = std::floor(est.memory_fit(I + O, perf::max_step_tokens(d.hardware, {1, I, O})).max_kv_tokens /
                                  (I + O));
  ASSERT_GT(holds, 64);
  ASSERT_LT(holds, 128);
  EXPECT_EQ(tp1->batch, holds);
}

TEST(Planner, PipelinedReplicasTakeTheNextPromptOnceTheFirstStageIsFree) {
  // Groq LPUs, Llama-3.1-70B at int8 over 80 stages: a prompt takes ~57 ms to traverse them, but the
  // first stage is free again after 1/80 of that. The open-loop TTFT sizing must not treat the whole
  // traversal as one prefill server (which caps a replica below one prompt per traversal).
  auto req = chat_request();
  req.hardware = {"groq-lpu"};
  req.precisions = {"int8"};
  req.requests_per_s = 50;
  req.mixes = false;
  req.verify_top = 0;
  const auto res = planner::plan(req);
  int pipelined = 0;
  for (const auto& c : res.ranked) {
    if (c.pp <= 1 || c.batch < 64) continue;  // narrower stages hold few sequences: KV room bounds those
    ++pipelined;
    perf::Deployment d;
    d.hardware = hwprofiles::HardwareCatalog::shipped().get("groq-lpu");
    d.precision = perf::default_precision(d.hardware, common::DType::int8, std::nullopt, c.runtime);
    d.runtime = c.runtime;
    const auto& m = model::ModelCatalog::shipped().get(req.model);
    perf::apply_runtime(m, d);
    d.tp = c.tp;
    d.pp = c.pp;
    const perf::StepEstimator est(m, d);
    const double traversal = est.time(model::BatchShape::prefill(1, req.input_tokens));
    EXPECT_GT(c.replica_req_s * traversal, 2.0) << c.id << ": several prompts in the pipeline at once";
  }
  EXPECT_GT(pipelined, 0);
}

TEST(Planner, NoFeasiblePlanIsAResultWithReasons) {
  auto req = chat_request();
  req.slo.ttft_p99_s = 0.001;  // impossible
  const auto res = planner::plan(req);
  EXPECT_TRUE(res.ranked.empty());
  ASSERT_FALSE(res.rejected.empty());
  for (const auto& c : res.rejected) EXPECT_FALSE(c.reason.empty()) << c.id;
  ASSERT_FALSE(res.notes.empty());
  EXPECT_NE(res.notes.front().find("no feasible plan"), std::string::npos);
}

TEST(Planner, FourBitNeedsOptInAndIsFlagged) {
  auto req = chat_request();
  req.precisions = {"int4"};
  EXPECT_THROW(planner::plan(req), common::ConfigError);
  req.allow_int4 = true;
  const auto res = planner::plan(req);
  bool flagged = false;
  for (const auto& c : res.ranked)
    for (const auto& r : c.risks) flagged = flagged || r.find("accuracy risk") != std::string::npos;
  EXPECT_TRUE(flagged);
}

TEST(Planner, UsesTheVerifierAndBisectsReplicas) {
  auto req = chat_request();
  req.verify_top = 2;
  req.mixes = false;
  int calls = 0;
  // A fake simulator that needs exactly 7 replicas.
  const planner::Verifier v = [&](const planner::PlanRequest&, const planner::Candidate&, int replicas) {
    ++calls;
    planner::VerifyOutcome o;
    o.meets = replicas >= 7;
    o.ttft_p99_s = 0.5;
    o.tpot_p99_s = 0.04;
    o.goodput = o.meets ? 0.995 : 0.9;
    o.detail = "fake";
    return o;
  };
  const auto res = planner::plan(req, v);
  ASSERT_GE(res.ranked.size(), 2u);
  int verified = 0;
  for (const auto& c : res.ranked)
    if (c.verified) {
      ++verified;
      EXPECT_EQ(c.replicas, 7) << c.id;
    }
  // Checks go on until the two cheapest are both confirmed (a confirmed one may have become costlier
  // than the next, which is then checked too), within 3 x verify_top checks.
  EXPECT_GE(verified, 2);
  EXPECT_LE(verified, 6);
  EXPECT_TRUE(res.ranked[0].verified && res.ranked[1].verified);
  EXPECT_GT(calls, 2);
}

TEST(PlanJson, BadPlansGetPointedErrors) {
  auto bad = [](const std::string& text, const std::string& needle) {
    try {
      planner::plan_request_from_json(common::parse_json_text(text, "plan.json"), "plan.json");
      FAIL() << needle;
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string ok = R"("model":"llama-3.1-8b","workload":{"input_tokens":100,"output_tokens":10})";
  bad("{" + ok + "}", "/load");
  bad("{" + ok + R"(,"load":{"requests_per_s":-1}})", "/load/requests_per_s");
  bad("{" + ok + R"(,"load":{"requests_per_s":1},"slo":{"ttft_p99":1}})", "/slo/ttft_p99");
  bad("{" + ok + R"(,"load":{"requests_per_s":1},"pricing":{"schema_version":1,"mode":"leased"}})", "/mode");
  EXPECT_NO_THROW(planner::plan_request_from_json(
      common::parse_json_text("{" + ok + R"(,"load":{"tokens_per_day":1e9}})", "p.json"), "p.json"));
}

// Issue 14: a cloud-mode ranking lists every plan you can rent today before plans on chips no public
// cloud rents (costed owned, labelled) and those before announced chips; each group cheapest first.
TEST(Planner, CloudRankingPutsRentableFirstThenOwnedOnlyThenAnnounced) {
  auto r = chat_request();
  r.hardware = {"h100-sxm", "mi300x", "gb300", "rubin", "cerebras-wse3"};
  r.top = 100;
  r.mixes = false;
  const auto res = planner::plan(r);
  ASSERT_GE(res.ranked.size(), 3u);
  auto group = [](const planner::Candidate& c) { return c.announced ? 2 : c.cost.owned_only ? 1 : 0; };
  bool seen_owned = false, seen_announced = false;
  for (std::size_t i = 0; i < res.ranked.size(); ++i) {
    const auto& c = res.ranked[i];
    seen_owned = seen_owned || group(c) == 1;
    seen_announced = seen_announced || group(c) == 2;
    if (i > 0 && group(res.ranked[i - 1]) == group(c)) {
      EXPECT_LE(res.ranked[i - 1].cost.usd_per_1k_output, c.cost.usd_per_1k_output) << c.id;
    }
    if (i > 0) {
      EXPECT_LE(group(res.ranked[i - 1]), group(c)) << res.ranked[i - 1].id << " before " << c.id;
    }
    if (c.announced) {
      bool risk = false;
      for (const auto& k : c.risks) risk = risk || k.find("announced, not shipping") != std::string::npos;
      EXPECT_TRUE(risk) << c.id;
    }
  }
  EXPECT_TRUE(seen_owned);      // gb300 / cerebras: no public cloud price, still compared
  EXPECT_TRUE(seen_announced);  // rubin
  EXPECT_EQ(group(res.ranked.front()), 0);
  EXPECT_FALSE(res.buy_tokens.empty());
}

TEST(Planner, DataflowPlansAreCheckedAgainstTheVendorsOwnTokenPrice) {
  // Llama-3.1-70B chat on the chips whose vendors sell tokens from them: every priced plan carries the
  // ratio to that vendor's API price on the same workload, and one outside 0.2x-2x carries a risk.
  auto req = chat_request();
  req.hardware = {"cerebras-wse3", "groq-lpu"};
  req.precisions = {"bf16", "int8"};
  req.pricing.mode = planner::PricingMode::owned;
  req.mixes = false;
  req.verify_top = 0;
  const auto res = planner::plan(req);
  ASSERT_FALSE(res.ranked.empty());
  int checked = 0;
  for (const auto& c : res.ranked) {
    ASSERT_GT(c.vendor_price_ratio, 0) << c.id << ": its vendor lists a Llama-3.3-70B price";
    ++checked;
    bool flagged = false;
    for (const auto& r : c.risks) flagged = flagged || r.find("plausibility band") != std::string::npos;
    EXPECT_EQ(flagged, c.vendor_price_ratio < 0.2 || c.vendor_price_ratio > 2.0) << c.id << " " << c.vendor_price_check;
    // Same units: the plan's cost over output tokens divided by the API's on this workload.
    const auto lane = planner::token_lane(req.model, req.input_tokens, req.output_tokens, 0.0, req.slo.tpot_p99_s,
                                          req.pricing);
    for (const auto& t : lane)
      if (t.offer.provider == c.vendor && t.same_weights == false) {
        EXPECT_NEAR(c.vendor_price_ratio, c.cost.usd_per_1k_output / t.usd_per_1k_output, 1e-9 * c.vendor_price_ratio);
        break;
      }
  }
  EXPECT_GE(checked, 2);
  // SRAM-only chips are not held to the GPU chip limit, and their stages widen for KV room.
  bool groq = false, widened = false;
  for (const auto& list : {res.ranked, res.rejected})
    for (const auto& c : list)
      if (c.hardware == "groq-lpu" && c.chips_per_replica > 64) {
        groq = true;
        widened = widened || c.tp == 8;  // one KV head per chip (Llama-3.1-70B has 8)
      }
  EXPECT_TRUE(groq);
  EXPECT_TRUE(widened);
}

// A plan for a hybrid model plans its recurrent states in the requested format on every candidate (and
// names it there); the candidate's deployment carries it. Other models carry none, and asking for one on
// them, or for a format states are not kept in, is an error naming state_precision.
TEST(Planner, StatePrecisionIsPlannedOnEveryCandidateOfAHybridModel) {
  auto r = hybrid_tests::qwen35_b200_sglang_request(20, {2.0, 0.05, 0.99});
  const auto f32 = planner::plan(r);
  r.state_precision = "bf16";
  const auto b16 = planner::plan(r);
  ASSERT_FALSE(f32.ranked.empty());
  ASSERT_FALSE(b16.ranked.empty());
  const auto m = model::ModelCatalog::shipped().resolve(r.model);
  for (const auto& c : f32.ranked) {
    EXPECT_EQ(c.state_precision, "fp32") << c.id;
    EXPECT_EQ(planner::candidate_deployment(m, c).precision.state, common::DType::fp32) << c.id;
  }
  for (const auto& c : b16.ranked) {
    EXPECT_EQ(c.state_precision, "bf16") << c.id;
    EXPECT_EQ(planner::candidate_deployment(m, c).precision.state, common::DType::bf16) << c.id;
    EXPECT_EQ(planner::candidate_to_json(c)["state_precision"], "bf16") << c.id;
    for (const auto& a : f32.ranked) {
      if (a.id == c.id && a.batch == c.batch) {
        EXPECT_LT(c.tpot_p50_s, a.tpot_p50_s) << c.id << ": half the state traffic at the same batch";
      }
    }
  }
  const auto llama = planner::plan(chat_request());
  ASSERT_FALSE(llama.ranked.empty());
  EXPECT_TRUE(llama.ranked.front().state_precision.empty());
  EXPECT_FALSE(planner::candidate_to_json(llama.ranked.front()).contains("state_precision"));

  auto error_of = [](planner::PlanRequest q) {
    try {
      planner::plan(q);
    } catch (const common::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  r.state_precision = "fp8";
  auto e = error_of(r);
  EXPECT_NE(e.find("/state_precision"), std::string::npos) << e;
  EXPECT_NE(e.find("fp32, bf16 or fp16"), std::string::npos) << e;
  auto q = chat_request();
  q.state_precision = "bf16";
  e = error_of(q);
  EXPECT_NE(e.find("llama-3.1-70b keeps no recurrent state"), std::string::npos) << e;
  try {
    planner::plan_request_from_json(
        common::parse_json_text(
            R"({"model":"llama-3.1-8b","workload":{"input_tokens":100,"output_tokens":10},"load":{"requests_per_s":1},
                "state_precision":"bf16"})",
            "plan.json"),
        "plan.json");
    ADD_FAILURE() << "a state precision for a model without states";
  } catch (const common::ConfigError& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("plan.json"), std::string::npos) << e;
  EXPECT_NE(e.find("/state_precision"), std::string::npos) << e;
}
