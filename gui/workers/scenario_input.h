#pragma once
// What the scenario panel describes, as a plain copyable value: the model (catalog slug or a path to a
// model card / Hugging Face config.json), the hardware to compare, the workload type with its load and
// SLOs, the weight precision and the pricing assumptions. Every run and estimate of the GUI is a
// function of one ScenarioInput, and each maps onto a CLI invocation (cli_compare_command() and
// plan_request() say which). No Qt; thread-safe to copy between threads.
#include <cstdint>
#include <string>
#include <vector>

#include "infersim/planner/plan.h"
#include "infersim/planner/pricing.h"

namespace infersim::gui {

struct WorkloadInput {
  std::string preset = "chat";      // workload type (workload_catalog.h)
  double input_tokens = 1024;       // mean prompt length
  double output_tokens = 256;       // mean generated length
  double concurrency = 16;          // sequences served at once for the analytic comparison (CLI --batch)
  double requests_per_s = 10;       // target load for the planner and the discrete-event run
  double calls_per_task = 1;        // model calls per user task (agentic)
  double ttft_p99_s = 1.0;          // SLO
  double tpot_p99_s = 0.05;         // SLO
  std::int64_t sim_requests = 600;  // requests simulated per hardware in a discrete-event run
};

struct ScenarioInput {
  std::string model = "llama-3.1-70b";
  std::vector<std::string> hardware = {"h100-sxm", "h200", "a100-80g-sxm", "mi300x", "mi325x", "l40s"};
  std::string focus;  // hardware shown in the timeline ("" = the first one)
  WorkloadInput workload;
  std::string precision;     // "" = the CLI default (bf16, fp16 where bf16 is unsupported)
  planner::Pricing pricing;  // shipped defaults unless edited
  bool heat_map = true;      // runs also fill the hardware x workload-type heat map
  // Discrete-event runs start at the planner's replica count and let a target-utilisation autoscaler
  // (target 0.6, every 5 s) release idle replicas and add them back between 1 and twice that count:
  // cold starts load from object storage, later ones from the node's local NVMe cache.
  bool autoscale = false;
  // Plans (at load, heat map, planner view, brief) have their best candidates checked by the
  // discrete-event simulator, as `infersim plan` / `workloads compare` / `brief` do by default.
  // Off = analytic only (`--no-verify`): faster, and says so in the check column.
  bool verify = true;

  std::string focus_hardware() const;
};

// The scenario the app opens with: Llama-3.1-70B, the chat workload type's lengths, load and SLOs,
// a handful of GPUs that have an on-demand price, shipped pricing.
ScenarioInput default_scenario();

// `infersim compare ...` arguments (without the program name) that give the comparison table.
std::vector<std::string> cli_compare_args(const ScenarioInput& s);
std::string cli_compare_command(const ScenarioInput& s);

// The PLAN.json request the planner view solves (`infersim plan PLAN.json` gives the same result).
// `hardware` empty = the scenario's hardware; mixes and top as the planner defaults.
planner::PlanRequest plan_request(const ScenarioInput& s, const std::vector<std::string>& hardware = {});
// The same request restricted to one hardware and the chosen precision, without mixes: what the
// comparison's "at load" columns and the heat map show for that hardware.
planner::PlanRequest single_hardware_request(const ScenarioInput& s, const std::string& hardware,
                                             const WorkloadInput& w);

// Field problems found before any core call (ranges the CLI enforces too): pointer -> reason.
struct FieldProblem {
  std::string field;  // "model", "hardware", "workload.input_tokens", "pricing.pue", ...
  std::string reason;
};
std::vector<FieldProblem> check_scenario(const ScenarioInput& s);

}  // namespace infersim::gui
