#pragma once
// The serving simulator's entry point: builds the model, pools (deployment, runtime, KV capacity,
// power, price, cold-start figures), cluster, workload driver and metrics from a resolved Scenario,
// runs the discrete-event simulation to completion (or to simulation.max_sim_s) and returns the
// result. Optional sinks stream a per-request CSV and a Perfetto trace. Deterministic: the same
// scenario and seed give byte-identical results. Thread-safe across calls (no shared mutable state
// beyond the shipped catalogs, which must be loaded once before concurrent use).
#include <string>

#include "infersim/serving/scenario.h"
#include "infersim/serving/sim_result.h"

namespace infersim::serving {

class StepRecorder;
class ActivityObserver;

struct SimOptions {
  std::string requests_csv;              // "" = none
  std::string trace_file;                // "" = none
  StepRecorder* recorder = nullptr;      // observes steps and request milestones (benchmark.h)
  ActivityObserver* observer = nullptr;  // replica spans and finished requests, in memory (activity_observer.h)
};

SimResult simulate(const Scenario& s, const SimOptions& options = {});

}  // namespace infersim::serving
