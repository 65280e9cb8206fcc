// Speed of the serving simulator. Goal: the Azure conversation trace replayed at 10x its arrival rate
// and repeated to fill one simulated hour (~198k requests, ~42M generated tokens) on 8 replicas of
// Llama-3.1-70B (H100 TP4, continuous batching) at >= 100k simulated requests per second of wall time
// on one core, with memory flat in the trace length. Reported as rates and as a ratio to the bare
// step-time evaluation measured in the same run; never a pass/fail time.
//   serving_bench                    # full hour (the goal's figure)
//   serving_bench --smoke            # one simulated minute (CI smoke run)
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "infersim/common/data_dir.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"

using namespace infersim;

namespace {

bool g_smoke = false;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

serving::Scenario azure_replay() {
  std::vector<std::string> sets;
  if (g_smoke) sets.push_back("workload.duration_s=60");
  return serving::load_scenario(common::data_path("examples/scenarios/azure-conv-replay.json"), sets);
}

// Baseline: one StepEstimator::time() call for a decode batch, the unit of work of a simulated step.
void BM_StepTimeBaseline(benchmark::State& st) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("h100-sxm");
  d.tp = 4;
  perf::StepEstimator est(model::ModelCatalog::shipped().get("llama-3.1-70b"), d);
  double ctx = 150 * 1200.0;
  for (auto _ : st) {
    model::BatchShape b;
    b.decode_seqs = 150;
    b.decode_ctx_sum = ctx;
    benchmark::DoNotOptimize(est.time(b));
    ctx += 150;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_StepTimeBaseline);

void BM_AzureConvReplay10x(benchmark::State& st) {
  const auto scenario = azure_replay();
  std::uint64_t requests = 0, events = 0, steps = 0;
  double tokens = 0, sim_s = 0;
  for (auto _ : st) {
    const auto r = serving::simulate(scenario);
    requests += r.completed;
    events += r.events;
    for (const auto& p : r.pools) steps += p.steps;
    tokens += r.throughput_tok_s * r.duration_s();
    sim_s += r.duration_s();
  }
  st.counters["requests_per_s"] = benchmark::Counter(double(requests), benchmark::Counter::kIsRate);
  st.counters["steps_per_s"] = benchmark::Counter(double(steps), benchmark::Counter::kIsRate);
  st.counters["events_per_s"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
  st.counters["gen_tokens_per_s"] = benchmark::Counter(tokens, benchmark::Counter::kIsRate);
  st.counters["sim_s_per_wall_s"] = benchmark::Counter(sim_s, benchmark::Counter::kIsRate);
  st.counters["requests_per_run"] = double(requests) / double(st.iterations());
  st.counters["peak_rss_mib"] = peak_rss_mib();
}
BENCHMARK(BM_AzureConvReplay10x)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_ChatExample(benchmark::State& st) {
  const auto scenario = serving::load_scenario(common::data_path("examples/scenarios/chat.json"));
  std::uint64_t requests = 0;
  for (auto _ : st) requests += serving::simulate(scenario).completed;
  st.counters["requests_per_s"] = benchmark::Counter(double(requests), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChatExample)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0)
      g_smoke = true;
    else
      args.push_back(argv[i]);
  }
  int n = int(args.size());
  fmt::print("environment: cpu '{}', {} hardware threads (the simulator uses one), compiler {}, build type {}\n",
             cpu_model(), std::thread::hardware_concurrency(), INFERSIM_COMPILER, INFERSIM_BUILD_TYPE);
  fmt::print("goal: BM_AzureConvReplay10x requests_per_s >= 100k on one core{}; ratio vs BM_StepTimeBaseline in this "
             "run\n",
             g_smoke ? " (smoke: one simulated minute only)" : "");
  {
    // One timed run up front: the goal's figure with its wall time and peak memory.
    const auto scenario = azure_replay();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = serving::simulate(scenario);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t steps = 0;
    for (const auto& p : r.pools) steps += p.steps;
    fmt::print("azure-conv 10x replay: {} requests, {:.1f}M generated tokens, {} steps, {} events, {:.0f} s simulated "
               "in {:.3f} s wall -> {:.0f} requests/s, {:.0f} steps/s; peak RSS {:.1f} MiB\n",
               r.completed, r.throughput_tok_s * r.duration_s() / 1e6, steps, r.events, r.duration_s(), wall,
               double(r.completed) / wall, double(steps) / wall, peak_rss_mib());
  }
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
