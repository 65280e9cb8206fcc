#pragma once
// End-to-end serving-benchmark measurements of today's stacks: the aiconfigurator "silicon" format
// (data/aiconfigurator/silicon_sample_visible.csv, Apache-2.0; one row = one deployment x ISL/OSL x
// client concurrency, measured TTFT and TPOT in ms). Rows are mapped onto catalog names (hardware,
// runtime, model card, precision); rows that cannot be mapped or modelled are skipped and counted
// with the reason. Each row gets a deterministic held-out flag from a hash of its configuration key
// (the same configuration at another framework version falls on the same side of the split).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infersim/common/dtype.h"

namespace infersim::perf {

struct ServingMeasurement {
  std::string file;
  int line = 0;
  std::string id;
  std::string system;           // aiconfigurator system ("h100_sxm")
  std::string hardware;         // catalog slug ("h100-sxm")
  std::string runtime;          // catalog runtime ("tensorrt-llm", "vllm", "sglang")
  std::string runtime_version;  // measured framework version ("1.0.0rc3"; "" = not recorded)
  std::string model;            // catalog model card ("llama-3.1-70b")
  std::string model_path;       // Hugging Face id as written
  std::string measured;         // date or source dump the row came from
  std::string measured_on;      // the run's date as recorded ("measured=2026-01-14..." -> "2026-01-14"; "" = none)
  // Server container image as recorded ("nvcr.io#nvidia/tensorrt-llm/release:1.2.0rc6.post2"; "" = none).
  std::string image;
  // The engine ran the framework's own server defaults: rows of the 2025 H100 collection, exported from a
  // developer's local results file (silicon_data_source "source_file=/...") with no server container
  // image recorded; not the Dynamo pipeline's rows (source dumps, dated exports, or a runtime image),
  // which ran aiconfigurator's generated engine configs.
  bool framework_defaults = false;
  // How the benchmark client drew each request's lengths: uniformly from ratio x the row's ISL / OSL to
  // the ISL / OSL (1 = fixed lengths). Rows on SemiAnalysis InferenceX's three workloads (1024 / 1024,
  // 1024 / 8192, 8192 / 1024), outside the 2025 H100 collection, ran its client, whose workflow sets
  // RANDOM_RANGE_RATIO 0.8 (.github/workflows/benchmark-tmpl.yml) for utils/bench_serving/
  // benchmark_serving.py (`sample_uniform`: integers from int(L x 0.8) to L); the other rows ran
  // aiconfigurator's aiperf harness at fixed lengths (data/aiconfigurator/README.md).
  double length_range_ratio = 1.0;
  bool moe = false;
  common::DType weight = common::DType::bf16, activation = common::DType::bf16, kv = common::DType::bf16;
  std::string quant;  // gemm_quant_mode as written ("", fp8, fp8_block, nvfp4, int4_wo)
  int tp = 1, pp = 1, ep = 1, attention_dp = 1;
  double concurrency = 1;         // requests in flight on one engine replica (batch_size column)
  double client_concurrency = 0;  // the benchmark client's total (0 = not recorded)
  double input = 0, output = 0;
  double ttft_s = 0, tpot_s = 0;
  bool held_out = false;
  // Why the row is kept out of every fit ("" = it is fitted when not held out): a rule of the
  // fit_exclusions.json beside the CSV matched its server image. It is still predicted and reported.
  std::string fit_excluded;
  // Why only the row's TTFT is kept out of every fit (a rule with "metrics": ["ttft"]): its TPOT is fitted.
  std::string ttft_fit_excluded;
  // Draft tokens per step the run used for multi-token prediction, where a rule of the row_recipes.json
  // beside the CSV records its recipe (-1 = not recorded: serving::row_mtp_draft_tokens decides).
  int mtp_draft_tokens = -1;
  // The precision the run kept a hybrid model's recurrent states in, where its recipe records one
  // (SGLang --mamba-ssm-dtype; none = the runtime's default, FP32).
  std::optional<common::DType> state_precision;
  std::string recipe;  // that rule's reason ("" = none)
  bool fitted() const { return !held_out && fit_excluded.empty(); }
  bool ttft_fitted() const { return fitted() && ttft_fit_excluded.empty(); }
  std::string config_key() const;
};

struct ServingMeasurementSet {
  std::vector<ServingMeasurement> rows;
  std::map<std::string, int> skipped;       // reason -> count
  std::map<std::string, int> relabelled;    // layout repairs: reason -> count (serving_measurements.cpp)
  std::map<std::string, int> fit_excluded;  // reason -> rows kept out of the fit (fit_exclusions.json)
};

// Throws ConfigError (file, line, column) on malformed input, IoError when unreadable. A
// fit_exclusions.json in the CSV's folder (optional) marks rows by server image or by id:
// {"rules": [{"image": "...", "reason": "...", "evidence": ["..."]}]}; a rule with "metrics": ["ttft"]
// keeps only their TTFT out (ServingMeasurement::ttft_fit_excluded).
// A row_recipes.json beside it (optional) records what the CSV does not, by row id:
// {"rules": [{"ids": ["..."], "mtp_draft_tokens": 2, "state_precision": "bf16", "reason": "...",
// "evidence": ["..."]}]} (both fields optional).
ServingMeasurementSet load_serving_measurements(const std::string& path);
std::string bundled_serving_measurements();  // data/aiconfigurator/silicon_sample_visible.csv

inline constexpr double SERVING_HELD_OUT_SHARE = 0.3;

}  // namespace infersim::perf
