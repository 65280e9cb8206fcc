// Behaviour of the serving simulator's parts: determinism, KV preemption, prefix reuse, chunked
// prefill, disaggregation, autoscaling and warm pools, arrivals, traces, output files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "infersim/common/json_util.h"
#include "infersim/serving/arrival_registry.h"
#include "infersim/serving/azure_trace.h"
#include "infersim/serving/kv_block_manager.h"
#include "infersim/serving/sim_result_json.h"
#include "serving_test_support.h"

using namespace infersim;
using servingtest::run;

namespace {

const char* CHAT = R"({"model": "llama-3.1-70b", "deployment": {"hardware": "h100-sxm", "tp": 4, "replicas": 2},
  "workload": {"preset": "chat", "arrival": {"type": "poisson", "rate_per_s": 3}, "duration_s": 120}})";

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("infersim_test_" + name)).string();
}

}  // namespace

TEST(ServingBehavior, SameSeedGivesByteIdenticalJson) {
  const auto a = serving::sim_result_to_json(run(CHAT)).dump(2);
  const auto b = serving::sim_result_to_json(run(CHAT)).dump(2);
  EXPECT_EQ(a, b);
  const auto c = serving::sim_result_to_json(run(CHAT, {"simulation.seed=2"})).dump(2);
  EXPECT_NE(a, c);
}

TEST(KvBlockManager, AllocatesEvictsAndReusesPrefixes) {
  serving::KvBlockManager kv(10, 16);
  EXPECT_EQ(kv.blocks_for(1), 1);
  EXPECT_EQ(kv.blocks_for(16), 1);
  EXPECT_EQ(kv.blocks_for(17), 2);
  ASSERT_TRUE(kv.allocate(6));
  kv.put(7, 64, 4);  // 4 of the 6 used blocks become a cached prefix of session 7
  EXPECT_EQ(kv.used(), 2);
  EXPECT_EQ(kv.cached(), 4);
  EXPECT_EQ(kv.available(), 8);
  EXPECT_EQ(kv.peek(7), 64);
  ASSERT_TRUE(kv.allocate(5));  // needs one cached block: evicts the prefix
  EXPECT_EQ(kv.peek(7), 0);
  EXPECT_EQ(kv.evictions(), 1u);
  EXPECT_EQ(kv.used(), 7);
  EXPECT_FALSE(kv.allocate(4));
  kv.put(9, 32, 2);
  EXPECT_EQ(kv.take(9), 32);
  EXPECT_EQ(kv.used(), 7);
  kv.release(7);
  EXPECT_EQ(kv.free(), 10);
}

TEST(ServingBehavior, KvPressurePreemptsAndEveryRequestStillFinishes) {
  // Llama-3.1-8B on an L4 holds ~35K tokens of KV; 200 sequences growing to 400-1100 tokens need more.
  for (const char* mode : {"recompute", "swap"}) {
    const auto r = run(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "l4", "tp": 1},
      "workload": {"arrival": {"type": "batch"}, "requests": 200,
                   "input": {"type": "fixed", "value": 200}, "output": {"type": "uniform", "low": 200, "high": 900}}})",
                       {std::string("scheduler.preemption=") + mode});
    EXPECT_EQ(r.completed, 200u) << mode;
    EXPECT_EQ(r.rejected, 0u) << mode;
    EXPECT_GT(r.preemptions, 0u) << mode << ": expected preemptions when the KV cache fills";
    EXPECT_LE(r.kv_utilization.max, 1.0) << mode;
    EXPECT_GT(r.kv_utilization.max, 0.9) << mode;
  }
}

TEST(ServingBehavior, RequestsLargerThanTheKvCacheAreRejectedNotHung) {
  const auto r = run(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "l4", "tp": 1},
    "workload": {"arrival": {"type": "batch"}, "requests": 3,
                 "input": {"type": "fixed", "value": 90000}, "output": {"type": "fixed", "value": 10}}})");
  EXPECT_EQ(r.rejected, 3u);
  EXPECT_EQ(r.completed, 0u);
  EXPECT_EQ(r.goodput, 0.0);
}

TEST(ServingBehavior, SessionAffinityReusesAgenticPrefixes) {
  const char* s = R"({"model": "llama-3.1-70b", "deployment": {"hardware": "h100-sxm", "tp": 4, "replicas": 4},
    "scheduler": {"type": "chunked"},
    "workload": {"preset": "agentic", "duration_s": 300}})";
  const auto affinity = run(s, {"router.type=session_affinity"});
  const auto rr = run(s, {"router.type=round_robin"});
  EXPECT_GT(affinity.tasks_completed, 10u);
  EXPECT_GT(affinity.prefix_hit_fraction, 0.5) << "calls of a task share their growing prompt";
  EXPECT_LT(rr.prefix_hit_fraction, affinity.prefix_hit_fraction - 0.2) << "round robin finds the prefix by chance";
  EXPECT_LT(affinity.ttft.mean, rr.ttft.mean) << "reused prefixes are not recomputed";
  const auto off = run(s, {"router.type=session_affinity", "scheduler.prefix_caching=false"});
  EXPECT_EQ(off.prefix_hit_tokens, 0u);
}

