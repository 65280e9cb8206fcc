// Property tests at a fixed seed: more capacity or more bandwidth never makes the tail worse.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "serving_test_support.h"

using namespace infersim;
using servingtest::run;

TEST(ServingProperty, MoreReplicasNeverWorsenP99) {
  const char* s = R"({"model": "llama-3.1-70b", "deployment": {"hardware": "h100-sxm", "tp": 4},
    "workload": {"preset": "chat", "arrival": {"type": "poisson", "rate_per_s": 6}, "duration_s": 300},
    "simulation": {"seed": 3}})";
  double prev_ttft = 1e300, prev_e2e = 1e300;
  for (int n : {1, 2, 3, 4, 6}) {
    const auto r = run(s, {fmt::format("deployment.replicas={}", n)});
    // From ~3 replicas on nothing queues: TTFT's P99 is the longest prompts' own prefill, flat within ~1%
    // (step alignment decides which request lands on the percentile: 0.3345-0.3379 s at 3-8 replicas).
    EXPECT_LE(r.ttft.p99, prev_ttft * 1.02) << n << " replicas: TTFT p99 got worse";
    EXPECT_LE(r.e2e.p99, prev_e2e * 1.0001) << n << " replicas: E2E p99 got worse";
    prev_ttft = r.ttft.p99;
    prev_e2e = r.e2e.p99;
  }
}

TEST(ServingProperty, MoreHydrationBandwidthNeverWorsensP99) {
  const std::string dir = std::string(INFERSIM_SOURCE_DIR) + "/examples/scenarios/";
  double prev = 1e300;
  for (double bw : {0.25, 0.5, 1.0, 2.0, 8.0}) {
    const auto r = serving::simulate(serving::load_scenario(
        dir + "scale-to-zero.json",
        {"workload.duration_s=3600", fmt::format("deployment.hydration.tiers.object_store.bandwidth_gb_s={}", bw)}));
    EXPECT_LE(r.ttft.p99, prev * 1.0001) << bw << " GB/s: TTFT p99 got worse";
    prev = r.ttft.p99;
  }
}

TEST(ServingProperty, MoreKvTransferBandwidthNeverWorsensP99) {
  const char* s = R"({"model": "llama-3.1-70b",
    "pools": [{"name": "p", "role": "prefill", "hardware": "h100-sxm", "tp": 4},
              {"name": "d", "role": "decode", "hardware": "h100-sxm", "tp": 4}],
    "workload": {"preset": "chat", "arrival": {"type": "poisson", "rate_per_s": 2}, "duration_s": 200}})";
  double prev = 1e300;
  for (double bw : {0.1, 1.0, 10.0, 100.0}) {
    const auto r = run(s, {fmt::format("kv_transfer.bandwidth_gb_s={}", bw)});
    EXPECT_LE(r.e2e.p99, prev * 1.0001) << bw << " GB/s: E2E p99 got worse";
    prev = r.e2e.p99;
  }
}
