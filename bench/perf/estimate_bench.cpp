// Speed of the analytic estimator: the planner calls it millions of times, so the goal is >= 100k
// full request estimates per second on one core. Reported as a rate (items_per_second) and as a
// ratio to the bare op-cost computation measured in the same run; never a pass/fail time.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <thread>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"

using namespace infersim;

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

perf::Deployment h100_tp4() {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("h100-sxm");
  d.tp = 4;
  return d;
}

void BM_OpCosts(benchmark::State& st) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-70b");
  double ctx = 1000;
  for (auto _ : st) {
    auto c = model::op_costs(m, model::BatchShape::decode(16, ctx), {});
    benchmark::DoNotOptimize(c);
    ctx += 1;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_OpCosts);

void BM_StepTime(benchmark::State& st) {
  perf::StepEstimator est(model::ModelCatalog::shipped().get("llama-3.1-70b"), h100_tp4());
  double ctx = 1000;
  for (auto _ : st) {
    benchmark::DoNotOptimize(est.time(model::BatchShape::decode(16, ctx)));
    ctx += 1;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_StepTime);

// One full `estimate` (TTFT, TPOT, e2e, throughput, memory fit, power, cost) on a prebuilt estimator:
// what the planner's ranking stage does per candidate.
void BM_EstimateServing(benchmark::State& st) {
  perf::StepEstimator est(model::ModelCatalog::shipped().get("llama-3.1-70b"), h100_tp4());
  double batch = 1;
  for (auto _ : st) {
    auto e = perf::estimate_serving(est, {batch, 1024, 256});
    benchmark::DoNotOptimize(e.tpot_s);
    batch = batch >= 64 ? 1 : batch + 1;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EstimateServing);

// Including building the estimator (profile copy + validation) per candidate.
void BM_EstimateWithSetup(benchmark::State& st) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-70b");
  const auto d = h100_tp4();
  for (auto _ : st) {
    perf::StepEstimator est(m, d);
    auto e = perf::estimate_serving(est, {16, 1024, 256});
    benchmark::DoNotOptimize(e.tpot_s);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EstimateWithSetup);

}  // namespace

int main(int argc, char** argv) {
  fmt::print("environment: cpu '{}', {} hardware threads, compiler {}, build type {}\n", cpu_model(),
             std::thread::hardware_concurrency(), INFERSIM_COMPILER, INFERSIM_BUILD_TYPE);
  fmt::print("goal: BM_EstimateServing >= 100k items/s on one core; ratios vs BM_OpCosts in this run\n");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
