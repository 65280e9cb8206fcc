#include "infersim/perf/serving_measurements.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/model/op_cost.h"
#include "infersim/perf/measurements.h"

namespace infersim::perf {

using common::ConfigError;
using common::DType;

std::string ServingMeasurement::config_key() const {
  // aiconfigurator's own configuration key (model, system, backend, precision, mode, ISL, OSL, batch,
  // TP, PP), so repeats of a configuration at another framework version share a side of the split.
  return fmt::format("{}|{}|{}|{}|agg|{}|{}|{}|{}|{}", model_path, system, runtime, quant, input, output, concurrency,
                     tp, pp);
}

std::string bundled_serving_measurements() {
  return common::data_path("data/aiconfigurator/silicon_sample_visible.csv");
}

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r')
      cur += c;
  }
  out.push_back(cur);
  return out;
}

const std::map<std::string, std::string>& system_map() {
  static const std::map<std::string, std::string> m = {{"h100_sxm", "h100-sxm"}, {"h200_sxm", "h200"},
                                                       {"b200_sxm", "b200"},     {"b300_sxm", "b300"},
                                                       {"gb200", "gb200"},       {"a100_sxm", "a100-80g-sxm"},
                                                       {"l40s", "l40s"}};
  return m;
}
const std::map<std::string, std::string>& backend_map() {
  static const std::map<std::string, std::string> m = {{"trtllm", "tensorrt-llm"},
                                                       {"vllm", "vllm"},
                                                       {"sglang", "sglang"}};
  return m;
}
// Hugging Face id -> (model card, is MoE).
const std::map<std::string, std::pair<std::string, bool>>& model_map() {
  static const std::map<std::string, std::pair<std::string, bool>> m = {
      {"meta-llama/Llama-3.1-8B-Instruct", {"llama-3.1-8b", false}},
      {"meta-llama/Llama-3.1-70B", {"llama-3.1-70b", false}},
      {"Qwen/Qwen3-32B", {"qwen3-32b", false}},
      {"nvidia/Qwen3-32B-NVFP4", {"qwen3-32b", false}},
      {"openai/gpt-oss-120b", {"gpt-oss-120b", true}},
      {"Qwen/Qwen3-235B-A22B-FP8", {"qwen3-235b-a22b", true}},
      {"deepseek-ai/DeepSeek-R1", {"deepseek-v3", true}},
      {"deepseek-ai/DeepSeek-V3", {"deepseek-v3", true}},
      {"nvidia/DeepSeek-R1-NVFP4", {"deepseek-v3", true}},
      {"nvidia/DeepSeek-V3.1-NVFP4", {"deepseek-v3", true}},
      {"MiniMaxAI/MiniMax-M2.5", {"minimax-m2.5", true}},
      {"moonshotai/Kimi-K2.5", {"kimi-k2.5", true}},
      {"zhipuai/GLM-5", {"glm-5", true}},
      {"Qwen/Qwen3.5-397B-A17B", {"qwen3.5-397b-a17b", true}}};
  return m;
}

// Some exports of the upstream database write an expert-parallel layout of G GPUs as one of G x G
// (checked on the rows whose id still names the layout, e.g. "..._c64_tp8_ep8_937" with columns
// tp 1, attention-DP 64, MoE-TP 8, EP 8: its TTFT and TPOT are byte-identical to the row
// "..._c64_tp8_0_ep8_0_976" with tp 1, attention-DP 8, EP 8, batch 8 from another export). The
// factor G lands on the TP or attention-DP column and on MoE-TP (TensorRT-LLM, SGLang), or on
// attention-DP and EP (vLLM's TP x EP runs, written as attention-DP = TP, EP = TP^2). Repairs `m` to
// the real layout, with the per-rank batch from the client concurrency; returns the reason ("" when
// the layout is kept). docs/calibration.md, "Layout repairs", lists the evidence.
std::string repair_layout(ServingMeasurement& m, double moe_tp) {
  static const std::regex id_re("_tp([0-9]+)(?:_[0-9]+)?_ep([0-9]+)(?:_[0-9]+)?_[0-9]+$");
  const int gpus = m.tp * m.attention_dp;
  int real = 0;  // the real GPU count
  std::string why;
  std::smatch sm;
  if (std::regex_search(m.id, sm, id_re)) {
    // The id names the layout: TensorRT-LLM / SGLang "tpN" = world size (attention-DP ranks x TP), vLLM
    // "tpN" = TP (its expert-parallel runs have no attention DP).
    const int n = std::stoi(sm[1]);
    if (n > 0 && gpus != n && gpus % n == 0) {
      real = n;
      why = "layout written as G x G GPUs, repaired from the layout in the row's id";
    }
  } else if (m.ep > 1 && int(std::lround(moe_tp)) == m.ep && gpus == m.ep * m.ep) {
    real = m.ep;
    why = "layout written as G x G GPUs (MoE-TP = EP = G), repaired by the pattern of the id-checked rows";
  } else if (m.runtime == "vllm" && moe_tp <= 1 && m.attention_dp > 1 && m.attention_dp == m.tp && m.ep == gpus) {
    real = m.tp;
    why = "vLLM TP x EP run written as attention-DP = TP, EP = TP^2, repaired by the pattern of the id-checked rows";
  }
  if (real == 0) return "";
  const int f = gpus / real;
  const int dp_before = m.attention_dp;
  if (m.attention_dp % f == 0)
    m.attention_dp /= f;
  else if (m.tp % f == 0)
    m.tp /= f;
  else
    return "";
  if (m.ep > real) m.ep /= f;
  m.concurrency = m.client_concurrency > 0 ? m.client_concurrency / m.attention_dp
                                           : m.concurrency * dp_before / m.attention_dp;
  return why;
}

