#pragma once
// App actions "estimate a deployment" and "compare hardware": resolve the deployment (one resolver),
// run the analytic serving estimate, and optionally the closed-loop benchmark in the discrete-event
// simulator (the reference for what a serving benchmark with C users measures).
#include <optional>
#include <string>
#include <vector>

#include "infersim/app/deployment.h"
#include "infersim/common/json_util.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/serving/benchmark.h"

namespace infersim::app {

struct EstimateRequest {
  DeploymentRequest deployment;
  // Also simulate the closed-loop benchmark (concurrency = workload.batch users, lengths as the workload).
  std::optional<serving::BenchmarkSpec> simulate;
  // Overrides of the runtime version's scheduler (token budget, max batch, chunked prefill, policy) and
  // the client's length draw (length_range_ratio; the other fields are ignored), for the estimate and the
  // simulation alike: both run the same loop. With lengths drawn per request the analytic estimate is
  // taken at the mean lengths, and the simulation draws them.
  serving::BenchmarkSpec scheduler;
};

struct EstimateOutcome {
  ResolvedDeployment resolved;
  perf::Estimate estimate;
  std::optional<serving::BenchmarkResult> simulated;
  // What the roofline saw, for explanations and charts.
  common::DType activation = common::DType::bf16;
  double peak_flops = 0, memory_bw_bytes_per_s = 0, compute_fraction = 0, memory_fraction = 0;
};

EstimateOutcome estimate(const EstimateRequest& r);

// The machine-readable form (`infersim estimate --json`).
common::Json estimate_outcome_json(const EstimateOutcome& o);

struct CompareRow {
  std::string hardware;                    // as asked (trimmed)
  std::optional<EstimateOutcome> outcome;  // empty when the deployment is invalid on this hardware
  std::string error, reason;               // the ConfigError's full message and its reason
};

// The same estimate on every hardware (`hardware` empty = the whole catalog). Invalid deployments
// become rows with the reason, never an exception.
std::vector<CompareRow> compare(const DeploymentRequest& base, const std::vector<std::string>& hardware);

}  // namespace infersim::app
