// Sweep scaling: the same grid of discrete-event scenarios (examples/sweeps/simulate-grid.json: 120
// runs of Llama-3.1-70B chat, 6,000 requests each) evaluated with 1 and then 2 worker threads, in
// turn, several times, through the real sweep runner (planner::run_sweep) with an in-memory sink.
// Goal (issue 4): throughput with 2 jobs >= 1.8x that with 1 job. Printed as the median of the
// paired ratios; never a pass/fail time.
//   sweep_scaling_bench [--rounds N] [--smoke]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "infersim/common/data_dir.h"
#include "infersim/planner/sweep.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"

using namespace infersim;

namespace {

class MemorySink : public planner::SweepSink {
 public:
  std::set<std::string> finished_ids() override { return {}; }
  void put_batch(const std::vector<std::pair<planner::SweepScenario, planner::SweepOutcome>>& rows) override {
    n += rows.size();
  }
  std::size_t n = 0;
};

// What `infersim sweep` does for kind "simulate" (cli/src/sweep_evaluators.cpp), less the labels.
planner::SweepOutcome simulate_one(const planner::SweepScenario& s) {
  const auto r = serving::simulate(serving::parse_scenario_text(s.json));
  planner::SweepOutcome o;
  o.metrics["ttft_s_p99"] = r.ttft.p99;
  o.metrics["tpot_s_p99"] = r.tpot.p99;
  o.metrics["goodput"] = r.goodput;
  return o;
}

double run_once(const std::vector<planner::SweepScenario>& sc, int jobs) {
  MemorySink sink;
  const auto t0 = std::chrono::steady_clock::now();
  const auto st = planner::run_sweep(sc, simulate_one, sink, jobs, 256, {});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (st.failed != 0 || sink.n != sc.size()) throw std::runtime_error("sweep rows missing or failed");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--smoke"))
      smoke = true;
  }
  auto scenarios = planner::expand_sweep_file(common::data_path("examples/sweeps/simulate-grid.json"));
  if (smoke) {
    scenarios.resize(std::min<std::size_t>(scenarios.size(), 6));
    rounds = 1;
  }
  fmt::print("sweep scaling: {} discrete-event scenarios, {} rounds of (1 job, 2 jobs); {} hardware threads\n",
             scenarios.size(), rounds, std::thread::hardware_concurrency());
  run_once(scenarios, 2);  // warm-up: page cache, catalogs, allocator
  std::vector<double> ratios, one, two;
  for (int r = 0; r < rounds; ++r) {
    one.push_back(run_once(scenarios, 1));
    two.push_back(run_once(scenarios, 2));
    ratios.push_back(one.back() / two.back());
    fmt::print("round {}: 1 job {:.3f} s ({:.1f} scenarios/s), 2 jobs {:.3f} s ({:.1f} scenarios/s), speed-up "
               "{:.2f}x\n",
               r + 1, one.back(), double(scenarios.size()) / one.back(), two.back(),
               double(scenarios.size()) / two.back(), ratios.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  fmt::print("median speed-up 1 -> 2 jobs: {:.2f}x (goal >= 1.8x); median 1 job {:.3f} s, 2 jobs {:.3f} s\n",
             median(ratios), median(one), median(two));
  return 0;
}
