#include "infersim/serving/serving_validation.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/estimate_json.h"
#include "infersim/perf/kernel_efficiency_fit.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::serving {

using common::ConfigError;
using common::DType;
using perf::ServingMeasurement;

std::string calibration_version(const ServingMeasurement& row) {
  const auto& rp = hwprofiles::RuntimeCatalog::shipped().get(row.runtime);
  const std::string measured = row.runtime_version.empty() ? "unrecorded" : row.runtime_version;
  for (const auto& v : rp.versions) {
    if (!v.kernel_model) continue;
    for (const auto& prefix : v.calibrated_on)
      if (measured.rfind(prefix, 0) == 0) return v.version;
  }
  return rp.versions.empty() ? "" : rp.versions.front().version;
}

BenchmarkSpec harness_spec(const ServingMeasurement& row) {
  BenchmarkSpec b;
  b.concurrency = int(std::lround(row.concurrency));
  b.input = row.input;
  b.output = row.output;
  b.length_range_ratio = row.length_range_ratio;
  return b;
}

int row_mtp_draft_tokens(const ServingMeasurement& row) {
  if (row.mtp_draft_tokens >= 0) return row.mtp_draft_tokens;  // the run's recipe, recorded (row_recipes.json)
  if (row.runtime != "tensorrt-llm") return 0;
  // InferenceX's MTP recipes: on 1.2.0rc6.post3 (the plain ones on post2); before that both ran on
  // 1.1.0rc2.post2, and the sweep of 2026-01-14 is the MTP one (the same image and configurations
  // measured 2025-12-15 decode 1.5-1.9x slower).
  const bool mtp_run = row.runtime_version == "1.2.0rc6.post3" ||
                       (row.runtime_version == "1.1.0rc2.post2" && row.measured_on == "2026-01-14");
  if (!mtp_run) return 0;
  if (!model::ModelCatalog::shipped().get(row.model).is_mla()) return 0;
  return row.attention_dp > 1 ? 1 : 3;
}

namespace {
// vLLM fuses the TP all-reduce with the next RMSNorm by default at -O2 on Hopper / Blackwell from 0.18
// (docs.vllm.ai design/fusions, v0.18.2; 0.14's -O2 leaves it off). Nightly builds in the data were
// measured in 2026 beside 0.19 and are taken as fused; an unrecorded version is not.
bool vllm_fuses_allreduce_by_default(const std::string& v) {
  if (v.rfind("nightly", 0) == 0) return true;
  int major = 0, minor = 0;
  if (std::sscanf(v.c_str(), "%d.%d", &major, &minor) != 2) return false;
  return major > 0 || minor >= 18;
}
}  // namespace

