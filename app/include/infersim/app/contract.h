#pragma once
// App actions on deployment contracts (docs/contract-format.md): check a contract on every allowed
// target, gate two versions or calibrations, make a contract from a plan, read the weights' header,
// and record a check in the results store (row kind "contract").
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "infersim/contract/contract.h"
#include "infersim/contract/contract_check.h"
#include "infersim/model/model_spec.h"

namespace infersim::app {

struct ContractCheckOptions {
  std::vector<std::string> hardware, runtimes, precisions;  // replace the contract's targets when non-empty
  bool verify = true;  // verify each target's deployment in the discrete-event simulator
  int jobs = 0;        // worker threads over targets (0 = all cores)
};

struct ContractProgress {
  std::size_t done = 0, total = 0;
  std::string last;  // "workload on target"
};

// Every allowed target x workload, judged clause by clause (contract::judge_target), plus the weights
// header against the model card when the contract names a file. An explicitly named target the
// runtime or chip cannot run fails its "deployable" clause; with the whole catalog allowed, such
// combinations are skipped and listed in the notes. Deterministic: the same contract gives the same
// result whatever `jobs` is.
contract::CheckResult check_contract(const contract::Contract& c, const ContractCheckOptions& o = {},
                                     const std::function<void(const ContractProgress&)>& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);

// The weights file's header (safetensors or GGUF, a file or a shard directory) against the card:
// parameters per tensor group and bytes at the declared dtype. Agreement is exact parameters and
// bytes within 1% for plain formats; block formats (GGUF Q8_0, Q4_K, MXFP4...) carry scales, and the
// report gives their bits per weight instead of failing. ConfigError / IoError for unreadable files.
contract::WeightsCheck check_weights(const contract::Contract& c, const model::ModelSpec& m);

// `path` is a contract (checked now with `o`) or a saved check result (`contract check --json`).
contract::CheckResult check_or_load(const std::string& path, const ContractCheckOptions& o);

struct ContractMakeOptions {
  std::string name, version;  // "" = "<model>-<workload>", "1.0.0"
  double headroom = 0.10;     // on the predicted cost, energy and throughput
  std::string deployment;     // candidate id to take from a plan result ("" = the top-ranked plan)
  bool verify = true;         // when `plan_file` is a PLAN.json request, plan it with verification
};
// From `infersim plan --json` output (a result: "request" + "ranked") or a PLAN.json request (planned
// now, restricted to nothing: the cheapest single-pool plan is taken).
contract::Contract make_contract_from_plan(const std::string& plan_file, const ContractMakeOptions& o);

// Rows of kind "contract" (one per target x workload) in the results store under `run`; returns how
// many were new (a row whose scenario and verdict are already stored is not written twice).
std::size_t store_contract_check(const contract::CheckResult& r, const std::string& db, const std::string& run);

}  // namespace infersim::app
