#pragma once
// App action "run a sweep into the store": the evaluator per scenario kind ("estimate" analytic,
// "simulate" the serving simulator, "plan" the planner on one hardware with its best candidate checked
// by the simulator), the store row mapping, and the resumable run. Front ends supply the progress
// display and the cancel flag (Ctrl-C, a Cancel button): a cancelled run keeps what it wrote, and the
// same call resumes it.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "infersim/planner/plan.h"
#include "infersim/planner/sweep.h"

namespace infersim::app {

planner::SweepEvaluator sweep_evaluator(const std::string& kind);

struct SweepRunOptions {
  std::string db;           // the SQLite results file (created if missing)
  std::string run;          // run name the rows are stored under
  int jobs = 0;             // 0 = all cores
  std::size_t batch = 256;  // scenarios per store transaction
};

// Runs the scenarios not yet finished in `db` under `run` (all of one kind) and stores each outcome:
// metrics and labels, the scenario's axis values as "axis_*" labels, content hashes and the build.
planner::SweepStats run_sweep_into_store(const std::vector<planner::SweepScenario>& scenarios, const SweepRunOptions& o,
                                         const std::function<void(const planner::SweepProgress&)>& progress = {},
                                         const std::atomic<bool>* cancel = nullptr);

}  // namespace infersim::app