perf::Deployment row_deployment(const ServingMeasurement& row, bool own_tables, std::optional<double> routing_skew,
                                std::optional<double> mtp_acceptance) {
  const auto& m = model::ModelCatalog::shipped().get(row.model);
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(row.hardware);
  d.runtime = row.runtime;
  d.runtime_version = calibration_version(row);
  d.tp = row.tp;
  d.pp = row.pp;
  if (m.is_moe()) {
    d.attention_dp = row.attention_dp;
    d.ep = row.ep;
  } else if (row.attention_dp > 1 || row.ep > 1) {
    throw ConfigError("", "layout", "attention-DP / EP on a dense model");
  }
  d.precision.weight = row.weight;
  // Math in the weight format where the chip has it, else 16-bit with narrow weights (weight-only).
  d.precision.activation = d.hardware.supports(row.activation) ? row.activation : DType::bf16;
  d.precision.kv = row.kv;
  if (row.state_precision) d.precision.state = *row.state_precision;
  perf::apply_runtime(m, d);
  if (routing_skew) d.moe_routing_skew = *routing_skew;
  if (const int k = row_mtp_draft_tokens(row); k > 0) {
    // The version's fitted acceptance, else the one fitted over every runtime's MTP runs (a version whose
    // MTP rows have not been fitted yet).
    double a = mtp_acceptance ? *mtp_acceptance : d.hardware.calibrations.front().params.mtp_acceptance;
    if (!(a > 0)) a = hwprofiles::RuntimeCatalog::shipped().pooled_mtp_acceptance();
    if (a > 0) d.mtp = perf::MultiTokenPrediction{k, a};
  }
  if (!d.kernel_model)
    throw ConfigError("", "runtime", fmt::format("{} on {} is not on the kernel path", row.runtime, row.hardware));
  if (!own_tables && d.kernel_tables_hardware == d.hardware.name) {
    // Leave-one-system-out without the system's own tables: a same-family chip's, else the model.
    const auto& rp = hwprofiles::RuntimeCatalog::shipped().get(row.runtime);
    const auto* rv = rp.version(d.runtime_version);
    d.kernel_tables.clear();
    d.kernel_tables_hardware.clear();
    auto& cat = hwprofiles::HardwareCatalog::shipped();
    for (const auto& [hw, folder] : rv->kernel_tables) {
      if (hw == d.hardware.name || !cat.contains(hw)) continue;
      const auto& x = cat.get(hw);
      if (x.family == d.hardware.family && x.vendor == d.hardware.vendor) {
        d.kernel_tables = folder;
        d.kernel_tables_hardware = hw;
        break;
      }
    }
  }
  // Rows from a developer's own results file ran the framework's server defaults: the runtime
  // version's scheduler as it is (SGLang's prefill-first batches are visible in them: TTFT grows in
  // proportion to the users while TPOT stays near one decode step).
  if (row.framework_defaults) return d;
  // The pipeline's rows ran aiconfigurator's generated agg engine config (rule_plugin/{trtllm,vllm,sglang}.rule): token
  // budget max_batch_size + ISL + 1500 (rounded up to 32-token blocks), max batch 512 (or 2x the batch above it),
  // SGLang with mixed chunks; TensorRT-LLM keeps chunked context off.
  d.scheduler.max_num_tokens = int((row.concurrency + row.input + 1500 + 31) / 32) * 32;
  d.scheduler.max_batch = row.concurrency < 512 ? 512 : int(2 * row.concurrency);
  d.scheduler.policy = "mixed";
  d.scheduler.chunked_prefill = row.runtime != "tensorrt-llm";
  // The harness captures CUDA graphs for a dense set of batch sizes and pads to them (rule_plugin
  // trtllm.rule cuda_graph_batch_sizes / enable_padding; vLLM and SGLang pad by default).
  d.scheduler.cuda_graph_padding = true;
  if (row.runtime == "tensorrt-llm") {
    std::vector<int> sizes;
    for (int b = 1; b <= 16; ++b) sizes.push_back(b);
    for (int b = 20; b <= 32; b += 4) sizes.push_back(b);
    for (int b = 40; b <= 64; b += 8) sizes.push_back(b);
    for (int b = 80; b <= 128; b += 16) sizes.push_back(b);
    for (int b = 160; b <= 256; b += 32) sizes.push_back(b);
    for (int b = 320; b <= 512; b += 64) sizes.push_back(b);
    const int c = int(row.concurrency);
    for (int b = std::max(1, c - 8); b <= c + 8; ++b) sizes.push_back(b);
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    d.scheduler.cuda_graph_sizes = sizes;
    d.scheduler.cuda_graph_max_batch = sizes.back();
  }
  // B200 rows from TensorRT-LLM release containers ran SemiAnalysis InferenceX's single-node recipes (its
  // perf-changelog names these images). With attention DP those recipes balance the ranks
  // (attention_dp_config enable_balance; TensorRT-LLM's own default is off).
  const bool inferencex_trt = row.runtime == "tensorrt-llm" && row.hardware == "b200" &&
                              row.image.find("tensorrt-llm/release:") != std::string::npos;
  auto balance = [&](int timeout_iters, int batching_wait_iters) {
    if (row.attention_dp <= 1) return;
    d.scheduler.adp_balance = true;
    d.scheduler.adp_timeout_iters = timeout_iters;
    d.scheduler.adp_batching_wait_iters = batching_wait_iters;
  };
  // DeepSeek-R1 (benchmarks/dsr1_fp{4,8}_b200_trt{,_mtp}.sh, which NVIDIA's benchmark database reproduces:
  // TensorRT-LLM examples/configs/database/deepseek-ai/DeepSeek-R1-0528/B200): timeout_iters 60,
  // batching_wait_iters 0.
  if (inferencex_trt && row.model == "deepseek-v3") balance(60, 0);
  // SGLang's DeepSeek-R1 rows on B200 and B300 ran InferenceX's recipes too (benchmarks/dsr1_fp4_b200.sh,
  // dsr1_fp8_b200.sh, dsr1_fp8_b200_mtp.sh; benchmarks/single_node/dsr1_fp8_b300.sh "reuses the existing
  // DSR1 FP8 B200 SGLang recipe as-is"): --scheduler-recv-interval 10 below 16 users and 30 from 16
  // ("recv every ~10 requests; if CONC >= 16, relax to ~30"); FP8 at TP4 always 10.
  if (row.runtime == "sglang" && row.model == "deepseek-v3" && (row.hardware == "b200" || row.hardware == "b300")) {
    const double users = row.client_concurrency > 0 ? row.client_concurrency : row.concurrency * row.attention_dp;
    d.scheduler.recv_interval_iters = (row.weight == DType::fp8 && row.tp == 4) || users < 16 ? 10 : 30;
  }
  // SGLang's Qwen3.5-397B rows on B200 and B300 ran InferenceX's Qwen3.5 recipes (perf-changelog PRs #804,
  // #820, #898, #918: qwen3.5-{fp8,fp4,bf16}-b200-sglang and -mtp; benchmarks/single_node/qwen3.5_fp8_b200.sh,
  // qwen3.5_bf16_b200.sh, qwen3.5_fp8_b200_mtp.sh: --scheduler-recv-interval 10 below 16 users and 30 from 16;
  // qwen3.5_fp4_b200.sh: 30 at every load; the B300 lane keeps B200's server options).
  if (row.runtime == "sglang" && row.model == "qwen3.5-397b-a17b" &&
      (row.hardware == "b200" || row.hardware == "b300")) {
    const double users = row.client_concurrency > 0 ? row.client_concurrency : row.concurrency * row.attention_dp;
    d.scheduler.recv_interval_iters = row.weight == DType::fp4 || users >= 16 ? 30 : 10;
  }
  // gpt-oss-120b (benchmarks/gptoss_fp4_b200_trt{,_slurm}.sh): --max_num_tokens 20000, --max_batch_size 512,
  // and `enable_balance: true` alone, leaving timeout_iters and batching_wait_iters at TensorRT-LLM's
  // defaults, 50 and 10 (llm_args.py AttentionDpConfig).
  if (inferencex_trt && row.model == "gpt-oss-120b") {
    d.scheduler.max_num_tokens = 20000;
    d.scheduler.max_batch = 512;
    balance(50, 10);
  }
  // Llama-3.1-70B on B200 under TensorRT-LLM (measured 2025-10, before InferenceX retired its Llama runs):
  // InferenceX's recipes (benchmarks/70b_fp{8,4}_b200_trt_slurm.sh) turn on batch waiting for 1k/1k at
  // TP < 8 only: batch_wait_timeout_iters 20, batch_wait_max_tokens_ratio 0.9 ("by default they are all
  // zeros").
  // Their token budget is the recipe's too: --max_num_tokens 16384 (fp8), $MAX_MODEL_LEN = ISL + OSL (fp4;
  // InferenceX's 2025 sweep script).
  if (row.runtime == "tensorrt-llm" && row.model == "llama-3.1-70b" && row.hardware == "b200") {
    d.scheduler.max_num_tokens = row.weight == DType::fp4 ? int(row.input + row.output) : 16384;
    if (row.input == 1024 && row.output == 1024 && row.tp < 8) {
      d.scheduler.batch_wait_timeout_iters = 20;
      d.scheduler.batch_wait_max_tokens_ratio = 0.9;
    }
  }
  // Llama-3.1-70B on B200 under vLLM: InferenceX's recipes (benchmarks/70b_fp8_b200_docker.sh,
  // 70b_fp4_b200_docker.sh, 70b_b200_slurm.sh) turn on FlashInfer's all-reduce + RMSNorm fusion
  // (`enable_fi_allreduce_fusion`) with VLLM_FLASHINFER_ALLREDUCE_FUSION_THRESHOLDS_MB {"2":32,"4":32,"8":8}:
  // TP all-reduces up to those sizes run TensorRT-LLM's all-reduce kernel (FlashInfer's port), not vLLM's
  // custom all-reduce. Priced from TensorRT-LLM's table on the same chip where the row's tables are its own.
  // The docker recipes (70b_fp8_b200_docker.sh, 70b_fp4_b200_docker.sh) also set `"cudagraph_mode":
  // "FULL_DECODE_ONLY", "splitting_ops": []`: graphs for decode-only batches, none for steps that carry a
  // prompt, which run eagerly as TensorRT-LLM's do (SchedulerDefaults::eager_prompt_steps).
  if (row.runtime == "vllm" && row.model == "llama-3.1-70b" && row.hardware == "b200") {
    d.fused_allreduce_mib = {{2, 32.0}, {4, 32.0}, {8, 8.0}};
    d.scheduler.eager_prompt_steps = true;
  } else if (row.runtime == "vllm" && !vllm_fuses_allreduce_by_default(row.runtime_version)) {
    // The version's default fusion (RuntimeVersion::fused_allreduce_mib) is documented from vLLM 0.18; a row
    // measured on an older or unrecorded version ran its own default, vLLM's custom all-reduce.
    d.fused_allreduce_mib.clear();
  }
  return d;
}

ServingObservations build_serving_observations(const std::vector<ServingMeasurement>& rows,
                                               const ObservationOptions& opt) {
  // Load every shared catalog before the threads start.
  auto& models = model::ModelCatalog::shipped();
  hwprofiles::HardwareCatalog::shipped().names();
  hwprofiles::RuntimeCatalog::shipped().names();
  perf::EfficiencyModel::shipped();
  ServingObservations out;
  std::vector<std::optional<ServingObservation>> slots(rows.size());
  std::vector<std::string> reasons(rows.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= rows.size()) return;
      const auto& row = rows[i];
      try {
        if (!models.contains(row.model)) throw ConfigError("", "model", fmt::format("no model card '{}'", row.model));
        const auto& m = models.get(row.model);
        perf::Deployment d = row_deployment(row, opt.own_tables, opt.routing_skew, opt.mtp_acceptance);
        d.efficiency = opt.efficiency;
        const auto spec = harness_spec(row);
        const BenchmarkResult r = simulate_benchmark(m, d, spec);
        ServingObservation o;
        o.row = &row;
        o.ttft.metric = perf::Metric::ttft;
        o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
        o.ttft.measured = row.ttft_s;
        o.tpot.metric = perf::Metric::tpot;
        o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
        // The eager prompt steps' extra is kept per grid host time, out of the terms (eager_at adds it), so
        // the fit does not depend on the host time the rows were simulated with.
        o.ttft.terms.front().cost.floor_extra_s = 0;
        o.tpot.terms.front().cost.floor_extra_s = 0;
        o.ttft_eager = r.ttft_eager_grid_s;
        o.tpot_eager = r.tpot_eager_grid_s;
        o.tpot.measured = row.tpot_s;
        o.basis = d.kernel_tables.empty()                       ? "efficiency model"
                  : d.kernel_tables_hardware == d.hardware.name ? "kernel tables"
                                                                : "transferred tables";
        o.scheduler = r.scheduler;
        o.attention = m.attention_kind();
        o.deployment = d;
        o.prefill_one = r.prefill_one_cost;
        o.prefill_one.floor_extra_s = 0;
        o.queue_others = r.queue_others;
        o.queues = !r.lockstep;
        slots[i] = std::move(o);
      } catch (const ConfigError& e) {
        reasons[i] = e.reason();
      }
      const std::size_t n = ++done;
      if (opt.progress) {
        std::lock_guard<std::mutex> lock(mu);
        opt.progress(n, rows.size());
      }
    }
  };
  const int jobs = std::max(1, opt.jobs > 0 ? opt.jobs : int(std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 1; t < jobs; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (slots[i])
      out.obs.push_back(std::move(*slots[i]));
    else
      ++out.skipped[reasons[i]];
  }
  return out;
}

