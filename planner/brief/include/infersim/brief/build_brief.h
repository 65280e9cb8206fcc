#pragma once
// Builds a procurement brief: evaluates every option of a BriefRequest and lays the results out as a
// BriefDocument (executive summary, workload profile, options tables, charts, risks and timeline,
// assumptions and sources, reproduction commands and hashes).
//
// How an option becomes numbers:
//  - every option is split into parts, one per (workload, lane); a planner part is a PlanRequest
//    restricted to the lane's hardware / runtime / precision and to the lane's share of that
//    workload's traffic (mixes off), solved by planner::plan(); the cheapest feasible candidate is
//    the part. `infersim plan PART.json` gives the same numbers (the brief lists the files).
//      stay          current hardware, runtime and precision, all traffic
//      shift X%      current stack for (1-X), the cheapest of `to` for X
//      cpu_fallback  current stack for (1-X), a CPU lane (optionally a smaller model) for X
//      move          the cheapest of `to` for all traffic
//      owned         as stay, priced as owned hardware
//  - disaggregated (analytic, not planner::plan(): sized by planner::size_disaggregated(), whose header
//    planner/disaggregated.h has the method): a prefill pool on the prefill hardware (layout: plan()'s
//    choice there, on the current runtime and precision when it is the current hardware) and a decode
//    pool on the decode hardware (smallest layout that fits; on SRAM-only chips wider stages may win;
//    precision: the option's, else the chip's served format, the current precision, fp16, int8).
//    Decode: the concurrency with the highest request rate whose decode step meets the TPOT SLO and
//    whose KV cache fits. Replica counts: the cheapest (prefill, decode) pair whose P99 TTFT = prefill
//    step + P99 queue wait (Erlang C, M/D/c over the pool) + KV transfer + P99 wait for a decode slot
//    meets the SLO, both pools at <= target utilisation; KV transfer = prompt KV bytes / the slower
//    of the two pools' per-chip network links + latency. The brief maps the two pools into parts and
//    adds the derivation notes, the reproduction commands and the decode vendor's price check.
//  - option totals: chips, $/hour, monthly, capex, opex, kW add up over parts; $/1K tokens and J/token
//    are the totals over all output tokens; porting counts once per new runtime; latencies per
//    workload are the worst lane's; headroom is the smallest over parts (capacity / load - 1).
// Infeasible options stay in the brief with the planner's (or the analytic sizing's) reason.
// Uses the shipped catalogs; deterministic (no clock): the same request gives byte-identical output.
#include <string>
#include <vector>

#include "infersim/brief/brief_document.h"
#include "infersim/brief/brief_request.h"
#include "infersim/contract/contract.h"
#include "infersim/planner/plan.h"

