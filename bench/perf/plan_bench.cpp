// Speed of the planner's analytic stage. Goal: >= 20k candidate evaluations per second per core,
// where one evaluation fully sizes one (hardware, runtime, precision, layout) candidate: memory fit,
// a concurrency search of request estimates, queueing and cost (cheap support rejections are not
// counted). Reported as rates; never asserted.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "infersim/perf/kernel_model.h"
#include "infersim/planner/plan.h"
#include "infersim/planner/pricing_json.h"

using namespace infersim;

namespace {

planner::PlanRequest request() {
  planner::PlanRequest r;
  r.model = "llama-3.1-70b";
  r.input_tokens = 1024;
  r.output_tokens = 256;
  r.requests_per_s = 50;
  r.pricing = planner::load_pricing("default");
  r.verify_top = 0;
  return r;
}

void BM_PlanWholeCatalogAnalytic(benchmark::State& st) {
  const auto req = request();
  std::size_t candidates = 0;
  for (auto _ : st) {
    const auto res = planner::plan(req);
    candidates += std::size_t(res.sized);
    benchmark::DoNotOptimize(res.ranked.data());
  }
  st.counters["candidates_per_s"] = benchmark::Counter(double(candidates), benchmark::Counter::kIsRate);
  st.counters["plans_per_s"] = benchmark::Counter(double(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlanWholeCatalogAnalytic)->Unit(benchmark::kMillisecond);

// The same with the kernel path's bound-curve cache emptied before every plan (a process's first plan).
void BM_PlanWholeCatalogAnalyticCold(benchmark::State& st) {
  const auto req = request();
  std::size_t candidates = 0;
  for (auto _ : st) {
    st.PauseTiming();
    perf::clear_kernel_curve_cache();
    st.ResumeTiming();
    const auto res = planner::plan(req);
    candidates += std::size_t(res.sized);
    benchmark::DoNotOptimize(res.ranked.data());
  }
  st.counters["candidates_per_s"] = benchmark::Counter(double(candidates), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlanWholeCatalogAnalyticCold)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, cpu = "unknown";
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  fmt::print("environment: cpu '{}', {} hardware threads, compiler {}, build type {}\n", cpu,
             std::thread::hardware_concurrency(), INFERSIM_COMPILER, INFERSIM_BUILD_TYPE);
  fmt::print("goal: candidates_per_s >= 20k on one core (analytic stage of `infersim plan` over the whole catalog)\n");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