// A rules file beside the CSV (fit_exclusions.json, row_recipes.json): its path, "" when there is none.
std::string rules_beside(const std::string& csv, const char* name) {
  const auto file = (std::filesystem::path(csv).parent_path() / name).string();
  return std::filesystem::exists(file) ? file : std::string();
}

// Every id a rule names must be a row: one that names none is a typo, not a rule that matches nothing.
template <class Rule>
void require_rows(const std::string& file, const std::string& csv, const std::map<std::string, Rule>& by_id,
                  const std::set<std::string>& matched) {
  for (const auto& [id, rule] : by_id)
    if (!matched.count(id))
      throw ConfigError(file, "rules.ids",
                        fmt::format("row id '{}' is not a row of {} (or another export of an earlier row)", id, csv));
}

void apply_fit_exclusions(const std::string& csv, ServingMeasurementSet& set) {
  const std::string file = rules_beside(csv, "fit_exclusions.json");
  if (file.empty()) return;
  const auto j = common::load_json_file(file);
  common::JsonReader top(j, file);
  (void)top.string_or("about", "");
  // A rule names a server image (every row of that image) or the ids of the rows themselves (runs that
  // recorded no image); an id that names no row is a typo, not a rule that happens to match nothing.
  // A rule keeps the whole row out, or with "metrics": ["ttft"] only its TTFT (a measured TPOT that
  // follows the load still fits the step model).
  struct Rule {
    std::string reason;
    bool ttft_only = false;
  };
  std::map<std::string, Rule> by_image, by_id;
  for (auto& r : top.array_of_objects("rules")) {
    const std::string image = r.string_or("image", ""), reason = r.string("reason");
    const auto ids = r.string_list_or("ids", {});
    if ((image.empty() && ids.empty()) || reason.empty())
      throw ConfigError(file, "rules", "a rule needs a non-empty reason and an image or a list of row ids");
    const auto metrics = r.string_list_or("metrics", {"ttft", "tpot"});
    const std::set<std::string> ms(metrics.begin(), metrics.end());
    for (const auto& x : ms)
      if (x != "ttft" && x != "tpot")
        throw ConfigError(file, "rules.metrics", fmt::format("'{}' is not a metric (ttft, tpot)", x));
    if (ms.empty() || (ms.size() == 1 && ms.count("tpot")))
      throw ConfigError(file, "rules.metrics",
                        "a rule keeps out the whole row or its TTFT alone: [\"ttft\", \"tpot\"] or [\"ttft\"]");
    (void)r.string_list_or("evidence", {});
    r.finish();
    const Rule rule{reason, ms.size() == 1};
    if (!image.empty()) by_image[image] = rule;
    for (const auto& id : ids) by_id[id] = rule;
  }
  top.finish();
  std::set<std::string> matched;
  for (auto& m : set.rows) {
    const Rule* rule = nullptr;
    if (auto it = by_image.find(m.image); it != by_image.end()) rule = &it->second;
    if (auto it = by_id.find(m.id); it != by_id.end()) {
      matched.insert(m.id);
      if (rule == nullptr) rule = &it->second;
    }
    if (rule == nullptr) continue;
    (rule->ttft_only ? m.ttft_fit_excluded : m.fit_excluded) = rule->reason;
    ++set.fit_excluded[rule->reason];
  }
  require_rows(file, csv, by_id, matched);
}