namespace infersim::brief {

// Ordered: a higher level is a worse risk (std::max gives the worst).
enum class RiskLevel { low, medium, high };
const char* risk_level_name(RiskLevel l);  // "low" | "medium" | "high"
// "low" | "medium" | "high" (e.g. perf::basis_risk()); ConfigError otherwise.
RiskLevel parse_risk_level(const std::string& s);

struct Risk {
  std::string area;  // lock-in, quantisation, supply, calibration, maturity, cold start, operations, method
  RiskLevel level = RiskLevel::low;
  std::string text;
};

// One way a lane gets a new replica serving after a scale-up event, and what keeping that way ready
// costs per replica per month (analytic, from the runtime profile's sourced cold_start phases and the
// brief's storage tiers and prices; the simulator's examples/scenarios/cold-start/ run the same paths
// on a bursty trace):
//   warm standby       an idle replica kept running: ready at once; costs the replica
//   sleep / wake       the engine sleeps with weights parked in host RAM, devices still allocated:
//                      runtime wake_s; costs the replica minus its energy above idle (owned)
//   snapshot restore   image, weights and an initialised-engine snapshot on NVMe: snapshot_restore_s +
//                      weights from NVMe; costs the NVMe for weights + image
//   NVMe cache         image, weights and compile cache on NVMe: engine phases (compile cached) +
//                      weights from NVMe; costs the NVMe
//   streaming          as NVMe cache, engine phases overlapping the transfer (a what-if: no shipped
//                      runtime serves before its weights are in)
//   scale to zero      a fresh node: image pull + engine phases without compile cache + weights from
//                      object storage; costs the object storage for the weights
// TTFT after the event = ready + the lane's first-token latency on an idle replica.
struct ScaleUpPath {
  std::string name;
  bool available = true;
  std::string note;  // why not available, or the assumption that matters
  double ready_s = 0, ttft_s = 0, usd_per_month = 0;
};

struct Part {
  int workload = 0;  // index into BriefRequest::workloads
  std::string lane;  // "all traffic", "primary 75%", "second vendor 25%", "CPU lane 5%", "prefill pool", "decode pool"
  std::string model;
  double share = 1;  // of the workload's traffic
  double requests_per_s = 0;
  bool from_planner = true;
  planner::PlanRequest plan_request;  // planner parts
  std::string plan_file;              // file name the CLI writes with --plans-dir
  std::string plan_json;              // its content
  planner::Candidate candidate;       // chosen (feasible) or the closest rejection (reason set)
  bool feasible = false;
  std::string reason;
  double ttft_batch1_s = 0;  // prefill of one prompt on an idle replica (+ KV transfer when disaggregated)
  double headroom = 0;       // capacity / load - 1
  double weight_bytes = 0;   // per replica
  double cold_start_nvme_s = 0, cold_start_object_s = 0, init_s = 0;
  std::vector<ScaleUpPath> scale_up;  // in the order documented at ScaleUpPath
  double output_tok_s = 0, input_tok_s = 0;
  std::vector<std::string> commands;        // CLI commands that reproduce this part's numbers
  std::vector<std::string> analytic_notes;  // disaggregated: how each figure was derived
  // Decode pools on chips whose vendor sells tokens: the lane's cost per output token / the vendor's
  // own API price on the workload (0 = no such price), and what drives it (the chips' price basis).
  double vendor_price_ratio = 0;
  std::string vendor_price_provider, vendor_price_driver;
};

struct WorkloadFigures {
  double ttft_b1_s = 0, ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0;
  double usd_per_request = 0, usd_per_task = 0;
  bool meets_slo = false;
};

struct OptionResult {
  BriefOption option;
  bool feasible = false;
  bool analytic = false;  // sized outside the planner
  std::string reason;     // why infeasible
  std::vector<Part> parts;
  std::vector<WorkloadFigures> workloads;
  double chips = 0;
  double usd_per_hour = 0, monthly_usd = 0, usd_per_1k_output = 0, usd_per_1k_blended = 0;
  double rental_monthly = 0, capex_monthly = 0, energy_monthly = 0, hosting_monthly = 0, network_monthly = 0,
         software_monthly = 0;
  double tco_capex_usd = 0, tco_opex_usd = 0, porting_usd = 0, tco_total_usd = 0;
  double it_kw = 0, facility_kw = 0, joules_per_output_token = 0;
  double ttft_b1_s = 0, ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0;  // worst workload
  double headroom = 0;
  double porting_weeks = 0, lead_time_weeks = 0, ready_weeks = 0;
  std::string pricing_basis;
  std::vector<Risk> risks;
  RiskLevel risk_level = RiskLevel::low;  // the worst of the risk areas that gate a decision
};

// The recommended option as deployment contracts (docs/contract-format.md): one per target (model,
// hardware, runtime, precision, layout) of its planner lanes, each lane a workload with the lane's
// SLOs as latency clauses and its predicted cost, energy and throughput with 10% headroom.
struct MadeContract {
  std::string file;  // written next to the PLAN.json files (--plans-dir)
  contract::Contract contract;
};

struct BriefResult {
  BriefRequest request;      // as resolved
  std::string request_json;  // resolved BRIEF JSON (canonical text)
  std::string request_sha256;
  bool verified = false;  // a discrete-event verifier was used by the planner
  std::vector<OptionResult> options;
  int recommended = -1;                                           // index into options; -1 when nothing is feasible
  int baseline = -1;                                              // the "stay" option, when there is one
  std::string recommendation;                                     // one paragraph, in numbers
  std::vector<MadeContract> contracts;                            // of the recommended option
  std::vector<std::pair<std::string, std::string>> input_hashes;  // file (relative to the data root) -> sha256
  BriefDocument document;
};

// `verifier` is passed to planner::plan() for every planner part (the CLI passes the serving
// simulator's, like `infersim plan`); nullptr = analytic only (commands then say --no-verify).
BriefResult build_brief(const BriefRequest& request, const planner::Verifier& verifier = nullptr);

// Hydration time of one replica: weight bytes / min(storage, loader, host link effective x chips) + init.
double cold_start_seconds(double weight_bytes, double storage_bytes_per_s, double loader_bytes_per_s,
                          double host_link_bytes_per_s, int chips, double init_s);
// Default runtime init after loading (graph capture / compile), by hardware kind; [EST].
double default_init_seconds(const std::string& kind);
// Procurement lead time in weeks ([EST]): cloud capacity or purchase, by vendor / kind / pricing mode;
// negative when the hardware cannot be had that way (e.g. TPUs are not sold).
double lead_time_weeks(const std::string& vendor, const std::string& kind, bool owned);

}  // namespace infersim::brief
