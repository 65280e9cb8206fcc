#pragma once
// The CLI's presentation of a sweep run (app::run_sweep_into_store): a progress bar with rate and ETA
// on a terminal, plain lines at most every 5 s otherwise, and Ctrl-C / SIGTERM as "stop after the
// current batch" (what was written stays; running the same command again resumes). Shared by
// `infersim sweep` and `infersim workloads compare`.
#include <string>
#include <vector>

#include "infersim/app/sweep.h"
#include "infersim/app/workloads.h"

namespace infersim::cli {

planner::SweepStats run_sweep_with_progress(const std::vector<planner::SweepScenario>& scenarios,
                                            const app::SweepRunOptions& o, bool quiet);

// app::compare_workloads with the same progress display and Ctrl-C handling.
app::WorkloadComparison run_with_progress(const app::WorkloadCompareRequest& r, bool quiet);

}  // namespace infersim::cli
