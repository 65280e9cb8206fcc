#pragma once
// Runs sweep scenarios into a SQLite results store with the CLI's progress display (a bar with rate
// and ETA on a terminal, plain lines at most every 5 s otherwise) and Ctrl-C / SIGTERM as "stop after
// the current batch" (what was written stays; running the same command again resumes). Shared by
// `infersim sweep` and `infersim workloads compare`.
#include <string>
#include <vector>

#include "infersim/planner/sweep.h"

namespace infersim::cli {

struct SweepDriverOptions {
  std::string db;        // the SQLite results file (created if missing)
  std::string run;       // run name the rows are stored under
  int jobs = 0;          // 0 = all cores
  std::size_t batch = 256;
  bool quiet = false;    // no progress output
};

planner::SweepStats run_sweep_into_store(const std::vector<planner::SweepScenario>& scenarios,
                                         const SweepDriverOptions& o);

}  // namespace infersim::cli
