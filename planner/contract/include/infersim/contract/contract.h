#pragma once
// Deployment contracts (the "Weight-to-Edge" bundle of seed 001): what a model artifact promises
// when it is handed from training to inference, in a form infersim can check on any target.
//
// A contract names the model, the weights as shipped (format, dtype per tensor group, optionally a
// real safetensors / GGUF file whose header is read), the quantization and its calibration dataset,
// the allowed targets (hardware x runtime x precision, a layout, per-runtime compilation hints), a
// version with its rollback target, and per workload type the performance clauses: TTFT and TPOT
// P99, throughput per chip, a $/1K output tokens ceiling and a J/output-token ceiling.
// Format and JSON Schema: docs/contract-format.md, docs/contract.schema.json.
//
// check results (contract_check.h) are the clause-by-clause verdicts for every allowed target; the
// regression gate compares two of them. Value structs only; JSON at the edges (contract_json.h).
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infersim/planner/pricing.h"

namespace infersim::contract {

inline constexpr int CONTRACT_FORMAT = 1;

struct WeightsSpec {
  std::string format = "safetensors";  // safetensors | gguf | other
  std::string dtype;                   // as shipped, infersim dtype name (bf16, fp8, int4...); "" = not stated
  std::map<std::string, std::string> group_dtypes;  // per tensor group (embedding, lm_head, ...) where it differs
  std::string file;                                 // a safetensors / GGUF file or shard directory ("" = none)
  std::string resolved_file;                        // `file` resolved against the contract's folder
};

struct QuantizationSpec {
  std::string method;               // "none", "fp8-dynamic", "awq", "gptq", "mxfp4", ...
  std::string calibration_dataset;  // reference: name, URL or hash of the calibration set
  std::string statistics;           // reference to the quantization statistics (scales, ranges)
  std::string notes;
};

struct LayoutHint {
  int tp = 0, pp = 0;             // 0 = the planner chooses
  int max_chips_per_replica = 0;  // 0 = the planner's limits (64; 4,096 on SRAM-only chips)
};

struct TargetsSpec {
  std::vector<std::string> hardware;    // empty = the whole catalog
  std::vector<std::string> runtimes;    // empty = each hardware's default runtime
  std::vector<std::string> precisions;  // empty = the weights' dtype (bf16 when not stated)
  // A hybrid linear-attention model's recurrent states: "" = fp32 (the runtimes' default), bf16 or fp16
  // (SGLang --mamba-ssm-dtype); planned on every target (planner::PlanRequest::state_precision).
  std::string state_precision;
  LayoutHint layout;
  // Hardware-aware compilation hints per runtime (e.g. vllm: max_num_batched_tokens = 8192): carried
  // with the contract and shown in reports; infersim does not evaluate them.
  std::map<std::string, std::map<std::string, std::string>> compile_hints;
};

// One performance clause per optional field; an absent clause is not checked.
struct Clauses {
  std::optional<double> ttft_p99_s;                 // P99 time to first token <= this
  std::optional<double> tpot_p99_s;                 // P99 time per output token <= this
  std::optional<double> min_output_tok_s_per_chip;  // sustained output tokens/s per chip >= this
  std::optional<double> max_usd_per_1k_output;  // all cost over output tokens ($/1K, the planner's headline) <= this
  std::optional<double> max_joules_per_output_token;  // facility energy per output token <= this
  bool empty() const;
};

// What the deployment a contract was made from predicted (contract make); informative only.
struct Predicted {
  std::string target;  // candidate id, e.g. "h100-sxm/vllm/fp8/tp4"
  double ttft_p99_s = NAN, tpot_p99_s = NAN, output_tok_s_per_chip = NAN, usd_per_1k_output = NAN,
         joules_per_output_token = NAN;
  bool verified = false;  // latencies from the discrete-event simulator
  std::string cost_basis;
};

struct WorkloadContract {
  std::string name;    // label; a workload preset's name when `preset` is empty and it names one
  std::string preset;  // workload preset for lengths, load and default SLOs ("" = custom)
  std::optional<double> input_tokens, output_tokens;  // override the preset's means
  std::optional<double> requests_per_s;               // load the deployment must carry
  double goodput = 0.99;                              // share of requests that must meet the latency clauses
  Clauses clauses;
  std::optional<Predicted> predicted;
};

struct Contract {
  int format = CONTRACT_FORMAT;
  std::string name, version, description;
  std::string rollback_version, rollback_file;  // the contract to return to when this one fails
  std::string model;                            // catalog name or a card / config.json path (resolved)
  WeightsSpec weights;
  QuantizationSpec quantization;
  TargetsSpec targets;
  std::string pricing_label = "default";  // "default", a file, or "inline"
  planner::Pricing pricing;
  std::vector<WorkloadContract> workloads;
  std::map<std::string, std::string> made_from;  // provenance written by contract make
  std::string file;                              // where it was read from ("" = built in memory)
};

}  // namespace infersim::contract
