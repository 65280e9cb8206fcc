// planner::size_disaggregated against a hand calculation from the same step estimates: pool sizes are
// ceil(load / per-replica capacity) when the TTFT SLO is loose, the decode concurrency is the one with
// the highest rate within the TPOT SLO, and the KV transfer and TTFT P99 are the closed forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hybrid_plan_request.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/planner/disaggregated.h"
#include "infersim/planner/plan.h"
#include "infersim/planner/pricing_json.h"

using namespace infersim;

namespace {

constexpr double DISAGG_IN = 1024, DISAGG_OUT = 256, DISAGG_LOAD = 20;

// The disaggregated request for plan request `pr`: its cheapest plan is the prefill pool, decode on
// `decode_hardware` in `decode_precision`.
planner::DisaggregatedRequest disagg_from(const planner::PlanRequest& pr, const std::string& decode_hardware,
                                          const std::string& decode_precision) {
  const auto best = planner::plan(pr);
  EXPECT_FALSE(best.ranked.empty());
  planner::DisaggregatedRequest r;
  r.model = pr.model;
  r.input_tokens = pr.input_tokens;
  r.output_tokens = pr.output_tokens;
  r.requests_per_s = pr.requests_per_s;
  r.slo = pr.slo;
  r.pricing = pr.pricing;
  if (!best.ranked.empty()) r.prefill = best.ranked.front();
  r.decode_hardware = decode_hardware;
  r.decode_precisions = {decode_precision};
  return r;
}

// Llama 3.1 8B: prefill on H100 (the planner's layout), decode on H200 in fp8; TTFT SLO loose.
planner::DisaggregatedRequest disagg_request() {
  planner::PlanRequest pr;
  pr.model = "llama-3.1-8b";
  pr.input_tokens = DISAGG_IN;
  pr.output_tokens = DISAGG_OUT;
  pr.requests_per_s = DISAGG_LOAD;
  pr.slo = {5.0, 0.05, 0.99};
  pr.hardware = {"h100-sxm"};
  pr.mixes = false;
  pr.pricing = planner::load_pricing("default");
  return disagg_from(pr, "h200", "fp8");
}

double link_of(const hwprofiles::HardwareProfile& h) {
  return h.scale_out_bw_bytes_per_s > 0 ? h.scale_out_bw_bytes_per_s : h.host_link_effective_bytes_per_s;
}

}  // namespace

