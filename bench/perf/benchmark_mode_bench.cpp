// Speed of benchmark mode (serving/benchmark.h): one measured configuration simulated as the
// closed-loop benchmark that measured it (C users x 21 requests each, the runtime version's
// scheduler, the kernel path's step times), and the analytic estimate of the same point. Goal: one
// point <= 50 ms on one core. Reported as times and as the simulation / analytic ratio measured in
// the same run; never asserted.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/serving/benchmark.h"

using namespace infersim;

namespace {

struct Point {
  const char* model;
  const char* hw;
  const char* runtime;
  int tp, users, in, out;
};
// The example (Llama-3.1-8B, H100, TensorRT-LLM, 32 users, 1024/256), a long-output point and a
// large-batch point.
constexpr Point POINTS[] = {{"llama-3.1-8b", "h100-sxm", "tensorrt-llm", 1, 32, 1024, 256},
                            {"llama-3.1-70b", "b200", "vllm", 4, 16, 1024, 1024},
                            {"qwen3-32b", "h100-sxm", "sglang", 2, 128, 4096, 128}};

perf::Deployment deployment(const Point& p) {
  const auto& m = model::ModelCatalog::shipped().get(p.model);
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(p.hw);
  d.runtime = p.runtime;
  d.precision = perf::default_precision(d.hardware, common::DType::bf16, std::nullopt, p.runtime);
  perf::apply_runtime(m, d);
  d.tp = p.tp;
  return d;
}

void BM_SimulateBenchmarkPoint(benchmark::State& st) {
  const Point& p = POINTS[st.range(0)];
  const auto& m = model::ModelCatalog::shipped().get(p.model);
  const auto d = deployment(p);
  serving::BenchmarkSpec spec;
  spec.concurrency = p.users;
  spec.input = p.in;
  spec.output = p.out;
  std::uint64_t steps = 0;
  for (auto _ : st) {
    const auto r = serving::simulate_benchmark(m, d, spec);
    steps = r.steps;
    benchmark::DoNotOptimize(r.ttft_s);
  }
  st.SetLabel(fmt::format("{} {} {} tp{} {} users {}/{}", p.model, p.hw, p.runtime, p.tp, p.users, p.in, p.out));
  st.counters["steps"] = double(steps);
}
BENCHMARK(BM_SimulateBenchmarkPoint)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_AnalyticBenchmarkPoint(benchmark::State& st) {
  const Point& p = POINTS[st.range(0)];
  const auto& m = model::ModelCatalog::shipped().get(p.model);
  const auto d = deployment(p);
  for (auto _ : st) {
    const perf::StepEstimator est(m, d);
    const auto e = perf::estimate_serving(est, {double(p.users), double(p.in), double(p.out)});
    benchmark::DoNotOptimize(e.ttft_s);
  }
}
BENCHMARK(BM_AnalyticBenchmarkPoint)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

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
  fmt::print("goal: one benchmark-mode simulation <= 50 ms on one core; the analytic estimate is the fast path\n");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
