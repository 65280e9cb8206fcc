#pragma once
// App action "simulate": runs a serving scenario in the discrete-event simulator and returns, besides
// the summary (latency percentiles, goodput, energy, cost), the per-request samples and a binned
// timeline of the cluster as values in memory: what charts need, with no scratch files to write and
// parse back. The per-request CSV and the Perfetto trace are still written when paths are given.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infersim/serving/scenario.h"
#include "infersim/serving/sim_result.h"

namespace infersim::app {

struct SimulateOptions {
  bool request_samples = true;  // keep one RequestSample per finished request
  int timeline_bins = 0;        // > 0: the cluster timeline on this many equal bins (0 = none)
  std::string requests_csv;     // "" = none
  std::string trace_file;       // "" = none
};

struct RequestSample {
  double arrival_s = 0;
  double queue_s = 0;  // arrival -> first scheduled
  double ttft_s = 0;   // frontend time included, as the summary and the CSV
  double tpot_s = 0;   // (done - first token) / (output - 1); 0 for one-token outputs
  double e2e_s = 0;
  std::int64_t input = 0, output = 0;
  bool rejected = false;  // never admitted (no capacity and no way to grow)
};

// The cluster over simulated time, on a regular grid of `bin_s` from 0.
struct TimelineBins {
  double bin_s = 0;
  std::vector<double> t_s;
  std::vector<double> queue;         // requests waiting (arrived, not yet scheduled): mean over the bin
  std::vector<double> batch;         // sequences in running steps: mean over the bin, summed over replicas
  std::vector<double> replicas;      // replicas stepping or loading at some point in the bin
  std::vector<double> cold_start_s;  // start times of cold starts (zero-length loads excluded)
};

struct SimulateOutcome {
  serving::SimResult result;
  std::vector<RequestSample> requests;  // in completion order
  std::optional<TimelineBins> timeline;
};

SimulateOutcome simulate(const serving::Scenario& scenario, const SimulateOptions& o = {});

}  // namespace infersim::app
