#pragma once
// The one resolver of "which deployment does the user mean": model and hardware by name or path, the
// weight / KV precision (default: the format the vendor serves on the chip, else 16-bit), the runtime
// (default per hardware), and the layout: auto-sized (the smallest that fits the workload) when no
// chips / tp / pp are given, else the chips-to-tp/pp rule. Used by every front end and every app
// action that starts from a named deployment. Errors are ConfigError naming the logical field
// ("model", "hardware", "precision", "kv_precision", "chips", ...), never a CLI flag.
#include <optional>
#include <string>

#include "infersim/model/model_spec.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::app {

struct DeploymentRequest {
  std::string model;         // catalog name, or a path to a model card / config.json
  std::string hardware;      // catalog name, or a path to a profile JSON
  std::string precision;     // "" = the chip's served format, else bf16 (fp16 where bf16 is missing)
  std::string kv_precision;  // "" = the runtime's default for the weights
  // A hybrid linear-attention model's recurrent states: fp32 (default; SGLang --mamba-ssm-dtype float32),
  // bf16 or fp16.
  std::string state_precision;
  std::string runtime;               // "" = the hardware's default runtime; NAME or NAME@VERSION
  std::optional<int> chips, tp, pp;  // none = auto-size for the workload
  perf::Workload workload{1, 1024, 256};
  // Multi-token prediction: draft tokens per step, and their per-position acceptance (none = the runtime
  // version's fitted acceptance, CalibrationParams::mtp_acceptance).
  std::optional<int> mtp;
  std::optional<double> mtp_acceptance;
  // Speculative decoding with a separate draft model (catalog name or card path; "" = none).
  std::optional<int> ep;         // expert parallelism (MoE); none = 1
  double weight_sparsity = 0.0;  // fraction of weights pruned
  std::string draft;
  int spec_k = 4;
  double spec_acceptance = 0.7;
};

struct ResolvedDeployment {
  model::ModelSpec model;
  perf::Deployment deployment;
  perf::Workload workload;
  std::string layout_note;          // how the layout was chosen (auto-size explanation or "as given")
  perf::RuntimeResolution runtime;  // which runtime and calibration basis applied, and why
  std::string mtp_note;             // where the MTP acceptance came from, when not given nor the version's own
};

ResolvedDeployment resolve_deployment(const DeploymentRequest& r);

// Parses a precision name for `field` ("precision", "kv_precision"): ConfigError with the choices.
common::DType parse_precision_field(const std::string& value, const std::string& field);

}  // namespace infersim::app