TEST(ServingBehavior, ChunkedPrefillKeepsDecodesFlowingUnderLongPrompts) {
  const char* s = R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
    "workload": {"arrival": {"type": "poisson", "rate_per_s": 1.5}, "duration_s": 120,
                 "input": {"type": "uniform", "low": 8000, "high": 16000},
                 "output": {"type": "fixed", "value": 200}}})";
  const auto cont = run(s, {"scheduler={\"type\": \"continuous\", \"max_num_batched_tokens\": 16384}"});
  const auto chunk = run(s, {"scheduler={\"type\": \"chunked\", \"max_num_batched_tokens\": 512}"});
  EXPECT_LT(chunk.itl.p99, 0.5 * cont.itl.p99) << "decodes do not wait for whole 8K-16K prompts";
  EXPECT_EQ(chunk.completed, cont.completed);
}

TEST(ServingBehavior, StaticBatchingWaitsForTheLongestOutput) {
  const char* s = R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
    "workload": {"arrival": {"type": "batch"}, "requests": 64,
                 "input": {"type": "fixed", "value": 256}, "output": {"type": "uniform", "low": 10, "high": 500}}})";
  const auto st = run(s, {"scheduler={\"type\": \"static\", \"max_num_seqs\": 32}"});
  const auto co = run(s, {"scheduler={\"type\": \"continuous\", \"max_num_seqs\": 32}"});
  EXPECT_EQ(st.completed, 64u);
  EXPECT_GT(st.e2e.mean, co.e2e.mean) << "the second static batch waits for the first batch's longest output";
  EXPECT_LT(st.throughput_tok_s, co.throughput_tok_s);
}

TEST(ServingBehavior, DisaggregationTransfersKvAndSlowerLinksCost) {
  const char* s = R"({"model": "llama-3.1-70b",
    "pools": [{"name": "p", "role": "prefill", "hardware": "h100-sxm", "tp": 4},
              {"name": "d", "role": "decode", "hardware": "h200", "tp": 4}],
    "workload": {"preset": "chat", "arrival": {"type": "poisson", "rate_per_s": 1}, "duration_s": 120}})";
  const auto fast = run(s);
  const auto slow = run(s, {"kv_transfer.bandwidth_gb_s=0.5"});
  EXPECT_GT(fast.kv_transfers, 0u);
  EXPECT_EQ(fast.completed, slow.completed);
  EXPECT_GT(slow.kv_transfer_mean_s, 10 * fast.kv_transfer_mean_s);
  EXPECT_GT(slow.itl.max, fast.itl.max) << "the first decode gap includes the KV transfer";
  EXPECT_DOUBLE_EQ(slow.ttft.p50, fast.ttft.p50) << "TTFT is decided in the prefill pool";
  ASSERT_EQ(fast.pools.size(), 2u);
  EXPECT_EQ(fast.pools[0].role, "prefill");
}

TEST(ServingBehavior, ScaleToZeroColdStartsAndWarmPoolTradeoff) {
  const std::string dir = std::string(INFERSIM_SOURCE_DIR) + "/examples/scenarios/";
  const auto cold = serving::simulate(serving::load_scenario(dir + "scale-to-zero.json", {"workload.duration_s=3600"}));
  const auto warm = serving::simulate(serving::load_scenario(dir + "warm-pool.json", {"workload.duration_s=3600"}));
  EXPECT_GT(cold.cold_starts, 1);
  EXPECT_GT(cold.hydration_s, cold.cold_starts * 30.0);
  EXPECT_GT(cold.cold_wait_requests, 0u);
  EXPECT_GE(cold.ttft.max, cold.pools[0].cold_start_s) << "a request waits out a whole cold start";
  EXPECT_GT(warm.warm_starts, 0);
  EXPECT_LT(warm.ttft.p99, 0.2 * cold.ttft.p99) << "standbys activate in seconds, not minutes";
  EXPECT_GT(warm.warm_pool_usd, 0.0);
  EXPECT_GT(warm.cost_usd, cold.cost_usd) << "keeping a standby costs money";
  EXPECT_EQ(cold.warm_pool_usd, 0.0);
}

TEST(ServingBehavior, ClosedLoopNeverExceedsItsUsers) {
  const auto r = run(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
    "workload": {"arrival": {"type": "closed_loop", "users": 5, "think_time_s": 0.5}, "duration_s": 60,
                 "input": {"type": "fixed", "value": 500}, "output": {"type": "fixed", "value": 50}}})");
  EXPECT_LE(r.batch_size.max, 5.0);
  EXPECT_GT(r.completed, 100u);
}