namespace {

// Non-negative least squares for a few columns by enumerating active sets (as the roofline fitter).
Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const int n = int(A.cols());
  Eigen::VectorXd best = Eigen::VectorXd::Zero(n);
  double best_sse = b.squaredNorm();
  for (int mask = 1; mask < (1 << n); ++mask) {
    std::vector<int> cols;
    for (int j = 0; j < n; ++j)
      if (mask & (1 << j)) cols.push_back(j);
    Eigen::MatrixXd S(A.rows(), int(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) S.col(int(j)) = A.col(cols[j]);
    const Eigen::VectorXd x = S.colPivHouseholderQr().solve(b);
    if ((x.array() < 0).any() || !x.allFinite()) continue;
    const double e = (S * x - b).squaredNorm();
    if (e < best_sse) {
      best_sse = e;
      best.setZero();
      for (std::size_t j = 0; j < cols.size(); ++j) best(cols[j]) = x(int(j));
    }
  }
  return best;
}

// step overhead, per-sequence overhead, frontend per request / prompt token / stream, queueing, prefill share
constexpr int NCOL = 7;

hwprofiles::CalibrationParams zero_overheads(double fq, double eager_layer_s) {
  hwprofiles::CalibrationParams p;
  p.step_overhead_s = p.seq_overhead_s = p.layer_overhead_s = p.collective_overhead_s = 0;
  p.ttft_request_s = p.ttft_token_s = p.ttft_stream_s = p.ttft_queue_factor = p.ttft_prefill_fraction = 0;
  p.fused_quant_fraction = fq;
  p.eager_layer_s = eager_layer_s;
  return p;
}

struct Fitted {
  hwprofiles::CalibrationParams p;
  double sse = std::numeric_limits<double>::infinity();
};

// `at(i, p)`: the parameters observation i is evaluated under when the overheads are `p` (its MoE scales
// added for an MoE row).
using ParamsAt = std::function<hwprofiles::CalibrationParams(std::size_t, const hwprofiles::CalibrationParams&)>;

Fitted fit_once(const std::vector<const perf::Observation*>& use, const ParamsAt& at, double eager_layer_s) {
  Fitted best;
  const int n = int(use.size());
  Eigen::MatrixXd A(n, NCOL);
  for (int i = 0; i < n; ++i) {
    const auto& c = use[std::size_t(i)]->terms.front().cost;
    const double meas = use[std::size_t(i)]->measured;
    const double col[NCOL] = {
        c.steps,   c.sequences,         c.frontend_requests, c.frontend_tokens, c.frontend_streams,
        c.queue_s, c.frontend_prefill_s};
    for (int j = 0; j < NCOL; ++j) A(i, j) = col[j] / meas;
  }
  // The fused share of the tables' activation quantization on a grid; the overheads by NNLS.
  for (int q = 0; q <= 20; ++q) {
    const auto base = zero_overheads(q / 20.0, eager_layer_s);
    Eigen::VectorXd b(n);
    for (int i = 0; i < n; ++i)
      b(i) = 1.0 - use[std::size_t(i)]->predict(at(std::size_t(i), base)) / use[std::size_t(i)]->measured;
    const Eigen::VectorXd x = nnls(A, b);
    const double sse = (A * x - b).squaredNorm();
    if (sse < best.sse) {
      best.sse = sse;
      best.p = base;
      best.p.step_overhead_s = x(0);
      best.p.seq_overhead_s = x(1);
      best.p.ttft_request_s = x(2);
      best.p.ttft_token_s = x(3);
      best.p.ttft_stream_s = x(4);
      best.p.ttft_queue_factor = x(5);
      best.p.ttft_prefill_fraction = x(6);
    }
  }
  return best;
}

}  // namespace

double eager_at(const std::vector<double>& grid, double h) {
  if (grid.empty() || h <= 0) return 0.0;
  const auto& g = EAGER_LAYER_GRID_S;
  const std::size_t n = std::min(grid.size(), g.size());
  for (std::size_t j = 0; j + 1 < n; ++j)
    if (h <= g[j + 1]) return grid[j] + (grid[j + 1] - grid[j]) * (h - g[j]) / (g[j + 1] - g[j]);
  return grid[n - 1];
}

// The request's own prompt alone under p, its eager launches included.
static perf::StepCost prefill_one_at(const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  perf::StepCost one = o.prefill_one;
  one.floor_extra_s = perf::eager_floor_extra_s(one, p.eager_layer_s);
  return one;
}

static double queue_at(const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  if (!o.queues) return 0.0;  // users in lockstep: the simulation queued them
  return benchmark_queue_s(prefill_one_at(o, p), o.queue_others, p);
}

// The TTFT terms that move with the calibration: the queueing wait, the request's own prompt alone and
// the eager prompt steps' extra.
static void ttft_terms_at(perf::Observation& t, const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  t.terms.front().cost.queue_s = queue_at(o, p);
  t.terms.front().cost.frontend_prefill_s = prefill_one_at(o, p).time(p);
  t.terms.front().cost.floor_extra_s = eager_at(o.ttft_eager, p.eager_layer_s);
}

// The TPOT observation under p: its eager prompt steps' extra at p's host time.
static perf::Observation tpot_at(const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  perf::Observation t = o.tpot;
  t.terms.front().cost.floor_extra_s = eager_at(o.tpot_eager, p.eager_layer_s);
  return t;
}

std::pair<double, double> des_prediction(const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  perf::Observation t = o.ttft;
  ttft_terms_at(t, o, p);
  return {t.predict(p), tpot_at(o, p).predict(p)};
}

namespace {
bool same_params(const hwprofiles::CalibrationParams& a, const hwprofiles::CalibrationParams& b) {
  auto close = [](double x, double y) {
    return std::fabs(x - y) <= 1e-12 * std::max({std::fabs(x), std::fabs(y), 1e-9});
  };
  return a.fused_quant_fraction == b.fused_quant_fraction && close(a.step_overhead_s, b.step_overhead_s) &&
         close(a.seq_overhead_s, b.seq_overhead_s) && close(a.ttft_request_s, b.ttft_request_s) &&
         close(a.ttft_token_s, b.ttft_token_s) && close(a.ttft_stream_s, b.ttft_stream_s) &&
         close(a.ttft_queue_factor, b.ttft_queue_factor) && close(a.ttft_prefill_fraction, b.ttft_prefill_fraction);
}
}  // namespace

