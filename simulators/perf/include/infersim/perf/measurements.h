#pragma once
// Measured inference runs used for calibration and validation, read from the two public formats the
// project bundles (data/measurements/): splitwise-sim's perf_model.csv (prompt/token times per TP) and
// LLM-Inference-Bench's results (whole-batch latency and throughput, input = output length).
// Names are mapped onto catalog slugs; rows that cannot be mapped or are not real measurements are
// skipped and counted with the reason. Every row gets a deterministic fit / held-out assignment from
// a hash of its configuration, so repeated runs of one configuration never straddle the split.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace infersim::perf {

enum class MeasurementFormat { splitwise, argonne };

struct Measurement {
  std::string file;
  int line = 0;
  MeasurementFormat format = MeasurementFormat::splitwise;
  std::string hardware;         // catalog slug
  std::string runtime;          // runtime slug (vllm, tensorrt-llm, llama.cpp, deepspeed-mii, sambaflow)
  std::string runtime_version;  // the runtime version the data describe ("splitwise", "0.5", "0.11"; "" = unversioned)
  std::string model;            // catalog slug
  int chips = 1;
  int tp = 1;
  int pp = 1;
  double batch = 1, input = 0, output = 0;
  // Measured values; < 0 when the format does not have them.
  double ttft_s = -1;  // splitwise prompt_time
  double tpot_s = -1;  // splitwise token_time
  double e2e_s = -1;   // whole request (splitwise) or whole batch (argonne)
  double throughput_tok_s = -1;
  // splitwise average_power / peak_power: per-GPU power over the run as a fraction of TDP (< 0: not
  // measured; the file's H100 rows carry 0, only its A100-80GB rows were measured).
  double avg_power_tdp = -1, peak_power_tdp = -1;
  bool held_out = false;
  std::string config_key() const;
};

struct MeasurementSet {
  std::vector<Measurement> rows;
  std::map<std::string, int> skipped;  // reason -> count
};

// Detects the format from the header. Throws ConfigError/IoError naming the file and line.
MeasurementSet load_measurements(const std::string& path);
// The bundled files under data/measurements/.
MeasurementSet load_bundled_measurements();
std::vector<std::string> bundled_measurement_files();

// Share of configurations held out from fitting (deterministic by config hash).
inline constexpr double HELD_OUT_SHARE = 0.3;
std::uint64_t fnv1a(const std::string& s);

}  // namespace infersim::perf