TEST(Arrivals, RatesAndBurstinessAreAsConfigured) {
  serving::BuildContext ctx;
  auto mk = [&](const std::string& json) {
    const auto s =
        servingtest::scenario(std::string(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm"},
      "workload": {"duration_s": 1, "input": {"type": "fixed", "value": 1}, "output": {"type": "fixed", "value": 1},
      "arrival": )") + json + "}}");
    return serving::make_arrival(s.workload.arrival, ctx);
  };
  engine::Rng rng(5);
  auto stats = [&](serving::ArrivalProcess& a, int n, double& rate, double& cv) {
    double last = 0, s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double t = a.next(rng)->time_s;
      const double g = t - last;
      last = t;
      s += g;
      s2 += g * g;
    }
    const double m = s / n;
    rate = 1.0 / m;
    cv = std::sqrt(s2 / n - m * m) / m;
  };
  double rate, cv;
  auto p = mk(R"({"type": "poisson", "rate_per_s": 5})");
  stats(*p, 100000, rate, cv);
  EXPECT_NEAR(rate, 5.0, 0.1);
  EXPECT_NEAR(cv, 1.0, 0.03);
  auto g = mk(R"({"type": "gamma", "rate_per_s": 5, "cv": 3})");
  stats(*g, 200000, rate, cv);
  EXPECT_NEAR(rate, 5.0, 0.2);
  EXPECT_NEAR(cv, 3.0, 0.15);
  auto d = mk(R"({"type": "diurnal", "rates_per_s": [1, 3], "day_s": 100})");
  stats(*d, 100000, rate, cv);
  EXPECT_NEAR(rate, 2.0, 0.05) << "mean of a linear curve between 1 and 3 (and back)";
  auto t = mk(R"({"type": "trace", "file": "azure-conv", "rate_multiplier": 10})");
  int n = 0;
  double first = -1, lastt = 0;
  std::int64_t in = 0;
  while (auto a = t->next(rng)) {
    if (first < 0) first = a->time_s;
    lastt = a->time_s;
    in += a->input;
    ++n;
  }
  const auto trace = serving::load_azure_trace(serving::resolve_trace_path("azure-conv", ""));
  EXPECT_EQ(n, int(trace.size()));
  EXPECT_EQ(n, 19366);
  EXPECT_NEAR(lastt - first, trace.span_s() / 10.0, 1e-6);
  EXPECT_NEAR(double(in) / n, 1155, 5);
}

TEST(ServingBehavior, TraceReplayRepeatsToFillTheDuration) {
  const auto r = run(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1, "replicas": 4},
    "workload": {"arrival": {"type": "trace", "file": "azure-code", "rate_multiplier": 20, "repeat": true},
                 "duration_s": 400,
                 "input": {"type": "fixed", "value": 1}, "output": {"type": "fixed", "value": 1}}})");
  const auto trace = serving::load_azure_trace(serving::resolve_trace_path("azure-code", ""));
  const double per_s = double(trace.size()) / (trace.span_s() / 20.0);
  EXPECT_NEAR(double(r.arrived), per_s * 400.0, 0.05 * per_s * 400.0);
  EXPECT_GT(double(r.arrived), double(trace.size()));
}

TEST(ServingBehavior, WritesRequestCsvAndPerfettoTrace) {
  const auto s = servingtest::scenario(CHAT, {"workload.duration_s=20"});
  serving::SimOptions o;
  o.requests_csv = tmp("requests.csv");
  o.trace_file = tmp("trace.json");
  const auto r = serving::simulate(s, o);
  std::ifstream csv(o.requests_csv);
  std::string line;
  int rows = 0;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("id,arrival_s,", 0), 0u);
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(std::uint64_t(rows), r.completed);
  const auto j = common::load_json_file(o.trace_file);
  ASSERT_TRUE(j.contains("traceEvents"));
  int steps = 0, req = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X") ++steps;
    if (e["ph"] == "b" && e["name"] == "request") ++req;
  }
  EXPECT_GT(steps, 100);
  EXPECT_EQ(std::uint64_t(req), r.completed);
  std::remove(o.requests_csv.c_str());
  std::remove(o.trace_file.c_str());
}

TEST(ServingBehavior, EnergyAndCostFollowThePowerAndPriceModel) {
  const auto r = run(CHAT);
  const auto& hw = hwprofiles::HardwareCatalog::shipped().get("h100-sxm");
  const double chips = 8;  // 2 replicas x tp 4
  const double idle = hw.idle_w * chips * r.end_s;
  EXPECT_GT(r.energy_j, idle) << "at least idle power for the whole run";
  EXPECT_LT(r.energy_j, hw.prefill_w * chips * r.end_s * 1.0001);
  EXPECT_NEAR(r.cost_usd, hw.prices.on_demand.usd * chips * r.end_s / 3600.0, 1e-9);
  EXPECT_GT(r.joules_per_token, 0.0);
  EXPECT_NEAR(r.usd_per_1k_tokens, r.cost_usd / (r.throughput_tok_s * r.duration_s()) * 1000.0,
              1e-6 * r.usd_per_1k_tokens);
}