TEST(Disaggregated, PoolsAreLoadOverPerReplicaCapacityFromTheStepEstimates) {
  const auto req = disagg_request();
  ASSERT_FALSE(req.prefill.hardware.empty());
  const auto s = planner::size_disaggregated(req);
  ASSERT_TRUE(s.feasible) << s.reason;
  EXPECT_EQ(s.rejection, planner::Rejection::none);
  const auto m = model::ModelCatalog::shipped().resolve(req.model);
  const auto& cat = hwprofiles::HardwareCatalog::shipped();
  const auto& h100 = cat.get("h100-sxm");
  const auto& h200 = cat.get("h200");
  const double I = DISAGG_IN, O = DISAGG_OUT, lambda = DISAGG_LOAD, u = req.pricing.target_utilisation;

  // Prefill: one prompt at batch 1 on the planner's layout.
  perf::Deployment dp;
  dp.hardware = h100;
  dp.runtime = req.prefill.runtime;
  dp.precision = perf::default_precision(h100, *common::parse_dtype(req.prefill.precision), std::nullopt,
                                         req.prefill.runtime);
  perf::apply_runtime(m, dp);
  dp.tp = req.prefill.tp;
  dp.pp = req.prefill.pp;
  const double t_p = perf::estimate_serving(perf::StepEstimator(m, dp), {1, I, O}).prefill.step_s;
  ASSERT_GT(t_p, 0);
  EXPECT_NEAR(s.prefill_step_s, t_p, 1e-12 * t_p);
  const double n_p = std::max(1.0, std::ceil(lambda * t_p / u));
  EXPECT_EQ(s.prefill.replicas, n_p) << "prefill replicas = max(1, ceil(load x t_p / u))";
  EXPECT_NEAR(s.prefill.replica_req_s, u / t_p, 1e-9 * u / t_p);

  // Decode: fp8 on H200 on the default runtime, at the layout the sizing chose.
  EXPECT_EQ(s.decode.hardware, "h200");
  EXPECT_EQ(s.decode.precision, "fp8");
  EXPECT_EQ(s.decode.chips_per_replica, s.decode.tp * s.decode.pp);
  perf::Deployment dd;
  dd.hardware = h200;
  dd.precision = perf::default_precision(h200, common::DType::fp8, std::nullopt, "");
  perf::apply_runtime(m, dd);
  EXPECT_EQ(s.decode.runtime, dd.runtime);
  dd.tp = s.decode.tp;
  dd.pp = s.decode.pp;
  const perf::StepEstimator est(m, dd);
  auto decode_step = [&](double b) {
    return perf::total_time(perf::mean_decode_cost(est, b / est.micro_batches(b), I, O), est.params());
  };
  auto usable = [&](double b) {
    return decode_step(b) <= req.slo.tpot_p99_s &&
           est.memory_fit(b * (I + O), perf::max_step_tokens(h200, {b, I, O})).fits;
  };
  const double B = s.decode.batch;
  ASSERT_TRUE(usable(B)) << "the chosen concurrency meets the TPOT SLO and fits";
  const double t_d = decode_step(B);
  EXPECT_NEAR(s.decode.tpot_p99_s, t_d, 1e-12 * t_d);
  const double capacity = u * B / (O * t_d);
  EXPECT_NEAR(s.decode.replica_req_s, capacity, 1e-9 * capacity) << "capacity = u x B / (O x t_d)";
  // No other power-of-two concurrency within the SLO and memory serves more requests per replica.
  for (double b = 1; b <= 1024; b *= 2) {
    if (usable(b)) {
      EXPECT_LE(u * b / (O * decode_step(b)), capacity * (1 + 1e-12)) << "batch " << b;
    }
  }
  const double n_d = std::ceil(lambda / capacity);
  EXPECT_EQ(s.decode.replicas, n_d) << "decode replicas = ceil(load / per-replica capacity)";
  EXPECT_NEAR(s.decode.utilisation, lambda / (n_d * capacity / u), 1e-12);

  // KV transfer and the TTFT P99 over the whole path.
  const double kv_bytes = I * model::kv_bytes_per_token(m, dp.precision.kv);
  const double bw = std::min(link_of(h100), link_of(h200));
  const double t_kv = kv_bytes / bw + std::max({h100.scale_out_latency_s, h200.scale_out_latency_s, 10e-6});
  EXPECT_NEAR(s.kv_transfer_s, t_kv, 1e-12 * t_kv);
  const double w_p = planner::p99_slot_wait_s(lambda, t_p, n_p);
  const double w_d = planner::p99_slot_wait_s(lambda / n_d, O * t_d, B);
  const double ttft = s.frontend_s + t_p + w_p + t_kv + w_d;
  EXPECT_NEAR(s.prefill.ttft_p99_s, ttft, 1e-9 * ttft);
  EXPECT_LE(s.prefill.ttft_p99_s, req.slo.ttft_p99_s);

  // Cloud on-demand: each pool costs its chips x the chip-hour price.
  EXPECT_NEAR(s.decode.cost.usd_per_hour, n_d * s.decode.chips_per_replica * h200.prices.on_demand.usd, 1e-9);
  EXPECT_NEAR(s.prefill.cost.usd_per_hour, n_p * req.prefill.chips_per_replica * h100.prices.on_demand.usd, 1e-9);
}

TEST(Disaggregated, UnmeetableTpotAndMissingComputeAreReasonsNotErrors) {
  auto req = disagg_request();
  ASSERT_FALSE(req.prefill.hardware.empty());
  req.slo.tpot_p99_s = 1e-6;
  const auto slow = planner::size_disaggregated(req);
  EXPECT_FALSE(slow.feasible);
  EXPECT_EQ(slow.rejection, planner::Rejection::misses_slo);
  EXPECT_NE(slow.reason.find("even at batch 1"), std::string::npos) << slow.reason;

  req = disagg_request();
  req.decode_precisions = {"fp4"};  // Hopper has no FP4 compute
  const auto fp4 = planner::size_disaggregated(req);
  EXPECT_FALSE(fp4.feasible);
  EXPECT_EQ(fp4.rejection, planner::Rejection::unsupported);
  EXPECT_EQ(fp4.reason.rfind("decode pool on h200: ", 0), 0u) << fp4.reason;
}

// A hybrid model's recurrent-state format carries from the prefill candidate to the decode pool, whose
// sizing then holds the states in it.
TEST(Disaggregated, TheDecodePoolKeepsThePlansRecurrentStatePrecision) {
  auto pr = hybrid_tests::qwen35_b200_sglang_request(10, {5.0, 0.1, 0.99});
  pr.state_precision = "bf16";
  auto r = disagg_from(pr, "b200", "fp8");
  ASSERT_FALSE(r.prefill.hardware.empty());
  const auto s = planner::size_disaggregated(r);
  ASSERT_TRUE(s.feasible) << s.reason;
  EXPECT_EQ(s.prefill.state_precision, "bf16");
  EXPECT_EQ(s.decode.state_precision, "bf16");
  r.prefill.state_precision = "fp32";
  const auto f = planner::size_disaggregated(r);
  ASSERT_TRUE(f.feasible) << f.reason;
  EXPECT_EQ(f.decode.state_precision, "fp32");
  EXPECT_GE(s.decode.batch, f.decode.batch) << "half-size states never hold fewer sequences";
  if (s.decode.batch == f.decode.batch) {
    EXPECT_LT(s.decode.tpot_p50_s, f.decode.tpot_p50_s) << "the decode steps move half the state bytes";
  }
}
