#pragma once
// Checking a contract, the regression gate, and making a contract from a plan.
//
// check: for every allowed target (hardware x runtime x precision) and every workload of the
// contract, the planner sizes the cheapest deployment on that target at the workload's load within
// its latency clauses (the contract's layout, no mixes), the discrete-event simulator verifies it
// when the caller passes a verifier, and every clause is judged on that deployment:
//   ttft_p99_s / tpot_p99_s                 the plan's P99 (simulated when verified, else analytic)
//   min_output_tok_s_per_chip               replica request rate x output tokens / chips per replica
//   max_usd_per_1k_output                   all cost over output tokens (the planner's headline figure)
//   max_joules_per_output_token             facility energy over output tokens
// margin = (limit - value) / limit for ceilings, (value - limit) / limit for floors: >= 0 passes.
// A target with no deployment meeting the latency clauses fails the clause that the batch-1
// latency misses (value = the best case, at batch 1); one that cannot run the model at all (does not
// fit, unsupported) fails the "deployable" clause with the planner's reason, its other clauses not
// evaluated. The app layer (app/contract.h) resolves workloads and runs the planner; this header
// holds the judgement and the reports so the brief and the CLI share them.
//
// gate: two check results (two contract versions, or one contract before and after a calibration
// change) compared target by target: a cost ($/1K output) or first-token latency (on an idle
// replica of the planned layout) that grows by more than the threshold (seed 002: 10%), a target
// that passed and now fails, or one no longer evaluated fails the gate. The P99s under load, TPOT,
// throughput and energy are reported but do not fail it on their own: the planner trades them
// against cost within the clauses, which the pass -> fail rule already guards.
#include <cmath>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/contract/contract.h"
#include "infersim/planner/plan.h"

namespace infersim::contract {

enum class ClauseStatus { pass, fail, not_evaluated };
const char* clause_status_name(ClauseStatus s);  // "pass" | "fail" | "n/a"

struct ClauseResult {
  std::string clause;  // "ttft_p99_s", ..., or "deployable"
  std::string unit;    // "s", "tok/s/chip", "USD/1M output", "J/output token"
  double limit = NAN, value = NAN;
  double margin = NAN;  // fraction of the limit; >= 0 passes
  ClauseStatus status = ClauseStatus::not_evaluated;
  std::string reason;  // why it failed or was not evaluated; how the value was obtained
};

struct TargetResult {
  std::string workload;
  std::string hardware, runtime, precision;
  std::string target;      // "hardware/runtime/precision"
  std::string deployment;  // candidate id with its layout ("h100-sxm/vllm/fp8/tp4"), "" when none
  int chips_per_replica = 0;
  double replicas = 0, batch = 0;
  bool verified = false;
  std::string cost_basis;
  bool pass = false;
  std::vector<ClauseResult> clauses;
  // The measured values, also for clauses the contract does not state (the gate compares them).
  double ttft_p99_s = NAN, tpot_p99_s = NAN, output_tok_s_per_chip = NAN, usd_per_1k_output = NAN,
         joules_per_output_token = NAN;
  // First-token latency of one prompt on an idle replica of the deployment's layout (analytic): the
  // backend's own speed, free of the planner's batching choice (the gate's latency metric).
  double ttft_idle_s = NAN;
  std::vector<std::string> failed() const;  // names of failing clauses
};

// Weights as shipped, read from the file's header, against the model card's precision math.
struct WeightsGroupCheck {
  std::string group;
  double params = 0;
  double file_bytes = 0;
  double card_bytes = 0;  // card's parameters of this group x bytes of the declared dtype
  std::string file_dtypes;
  std::string declared_dtype;
  double bits_per_weight = 0;
};
struct WeightsCheck {
  bool read = false;  // a file was given and read
  std::string file, format;
  double file_bytes = 0, card_bytes = 0, file_params = 0, card_params = 0;
  bool pass = true;
  std::string reason;  // agreement or the mismatch, in words
  std::vector<WeightsGroupCheck> groups;
};

struct CheckResult {
  std::string contract_name, contract_version, model, file;
  bool verified = false;  // a verifier was used
  WeightsCheck weights;
  std::vector<TargetResult> rows;  // workload order, then target order
  int passed = 0, failed = 0;
  std::vector<std::string> notes;
  bool pass() const { return failed == 0 && !rows.empty() && weights.pass; }
};

// Sustained output tokens/s per chip of a planned deployment: its capacity, the sizing's per-replica
// request rate within the latency clauses x output tokens / chips per replica. Analytic also when the
// plan was verified: the simulator checks the latencies at the plan's replica count, it does not
// search for a replica's capacity (load / replicas would be the delivered rate, which falls with the
// load). `contract make` and the check use this one definition.
double output_tok_s_per_chip(const planner::Candidate& c, double output_tokens);

// Judges one target on one workload from the planner's result restricted to that target.
// `batch1_ttft_s` / `batch1_tpot_s`: batch-1 latencies (NaN when unknown): of the chosen deployment
// when there is one (ttft_idle_s), else the best case over the layouts that missed the latency
// clauses, which those clauses are then judged on.
TargetResult judge_target(const WorkloadContract& w, const std::string& hardware, const std::string& runtime,
                          const std::string& precision, const planner::PlanResult& plan, double output_tokens,
                          double batch1_ttft_s, double batch1_tpot_s);
void tally(CheckResult& r);

common::Json check_result_to_json(const CheckResult& r);
CheckResult check_result_from_json(const common::Json& j, const std::string& file);
std::string render_check_markdown(const CheckResult& r);

struct GateRow {
  std::string workload, target, metric;
  double base = NAN, candidate = NAN, change_pct = NAN;
  bool gating = false;  // this metric can fail the gate
  bool regressed = false;
  std::string note;
};
struct GateResult {
  std::string base_label, candidate_label;
  double threshold_pct = 10;
  std::vector<GateRow> rows;
  std::vector<std::string> failures;  // one line per regression
  bool pass() const { return failures.empty(); }
};
GateResult gate(const CheckResult& base, const CheckResult& candidate, double threshold_pct);
common::Json gate_result_to_json(const GateResult& g);
std::string render_gate_markdown(const GateResult& g);

// A contract from a planned deployment: its model, target (hardware, runtime, precision, layout),
// pricing and workload, the request's latency SLOs as the latency clauses, and the predicted cost,
// energy and throughput with `headroom` (0.10 = 10%) as ceilings and floor. `predicted` records the
// plan's own numbers. Throws ConfigError when the candidate is not feasible.
Contract make_contract(const planner::PlanRequest& req, const planner::Candidate& chosen, const std::string& name,
                       const std::string& version, double headroom);
// Adds the workload of another plan of the same target to a made contract.
void add_workload(Contract& c, const planner::PlanRequest& req, const planner::Candidate& chosen, double headroom);

}  // namespace infersim::contract