// What a run's recipe set that its row does not record (row_recipes.json beside the CSV): the draft
// tokens of multi-token prediction and the precision of a hybrid model's recurrent states. A rule names
// row ids (an id that names no row is an error).
void apply_row_recipes(const std::string& csv, ServingMeasurementSet& set) {
  const std::string file = rules_beside(csv, "row_recipes.json");
  if (file.empty()) return;
  const auto j = common::load_json_file(file);
  common::JsonReader top(j, file);
  (void)top.string_or("about", "");
  struct Rule {
    int mtp_draft_tokens;
    std::optional<common::DType> state_precision;
    std::string reason;
  };
  std::map<std::string, Rule> by_id;
  for (auto& r : top.array_of_objects("rules")) {
    const auto ids = r.string_list_or("ids", {});
    const std::string reason = r.string("reason");
    const int k = int(r.integer_or("mtp_draft_tokens", -1, 0, 16));  // -1 = not recorded
    std::optional<common::DType> state;
    if (const std::string s = r.string_or("state_precision", ""); !s.empty()) {
      state = model::parse_state_precision(s);
      if (!state) throw ConfigError(file, "rules/state_precision", fmt::format("'{}': expected fp32, bf16 or fp16", s));
    }
    (void)r.string_list_or("evidence", {});
    r.finish();
    if (ids.empty() || reason.empty())
      throw ConfigError(file, "rules", "a rule needs a non-empty reason and a list of row ids");
    if (k < 0 && !state) throw ConfigError(file, "rules", "a rule records mtp_draft_tokens, state_precision or both");
    for (const auto& id : ids) by_id[id] = {k, state, reason};
  }
  top.finish();
  std::set<std::string> matched;
  for (auto& m : set.rows)
    if (auto it = by_id.find(m.id); it != by_id.end()) {
      matched.insert(m.id);
      m.mtp_draft_tokens = it->second.mtp_draft_tokens;
      m.state_precision = it->second.state_precision;
      m.recipe = it->second.reason;
    }
  require_rows(file, csv, by_id, matched);
}

}  // namespace

