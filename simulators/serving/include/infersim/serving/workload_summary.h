#pragma once
// A workload as the analytic planner sees it: mean lengths, load and latency SLOs, derived from a
// serving scenario's workload and SLO blocks (a preset, a file, or a scenario with overrides). The
// discrete-event simulator keeps the full distributions; this is the summary the planner sizes with
// before the simulator checks its top candidates. Thread-safe (reads files, no shared state).
#include <optional>
#include <string>

#include "infersim/serving/scenario.h"

namespace infersim::serving {

struct WorkloadSummary {
  std::string name;  // the preset name ("custom" when none)
  std::string description;
  double input_tokens = 0;                  // mean prompt per model call (agentic: mean context per call)
  double input_tokens_p99 = 0;              // the 99th-percentile prompt (agentic: plus the mean growth)
  double output_tokens = 0;                 // mean generated tokens per call
  double calls_per_task = 1;                // agentic: mean model calls per task
  std::optional<double> requests_per_s;     // model calls per second the arrivals offer; none for offline batches
  std::optional<double> closed_loop_users;  // closed-loop presets: concurrent users
  double ttft_p99_s = 0;                    // the SLO the planner sizes for
  double tpot_p99_s = 0;
  std::string slo_note;  // how SLOs were derived when the preset states them otherwise
};

// Agentic context grows by (answer + tool output) each call: the mean context per call is taken as
// input + (calls - 1) / 2 x (output + tool output), from the means (prefix reuse is left to the simulator).
// The P99 prompt is the 99th percentile of 20,000 draws from the input distribution with a fixed seed
// (deterministic), so that the planner can size TTFT P99 for the long prompts of a skewed trace.
// A preset bounding only E2E gets TTFT <= E2E and TPOT <= (E2E - TTFT) / (output - 1); one with no
// latency SLO (offline batch) gets TTFT and TPOT bounded by its E2E, or 1 hour if it has none.
WorkloadSummary summarize_workload(const Scenario& s);
WorkloadSummary summarize_workload_preset(const std::string& preset);  // ConfigError if unknown

}  // namespace infersim::serving
