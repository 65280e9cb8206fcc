#include "infersim/perf/measurements.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::perf {

using common::ConfigError;

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Measurement::config_key() const {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}", hardware, runtime, model, chips, batch, input, output);
}

namespace {

const std::map<std::string, std::string>& argonne_hardware() {
  static const std::map<std::string, std::string> m = {
      {"Nvidia A100 GPU", "a100-40g-sxm"},  // ALCF Polaris: 4x A100-SXM4-40GB per node
      {"AMD MI250 GPU", "mi250"},          {"Habana Gaudi2", "gaudi2"}, {"Intel Max 1550", "intel-max-1550"},
      {"Intel PVC GPU", "intel-max-1550"}, {"SambaNova SN40L", "sn40l"}};
  return m;
}
const std::map<std::string, std::string>& argonne_runtime() {
  static const std::map<std::string, std::string> m = {{"vLLM", "vllm"},
                                                       {"TensorRT-LLM", "tensorrt-llm"},
                                                       {"llama.cpp", "llama.cpp"},
                                                       {"Deepspeed-MII", "deepspeed-mii"},
                                                       {"Deepspeed", "deepspeed-mii"},
                                                       {"sambaflow", "sambaflow"}};
  return m;
}
const std::map<std::string, std::string>& argonne_model() {
  static const std::map<std::string, std::string> m = {{"meta-llama/Llama-2-7b-hf", "llama-2-7b"},
                                                       {"meta-llama/Llama-2-70b-hf", "llama-2-70b"},
                                                       {"meta-llama/Meta-Llama-3-8B", "llama-3.1-8b"},
                                                       {"meta-llama/Meta-Llama-3-70B", "llama-3.1-70b"},
                                                       {"mistralai/Mistral-7B-v0.1", "mistral-7b"},
                                                       {"mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b"},
                                                       {"Qwen/Qwen2-7B", "qwen2-7b"},
                                                       {"Qwen/Qwen2-72B", "qwen2-72b"}};
  return m;
}

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(common::trim(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(common::trim(cur));
  return out;
}

double num(const std::string& s, const std::string& file, int line, const std::string& column) {
  try {
    std::size_t pos = 0;
    const double v = std::stod(s, &pos);
    if (pos != s.size() || !std::isfinite(v)) throw std::invalid_argument("x");
    return v;
  } catch (const std::exception&) {
    throw ConfigError(file, fmt::format("line {}, column '{}'", line, column), fmt::format("'{}' is not a number", s));
  }
}

}  // namespace

MeasurementSet load_measurements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw common::IoError(fmt::format("{}: cannot open measurement file", path));
  std::string header;
  if (!std::getline(in, header)) throw ConfigError(path, "line 1", "empty file: expected a CSV header");
  const auto cols = parse_csv_line(header);
  std::map<std::string, int> idx;
  for (std::size_t i = 0; i < cols.size(); ++i) idx[cols[i]] = int(i);
  auto need = [&](const std::vector<std::string>& names) {
    for (const auto& n : names)
      if (!idx.count(n)) return false;
    return true;
  };
  MeasurementSet set;
  MeasurementFormat fmt_;
  if (need({"model", "hardware", "prompt_size", "batch_size", "token_size", "prompt_time", "token_time", "e2e_time",
            "tensor_parallel"}))
    fmt_ = MeasurementFormat::splitwise;
  else if (need({"Hardware", "Num of Hardware", "Framework", "Model", "Input Output Length", "Batch Size", "Latency",
                 "Throughput"}))
    fmt_ = MeasurementFormat::argonne;
  else
    throw ConfigError(path, "line 1",
                      "unrecognised header: expected splitwise-sim perf_model.csv columns "
                      "(model,hardware,prompt_size,batch_size,token_size,...,tensor_parallel) or LLM-Inference-Bench "
                      "columns (Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch "
                      "Size,Latency,Throughput)");
  std::string line;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (common::trim(line).empty()) continue;
    const auto f = parse_csv_line(line);
    if (f.size() < cols.size())
      throw ConfigError(path, fmt::format("line {}", lineno),
                        fmt::format("expected {} columns, found {}", cols.size(), f.size()));
    auto col = [&](const char* n) { return f[std::size_t(idx[n])]; };
    Measurement m;
    m.file = path;
    m.line = lineno;
    m.format = fmt_;
    if (fmt_ == MeasurementFormat::splitwise) {
      const std::string hw = col("hardware");
      if (hw == "h100-80gb-pcap") {
        ++set.skipped["h100-80gb-pcap rows are derived (prompt = 1.3 x h100), not measured"];
        continue;
      }
      if (hw == "a100-80gb")
        m.hardware = "a100-80g-sxm";
      else if (hw == "h100-80gb")
        m.hardware = "h100-sxm";
      else {
        ++set.skipped[fmt::format("hardware '{}' has no catalog profile", hw)];
        continue;
      }
      const std::string model = col("model");
      if (model == "llama2-70b")
        m.model = "llama-2-70b";
      else if (model == "bloom-176b")
        m.model = "bloom-176b";
      else {
        ++set.skipped[fmt::format("model '{}' has no catalog card", model)];
        continue;
      }
      m.runtime = "vllm";
      m.runtime_version = "splitwise";  // an internal vLLM branch (2023), vllm.json versions
      m.tp = m.chips = int(num(col("tensor_parallel"), path, lineno, "tensor_parallel"));
      m.batch = num(col("batch_size"), path, lineno, "batch_size");
      m.input = num(col("prompt_size"), path, lineno, "prompt_size");
      m.output = num(col("token_size"), path, lineno, "token_size");
      m.ttft_s = num(col("prompt_time"), path, lineno, "prompt_time") / 1e3;
      m.tpot_s = num(col("token_time"), path, lineno, "token_time") / 1e3;
      m.e2e_s = num(col("e2e_time"), path, lineno, "e2e_time") / 1e3;
      // Power columns (fractions of TDP over the run; 0 = not measured: every H100 row).
      if (idx.count("average_power") && idx.count("peak_power")) {
        const double avg = num(col("average_power"), path, lineno, "average_power");
        const double peak = num(col("peak_power"), path, lineno, "peak_power");
        if (avg > 0) m.avg_power_tdp = avg;
        if (peak > 0) m.peak_power_tdp = peak;
      }
    } else {
      const auto h = argonne_hardware().find(col("Hardware"));
      const auto r = argonne_runtime().find(col("Framework"));
      const auto mo = argonne_model().find(col("Model"));
      if (h == argonne_hardware().end()) {
        ++set.skipped[fmt::format("hardware '{}' has no catalog profile", col("Hardware"))];
        continue;
      }
      if (r == argonne_runtime().end()) {
        ++set.skipped[fmt::format("framework '{}' is not mapped", col("Framework"))];
        continue;
      }
      if (mo == argonne_model().end()) {
        ++set.skipped[fmt::format("model '{}' has no catalog card", col("Model"))];
        continue;
      }
      m.hardware = h->second;
      m.runtime = r->second;
      m.model = mo->second;
      m.chips = int(num(col("Num of Hardware"), path, lineno, "Num of Hardware"));
      // llama.cpp splits layers across devices by default (pipeline); the others use tensor parallelism.
      if (m.runtime == "llama.cpp") {
        m.pp = m.chips;
        m.tp = 1;
      } else {
        m.tp = m.chips;
      }
      // The bundled data has two Intel GPU Max systems whose vLLM builds differ ~10x at batch 1; they
      // are kept apart (runtime "vllm" on the "Intel Max 1550" system, "vllm-pvc" on "Intel PVC GPU").
      if (col("Hardware") == "Intel PVC GPU" && m.runtime == "vllm") m.runtime = "vllm-pvc";
      // LLM-Inference-Bench (2024) pinned vLLM 0.5/0.6 and TensorRT-LLM 0.11 (vllm.json, tensorrt-llm.json).
      if (m.runtime == "vllm") m.runtime_version = "0.5";
      if (m.runtime == "tensorrt-llm") m.runtime_version = "0.11";
      m.batch = num(col("Batch Size"), path, lineno, "Batch Size");
      m.input = m.output = num(col("Input Output Length"), path, lineno, "Input Output Length");
      m.e2e_s = num(col("Latency"), path, lineno, "Latency");
      m.throughput_tok_s = num(col("Throughput"), path, lineno, "Throughput");
      // Consistency: throughput x latency must equal batch x (in + out). Rows where it equals only
      // (in + out) at batch > 1 (all llama.cpp rows) report a per-sequence latency whose batch
      // semantics the source does not define; they cannot be compared with a batch prediction.
      const double tokens = m.throughput_tok_s * m.e2e_s;
      if (m.batch > 1 && std::fabs(tokens / (m.batch * (m.input + m.output)) - 1.0) > 0.02) {
        ++set.skipped["batch > 1 rows whose throughput x latency != batch x (in + out) (per-sequence latency, "
                      "batch semantics undefined)"];
        continue;
      }
    }
    if (m.batch <= 0 || m.input <= 0 || m.output <= 0 || m.chips <= 0 || m.e2e_s <= 0) {
      ++set.skipped["non-positive size or time"];
      continue;
    }
    m.held_out = double(fnv1a(m.config_key()) % 1000) < HELD_OUT_SHARE * 1000.0;
    set.rows.push_back(std::move(m));
  }
  return set;
}

std::vector<std::string> bundled_measurement_files() {
  return {common::data_path("data/measurements/splitwise_perf_model.csv"),
          common::data_path("data/measurements/argonne_llm_inference_bench_visible.csv")};
}

MeasurementSet load_bundled_measurements() {
  MeasurementSet all;
  for (const auto& f : bundled_measurement_files()) {
    auto s = load_measurements(f);
    for (auto& r : s.rows) all.rows.push_back(std::move(r));
    for (auto& [k, v] : s.skipped) all.skipped[k] += v;
  }
  return all;
}

}  // namespace infersim::perf