ServingMeasurementSet load_serving_measurements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw common::IoError(fmt::format("{}: cannot open measurement file", path));
  std::string header;
  if (!std::getline(in, header)) throw ConfigError(path, "line 1", "empty file: expected a CSV header");
  const auto cols = split_csv(header);
  std::map<std::string, int> idx;
  for (std::size_t i = 0; i < cols.size(); ++i) idx[cols[i]] = int(i);
  for (const char* n :
       {"id", "silicon_data_source", "backend", "backend_version", "model_path", "system", "precision", "mode", "isl",
        "osl", "gemm_quant_mode", "batch_size", "tp_size", "pp_size", "silicon_ttft_ms", "silicon_tpot_ms"})
    if (!idx.count(n))
      throw ConfigError(path, "line 1",
                        fmt::format("missing column '{}' (expected aiconfigurator silicon_sample format)", n));
  ServingMeasurementSet set;
  // The same run exported twice (another dump, another id) counts once: same model, system, runtime,
  // format, lengths, client load, layout (after repair) and the same measured TTFT and TPOT. Some exports
  // round the times to 0.01 ms ("gap analysis" files), so the times match to within that rounding:
  // two different runs agreeing to 5 us on both is not a coincidence that happens.
  constexpr double SAME_TIME_S = 5.1e-6;
  std::map<std::tuple<std::string, std::string, std::string, std::string, double, double, double, int, int, int, int>,
           std::vector<std::size_t>>
      seen;
  std::string line;
  int lineno = 1;
  static const std::regex conc_re("silicon_concurrency=([0-9]+)");
  static const std::regex date_re("(db-dump/[0-9-]+|measured=[0-9-]+|source_file=[^;]+)");
  static const std::regex day_re("measured=([0-9]{4}-[0-9]{2}-[0-9]{2})");
  static const std::regex image_re("((nvcr\\.io[/#]|lmsysorg/|vllm/)[^;\\s]+)");
  // A disaggregated run exported again as "agg": some dated exports hold a row labelled agg whose id
  // repeats a disaggregated row of the same source file (model, ISLxOSL, client concurrency, GPUs) and
  // whose TTFT and TPOT match it. InferenceX's GB200 DeepSeek-R1 runs (Dynamo, prefill and decode pools;
  // "tp" is the GPUs of the whole deployment) appear so in source_file=2026-04-06.csv: 41 agg rows, TTFT
  // and TPOT within 10% of their disagg twin (most within 1%). Such rows are skipped with the disaggregated
  // ones (a first pass over the file collects the disaggregated rows).
  static const std::regex mode_id_re("^(.*)_(agg|disagg)_([0-9]+x[0-9]+_c[0-9]+_tp[0-9]+_ep[0-9]+)_[0-9]+$");
  // The run a row's id names within its source file ("" for ids of another form).
  auto stem_of = [](const std::string& id, const std::string& src) {
    std::smatch sm;
    if (!std::regex_match(id, sm, mode_id_re)) return std::string();
    return src.substr(0, src.find(';')) + "|" + std::string(sm[1]) + "|" + std::string(sm[3]);
  };
  // The file split once: line numbers and fields of the non-blank lines.
  std::vector<std::pair<int, std::vector<std::string>>> records;
  while (std::getline(in, line)) {
    ++lineno;
    if (!common::trim(line).empty()) records.emplace_back(lineno, split_csv(line));
  }
  // First pass: the disaggregated rows' stems and times (malformed lines are reported by the second).
  std::multimap<std::string, std::pair<double, double>> disagg_runs;  // id stem -> (TTFT, TPOT) in ms
  for (const auto& [at, f] : records) {
    if (f.size() != cols.size() || f[std::size_t(idx["mode"])] != "disagg") continue;
    const auto stem = stem_of(f[std::size_t(idx["id"])], f[std::size_t(idx["silicon_data_source"])]);
    const char* ttft = f[std::size_t(idx["silicon_ttft_ms"])].c_str();
    const char* tpot = f[std::size_t(idx["silicon_tpot_ms"])].c_str();
    char *e1 = nullptr, *e2 = nullptr;
    const double t = std::strtod(ttft, &e1), p = std::strtod(tpot, &e2);
    if (!stem.empty() && e1 != ttft && e2 != tpot && t > 0 && p > 0) disagg_runs.emplace(stem, std::make_pair(t, p));
  }
  for (const auto& [at, f] : records) {
    lineno = at;
    if (f.size() != cols.size())
      throw ConfigError(path, fmt::format("line {}", lineno),
                        fmt::format("expected {} columns, found {}", cols.size(), f.size()));
    static const std::string none;
    // Optional columns (attention_dp_size, moe_ep_size) may be absent: empty.
    auto col = [&](const char* n) -> const std::string& {
      auto it = idx.find(n);
      return it == idx.end() ? none : f[std::size_t(it->second)];
    };
    auto num = [&](const char* n, double fallback) {
      const std::string& s = col(n);
      if (s.empty()) return fallback;
      try {
        std::size_t pos = 0;
        const double v = std::stod(s, &pos);
        if (pos != s.size() || !std::isfinite(v)) throw std::invalid_argument("x");
        return v;
      } catch (const std::exception&) {
        throw ConfigError(path, fmt::format("line {}, column '{}'", lineno, n), fmt::format("'{}' is not a number", s));
      }
    };
    ServingMeasurement m;
    m.file = path;
    m.line = lineno;
    m.id = col("id");
    m.system = col("system");
    m.model_path = col("model_path");
    m.runtime_version = col("backend_version");
    m.quant = col("gemm_quant_mode");
    if (col("mode") != "agg") {
      ++set.skipped["disaggregated (prefill/decode pools) rows: not in the aggregated benchmark mode"];
      continue;
    }
    const auto sys = system_map().find(m.system);
    if (sys == system_map().end()) {
      ++set.skipped[fmt::format("system '{}' has no hardware profile", m.system)];
      continue;
    }
    m.hardware = sys->second;
    const auto be = backend_map().find(col("backend"));
    if (be == backend_map().end()) {
      ++set.skipped[fmt::format("backend '{}' is not mapped", col("backend"))];
      continue;
    }
    m.runtime = be->second;
    const auto mo = model_map().find(m.model_path);
    if (mo == model_map().end()) {
      ++set.skipped[fmt::format("model '{}' has no model card", m.model_path)];
      continue;
    }
    m.model = mo->second.first;
    m.moe = mo->second.second;
    // Weight x compute format from the GEMM quantization, KV in 8 bits where the weights are 8/4-bit
    // (ModelOpt FP8/NVFP4 checkpoints carry an FP8 KV cache); the data do not record the KV dtype.
    if (m.quant.empty()) {
      m.weight = m.activation = m.kv = DType::bf16;
    } else if (m.quant == "fp8" || m.quant == "fp8_block") {
      m.weight = m.activation = m.kv = DType::fp8;
    } else if (m.quant == "nvfp4") {
      m.weight = m.activation = DType::fp4;
      m.kv = DType::fp8;
    } else if (m.quant == "int4_wo") {
      m.weight = DType::int4;
      m.activation = m.kv = DType::bf16;
    } else {
      ++set.skipped[fmt::format("GEMM quantization '{}' is not modelled", m.quant)];
      continue;
    }
    m.input = num("isl", 0);
    m.output = num("osl", 0);
    m.concurrency = num("batch_size", 0);
    m.tp = int(num("tp_size", 1));
    m.pp = int(num("pp_size", 1));
    m.attention_dp = std::max(1, int(num("attention_dp_size", 1)));
    m.ep = std::max(1, int(num("moe_ep_size", 1)));
    m.ttft_s = num("silicon_ttft_ms", 0) / 1e3;
    m.tpot_s = num("silicon_tpot_ms", 0) / 1e3;
    std::smatch sm;
    const std::string& src = col("silicon_data_source");
    if (std::regex_search(src, sm, conc_re)) m.client_concurrency = std::stod(sm[1]);
    if (std::regex_search(src, sm, date_re)) m.measured = sm[1];
    if (std::regex_search(src, sm, image_re)) m.image = sm[1];
    if (std::regex_search(src, sm, day_re)) m.measured_on = sm[1];
    m.framework_defaults = src.rfind("source_file=/", 0) == 0 && src.find("image=") == std::string::npos &&
                           src.find("nvcr.io/") == std::string::npos;
    const bool inferencex_workload = (m.input == 1024 && (m.output == 1024 || m.output == 8192)) ||
                                     (m.input == 8192 && m.output == 1024);
    if (inferencex_workload && !m.framework_defaults) m.length_range_ratio = 0.8;
    if (m.input <= 0 || m.output <= 1 || m.concurrency < 1 || m.ttft_s <= 0 || m.tpot_s <= 0) {
      ++set.skipped["non-positive size, concurrency or time"];
      continue;
    }
    const auto [twin, twins_end] = disagg_runs.equal_range(stem_of(m.id, src));
    if (std::any_of(twin, twins_end, [&](const auto& d) {
          return std::fabs(m.ttft_s * 1e3 / d.second.first - 1.0) <= 0.10 &&
                 std::fabs(m.tpot_s * 1e3 / d.second.second - 1.0) <= 0.10;
        })) {
      ++set.skipped["labelled agg, but the same run as a disaggregated row of its source file (id, TTFT and TPOT "
                    "within 10%): not in the aggregated benchmark mode"];
      continue;
    }
    if (const std::string why = repair_layout(m, num("moe_tp_size", 1)); !why.empty()) ++set.relabelled[why];
    m.held_out = double(fnv1a(m.config_key()) % 1000) < SERVING_HELD_OUT_SHARE * 1000.0;
    const auto key = std::make_tuple(m.model, m.system, m.runtime, m.quant, m.input, m.output, m.concurrency, m.tp,
                                     m.pp, m.attention_dp, m.ep);
    auto& same_config = seen[key];
    const auto dup = std::find_if(same_config.begin(), same_config.end(), [&](std::size_t i) {
      return std::fabs(set.rows[i].ttft_s - m.ttft_s) <= SAME_TIME_S &&
             std::fabs(set.rows[i].tpot_s - m.tpot_s) <= SAME_TIME_S;
    });
    if (dup != same_config.end()) {
      // Keep the first; take the framework version from the duplicate if the first did not record one.
      auto& kept = set.rows[*dup];
      if (kept.runtime_version.empty()) kept.runtime_version = m.runtime_version;
      ++set.skipped["the same measurement as an earlier row (another export of the run)"];
      continue;
    }
    same_config.push_back(set.rows.size());
    set.rows.push_back(std::move(m));
  }
  apply_fit_exclusions(path, set);
  apply_row_recipes(path, set);
  return set;
}

}  // namespace infersim::perf
