#pragma once
// App action "compare workload types": every hardware x every workload preset for one model, each
// cell the cheapest plan on that hardware at the preset's load within its SLOs (its best candidate
// checked by the simulator on the preset's own length distributions). The cells are a sweep of kind
// "plan" stored in the SQLite results store (resumable: a second run reuses the stored rows).
// plan_workload() is the one cell: the sweep evaluator and the GUI's heat map call it, so both show
// the numbers `infersim workloads compare` stores.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infersim/planner/plan.h"
#include "infersim/planner/sweep.h"
#include "infersim/planner/token_prices.h"
#include "infersim/serving/workload_summary.h"
#include "infersim/store/results_store.h"

namespace infersim::app {

// The planner's request for serving a workload preset on one hardware: the preset's mean lengths,
// load (or `requests_per_s`) and SLOs (serving::summarize_workload), no mixes, an SRAM-chip layout
// limit of 4,096 chips, the best candidate verified.
planner::PlanRequest plan_request_for_workload(const std::string& model, const std::string& hardware,
                                               const std::string& preset, std::optional<double> requests_per_s,
                                               const planner::Pricing& pricing);

struct WorkloadPlan {
  planner::PlanRequest request;
  planner::PlanResult result;
  bool feasible() const { return !result.ranked.empty(); }
};
// One cell: plan_request_for_workload() planned, verified on the preset when `verify`.
WorkloadPlan plan_workload(const std::string& model, const std::string& hardware, const std::string& preset,
                           std::optional<double> requests_per_s, const planner::Pricing& pricing, bool verify);

struct WorkloadCompareRequest {
  std::string model = "llama-3.1-70b";
  std::vector<std::string> hardware;     // empty = the whole catalog
  std::vector<std::string> workloads;    // empty = every preset
  std::optional<double> requests_per_s;  // every workload at this load (default: each preset's own)
  std::string pricing_file;              // "" = the shipped pricing
  std::optional<planner::PricingMode> pricing_mode;
  bool verify = true;
  std::string db;   // the results store (created if missing)
  std::string run;  // "" = "workloads-compare-<model>"
  int jobs = 0;     // 0 = all cores
};

struct WorkloadGroup {
  std::string workload;
  serving::WorkloadSummary summary;
  double requests_per_s = 0;               // the load the cells were planned at
  std::vector<store::ResultRow> rows;      // one per hardware: feasible cheapest first, then by name
  std::vector<planner::TokenCost> tokens;  // the buy-tokens lane on the preset's mean tokens
  std::string best_plan;                   // cheapest feasible plan that is not owned-only ("" = none)
  std::optional<double> best_rented_usd_per_1k_output;
};

struct WorkloadComparison {
  std::string model, db, run;
  planner::Pricing pricing;           // as used (mode applied)
  std::vector<WorkloadGroup> groups;  // in the requested workload order
  planner::SweepStats stats;          // computed now / reused
  std::size_t scenarios = 0;
};

// Validates every name first (ConfigError on field "hardware", "workloads", "pricing", "model"), then
// runs the missing cells into the store and reads back all of them.
WorkloadComparison compare_workloads(const WorkloadCompareRequest& r,
                                     const std::function<void(const planner::SweepProgress&)>& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);

// A stored row's metric (NaN when absent) and label ("" when absent).
double row_metric(const store::ResultRow& r, const std::string& name);
std::string row_label(const store::ResultRow& r, const std::string& name);

}  // namespace infersim::app