KernelFit fit_kernel_overheads(const std::vector<const ServingObservation*>& obs,
                               const std::vector<hwprofiles::MoeExpertScale>& moe_scales, double eager_layer_s) {
  KernelFit r;
  r.rows = int(obs.size());
  r.params.eager_layer_s = eager_layer_s;
  if (obs.size() < 2) return r;  // too little to fit: no overheads
  // Working copies of the TTFT observations, whose queueing column moves with the parameters, and of the
  // TPOT ones with the eager prompt steps' extra at this host time.
  std::vector<perf::Observation> ttft, tpot;
  ttft.reserve(obs.size());
  tpot.reserve(obs.size());
  for (const auto* o : obs) {
    ttft.push_back(o->ttft);
    tpot.push_back(tpot_at(*o, zero_overheads(0.0, eager_layer_s)));
  }
  auto row_params = [&](const ServingObservation& o, const hwprofiles::CalibrationParams& q) {
    return params_for(o, q, moe_scales);
  };
  hwprofiles::CalibrationParams p = zero_overheads(0.0, eager_layer_s);
  for (r.iterations = 1; r.iterations <= 100; ++r.iterations) {
    std::vector<const perf::Observation*> use;
    std::vector<const ServingObservation*> row_of;  // the row each entry of `use` belongs to
    for (std::size_t i = 0; i < obs.size(); ++i) {
      if (obs[i]->row->ttft_fit_excluded.empty()) {  // (a row whose TTFT alone is kept out fits its TPOT)
        ttft_terms_at(ttft[i], *obs[i], row_params(*obs[i], p));
        use.push_back(&ttft[i]);
        row_of.push_back(obs[i]);
      }
      use.push_back(&tpot[i]);
      row_of.push_back(obs[i]);
    }
    Fitted f = fit_once(
        use, [&](std::size_t i, const hwprofiles::CalibrationParams& q) { return row_params(*row_of[i], q); },
        eager_layer_s);
    // Robust: drop the worst 5% of residuals (benchmarks with broken runs) and fit again.
    std::vector<std::tuple<double, const perf::Observation*, const ServingObservation*>> res;
    for (std::size_t i = 0; i < use.size(); ++i)
      res.emplace_back(std::fabs(use[i]->predict(row_params(*row_of[i], f.p)) / use[i]->measured - 1.0), use[i],
                       row_of[i]);
    std::stable_sort(res.begin(), res.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    const std::size_t keep = std::max<std::size_t>(4, res.size() - res.size() / 20);
    std::vector<const perf::Observation*> trimmed;
    std::vector<const ServingObservation*> trimmed_rows;
    for (std::size_t i = 0; i < keep && i < res.size(); ++i) {
      trimmed.push_back(std::get<1>(res[i]));
      trimmed_rows.push_back(std::get<2>(res[i]));
    }
    r.trimmed = int(res.size() - trimmed.size());
    const hwprofiles::CalibrationParams next = fit_once(
                                                   trimmed,
                                                   [&](std::size_t i, const hwprofiles::CalibrationParams& q) {
                                                     return row_params(*trimmed_rows[i], q);
                                                   },
                                                   eager_layer_s)
                                                   .p;
    const bool done = same_params(next, p);
    p = next;
    if (done) break;
  }
  r.params = p;
  return r;
}

namespace {

// The s minimising sum_i |A_i + s B_i - y_i| / y_i: a weighted median of the per-row zeros
// (y_i - A_i) / B_i with weights B_i / y_i (all positive), clamped to the allowed range.
double lad_scale(std::vector<std::pair<double, double>> zeros_weights, double lo, double hi) {
  double total = 0;
  for (const auto& [z, w] : zeros_weights) total += w;
  std::stable_sort(zeros_weights.begin(), zeros_weights.end());
  double acc = 0, z_med = zeros_weights.back().first;
  for (const auto& [z, w] : zeros_weights) {
    acc += w;
    if (acc >= 0.5 * total) {
      z_med = z;
      break;
    }
  }
  return std::clamp(z_med, lo, hi);  // the objective is convex: the bounded optimum is the clamped one
}

// GPU, weight, activation, attention kind ("" everywhere = pooled)
using ScaleKey = std::tuple<std::string, std::string, std::string, std::string>;
struct ScaleFit {
  std::string family;
  double scale = 1.0;
  double layer_s = 0.0;  // decode fit only: fixed time per MoE layer and step
  int rows = 0;
};

// One row of a scale fit: the metric is A + s B + c C with measured value y.
struct ScaleRow {
  double a, b, c, y;
};

// The least-absolute-relative-error scale at a fixed per-layer time c (a weighted median), and its
// objective.
std::pair<double, double> lad_scale_at(const std::vector<ScaleRow>& rows, double c, double lo, double hi) {
  std::vector<std::pair<double, double>> zw;
  zw.reserve(rows.size());
  for (const auto& r : rows) zw.emplace_back((r.y - r.a - c * r.c) / r.b, r.b / r.y);
  const double s = lad_scale(zw, lo, hi);
  double obj = 0;
  for (const auto& r : rows) obj += std::fabs(r.a + s * r.b + c * r.c - r.y) / r.y;
  return {s, obj};
}

// Jointly (s, c >= 0): the objective is convex in (s, c), so its minimum over s is convex in c and a
// golden-section search on c finds the optimum (to 1e-6 us).
ScaleFit lad_scale_and_layer(const std::vector<ScaleRow>& rows, double lo, double hi) {
  double x0 = 0.0, x1 = MOE_LAYER_OVERHEAD_MAX_S;
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double c1 = x1 - g * (x1 - x0), c2 = x0 + g * (x1 - x0);
  double f1 = lad_scale_at(rows, c1, lo, hi).second, f2 = lad_scale_at(rows, c2, lo, hi).second;
  while (x1 - x0 > 1e-12) {
    if (f1 <= f2) {
      x1 = c2, c2 = c1, f2 = f1;
      c1 = x1 - g * (x1 - x0);
      f1 = lad_scale_at(rows, c1, lo, hi).second;
    } else {
      x0 = c1, c1 = c2, f1 = f2;
      c2 = x0 + g * (x1 - x0);
      f2 = lad_scale_at(rows, c2, lo, hi).second;
    }
  }
  // The bounds themselves (c = 0: no fixed time) compete with the interior point found.
  ScaleFit best;
  double best_obj = std::numeric_limits<double>::infinity();
  for (double c : {0.0, 0.5 * (x0 + x1), MOE_LAYER_OVERHEAD_MAX_S}) {
    const auto [sc, obj] = lad_scale_at(rows, c, lo, hi);
    if (obj < best_obj - 1e-12) best_obj = obj, best.scale = sc, best.layer_s = c;
  }
  return best;
}

// One scale per GPU x format (and pooled) on one metric of the MoE rows: the metric is linear in the
// scale (and, for decode, in the per-layer time), A + s B + c C, with every other parameter at
// `base(o)` (the row's own fitted values so far).
std::map<ScaleKey, ScaleFit> fit_scale(
    const std::vector<const ServingObservation*>& obs, bool prefill,
    const std::function<hwprofiles::CalibrationParams(const ServingObservation&)>& base) {
  std::map<ScaleKey, std::pair<std::string, std::vector<ScaleRow>>> groups;
  for (const auto* o : obs) {
    if (!o->row->moe) continue;
    // TTFT under attention DP carries a scheduling wait the model has only where the row's recipe is known
    // to balance the ranks (row_deployment; docs/calibration.md): elsewhere it does not price the prefill kernels.
    if (prefill && o->row->attention_dp > 1 && !o->deployment.scheduler.adp_balance) continue;
    if (prefill && !o->row->ttft_fit_excluded.empty()) continue;  // its TTFT kept out (fit_exclusions.json)
    const hwprofiles::CalibrationParams q = base(*o);
    perf::Observation ob = prefill ? o->ttft : tpot_at(*o, q);
    if (ob.measured <= 0) continue;
    // TTFT's queueing term grows with the prompt's step time: held at the base parameters (the caller
    // iterates to a fixed point), never at those the observation was simulated with.
    if (prefill) ttft_terms_at(ob, *o, q);
    hwprofiles::CalibrationParams p0 = q, p1 = q;
    (prefill ? p0.moe_prefill_scale : p0.moe_expert_scale) = 0.0;
    (prefill ? p1.moe_prefill_scale : p1.moe_expert_scale) = 1.0;
    if (!prefill) p0.moe_layer_overhead_s = p1.moe_layer_overhead_s = 0.0;
    const double a = ob.predict(p0), b = ob.predict(p1) - a, y = ob.measured;
    double c = 0;
    if (!prefill) {
      hwprofiles::CalibrationParams pc = p0;
      pc.moe_layer_overhead_s = 1e-6;
      c = (ob.predict(pc) - a) * 1e6;
    }
    if (b <= 0) continue;
    const auto& d = o->deployment;
    const std::string w = common::dtype_name(d.precision.weight), act = common::dtype_name(d.precision.activation);
    auto& g = groups[{d.hardware.name, w, act, o->attention}];
    g.first = d.hardware.family;
    g.second.push_back({a, b, c, y});
    groups[{"", "", "", ""}].second.push_back({a, b, c, y});
  }
  std::map<ScaleKey, ScaleFit> out;
  for (const auto& [k, g] : groups) {
    if (int(g.second.size()) < MOE_SCALE_MIN_ROWS) continue;
    ScaleFit f;
    if (prefill) {
      f.scale = lad_scale_at(g.second, 0.0, MOE_PREFILL_SCALE_MIN, MOE_PREFILL_SCALE_MAX).first;
    } else {
      f = lad_scale_and_layer(g.second, MOE_SCALE_MIN, MOE_SCALE_MAX);
    }
    f.family = g.first;
    f.rows = int(g.second.size());
    out[k] = f;
  }
  return out;
}

std::vector<hwprofiles::MoeExpertScale> to_entries(const std::map<ScaleKey, ScaleFit>& decode,
                                                   const std::map<ScaleKey, ScaleFit>& prefill) {
  std::vector<hwprofiles::MoeExpertScale> out;
  const auto pooled = prefill.find({"", "", "", ""});
  for (const auto& [k, f] : decode) {
    const auto& [hw, w, act, att] = k;
    hwprofiles::MoeExpertScale x{hw, f.family, w, act, f.scale, f.rows};
    x.layer_overhead_s = f.layer_s;
    x.attention = att;
    // A format whose prompts were too few to fit on takes the pooled prefill fit.
    if (auto it = prefill.find(k); it != prefill.end()) {
      x.prefill_scale = it->second.scale;
      x.rows_fit_prefill = it->second.rows;
    } else if (pooled != prefill.end()) {
      x.prefill_scale = pooled->second.scale;
    }
    out.push_back(x);
  }
  // The pooled fit last (the order the shipped file has).
  std::stable_partition(out.begin(), out.end(), [](const auto& x) { return !x.hardware.empty(); });
  return out;
}

}  // namespace

std::vector<hwprofiles::MoeExpertScale> fit_moe_expert_scales(const std::vector<const ServingObservation*>& obs,
                                                              const hwprofiles::CalibrationParams& p) {
  // Alternately: the decode scale on TPOT with the prefill scale fixed, and the prefill scale on TTFT
  // with the decode scale fixed (mixed steps carry both; TTFT's queueing moves with the prefill scale),
  // from both at the tables (1) to a joint fixed point. Deterministic: nothing depends on the scales the
  // observations were simulated with.
  std::map<ScaleKey, ScaleFit> decode, prefill;
  auto same = [](const std::map<ScaleKey, ScaleFit>& x, const std::map<ScaleKey, ScaleFit>& y) {
    if (x.size() != y.size()) return false;
    for (const auto& [k, f] : x)
      if (!y.count(k) || std::fabs(y.at(k).scale - f.scale) > 1e-9 * std::max(1.0, f.scale) ||
          std::fabs(y.at(k).layer_s - f.layer_s) > 1e-12)
        return false;
    return true;
  };
  // Half steps after the first round: a format whose rows want different things from TTFT and TPOT can
  // otherwise swing between two points for ever.
  auto damp = [](std::map<ScaleKey, ScaleFit> next, const std::map<ScaleKey, ScaleFit>& prev) {
    for (auto& [k, f] : next)
      if (auto it = prev.find(k); it != prev.end()) {
        f.scale = 0.5 * (f.scale + it->second.scale);
        f.layer_s = 0.5 * (f.layer_s + it->second.layer_s);
      }
    return next;
  };
  for (int it = 0; it < 200; ++it) {
    const auto at = to_entries(decode, prefill);
    auto d = damp(fit_scale(obs, false, [&](const ServingObservation& o) { return params_for(o, p, at); }), decode);
    const auto at_d = to_entries(d, prefill);
    auto f = damp(fit_scale(obs, true, [&](const ServingObservation& o) { return params_for(o, p, at_d); }), prefill);
    const bool done = same(d, decode) && same(f, prefill);
    decode = std::move(d);
    prefill = std::move(f);
    if (done) break;
  }
  return to_entries(decode, prefill);
}

VersionFit fit_version(const std::vector<const ServingObservation*>& dense,
                       const std::vector<const ServingObservation*>& moe) {
  std::vector<const ServingObservation*> all = dense;
  all.insert(all.end(), moe.begin(), moe.end());
  // Host times per layer of an eager prompt step, on the grid the simulations recorded (eager_at); a
  // version none of whose rows ran a prompt step on the kernel path fits at 0 alone.
  bool eager = false;
  for (const auto* o : all) eager = eager || (!o->ttft_eager.empty() && o->ttft_eager.back() > 0);
  // Chosen by Akaike's criterion: a host time above 0 is one more parameter, kept only when it lowers
  // n ln(mean |log error|) by more than 1 (the Laplace likelihood of the n errors; docs/calibration.md,
  // "Eager prompt steps"), so a version with few rows or a flat objective keeps no floor.
  VersionFit best;
  double best_score = std::numeric_limits<double>::infinity();
  for (double h : EAGER_LAYER_GRID_S) {
    if (h > 0 && !eager) break;
    VersionFit v = fit_version_at(dense, moe, h);
    // Mean |log error| over the version's TTFT (rows whose TTFT is kept out excepted) and TPOT.
    double sum = 0;
    int n = 0;
    for (const auto* o : all) {
      const auto [t, d] = des_prediction(*o, params_for(*o, v.overheads.params, v.scales));
      if (o->row->ttft_fit_excluded.empty() && o->ttft.measured > 0 && t > 0) {
        sum += std::fabs(std::log(t / o->ttft.measured));
        ++n;
      }
      if (o->tpot.measured > 0 && d > 0) {
        sum += std::fabs(std::log(d / o->tpot.measured));
        ++n;
      }
    }
    const double score = n > 0 && sum > 0 ? n * std::log(sum / n) + (h > 0 ? 1.0 : 0.0) : 0.0;
    if (score < best_score - 1e-12) {
      best_score = score;
      best = std::move(v);
    }
  }
  best.eager_evidence = eager;
  return best;
}

std::pair<double, int> apply_eager_prior(std::map<std::string, VersionFit>& fits) {
  std::vector<double> chosen;
  for (const auto& [k, f] : fits)
    if (f.eager_evidence) chosen.push_back(f.overheads.params.eager_layer_s);
  if (chosen.empty()) return {0.0, 0};
  std::sort(chosen.begin(), chosen.end());
  const std::size_t n = chosen.size();
  const double median = n % 2 ? chosen[n / 2] : 0.5 * (chosen[n / 2 - 1] + chosen[n / 2]);
  for (auto& [k, f] : fits)
    if (!f.eager_evidence) f.overheads.params.eager_layer_s = median;
  return {median, int(n)};
}

VersionFit fit_version_at(const std::vector<const ServingObservation*>& dense,
                          const std::vector<const ServingObservation*>& moe, double eager_layer_s) {
  VersionFit v;
  // The step and per-sequence overheads (and the fused-quantization share) on the dense rows; a version
  // measured on MoE models only fits them on its MoE rows at the dense-table experts.
  v.overheads = fit_kernel_overheads(dense.empty() ? moe : dense, {}, eager_layer_s);
  if (moe.empty()) return v;
  const hwprofiles::CalibrationParams step = v.overheads.params;
  v.scales = fit_moe_expert_scales(moe, step);
  // Second pass: every overhead (step, per-sequence and TTFT terms, the fused-quantization share) on all
  // the version's rows, each MoE row at its GPU and format's scales, then the scales again at those terms.
  // The step terms were held at the dense rows' fit until session 25; fitted on dense rows alone they
  // carry whatever the dense tables miss onto the MoE rows (docs/calibration.md, "Step terms on all
  // rows"). One pass, not a fixed point: the bunching terms multiply the prompt's own prefill, which the
  // prompt-step scale sets, so the two trade off along a ridge that alternating crawls ("MoE layer time").
  std::vector<const ServingObservation*> all = dense;
  all.insert(all.end(), moe.begin(), moe.end());
  v.overheads = fit_kernel_overheads(all, v.scales, eager_layer_s);
  v.scales = fit_moe_expert_scales(moe, v.overheads.params);
  return v;
}

hwprofiles::CalibrationParams params_for(const ServingObservation& o, hwprofiles::CalibrationParams p,
                                         const std::vector<hwprofiles::MoeExpertScale>& scales) {
  if (!o.row->moe) return p;
  const auto& d = o.deployment;
  const auto sc = hwprofiles::pick_moe_scales(scales, d.hardware.name, d.hardware.family,
                                              common::dtype_name(d.precision.weight),
                                              common::dtype_name(d.precision.activation), o.attention);
  p.moe_expert_scale = sc.scale;
  p.moe_prefill_scale = sc.prefill_scale;
  p.moe_layer_overhead_s = sc.layer_overhead_s;
  return p;
}

std::pair<double, double> analytic_prediction(const ServingObservation& o, const hwprofiles::CalibrationParams& p) {
  const auto& m = model::ModelCatalog::shipped().get(o.row->model);
  perf::Deployment d = o.deployment;
  hwprofiles::Calibration c;
  c.runtime = d.runtime;
  c.version = d.runtime_version;
  c.params = p;
  c.source = "[FIT] validation";
  d.hardware.calibrations = {c};
  const perf::StepEstimator est(m, d);
  // Lengths drawn per request (InferenceX's client): the estimate at the mean lengths.
  const auto spec = harness_spec(*o.row);
  const auto e = perf::estimate_serving(est, {o.row->concurrency, spec.mean_input(), spec.mean_output()});
  return {e.ttft_s, e.tpot_s};
}

namespace {

std::string model_class(const ServingMeasurement& r) { return r.moe ? "moe" : "dense"; }
std::string rtv(const ServingMeasurement& r) { return r.runtime + "@" + calibration_version(r); }

struct Acc {
  std::vector<double> ttft, tpot;
  // Less the metrics a rule of fit_exclusions.json names (measurements that contradict themselves): both of
  // a row it keeps out, the TTFT of one whose TTFT alone it keeps out.
  void add_unruled(const ServingMeasurement& r, double ttft_err, double tpot_err) {
    if (r.fit_excluded.empty() && r.ttft_fit_excluded.empty()) ttft.push_back(ttft_err);
    if (r.fit_excluded.empty()) tpot.push_back(tpot_err);
  }
};

std::vector<ErrorGroup> to_groups(const std::map<std::string, Acc>& m) {
  std::vector<ErrorGroup> out;
  for (const auto& [k, a] : m) out.push_back({k, perf::error_stats(a.ttft), perf::error_stats(a.tpot)});
  return out;
}

}  // namespace

ServingValidation validate_serving(const std::vector<ServingMeasurement>& rows, const ObservationOptions& opt,
                                   bool with_loso) {
  ServingValidation v;
  auto own = build_serving_observations(rows, opt);
  v.skipped = own.skipped;
  v.rows = int(own.obs.size());
  std::map<std::string, std::vector<const ServingObservation*>> fit_by_runtime, moe_by_runtime;
  // Overheads are fitted on dense models: the MoE step model (grouped experts without measured MoE
  // kernels, expert / attention data parallelism) is not good enough to calibrate the shared terms
  // against. With those fixed, the MoE fit rows fit the expert kernels' scale per GPU and format.
  for (const auto& o : own.obs) {
    if (o.row->held_out)
      ++v.rows_held_out;
    else if (!o.row->fit_excluded.empty())
      ++v.rows_excluded;  // kept out of every fit (fit_exclusions.json), still predicted below
    else {
      ++v.rows_fit;
      (o.row->moe ? moe_by_runtime : fit_by_runtime)[rtv(*o.row)].push_back(&o);
    }
  }
  std::map<std::string, hwprofiles::CalibrationParams> params;
  std::map<std::string, std::vector<hwprofiles::MoeExpertScale>> moe_scales;
  // Each version on its own fit rows, dense and MoE together (a version measured on MoE models only,
  // SGLang 0.5.9-0.5.14, on its MoE rows alone: another version's overheads would carry another
  // software's CPU costs).
  std::set<std::string> versions_fitted;
  for (const auto& [rt, list] : fit_by_runtime) versions_fitted.insert(rt);
  for (const auto& [rt, list] : moe_by_runtime) versions_fitted.insert(rt);
  std::map<std::string, VersionFit> version_fits;
  for (const auto& rt : versions_fitted) version_fits[rt] = fit_version(fit_by_runtime[rt], moe_by_runtime[rt]);
  const auto [eager_prior_s, eager_prior_n] = apply_eager_prior(version_fits);
  for (const auto& [rt, f] : version_fits) {
    params[rt] = f.overheads.params;
    moe_scales[rt] = f.scales;
  }
  // The routing skew the rows were simulated with (one value for all: ObservationOptions::routing_skew
  // or the shipped calibration's) goes with the fitted overheads into kernel_calibrations.json.
  for (auto& [rt, p] : params)
    for (const auto& o : own.obs)
      if (rtv(*o.row) == rt) {
        p.moe_routing_skew = o.deployment.moe_routing_skew;
        break;
      }
  // So does the MTP acceptance the version's MTP rows were simulated with.
  for (auto& [rt, p] : params)
    for (const auto& o : own.obs)
      if (rtv(*o.row) == rt && o.deployment.mtp) {
        p.mtp_acceptance = o.deployment.mtp->acceptance;
        break;
      }
  std::map<std::string, Acc> random, by_rt, by_rt_unruled, fit_rows, analytic;
  common::Json points = common::Json::array();
  std::map<const ServingMeasurement*, common::Json> point_of;
  for (const auto& o : own.obs) {
    const auto p = params_for(o, params[rtv(*o.row)], moe_scales[rtv(*o.row)]);
    const auto [pt, pp] = des_prediction(o, p);
    const double et = pt / o.ttft.measured - 1.0, ep = pp / o.tpot.measured - 1.0;
    auto& target = o.row->held_out ? random : fit_rows;
    const std::string g = o.row->held_out
                              ? fmt::format("{} / {} / {}", o.row->hardware, rtv(*o.row), model_class(*o.row))
                          : !o.row->fitted()
                              ? fmt::format("{} / {} (kept out of the fit)", rtv(*o.row), model_class(*o.row))
                          : !o.row->ttft_fitted()
                              ? fmt::format("{} / {} (TTFT kept out of the fit)", rtv(*o.row), model_class(*o.row))
                              : fmt::format("{} / {}", rtv(*o.row), model_class(*o.row));
    target[g].ttft.push_back(et);
    target[g].tpot.push_back(ep);
    double att = 0, atp = 0;
    if (o.row->held_out) {
      std::tie(att, atp) = analytic_prediction(o, p);
      for (const auto& key : {fmt::format("{} / {}", o.row->runtime, model_class(*o.row)),
                              fmt::format("{} / {}", rtv(*o.row), model_class(*o.row))}) {
        auto& a = by_rt[key];
        a.ttft.push_back(et);
        a.tpot.push_back(ep);
        auto& b = analytic[key];
        b.ttft.push_back(att / o.ttft.measured - 1.0);
        b.tpot.push_back(atp / o.tpot.measured - 1.0);
        by_rt_unruled[key].add_unruled(*o.row, et, ep);
      }
    }
    point_of[o.row] = {{"id", o.row->id},
                       {"hardware", o.row->hardware},
                       {"runtime", o.row->runtime},
                       {"measured_version", o.row->runtime_version},
                       {"model", o.row->model},
                       {"moe", o.row->moe},
                       {"mtp_draft_tokens", o.deployment.mtp ? o.deployment.mtp->draft_tokens : 0},
                       {"tp", o.row->tp},
                       {"attention_dp", o.row->attention_dp},
                       {"ep", o.row->ep},
                       {"concurrency", o.row->concurrency},
                       {"input", o.row->input},
                       {"output", o.row->output},
                       {"precision", o.row->quant},
                       {"held_out", o.row->held_out},
                       {"fit_excluded", !o.row->fit_excluded.empty()},
                       {"ttft_fit_excluded", !o.row->ttft_fit_excluded.empty()},
                       {"basis", o.basis},
                       {"ttft_measured_s", o.ttft.measured},
                       {"tpot_measured_s", o.tpot.measured},
                       {"ttft_predicted_s", pt},
                       {"tpot_predicted_s", pp}};
    if (o.row->held_out) point_of[o.row]["analytic"] = {{"ttft_predicted_s", att}, {"tpot_predicted_s", atp}};
  }
  v.random_split = to_groups(random);
  v.random_by_runtime = to_groups(by_rt);
  v.analytic_by_runtime = to_groups(analytic);
  v.random_by_runtime_unruled = to_groups(by_rt_unruled);
  v.fit_rows = to_groups(fit_rows);
  for (const auto& [key, p] : params) {
    hwprofiles::KernelCalibrationEntry e;
    const auto [rt, ver] = hwprofiles::split_runtime_version(key);
    e.runtime = rt;
    e.version = ver;
    e.calibration.runtime = rt;
    e.calibration.version = e.version;
    e.calibration.params = p;
    e.calibration.moe_expert_scales = moe_scales[key];
    const bool moe_only = fit_by_runtime[key].empty();  // overheads fitted on its MoE rows (above)
    const int ndense = int(fit_by_runtime[key].size()), nmoe = int(moe_by_runtime[key].size());
    int nfit = ndense + nmoe, nheld = 0;
    std::set<std::string> versions;
    for (const auto& o : own.obs)
      if (rtv(*o.row) == key) {
        nheld += o.row->held_out;
        if (o.row->fitted()) versions.insert(o.row->runtime_version.empty() ? "unrecorded" : o.row->runtime_version);
      }
    e.calibration.rows_fit = nfit;
    e.calibration.rows_held_out = nheld;
    std::vector<std::string> vs(versions.begin(), versions.end());
    e.calibration.source =
        fmt::format("[FIT] infersim calibrate-serving on silicon_sample_visible.csv: {} fit rows ({}) of "
                    "{} measured at versions {} "
                    "(aiconfigurator, 2025-26), {} rows held out",
                    nfit,
                    moe_only    ? std::string("MoE")
                    : nmoe == 0 ? std::string("dense")
                                : fmt::format("{} dense, {} MoE", ndense, nmoe),
                    key, fmt::join(vs, ", "), nheld);
    if (!version_fits.at(key).eager_evidence && eager_prior_n > 0)
      e.calibration.source += fmt::format("; host time per layer of an eager prompt step {:.0f} us: none of its rows "
                                          "ran one, so the median of the {} versions whose rows did",
                                          eager_prior_s * 1e6, eager_prior_n);
    e.data = "data/aiconfigurator/silicon_sample_visible.csv";
    common::Json he;
    for (const auto& g : v.random_by_runtime)
      if (g.key.rfind(key + " /", 0) == 0)
        he[g.key.substr(key.size() + 3)] = {{"ttft", perf::error_stats_to_json(g.ttft)},
                                            {"tpot", perf::error_stats_to_json(g.tpot)}};
    e.fit_error = {{"held_out", he}};
    v.fits.push_back(e);
  }
  if (with_loso) {
    // Leave one system out: refit every runtime's overheads without the system's rows, predict them
    // with and without the system's own kernel tables.
    std::set<std::string> systems;
    for (const auto& o : own.obs) systems.insert(o.row->hardware);
    std::vector<ServingMeasurement> none;
    std::map<std::string, Acc> loso_own, loso_own_unruled, loso_no;
    // Without its own tables, a system is priced by the efficiency model fitted without its kernel points
    // too (the shipped model saw them); a system with no tables takes the shipped model.
    std::optional<perf::KernelPointSets> all_points;  // every GPU's kernel points, read once
    const auto efficiency_without = [&](const std::string& sys) -> std::shared_ptr<const perf::EfficiencyModel> {
      if (!all_points) all_points = perf::kernel_points(perf::kernel_table_folders(), perf::DEFAULT_FIT_STRIDE);
      auto e = perf::fit_efficiency_without_hardware(*all_points, sys);
      return e ? std::make_shared<const perf::EfficiencyModel>(std::move(*e)) : nullptr;
    };
    for (const auto& sys : systems) {
      // Per runtime version; a version measured only on this system takes its runtime's other versions.
      std::map<std::string, std::vector<const ServingObservation*>> fit, pooled, moe_fit, moe_pooled;
      for (const auto& o : own.obs)
        if (o.row->hardware != sys && o.row->fit_excluded.empty()) {
          if (o.row->moe) {
            // The MoE rows are fitted on the same side of the split as the shipped fit (fit rows).
            if (o.row->fitted()) {
              moe_fit[rtv(*o.row)].push_back(&o);
              moe_pooled[o.row->runtime].push_back(&o);
            }
            continue;
          }
          fit[rtv(*o.row)].push_back(&o);
          pooled[o.row->runtime].push_back(&o);
        }
      std::map<std::string, VersionFit> lf;
      for (const auto& o : own.obs) {
        const std::string k = rtv(*o.row);
        if (lf.count(k)) continue;
        // The version's own rows when it has 8 or more left; else its runtime's other versions pooled.
        if (fit[k].size() + moe_fit[k].size() >= 8)
          lf[k] = fit_version(fit[k], moe_fit[k]);
        else if (!pooled[o.row->runtime].empty() || !moe_pooled[o.row->runtime].empty())
          lf[k] = fit_version(pooled[o.row->runtime], moe_pooled[o.row->runtime]);
      }
      apply_eager_prior(lf);
      std::map<std::string, hwprofiles::CalibrationParams> lp;
      std::map<std::string, std::vector<hwprofiles::MoeExpertScale>> ls;
      for (const auto& [k, f] : lf) {
        lp[k] = f.overheads.params;
        ls[k] = f.scales;
      }
      std::vector<ServingMeasurement> sys_rows;
      for (const auto& r : rows)
        if (r.hardware == sys) sys_rows.push_back(r);
      ObservationOptions o2 = opt;
      o2.own_tables = false;
      o2.progress = nullptr;
      o2.efficiency = efficiency_without(sys);
      const auto notab = build_serving_observations(sys_rows, o2);
      for (const auto& o : own.obs) {
        if (o.row->hardware != sys || !lp.count(rtv(*o.row))) continue;
        const auto p = params_for(o, lp[rtv(*o.row)], ls[rtv(*o.row)]);
        const std::string g = fmt::format("{} / {} / {}", sys, o.row->runtime, model_class(*o.row));
        auto& a = loso_own[g];
        const auto [pt, pp] = des_prediction(o, p);
        a.ttft.push_back(pt / o.ttft.measured - 1.0);
        a.tpot.push_back(pp / o.tpot.measured - 1.0);
        loso_own_unruled[g].add_unruled(*o.row, a.ttft.back(), a.tpot.back());
        point_of[o.row]["loso_own_tables"] = {{"ttft_predicted_s", pt}, {"tpot_predicted_s", pp}};
      }
      std::map<std::string, common::Json*> point_by_id;
      for (auto& [row, j] : point_of)
        if (row->hardware == sys) point_by_id[row->id] = &j;
      for (const auto& o : notab.obs) {
        if (!lp.count(rtv(*o.row))) continue;
        const auto p = params_for(o, lp[rtv(*o.row)], ls[rtv(*o.row)]);
        auto& a = loso_no[fmt::format("{} / {} / {} ({})", sys, o.row->runtime, model_class(*o.row), o.basis)];
        const auto [pt, pp] = des_prediction(o, p);
        a.ttft.push_back(pt / o.ttft.measured - 1.0);
        a.tpot.push_back(pp / o.tpot.measured - 1.0);
        if (const auto it = point_by_id.find(o.row->id); it != point_by_id.end())
          (*it->second)["loso_no_tables"] = {{"ttft_predicted_s", pt}, {"tpot_predicted_s", pp}, {"basis", o.basis}};
      }
    }
    v.loso_own_tables = to_groups(loso_own);
    v.loso_own_tables_unruled = to_groups(loso_own_unruled);
    v.loso_no_tables = to_groups(loso_no);
  }
  for (auto& [row, j] : point_of) points.push_back(j);
  v.points = points;
  return v;
}

namespace {
// One grid fit: at each value the options are set, every row simulated again and the whole fit redone;
// the objective is the median |TPOT error| over the MoE fit rows `counts` keeps (held-out rows are never
// looked at) and the least wins, the earlier value on a tie.
struct GridFit {
  double best = 0;
  std::vector<std::pair<double, double>> objective;
  int moe_rows = 0, counted_rows = 0;
};
GridFit fit_on_grid(const std::vector<ServingMeasurement>& rows, const ObservationOptions& opt,
                    const std::vector<double>& grid, const std::function<void(ObservationOptions&, double)>& set,
                    const std::function<bool(const common::Json&)>& counts, const std::string& nothing_to_fit,
                    const std::function<void(double, double)>& on_value) {
  GridFit fit;
  double best_obj = std::numeric_limits<double>::infinity();
  for (double x : grid) {
    ObservationOptions o = opt;
    set(o, x);
    const ServingValidation v = validate_serving(rows, o, false);
    std::vector<double> err;  // signed
    int moe = 0;
    for (const auto& p : v.points)
      if (p.value("moe", false) && !p.value("held_out", true) && !p.value("fit_excluded", false)) {
        ++moe;
        if (counts(p)) err.push_back(p["tpot_predicted_s"].get<double>() / p["tpot_measured_s"].get<double>() - 1.0);
      }
    if (err.empty()) throw ConfigError("", "rows", nothing_to_fit);
    const double med = perf::error_stats(err).median_abs;
    fit.objective.emplace_back(x, med);
    fit.moe_rows = moe;
    fit.counted_rows = int(err.size());
    if (on_value) on_value(x, med);
    if (med < best_obj - 1e-12) {
      best_obj = med;
      fit.best = x;
    }
  }
  return fit;
}
}  // namespace

RoutingFit fit_routing_skew(const std::vector<ServingMeasurement>& rows, const ObservationOptions& opt,
                            const std::vector<double>& grid, const std::function<void(double, double)>& on_value) {
  const GridFit g = fit_on_grid(
      rows, opt, grid, [](ObservationOptions& o, double s) { o.routing_skew = s; },
      [](const common::Json&) { return true; }, "no MoE fit rows to fit the routing skew on", on_value);
  return {g.best, g.objective, g.moe_rows};
}

MtpFit fit_mtp_acceptance(const std::vector<ServingMeasurement>& rows, const ObservationOptions& opt,
                          const std::vector<double>& grid, const std::function<void(double, double)>& on_value) {
  const GridFit g = fit_on_grid(
      rows, opt, grid, [](ObservationOptions& o, double a) { o.mtp_acceptance = a; },
      [](const common::Json& p) { return p.value("mtp_draft_tokens", 0) > 0; },
      "no fit row ran multi-token prediction: nothing to fit the acceptance on", on_value);
  return {g.best, g.objective, g.moe_rows, g.counted_rows};
}

common::Json serving_validation_to_json(const ServingValidation& v) {
  auto groups = [](const std::vector<ErrorGroup>& g) {
    common::Json a = common::Json::array();
    for (const auto& x : g)
      a.push_back(
          {{"group", x.key}, {"ttft", perf::error_stats_to_json(x.ttft)}, {"tpot", perf::error_stats_to_json(x.tpot)}});
    return a;
  };
  common::Json j;
  j["rows"] = v.rows;
  j["rows_fit"] = v.rows_fit;
  j["rows_held_out"] = v.rows_held_out;
  j["rows_kept_out_of_the_fit"] = v.rows_excluded;
  j["random_split"] = groups(v.random_split);
  j["random_split_by_runtime"] = groups(v.random_by_runtime);
  j["random_split_analytic_by_runtime"] = groups(v.analytic_by_runtime);
  j["random_split_by_runtime_less_ruled_out"] = groups(v.random_by_runtime_unruled);
  j["leave_one_system_out_own_tables"] = groups(v.loso_own_tables);
  j["leave_one_system_out_own_tables_less_ruled_out"] = groups(v.loso_own_tables_unruled);
  j["leave_one_system_out_no_tables"] = groups(v.loso_no_tables);
  j["fit_rows"] = groups(v.fit_rows);
  common::Json ms = common::Json::array();
  for (const auto& f : v.fits)
    for (auto x : hwprofiles::moe_expert_scales_to_json(f.calibration.moe_expert_scales)) {
      x["runtime"] = f.runtime;
      x["version"] = f.version;
      ms.push_back(x);
    }
  j["moe_expert_scales"] = ms;
  common::Json sk;
  for (const auto& [k, n] : v.skipped) sk[k] = n;
  j["skipped"] = sk;
  return j;
}

}  // namespace infersim::serving
