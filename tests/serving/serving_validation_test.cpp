// The kernel path's overhead fit recovers known parameters from synthetic benchmark observations
// (built from real recorded step costs), and a measured row's deployment follows the harness.
#include "infersim/serving/serving_validation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/kernel_model.h"
#include "infersim/perf/runtime_resolution.h"

#include "serving_test_support.h"

using namespace infersim;

namespace {
// The serving overheads the fit tests "measure" their simulated benchmarks under.
hwprofiles::CalibrationParams known_overheads() {
  hwprofiles::CalibrationParams truth;
  truth.step_overhead_s = 300e-6;
  truth.seq_overhead_s = 12e-6;
  truth.ttft_request_s = 0.02;
  truth.ttft_token_s = 10e-6;
  truth.ttft_stream_s = 1e-3;
  truth.ttft_queue_factor = 0.5;
  truth.fused_quant_fraction = 0.0;
  return truth;
}
}  // namespace

TEST(ServingValidation, OverheadFitRecoversKnownParameters) {
  // Real step-cost sums from simulated benchmarks of a few configurations, "measured" under known
  // overheads: the fit must give them back.
  const hwprofiles::CalibrationParams truth = known_overheads();
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  std::vector<serving::ServingObservation> obs, obs0;
  std::vector<perf::ServingMeasurement> rows(12);
  int i = 0;
  for (int users : {4, 16, 64})
    for (auto [in, out] : {std::pair{1024, 256}, std::pair{4096, 128}, std::pair{512, 512}, std::pair{2048, 1024}}) {
      const perf::Deployment d = servingtest::resolved("llama-3.1-8b", "h100-sxm", "vllm", 1);
      serving::BenchmarkSpec s;
      s.concurrency = users;
      s.input = in;
      s.output = out;
      const auto r = serving::simulate_benchmark(m, d, s);
      serving::ServingObservation o;
      rows[std::size_t(i)].runtime = "vllm";
      rows[std::size_t(i)].concurrency = users;
      rows[std::size_t(i)].input = in;
      rows[std::size_t(i)].output = out;
      o.row = &rows[std::size_t(i++)];
      o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
      o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
      o.prefill_one = r.prefill_one_cost;
      o.queue_others = r.queue_others;
      std::tie(o.ttft.measured, o.tpot.measured) = serving::des_prediction(o, truth);
      obs.push_back(o);
      // The same benchmark simulated under other parameters (none): the step costs are the same, the
      // queueing term is not.
      perf::Deployment d0 = d;
      for (auto& c : d0.hardware.calibrations) c.params = hwprofiles::CalibrationParams{};
      const auto r0 = serving::simulate_benchmark(m, d0, s);
      serving::ServingObservation o0 = o;
      o0.ttft.terms = {{r0.mean_ttft_cost, 1.0}};
      o0.tpot.terms = {{r0.mean_tpot_cost, 1.0}};
      o0.prefill_one = r0.prefill_one_cost;
      o0.queue_others = r0.queue_others;
      obs0.push_back(o0);
    }
  std::vector<const serving::ServingObservation*> use, use0;
  for (const auto& o : obs) use.push_back(&o);
  for (const auto& o : obs0) use0.push_back(&o);
  const auto fit = serving::fit_kernel_overheads(use);
  EXPECT_GT(fit.iterations, 1);
  EXPECT_NEAR(fit.params.step_overhead_s, truth.step_overhead_s, 0.05 * truth.step_overhead_s);
  EXPECT_NEAR(fit.params.seq_overhead_s, truth.seq_overhead_s, 0.1 * truth.seq_overhead_s);
  EXPECT_NEAR(fit.params.ttft_request_s, truth.ttft_request_s, 0.1 * truth.ttft_request_s);
  EXPECT_NEAR(fit.params.ttft_queue_factor, truth.ttft_queue_factor, 0.1 * truth.ttft_queue_factor);
  for (const auto& o : obs) {
    const auto [t, p] = serving::des_prediction(o, fit.params);
    EXPECT_NEAR(t / o.ttft.measured, 1.0, 0.01);
    EXPECT_NEAR(p / o.tpot.measured, 1.0, 0.01);
  }
  // The fit depends on the step costs, not on the parameters the benchmarks ran under.
  const auto fit0 = serving::fit_kernel_overheads(use0);
  EXPECT_DOUBLE_EQ(fit0.params.step_overhead_s, fit.params.step_overhead_s);
  EXPECT_DOUBLE_EQ(fit0.params.seq_overhead_s, fit.params.seq_overhead_s);
  EXPECT_DOUBLE_EQ(fit0.params.ttft_request_s, fit.params.ttft_request_s);
  EXPECT_DOUBLE_EQ(fit0.params.ttft_queue_factor, fit.params.ttft_queue_factor);

  // Rows whose TTFT a rule keeps out (ServingMeasurement::ttft_fit_excluded): four TTFTs ten times too
  // long move the fit when they count, and not when they are kept out (their TPOT still fits).
  std::vector<perf::ServingMeasurement> rows_x = rows;
  std::vector<serving::ServingObservation> obs_x = obs;
  for (std::size_t k = 0; k < obs_x.size(); ++k) {
    obs_x[k].row = &rows_x[k];
    if (k % 3 == 0) obs_x[k].ttft.measured *= 10.0;
  }
  std::vector<const serving::ServingObservation*> use_x;
  for (const auto& o : obs_x) use_x.push_back(&o);
  // The worst |TTFT error| over the rows measured right.
  auto worst_clean_ttft = [&](const hwprofiles::CalibrationParams& q) {
    double w = 0;
    for (std::size_t k = 0; k < obs.size(); ++k)
      if (k % 3 != 0) w = std::max(w, std::fabs(serving::des_prediction(obs[k], q).first / obs[k].ttft.measured - 1.0));
    return w;
  };
  const auto counted = serving::fit_kernel_overheads(use_x);
  EXPECT_GT(worst_clean_ttft(counted.params), 0.05);
  for (std::size_t k = 0; k < rows_x.size(); k += 3) rows_x[k].ttft_fit_excluded = "TTFT does not follow the load";
  const auto kept_out = serving::fit_kernel_overheads(use_x);
  EXPECT_LT(worst_clean_ttft(kept_out.params), 0.01);
  EXPECT_NEAR(kept_out.params.step_overhead_s, truth.step_overhead_s, 0.05 * truth.step_overhead_s);
  EXPECT_NEAR(kept_out.params.seq_overhead_s, truth.seq_overhead_s, 0.1 * truth.seq_overhead_s);
  EXPECT_NEAR(kept_out.params.ttft_request_s, truth.ttft_request_s, 0.1 * truth.ttft_request_s);
  EXPECT_NEAR(kept_out.params.ttft_queue_factor, truth.ttft_queue_factor, 0.1 * truth.ttft_queue_factor);
}

namespace {
// A TensorRT-LLM benchmark row on B200 at 32 users (what the row_deployment tests vary).
perf::ServingMeasurement b200_trt_row(const std::string& model, int tp, double input, double output,
                                      common::DType weight) {
  perf::ServingMeasurement row;
  row.hardware = "b200";
  row.runtime = "tensorrt-llm";
  row.model = model;
  row.tp = tp;
  row.concurrency = 32;
  row.input = input;
  row.output = output;
  row.weight = row.activation = weight;
  row.kv = common::DType::fp8;
  return row;
}

// An SGLang 0.5.9 row of a MoE model on B200 (FP8, TP8, 1024 / 1024 tokens) at 8 users, as InferenceX ran.
perf::ServingMeasurement b200_sglang_row(const std::string& model) {
  auto row = b200_trt_row(model, 8, 1024, 1024, common::DType::fp8);
  row.runtime = "sglang";
  row.runtime_version = "0.5.9";
  row.moe = true;
  row.concurrency = 8;
  return row;
}

// The scheduler receive interval its recipe gives a row.
int recv_interval(const perf::ServingMeasurement& row) {
  return serving::row_deployment(row, true).scheduler.recv_interval_iters;
}
}  // namespace

TEST(ServingValidation, RowsRunTheHarnessConfigurationOfTheirRuntimeVersion) {
  // (Llama-3.1-70B's B200 rows ran InferenceX's recipe instead: test below.)
  auto row = b200_trt_row("qwen3-32b", 4, 8192, 1024, common::DType::fp8);
  row.runtime_version = "1.0.0rc3";
  const auto d = serving::row_deployment(row, true);
  EXPECT_EQ(d.runtime_version, "1.0") << "calibrated on the measured 1.0 rows";
  EXPECT_EQ(d.kernel_tables, "b200_sxm/trtllm-1.3.0rc20");
  EXPECT_EQ(d.scheduler.max_num_tokens, (32 + 8192 + 1500 + 31) / 32 * 32) << "aiconfigurator: batch + ISL + 1500";
  EXPECT_FALSE(d.scheduler.chunked_prefill);
  const auto no = serving::row_deployment(row, false);
  EXPECT_EQ(no.kernel_tables_hardware, "gb200") << "without its own tables B200 borrows its family's (GB200)";
  // 1.1 builds (InferenceX's DeepSeek recipes until 2026-02) have their own calibration; 1.2 and
  // unrecorded builds take 1.3's.
  row.runtime_version = "1.1.0rc2.post2";
  EXPECT_EQ(serving::calibration_version(row), "1.1");
  row.runtime_version = "1.2.0rc6.post2";
  EXPECT_EQ(serving::calibration_version(row), "1.3");
  row.runtime_version = "";
  EXPECT_EQ(serving::calibration_version(row), "1.3");
}

// Llama-3.1-70B on B200 under TensorRT-LLM ran InferenceX's recipes: batch waiting (timeout 20, ratio 0.9)
// for 1k/1k below TP 8 only, and the recipe's token budget (16384 at fp8, ISL + OSL at fp4).
TEST(ServingValidation, LlamaRecipeRowsBatchWaitAtOneKOneKBelowTp8) {
  const auto row = b200_trt_row("llama-3.1-70b", 2, 1024, 1024, common::DType::fp8);
  const auto d = serving::row_deployment(row, true);
  EXPECT_EQ(d.scheduler.batch_wait_timeout_iters, 20);
  EXPECT_DOUBLE_EQ(d.scheduler.batch_wait_max_tokens_ratio, 0.9);
  EXPECT_EQ(d.scheduler.max_num_tokens, 16384);
  auto tp8 = row;
  tp8.tp = 8;
  EXPECT_EQ(serving::row_deployment(tp8, true).scheduler.batch_wait_timeout_iters, 0) << "not at TP 8";
  auto long_out = row;
  long_out.output = 8192;
  EXPECT_EQ(serving::row_deployment(long_out, true).scheduler.batch_wait_timeout_iters, 0) << "1k/1k only";
  auto fp4 = row;
  fp4.weight = fp4.activation = common::DType::fp4;
  EXPECT_EQ(serving::row_deployment(fp4, true).scheduler.max_num_tokens, 2048) << "ISL + OSL";
}

// vLLM rows fuse the TP all-reduce as their software did: InferenceX's Llama-3.1-70B B200 recipes set
// enable_fi_allreduce_fusion with thresholds {2: 32, 4: 32, 8: 8} MiB; otherwise vLLM's -O2 default from
// 0.18 (and the 2026 nightlies) on Hopper / Blackwell; older or unrecorded versions keep vLLM's own. The
// Llama recipes also run prompt steps without CUDA graphs; the other vLLM rows keep vLLM's piecewise graphs.
TEST(ServingValidation, VllmRowsFuseTheAllReduceAsTheirVersionOrRecipeDid) {
  auto row = b200_trt_row("llama-3.1-70b", 8, 1024, 1024, common::DType::fp8);
  row.runtime = "vllm";
  const auto recipe = serving::row_deployment(row, true);
  EXPECT_DOUBLE_EQ(recipe.fused_allreduce_mib.at(8), 8.0);
  EXPECT_DOUBLE_EQ(recipe.fused_allreduce_mib.at(4), 32.0);
  EXPECT_EQ(perf::fused_allreduce_tables(recipe.kernel_tables_hardware), "b200_sxm/trtllm-1.3.0rc20");
  // The same recipes set cudagraph_mode FULL_DECODE_ONLY: their prompt steps run eagerly.
  EXPECT_TRUE(recipe.scheduler.eager_prompt_steps);
  auto moe = b200_trt_row("minimax-m2.5", 4, 1024, 1024, common::DType::fp8);
  moe.runtime = "vllm";
  moe.moe = true;
  EXPECT_FALSE(serving::row_deployment(moe, true).scheduler.eager_prompt_steps) << "vLLM's default: piecewise graphs";
  for (const auto& [version, fused] : std::vector<std::pair<std::string, bool>>{{"0.19.0", true},
                                                                                {"0.18.0", true},
                                                                                {"nightly-5b8c30d62b754b57", true},
                                                                                {"0.17.0", false},
                                                                                {"0.15.1", false},
                                                                                {"", false}}) {
    moe.runtime_version = version;
    const auto d = serving::row_deployment(moe, true);
    EXPECT_EQ(!d.fused_allreduce_mib.empty(), fused) << version;
    if (fused) {
      EXPECT_DOUBLE_EQ(d.fused_allreduce_mib.at(4), 32.0) << version << ": Blackwell's default";
    }
  }
}

namespace {
// An attention-DP MoE row on B200 from a TensorRT-LLM release image (what the recipe tests vary).
perf::ServingMeasurement adp_release_row(const std::string& model, const std::string& version, int ranks) {
  auto row = b200_trt_row(model, 1, 1024, 1024, common::DType::fp4);
  row.runtime_version = version;
  row.moe = true;
  row.attention_dp = ranks;
  row.ep = ranks;
  row.image = "nvcr.io/nvidia/tensorrt-llm/release:" + version;
  return row;
}

// Balancing on, with this timeout and batching wait.
void expect_balancing(const perf::Deployment& d, int timeout, int batching_wait) {
  EXPECT_TRUE(d.scheduler.adp_balance);
  EXPECT_EQ(d.scheduler.adp_timeout_iters, timeout);
  EXPECT_EQ(d.scheduler.adp_batching_wait_iters, batching_wait);
}

// The row with attention DP off (TP over the same GPUs).
perf::ServingMeasurement without_adp(perf::ServingMeasurement row) {
  row.tp = row.attention_dp;
  row.attention_dp = 1;
  return row;
}
}  // namespace

// DeepSeek-R1 on B200 in TensorRT-LLM release containers ran InferenceX's recipes, which balance the
// attention-DP ranks (enable_balance, timeout 60, no batching wait); other rows keep TensorRT-LLM's
// default (off).
TEST(ServingValidation, DeepSeekRecipeRowsBalanceTheAttentionDpRanks) {
  const auto row = adp_release_row("deepseek-v3", "1.2.0rc6.post2", 8);
  expect_balancing(serving::row_deployment(row, true), 60, 0);
  auto dynamo = row;
  dynamo.image = "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0";
  EXPECT_FALSE(serving::row_deployment(dynamo, true).scheduler.adp_balance) << "another recipe";
  EXPECT_FALSE(serving::row_deployment(without_adp(row), true).scheduler.adp_balance) << "no attention DP";
}

// gpt-oss-120b on B200 in a TensorRT-LLM release image ran InferenceX's gpt-oss script: token budget 20000,
// max batch 512 and, with attention DP, balancing at TensorRT-LLM's default timeout (50) and batching
// wait (10).
TEST(ServingValidation, GptOssRecipeRowsBalanceAtTheDefaultTimeout) {
  const auto row = adp_release_row("gpt-oss-120b", "1.2.0rc2", 4);
  const auto d = serving::row_deployment(row, true);
  expect_balancing(d, 50, 10);
  EXPECT_EQ(d.scheduler.max_num_tokens, 20000);
  EXPECT_EQ(d.scheduler.max_batch, 512);
  const auto d_tp = serving::row_deployment(without_adp(row), true);
  EXPECT_FALSE(d_tp.scheduler.adp_balance) << "no attention DP";
  EXPECT_EQ(d_tp.scheduler.max_num_tokens, 20000) << "the recipe's budget all the same";
  auto unknown = row;
  unknown.image.clear();
  EXPECT_FALSE(serving::row_deployment(unknown, true).scheduler.adp_balance) << "recipe not known";
}

// The MoE expert scale: picked by GPU, then family, then the pooled fit (only for a fitted family); at
// each level a fit on the model's own attention kind first, then one on any.
TEST(ServingValidation, MoeExpertScaleIsPickedByGpuThenFamilyThenPooled) {
  std::vector<hwprofiles::MoeExpertScale> s = {{"b200", "blackwell", "fp8", "fp8", 0.6, 50},
                                               {"h100-sxm", "hopper", "fp8", "fp8", 1.2, 20},
                                               {"", "", "", "", 0.8, 70}};
  s[0].attention = "standard";
  std::string why;
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "standard", &why).scale, 0.6);
  EXPECT_NE(why.find("b200"), std::string::npos) << why;
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "gb200", "blackwell", "fp8", "fp8", "").scale, 0.6);  // family
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "h200", "hopper", "fp8", "fp8", "mla").scale, 1.2);
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp4", "fp4", "", &why).scale, 0.8);  // pooled
  EXPECT_NE(why.find("pooled"), std::string::npos) << why;
  // A family nobody fitted keeps the dense-table estimate, and says nothing.
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "mi300x", "cdna3", "bf16", "bf16", "", &why).scale, 1.0);
  EXPECT_TRUE(why.empty()) << why;
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales({}, "b200", "blackwell", "fp8", "fp8", "").scale, 1.0);
  // Attention kind: an MLA model on B200 takes B200's MLA fit when there is one, the family's next, and
  // B200's fit on the other kind only when neither exists.
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "mla").scale, 0.6);
  // A fit of one attention kind.
  auto of_kind = [](hwprofiles::MoeExpertScale x, const char* kind) {
    x.attention = kind;
    return x;
  };
  s.push_back(of_kind({"gb200", "blackwell", "fp8", "fp8", 0.9, 10}, "mla"));
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "mla", &why).scale, 0.9);
  EXPECT_NE(why.find("MLA"), std::string::npos) << why;
  s.push_back(of_kind({"b200", "blackwell", "fp8", "fp8", 0.4, 30}, "mla"));
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "mla").scale, 0.4);
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "standard").scale, 0.6);
  // A DSA model (GLM-5) takes a DSA fit; without one, the GPU's fit of another kind (most rows).
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "dsa").scale, 0.6);
  s.push_back(of_kind({"b200", "blackwell", "fp8", "fp8", 0.75, 12}, "dsa"));
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "dsa", &why).scale, 0.75);
  EXPECT_NE(why.find("DSA"), std::string::npos) << why;
  EXPECT_DOUBLE_EQ(hwprofiles::pick_moe_scales(s, "b200", "blackwell", "fp8", "fp8", "mla").scale, 0.4);
  // The models' kinds as the cards give them.
  const auto& cat = model::ModelCatalog::shipped();
  EXPECT_EQ(cat.get("glm-5").attention_kind(), "dsa");
  EXPECT_EQ(cat.get("deepseek-v3").attention_kind(), "mla");
  EXPECT_EQ(cat.get("llama-3.1-70b").attention_kind(), "standard");
}

// Benchmarks of an MoE model simulated on two GPUs and "measured" with a known decode and prefill expert
// scale each: the fit gives all four back (the prefill one through TTFT's queueing fixed point), and
// the decode scale moves only decode-only steps (a lone prompt's step is unchanged by it).
TEST(ServingValidation, MoeExpertScaleFitRecoversKnownPerGpuScales) {
  const auto& m = model::ModelCatalog::shipped().get("mixtral-8x7b");
  const std::map<std::string, double> truth = {{"h100-sxm", 0.55}, {"b200", 1.6}};
  const std::map<std::string, double> truth_prefill = {{"h100-sxm", 1.8}, {"b200", 0.7}};
  // A fixed time per MoE layer and step beside the scale: none on one GPU, 20 us on the other.
  const std::map<std::string, double> truth_layer = {{"h100-sxm", 0.0}, {"b200", 20e-6}};
  hwprofiles::CalibrationParams p;
  p.step_overhead_s = 100e-6;
  p.seq_overhead_s = 10e-6;
  std::vector<serving::ServingObservation> obs;
  std::vector<perf::ServingMeasurement> rows(32);
  int i = 0;
  for (const auto& [hw, scale] : truth)
    for (int users : {1, 4, 16, 48})
      for (auto [in, out] : {std::pair{1024, 64}, std::pair{256, 128}, std::pair{2048, 32}}) {
        const perf::Deployment d = servingtest::resolved("mixtral-8x7b", hw, "vllm", 2);
        serving::BenchmarkSpec s;
        s.concurrency = users;
        s.input = in;
        s.output = out;
        const auto r = serving::simulate_benchmark(m, d, s);
        auto& row = rows[std::size_t(i++)];
        row.runtime = "vllm";
        row.moe = true;
        serving::ServingObservation o;
        o.row = &row;
        o.deployment = d;
        o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
        o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
        o.prefill_one = r.prefill_one_cost;
        hwprofiles::CalibrationParams t = p;
        t.moe_expert_scale = scale;
        if (scale > 1) {
          EXPECT_GT(o.tpot.predict(t), o.tpot.predict(p)) << hw;
        }
        if (users == 1) {
          EXPECT_DOUBLE_EQ(r.prefill_one_cost.time(t), r.prefill_one_cost.time(p)) << "prefill step";
        }
        t.moe_prefill_scale = truth_prefill.at(hw);
        t.moe_layer_overhead_s = truth_layer.at(hw);
        std::tie(o.ttft.measured, o.tpot.measured) = serving::des_prediction(o, t);
        obs.push_back(o);
      }
  std::vector<const serving::ServingObservation*> use;
  for (const auto& o : obs) use.push_back(&o);
  const auto fit = serving::fit_moe_expert_scales(use, p);
  ASSERT_EQ(fit.size(), 3u);  // two GPUs and the pooled fit
  for (const auto& f : fit) {
    if (f.hardware.empty()) {
      // Pooled over two GPUs that disagree: some (scale, per-layer time) pair inside the allowed box.
      EXPECT_EQ(f.rows_fit, 24);
      EXPECT_GT(f.scale, 0.0);
      EXPECT_GE(f.layer_overhead_s, 0.0);
      EXPECT_LE(f.layer_overhead_s, serving::MOE_LAYER_OVERHEAD_MAX_S);
      continue;
    }
    EXPECT_EQ(f.rows_fit, 12) << f.hardware;
    EXPECT_NEAR(f.scale, truth.at(f.hardware), 1e-6) << f.hardware;
    EXPECT_EQ(f.rows_fit_prefill, 12) << f.hardware;
    EXPECT_NEAR(f.prefill_scale, truth_prefill.at(f.hardware), 1e-6) << f.hardware;
    EXPECT_NEAR(f.layer_overhead_s, truth_layer.at(f.hardware), 1e-10) << f.hardware;
    EXPECT_EQ(f.weight, "bf16");
  }
  for (const auto& o : obs) {
    const auto q = serving::params_for(o, p, fit);
    const auto [ttft, tpot] = serving::des_prediction(o, q);
    EXPECT_NEAR(tpot / o.tpot.measured, 1.0, 1e-6);
    EXPECT_NEAR(ttft / o.ttft.measured, 1.0, 1e-6);
  }
}

// A version's whole fit, dense and MoE rows together: "measured" under known overheads and a known MoE
// decode scale, per-layer time and prompt-step scale, fit_version gives all of them back.
namespace {
// Simulated benchmark rows of a dense model (Llama-3.1-8B) and an MoE model (Mixtral-8x7B) on H100 under
// vLLM, whose "measurements" are the model's own predictions at `dense_truth` / `moe_truth`.
void version_fit_rows(const hwprofiles::CalibrationParams& dense_truth, const hwprofiles::CalibrationParams& moe_truth,
                      std::vector<perf::ServingMeasurement>& rows, std::vector<serving::ServingObservation>& dense,
                      std::vector<serving::ServingObservation>& moe) {
  rows.assign(24, {});
  int i = 0;
  auto add = [&](const std::string& model, int tp, int users, int in, int out) {
    const auto& m = model::ModelCatalog::shipped().get(model);
    const perf::Deployment d = servingtest::resolved(model, "h100-sxm", "vllm", tp);
    serving::BenchmarkSpec s;
    s.concurrency = users;
    s.input = in;
    s.output = out;
    const auto r = serving::simulate_benchmark(m, d, s);
    auto& row = rows[std::size_t(i++)];
    row.runtime = "vllm";
    row.moe = m.is_moe();
    row.concurrency = users;
    row.input = in;
    row.output = out;
    serving::ServingObservation o;
    o.row = &row;
    o.deployment = d;
    o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
    o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
    o.prefill_one = r.prefill_one_cost;
    o.queue_others = r.queue_others;
    std::tie(o.ttft.measured, o.tpot.measured) = serving::des_prediction(o, row.moe ? moe_truth : dense_truth);
    (row.moe ? moe : dense).push_back(o);
  };
  for (int users : {4, 16, 64})
    for (auto [in, out] : {std::pair{1024, 256}, std::pair{4096, 128}, std::pair{512, 512}, std::pair{2048, 1024}})
      add("llama-3.1-8b", 1, users, in, out);
  for (int users : {1, 4, 16, 48})
    for (auto [in, out] : {std::pair{1024, 64}, std::pair{256, 128}, std::pair{2048, 32}})
      add("mixtral-8x7b", 2, users, in, out);
}
}  // namespace

TEST(ServingValidation, VersionFitRecoversOverheadsAndMoeScalesTogether) {
  const hwprofiles::CalibrationParams truth = known_overheads();
  const double scale = 0.7, prefill = 1.5, layer = 30e-6;
  hwprofiles::CalibrationParams moe_truth = truth;
  moe_truth.moe_expert_scale = scale;
  moe_truth.moe_prefill_scale = prefill;
  moe_truth.moe_layer_overhead_s = layer;
  std::vector<perf::ServingMeasurement> rows;
  std::vector<serving::ServingObservation> dense, moe;
  version_fit_rows(truth, moe_truth, rows, dense, moe);
  std::vector<const serving::ServingObservation*> d_use, m_use;
  for (const auto& o : dense) d_use.push_back(&o);
  for (const auto& o : moe) m_use.push_back(&o);
  const auto f = serving::fit_version(d_use, m_use);
  EXPECT_NEAR(f.overheads.params.step_overhead_s, truth.step_overhead_s, 0.05 * truth.step_overhead_s);
  EXPECT_NEAR(f.overheads.params.seq_overhead_s, truth.seq_overhead_s, 0.1 * truth.seq_overhead_s);
  EXPECT_NEAR(f.overheads.params.ttft_request_s, truth.ttft_request_s, 0.1 * truth.ttft_request_s);
  ASSERT_EQ(f.scales.size(), 2u);  // the GPU's format and the pooled fit
  for (const auto& sc : f.scales) {
    EXPECT_NEAR(sc.scale, scale, 0.05 * scale) << sc.hardware;
    EXPECT_NEAR(sc.layer_overhead_s, layer, 0.1 * layer) << sc.hardware;
    EXPECT_NEAR(sc.prefill_scale, prefill, 0.05 * prefill) << sc.hardware;
  }
  for (const auto* set : {&dense, &moe})
    for (const auto& o : *set) {
      const auto [t, p] = serving::des_prediction(o, serving::params_for(o, f.overheads.params, f.scales));
      EXPECT_NEAR(t / o.ttft.measured, 1.0, 0.02);
      EXPECT_NEAR(p / o.tpot.measured, 1.0, 0.02);
    }
  // Dense rows alone: no scales, and the overheads of the plain overhead fit.
  const auto fd = serving::fit_version(d_use, {});
  EXPECT_TRUE(fd.scales.empty());
  EXPECT_DOUBLE_EQ(fd.overheads.params.step_overhead_s, serving::fit_kernel_overheads(d_use).params.step_overhead_s);
}

// Eager prompt steps: rows "measured" with a host floor of 300 us per layer under their prompt steps (a
// value of the grid the simulation records) give it back; rows measured without one keep none (Akaike's
// criterion: the extra parameter has to pay for itself).
TEST(ServingValidation, VersionFitFindsTheEagerPromptStepsHostTime) {
  for (const double truth_h : {300e-6, 0.0}) {
    hwprofiles::CalibrationParams truth = known_overheads();
    truth.eager_layer_s = truth_h;
    std::vector<perf::ServingMeasurement> rows(12);
    std::vector<serving::ServingObservation> obs;
    int i = 0;
    const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
    perf::Deployment d = servingtest::resolved("llama-3.1-8b", "h100-sxm", "vllm", 1);
    // vLLM's default replays piecewise graphs for prompt steps: no floor at any host time. The rows here
    // ran a recipe with graphs for decode-only batches (cudagraph_mode FULL_DECODE_ONLY).
    EXPECT_FALSE(d.scheduler.eager_prompt_steps);
    {
      serving::BenchmarkSpec s;
      s.concurrency = 1;
      s.input = 128;
      s.output = 128;
      EXPECT_EQ(serving::eager_at(serving::simulate_benchmark(m, d, s).ttft_eager_grid_s, 300e-6), 0.0);
    }
    d.scheduler.eager_prompt_steps = true;
    for (int users : {1, 4, 16})
      for (int in : {128, 256, 1024, 4096}) {
        serving::BenchmarkSpec s;
        s.concurrency = users;
        s.input = in;
        s.output = 128;
        const auto r = serving::simulate_benchmark(m, d, s);
        auto& row = rows[std::size_t(i++)];
        row.runtime = "vllm";
        row.concurrency = users;
        row.input = in;
        row.output = 128;
        serving::ServingObservation o;
        o.row = &row;
        o.deployment = d;
        o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
        o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
        o.ttft.terms.front().cost.floor_extra_s = o.tpot.terms.front().cost.floor_extra_s = 0;
        o.ttft_eager = r.ttft_eager_grid_s;
        o.tpot_eager = r.tpot_eager_grid_s;
        o.prefill_one = r.prefill_one_cost;
        o.prefill_one.floor_extra_s = 0;
        o.queue_others = r.queue_others;
        std::tie(o.ttft.measured, o.tpot.measured) = serving::des_prediction(o, truth);
        obs.push_back(o);
      }
    // The short prompts' steps run their kernels in less than 32 x 300 us: the floor binds there.
    EXPECT_GT(serving::eager_at(obs.front().ttft_eager, 300e-6), 0.0);
    std::vector<const serving::ServingObservation*> use;
    for (const auto& o : obs) use.push_back(&o);
    const auto f = serving::fit_version(use, {});
    EXPECT_TRUE(f.eager_evidence);
    EXPECT_DOUBLE_EQ(f.overheads.params.eager_layer_s, truth_h);
    EXPECT_NEAR(f.overheads.params.step_overhead_s, truth.step_overhead_s, 0.05 * truth.step_overhead_s);
  }
}

// A version whose rows never ran a prompt step eagerly has no evidence for the host time per layer; it
// takes the median of the versions that had (a chosen 0 counts: it is evidence of no floor), and those
// keep their own.
TEST(ServingValidation, EagerHostTimeWithoutEvidenceIsTheOtherVersionsMedian) {
  auto fit = [](double h, bool evidence) {
    serving::VersionFit f;
    f.overheads.params.eager_layer_s = h;
    f.eager_evidence = evidence;
    return f;
  };
  std::map<std::string, serving::VersionFit> fits = {{"sglang@0.5.1", fit(0.0, true)},
                                                     {"tensorrt-llm@1.0", fit(400e-6, true)},
                                                     {"tensorrt-llm@1.1", fit(1000e-6, true)},
                                                     {"vllm@0.12", fit(0.0, false)},
                                                     {"vllm@0.24", fit(0.0, false)}};
  const auto [median, n] = serving::apply_eager_prior(fits);
  EXPECT_EQ(n, 3);
  EXPECT_DOUBLE_EQ(median, 400e-6);
  EXPECT_DOUBLE_EQ(fits["vllm@0.12"].overheads.params.eager_layer_s, 400e-6);
  EXPECT_DOUBLE_EQ(fits["vllm@0.24"].overheads.params.eager_layer_s, 400e-6);
  EXPECT_DOUBLE_EQ(fits["sglang@0.5.1"].overheads.params.eager_layer_s, 0.0);
  EXPECT_DOUBLE_EQ(fits["tensorrt-llm@1.1"].overheads.params.eager_layer_s, 1000e-6);
  // An even count takes the middle two's mean.
  fits["tensorrt-llm@1.3"] = fit(300e-6, true);
  fits["vllm@0.24"] = fit(0.0, false);
  EXPECT_DOUBLE_EQ(serving::apply_eager_prior(fits).first, 350e-6);
  EXPECT_DOUBLE_EQ(fits["vllm@0.24"].overheads.params.eager_layer_s, 350e-6);
  // No version with evidence: nothing moves.
  std::map<std::string, serving::VersionFit> none = {{"vllm@0.12", fit(0.0, false)}};
  EXPECT_EQ(serving::apply_eager_prior(none).second, 0);
  EXPECT_DOUBLE_EQ(none["vllm@0.12"].overheads.params.eager_layer_s, 0.0);
}

// The shipped vllm@0.12 rows all ran vLLM's default piecewise graphs: its host time per eager layer is the
// prior, and its calibration says so.
TEST(ServingValidation, ShippedVllm012TakesTheEagerPriorAndSaysSo) {
  const auto* v012 = hwprofiles::RuntimeCatalog::shipped().kernel_calibration("vllm", "0.12");
  const auto* v024 = hwprofiles::RuntimeCatalog::shipped().kernel_calibration("vllm", "0.24");
  ASSERT_NE(v012, nullptr);
  ASSERT_NE(v024, nullptr);
  EXPECT_GT(v012->params.eager_layer_s, 0.0);
  EXPECT_NE(v012->source.find("none of its rows ran one"), std::string::npos) << v012->source;
  // vllm@0.24 chose its own on its FULL_DECODE_ONLY recipe rows.
  EXPECT_EQ(v024->source.find("none of its rows ran one"), std::string::npos) << v024->source;
}

// The step and per-sequence terms are one per version, refitted on the dense and the MoE rows together:
// where the dense rows alone would carry a larger step time (what their tables miss) onto MoE rows that
// have no per-layer time to give back (it cannot go below 0), the MoE rows pull it back and are predicted
// closer than at the dense rows' fit.
TEST(ServingValidation, VersionFitWeighsTheMoeRowsInTheStepTerms) {
  hwprofiles::CalibrationParams dense_truth = known_overheads();
  hwprofiles::CalibrationParams moe_truth = dense_truth;
  moe_truth.step_overhead_s = dense_truth.step_overhead_s / 4;
  moe_truth.moe_expert_scale = 0.7;
  moe_truth.moe_layer_overhead_s = 0;
  std::vector<perf::ServingMeasurement> rows;
  std::vector<serving::ServingObservation> dense, moe;
  version_fit_rows(dense_truth, moe_truth, rows, dense, moe);
  std::vector<const serving::ServingObservation*> d_use, m_use;
  for (const auto& o : dense) d_use.push_back(&o);
  for (const auto& o : moe) m_use.push_back(&o);
  const double dense_only = serving::fit_kernel_overheads(d_use).params.step_overhead_s;
  EXPECT_NEAR(dense_only, dense_truth.step_overhead_s, 0.05 * dense_truth.step_overhead_s);
  const auto f = serving::fit_version(d_use, m_use);
  EXPECT_LT(f.overheads.params.step_overhead_s, 0.95 * dense_only);
  EXPECT_GT(f.overheads.params.step_overhead_s, moe_truth.step_overhead_s);
  // The MoE rows' TPOT, at the joint fit and at the dense rows' step terms with the same scales.
  auto moe_error = [&](const hwprofiles::CalibrationParams& p) {
    double sum = 0;
    for (const auto& o : moe) {
      const auto [t, q] = serving::des_prediction(o, serving::params_for(o, p, f.scales));
      sum += std::fabs(std::log(q / o.tpot.measured));
    }
    return sum / double(moe.size());
  };
  hwprofiles::CalibrationParams held = f.overheads.params;
  held.step_overhead_s = dense_only;
  held.seq_overhead_s = serving::fit_kernel_overheads(d_use).params.seq_overhead_s;
  EXPECT_LT(moe_error(f.overheads.params), moe_error(held));
}

// `estimate` and the planner get the shipped scale of their GPU and format through the runtime
// resolution, and the calibration's source says which fit applied; dense models keep 1.
TEST(ServingValidation, RuntimeResolutionAttachesTheShippedMoeExpertScale) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get("b200");
  d.runtime = "vllm";
  d.tp = 2;
  d.precision = perf::default_precision(d.hardware, common::DType::fp8, std::nullopt, "vllm");
  const auto& moe = model::ModelCatalog::shipped().get("mixtral-8x7b");
  const auto r = perf::resolve_runtime(moe, d);
  const auto* kc = hwprofiles::RuntimeCatalog::shipped().kernel_calibration("vllm", r.version);
  ASSERT_NE(kc, nullptr);
  ASSERT_FALSE(kc->moe_expert_scales.empty()) << "the shipped kernel calibrations carry MoE scales";
  const double want =
      hwprofiles::pick_moe_scales(kc->moe_expert_scales, "b200", "blackwell", "fp8", "fp8", "standard").scale;
  EXPECT_DOUBLE_EQ(r.calibration.params.moe_expert_scale, want);
  EXPECT_NE(want, 1.0);
  EXPECT_NE(r.calibration.source.find("MoE experts x"), std::string::npos) << r.calibration.source;
  const auto dense = perf::resolve_runtime(model::ModelCatalog::shipped().get("llama-3.1-8b"), d);
  EXPECT_DOUBLE_EQ(dense.calibration.params.moe_expert_scale, 1.0);
  EXPECT_EQ(dense.calibration.source.find("MoE experts"), std::string::npos);
}

namespace {
// A synthetic "measured" row: simulated with the shipped calibration at expert scales 1 (a version
// fitted on MoE rows alone fits its overheads at scale 1 first, as sglang@0.5.14, so rows made at another
// scale would not be reproducible at any skew or acceptance), with the deployment's routing skew and MTP
// acceptance as given.
perf::ServingMeasurement synthetic_row(int id, const std::string& runtime, const std::string& version,
                                       const std::string& model, int tp, int users, int in, int out,
                                       std::optional<double> skew, std::optional<double> acceptance,
                                       const std::string& hardware = "b200") {
  perf::ServingMeasurement row;
  row.id = "synthetic-" + std::to_string(id);
  row.hardware = hardware;
  row.runtime = runtime;
  row.runtime_version = version;
  row.model = model;
  row.moe = true;
  row.weight = row.activation = common::DType::fp4;
  row.kv = common::DType::fp8;
  row.tp = tp;
  row.concurrency = users;
  row.input = in;
  row.output = out;
  auto d = serving::row_deployment(row, true, skew, acceptance);
  if (skew) {
    EXPECT_DOUBLE_EQ(d.moe_routing_skew, *skew);
  }
  for (auto& c : d.hardware.calibrations) c.params.moe_expert_scale = c.params.moe_prefill_scale = 1.0;
  const auto r = serving::simulate_benchmark(model::ModelCatalog::shipped().get(model), d, serving::harness_spec(row));
  row.ttft_s = r.ttft_s;
  row.tpot_s = r.tpot_s;
  return row;
}

// A synthetic row whose TPOT (x5) and TTFT (x3) do not follow the load, kept out of the fit as a rule of
// fit_exclusions.json would keep it.
perf::ServingMeasurement inconsistent_row(int id, int users, const std::string& hardware = "b200") {
  auto bad = synthetic_row(id, "vllm", "", "gpt-oss-120b", 2, users, 2048, 256, 1.0, std::nullopt, hardware);
  bad.tpot_s *= 5;
  bad.ttft_s *= 3;
  bad.fit_excluded = "test: inconsistent";
  return bad;
}
}  // namespace

// The routing-skew fit (calibrate-serving --fit-routing) finds the skew that "measured" rows were
// simulated with: gpt-oss-120b rows on B200 under vLLM, simulated at s = 1 with the shipped calibration,
// then the whole fit (overheads, expert scales) redone at each grid value. A wrong skew bends TPOT
// against the batch in a way no scale or overhead can undo.
TEST(ServingValidation, RoutingSkewFitFindsTheSkewTheRowsRanWith) {
  std::vector<perf::ServingMeasurement> rows;
  int i = 0;
  for (int users : {2, 8, 32, 128})
    for (auto [in, out] : {std::pair{1024, 256}, std::pair{4096, 128}, std::pair{512, 512}})
      rows.push_back(synthetic_row(i++, "vllm", "", "gpt-oss-120b", 2, users, in, out, 1.0, std::nullopt));
  serving::ObservationOptions opt;
  opt.jobs = 2;
  std::vector<double> seen;
  const auto fit = serving::fit_routing_skew(rows, opt, {0.0, 1.0, 2.0}, [&](double s, double) { seen.push_back(s); });
  EXPECT_EQ(seen, (std::vector<double>{0.0, 1.0, 2.0})) << "every grid value is tried, in order";
  EXPECT_EQ(fit.rows, 12);
  EXPECT_DOUBLE_EQ(fit.skew, 1.0);
  ASSERT_EQ(fit.objective.size(), 3u);
  std::cout << "median |TPOT error| at skew 0 / 1 / 2: " << fit.objective[0].second << " / " << fit.objective[1].second
            << " / " << fit.objective[2].second << "\n";
  EXPECT_LT(fit.objective[1].second, 0.01) << "the rows' own skew reproduces them";
  EXPECT_GT(fit.objective[0].second, fit.objective[1].second);
  EXPECT_GT(fit.objective[2].second, fit.objective[1].second);
}

// Rows kept out of the fit (fit_exclusions.json) change nothing that is fitted, however wrong they are,
// and are still predicted and reported.
TEST(ServingValidation, RowsKeptOutOfTheFitChangeNoFittedNumber) {
  std::vector<perf::ServingMeasurement> clean;
  int i = 0;
  for (int users : {2, 8, 32, 128})
    for (auto [in, out] : {std::pair{1024, 256}, std::pair{4096, 128}})
      clean.push_back(synthetic_row(i++, "vllm", "", "gpt-oss-120b", 2, users, in, out, 1.0, std::nullopt));
  auto with = clean;
  for (int users : {4, 16, 64}) with.push_back(inconsistent_row(i++, users));
  serving::ObservationOptions opt;
  opt.jobs = 2;
  const auto a = serving::validate_serving(clean, opt, false);
  const auto b = serving::validate_serving(with, opt, false);
  EXPECT_EQ(b.rows_excluded, 3);
  EXPECT_EQ(b.rows_fit, a.rows_fit);
  ASSERT_EQ(a.fits.size(), b.fits.size());
  for (std::size_t k = 0; k < a.fits.size(); ++k) {
    EXPECT_EQ(hwprofiles::kernel_params_to_json(a.fits[k].calibration.params),
              hwprofiles::kernel_params_to_json(b.fits[k].calibration.params));
    EXPECT_EQ(hwprofiles::moe_expert_scales_to_json(a.fits[k].calibration.moe_expert_scales),
              hwprofiles::moe_expert_scales_to_json(b.fits[k].calibration.moe_expert_scales));
  }
  int reported = 0;
  for (const auto& p : b.points)
    if (p.value("fit_excluded", false)) {
      ++reported;
      EXPECT_GT(p["tpot_measured_s"].get<double>(), 2 * p["tpot_predicted_s"].get<double>());
    }
  EXPECT_EQ(reported, 3);
  // Without the mark the same rows pull the fit.
  for (auto& r : with) r.fit_excluded.clear();
  const auto c = serving::validate_serving(with, opt, false);
  EXPECT_NE(hwprofiles::moe_expert_scales_to_json(a.fits[0].calibration.moe_expert_scales),
            hwprofiles::moe_expert_scales_to_json(c.fits[0].calibration.moe_expert_scales));
}

// Leave one system out reports each group twice: with every row (the targets are judged on it) and
// less the metrics a rule of fit_exclusions.json names, as the random split does: a row kept out of the
// fit leaves both its metrics out of the second, a row whose TTFT alone is kept out only its TTFT.
TEST(ServingValidation, LeaveOneSystemOutReportsTheRuledOutMetricsApart) {
  std::vector<perf::ServingMeasurement> rows;
  int i = 0;
  for (const char* hw : {"b200", "b300"})
    for (int users : {2, 8, 32})
      for (auto [in, out] : {std::pair{1024, 256}, std::pair{4096, 128}})
        rows.push_back(synthetic_row(i++, "vllm", "", "gpt-oss-120b", 2, users, in, out, 1.0, std::nullopt, hw));
  for (int users : {4, 16}) rows.push_back(inconsistent_row(i++, users, "b300"));
  auto slow_first = synthetic_row(i++, "vllm", "", "gpt-oss-120b", 2, 64, 2048, 256, 1.0, std::nullopt, "b300");
  slow_first.ttft_s *= 10;
  slow_first.ttft_fit_excluded = "test: TTFT that does not follow the load";
  rows.push_back(slow_first);
  serving::ObservationOptions opt;
  opt.jobs = 2;
  const auto v = serving::validate_serving(rows, opt, true);
  auto find = [](const std::vector<serving::ErrorGroup>& gs, const std::string& key) -> const serving::ErrorGroup* {
    for (const auto& g : gs)
      if (g.key == key) return &g;
    return nullptr;
  };
  const auto* all = find(v.loso_own_tables, "b300 / vllm / moe");
  const auto* clean = find(v.loso_own_tables_unruled, "b300 / vllm / moe");
  ASSERT_NE(all, nullptr);
  ASSERT_NE(clean, nullptr);
  EXPECT_EQ(all->ttft.n, 9);
  EXPECT_EQ(all->tpot.n, 9);
  EXPECT_EQ(clean->ttft.n, 6) << "less the two rows kept out and the TTFT kept out";
  EXPECT_EQ(clean->tpot.n, 7) << "the row whose TTFT alone is kept out keeps its TPOT";
  EXPECT_GT(all->tpot.p90_abs, 0.5) << "the rows five times too slow are in the first";
  EXPECT_LT(clean->tpot.p90_abs, 0.3);
  EXPECT_GT(all->ttft.p90_abs, clean->ttft.p90_abs);
  // The other system has no ruled-out row: the same figures both ways.
  const auto* b200 = find(v.loso_own_tables, "b200 / vllm / moe");
  const auto* b200_clean = find(v.loso_own_tables_unruled, "b200 / vllm / moe");
  ASSERT_NE(b200, nullptr);
  ASSERT_NE(b200_clean, nullptr);
  EXPECT_EQ(b200->tpot.n, b200_clean->tpot.n);
  EXPECT_DOUBLE_EQ(b200->ttft.median_abs, b200_clean->ttft.median_abs);
  EXPECT_DOUBLE_EQ(b200->tpot.median_abs, b200_clean->tpot.median_abs);
  const auto j = serving::serving_validation_to_json(v);
  ASSERT_TRUE(j.contains("leave_one_system_out_own_tables_less_ruled_out"));
  EXPECT_EQ(j["leave_one_system_out_own_tables_less_ruled_out"].size(), v.loso_own_tables_unruled.size());
}

// The TensorRT-LLM DeepSeek rows measured on 1.2.0rc6.post3 are InferenceX's MTP recipes: 3 draft
// tokens, 1 under attention DP; other versions, runtimes and models run without.
TEST(ServingValidation, MtpRecipesAreTheRowsMeasuredOnTheirRelease) {
  perf::ServingMeasurement row;
  row.hardware = "b200";
  row.runtime = "tensorrt-llm";
  row.runtime_version = "1.2.0rc6.post3";
  row.model = "deepseek-v3";
  row.moe = true;
  row.weight = row.activation = common::DType::fp4;
  row.kv = common::DType::fp8;
  row.tp = 8;
  row.concurrency = 16;
  row.input = 1024;
  row.output = 1024;
  EXPECT_EQ(serving::row_mtp_draft_tokens(row), 3);
  const auto d = serving::row_deployment(row, true, std::nullopt, 0.55);
  ASSERT_TRUE(d.mtp.has_value());
  EXPECT_EQ(d.mtp->draft_tokens, 3);
  EXPECT_DOUBLE_EQ(d.mtp->acceptance, 0.55);
  auto adp = row;
  adp.attention_dp = 8;
  adp.ep = 8;
  adp.tp = 1;
  EXPECT_EQ(serving::row_mtp_draft_tokens(adp), 1);
  auto plain = row;
  plain.runtime_version = "1.2.0rc6.post2";
  EXPECT_EQ(serving::row_mtp_draft_tokens(plain), 0);
  EXPECT_FALSE(serving::row_deployment(plain, true, std::nullopt, 0.55).mtp.has_value());
  auto gptoss = row;
  gptoss.model = "gpt-oss-120b";
  EXPECT_EQ(serving::row_mtp_draft_tokens(gptoss), 0) << "no MTP module";
  // Before post2 / post3, the plain and the MTP recipes both ran 1.1.0rc2.post2: the 2026-01-14 sweep is
  // the MTP one, the 2025-12-15 runs of the same image and configurations the plain one.
  auto early = row;
  early.runtime_version = "1.1.0rc2.post2";
  early.measured_on = "2026-01-14";
  EXPECT_EQ(serving::row_mtp_draft_tokens(early), 3);
  early.measured_on = "2025-12-15";
  EXPECT_EQ(serving::row_mtp_draft_tokens(early), 0);
  // A recipe recorded beside the CSV (row_recipes.json) decides for any runtime: SGLang's EAGLE runs.
  auto sglang = row;
  sglang.runtime = "sglang";
  sglang.runtime_version = "0.5.9";
  sglang.weight = sglang.activation = common::DType::fp8;
  EXPECT_EQ(serving::row_mtp_draft_tokens(sglang), 0);
  sglang.mtp_draft_tokens = 2;
  EXPECT_EQ(serving::row_mtp_draft_tokens(sglang), 2);
  // Run with the version's fitted acceptance, or with the one pooled over every runtime's MTP runs.
  const auto ds = serving::row_deployment(sglang, true);
  ASSERT_TRUE(ds.mtp.has_value());
  EXPECT_EQ(ds.mtp->draft_tokens, 2);
  EXPECT_GT(ds.mtp->acceptance, 0.0);
  EXPECT_GT(hwprofiles::RuntimeCatalog::shipped().pooled_mtp_acceptance(), 0.0);
}

// SGLang's DeepSeek-R1 rows on B200 ran InferenceX's recipes: --scheduler-recv-interval 10 below 16 users,
// 30 from 16 (FP8 at TP4: 10); other SGLang rows take requests in every iteration.
TEST(ServingValidation, SglangDeepSeekB200RowsReceiveEveryTenOrThirtyIterations) {
  auto row = b200_sglang_row("deepseek-v3");
  EXPECT_EQ(recv_interval(row), 10);
  row.concurrency = 16;
  EXPECT_EQ(recv_interval(row), 30);
  auto tp4 = row;
  tp4.tp = 4;
  tp4.input = 8192;
  EXPECT_EQ(serving::row_deployment(tp4, true).scheduler.recv_interval_iters, 10);
  auto fp4 = tp4;
  fp4.weight = fp4.activation = common::DType::fp4;
  EXPECT_EQ(serving::row_deployment(fp4, true).scheduler.recv_interval_iters, 30);
  auto b300 = row;
  b300.hardware = "b300";
  EXPECT_EQ(serving::row_deployment(b300, true).scheduler.recv_interval_iters, 30) << "the B200 recipe as-is";
  auto glm = row;
  glm.model = "glm-5";
  EXPECT_EQ(serving::row_deployment(glm, true).scheduler.recv_interval_iters, 0)
      << "InferenceX's GLM-5 recipe sets none";
}

// The bundled row_recipes.json: SGLang DeepSeek-R1 FP8 on B200 (TP8 EP1, 4-64 users) as measured on
// 2026-03-25 beside the plain recipe ran InferenceX's EAGLE recipe: 2 draft tokens; Qwen3.5 FP8 TP4 EP1
// under SGLang 0.5.9 its MTP recipe: 3 draft tokens and BF16 recurrent states, which the rows'
// deployments keep; every other row has no recorded recipe.
TEST(ServingValidation, BundledRowRecipesAreTheSglangEagleRuns) {
  const auto set = perf::load_serving_measurements(perf::bundled_serving_measurements());
  int eagle = 0, qwen = 0;
  for (const auto& r : set.rows) {
    if (r.mtp_draft_tokens < 0) {
      EXPECT_TRUE(r.recipe.empty()) << r.id;
      EXPECT_FALSE(r.state_precision.has_value()) << r.id;
      if (r.model == "qwen3.5-397b-a17b") {
        EXPECT_EQ(serving::row_deployment(r, true, std::nullopt, std::nullopt).precision.state, common::DType::fp32)
            << r.id << ": SGLang's default";
      }
      continue;
    }
    EXPECT_EQ(r.runtime, "sglang") << r.id;
    EXPECT_EQ(r.weight, common::DType::fp8) << r.id;
    EXPECT_EQ(r.ep, 1) << r.id;
    EXPECT_EQ(serving::row_mtp_draft_tokens(r), r.mtp_draft_tokens) << r.id;
    if (r.model == "qwen3.5-397b-a17b") {
      // InferenceX's qwen3.5-fp8-b200-sglang-mtp: 3 draft steps. At 4 users each decodes faster on 4 GPUs
      // than the TP8 run of the same lengths, release and GPU does on 8.
      ++qwen;
      EXPECT_EQ(r.mtp_draft_tokens, 3) << r.id;
      EXPECT_EQ(r.state_precision, common::DType::bf16) << r.id << ": --mamba-ssm-dtype bfloat16";
      EXPECT_EQ(serving::row_deployment(r, true, std::nullopt, std::nullopt).precision.state, common::DType::bf16)
          << r.id;
      EXPECT_EQ(r.tp, 4) << r.id;
      EXPECT_EQ(r.runtime_version, "0.5.9") << r.id;
      if (r.concurrency != 4) continue;
      bool tp8 = false;
      for (const auto& p : set.rows)
        if (p.model == r.model && p.hardware == r.hardware && p.runtime_version == r.runtime_version &&
            p.weight == r.weight && p.tp == 8 && p.ep == 1 && p.input == r.input && p.output == r.output &&
            p.concurrency == r.concurrency) {
          tp8 = true;
          EXPECT_LT(r.tpot_s, 0.8 * p.tpot_s) << r.id;
          EXPECT_EQ(serving::row_mtp_draft_tokens(p), 0) << p.id;
        }
      EXPECT_TRUE(tp8 || r.output == 8192) << r.id << ": B300 ran no TP8 1024/8192";
      continue;
    }
    ++eagle;
    EXPECT_EQ(r.mtp_draft_tokens, 2) << r.id;
    EXPECT_FALSE(r.state_precision.has_value()) << r.id;
    EXPECT_EQ(r.hardware, "b200") << r.id;
    EXPECT_EQ(r.model, "deepseek-v3") << r.id;
    EXPECT_EQ(r.tp, 8) << r.id;
    EXPECT_LE(r.concurrency, 64) << r.id;
    EXPECT_EQ(r.measured_on, "2026-03-25") << r.id;
    // Its plain twin (configuration 87, the same day) decodes slower.
    bool twin = false;
    for (const auto& p : set.rows)
      if (p.id.ends_with("_cfg87") && p.input == r.input && p.output == r.output && p.concurrency == r.concurrency) {
        twin = true;
        EXPECT_LT(r.tpot_s, 0.95 * p.tpot_s) << r.id;
        EXPECT_EQ(serving::row_mtp_draft_tokens(p), 0) << p.id;
      }
    EXPECT_TRUE(twin) << r.id;
  }
  EXPECT_EQ(eagle, 11);
  EXPECT_EQ(qwen, 33);
}

// SGLang's Qwen3.5 rows on B200 and B300 ran InferenceX's Qwen3.5 recipes: --scheduler-recv-interval 10
// below 16 users and 30 from 16, NVFP4 30 at every load.
TEST(ServingValidation, SglangQwen35RowsReceiveEveryTenOrThirtyIterations) {
  auto row = b200_sglang_row("qwen3.5-397b-a17b");
  EXPECT_EQ(recv_interval(row), 10);
  row.concurrency = 16;
  EXPECT_EQ(recv_interval(row), 30);
  auto fp4 = row;
  fp4.concurrency = 4;
  fp4.tp = 4;
  fp4.weight = fp4.activation = common::DType::fp4;
  EXPECT_EQ(recv_interval(fp4), 30);
  auto b300 = row;
  b300.hardware = "b300";
  b300.concurrency = 4;
  EXPECT_EQ(recv_interval(b300), 10);
}

// The acceptance fit finds the acceptance synthetic MTP rows were simulated with.
TEST(ServingValidation, MtpAcceptanceFitFindsTheAcceptanceTheRowsRanWith) {
  std::vector<perf::ServingMeasurement> rows;
  int i = 0;
  for (int users : {4, 16, 64})
    for (auto [in, out] : {std::pair{1024, 256}, std::pair{2048, 128}})
      for (const char* version : {"1.2.0rc6.post3", "1.2.0rc6.post2"})
        rows.push_back(
            synthetic_row(i++, "tensorrt-llm", version, "deepseek-v3", 8, users, in, out, std::nullopt, 0.6));
  serving::ObservationOptions opt;
  opt.jobs = 2;
  const auto fit = serving::fit_mtp_acceptance(rows, opt, {0.4, 0.6, 0.8});
  EXPECT_EQ(fit.rows, 12);
  EXPECT_EQ(fit.mtp_rows, 6);
  EXPECT_DOUBLE_EQ(fit.acceptance, 0.6);
  ASSERT_EQ(fit.objective.size(), 3u);
  std::cout << "median |TPOT error| at acceptance 0.4 / 0.6 / 0.8: " << fit.objective[0].second << " / "
            << fit.objective[1].second << " / " << fit.objective[2].second << "\n";
  EXPECT_LT(fit.objective[1].second, 0.01);
  EXPECT_GT(fit.objective[0].second, fit.objective[1].second);
  EXPECT_GT(fit.objective[2].second, fit.objective[1].second);
}

// The prefill share of TTFT (CalibrationParams::ttft_prefill_fraction): the simulator and the analytic
// estimate add that multiple of the prompt's own modelled prefill; the fit gives a known share back from
// rows of two models on H100 alone, and those parameters then predict B200's TTFT, where a time per
// prompt token fitted on H100 would not.
TEST(ServingValidation, PrefillShareIsFittedAndTransfersWithThePrefill) {
  hwprofiles::CalibrationParams truth;
  truth.step_overhead_s = 200e-6;
  truth.seq_overhead_s = 10e-6;
  truth.ttft_request_s = 0.01;
  truth.ttft_queue_factor = 0.05;
  truth.ttft_prefill_fraction = 1.5;
  auto observe = [&](const std::string& model, const std::string& hw, int tp, int users, int in, int out,
                     perf::ServingMeasurement& row) {
    const perf::Deployment d = servingtest::resolved(model, hw, "vllm", tp);
    serving::BenchmarkSpec s;
    s.concurrency = users;
    s.input = in;
    s.output = out;
    const auto r = serving::simulate_benchmark(model::ModelCatalog::shipped().get(model), d, s);
    row.runtime = "vllm";
    row.hardware = hw;
    row.concurrency = users;
    row.input = in;
    row.output = out;
    serving::ServingObservation o;
    o.row = &row;
    o.ttft.terms = {{r.mean_ttft_cost, 1.0}};
    o.tpot.terms = {{r.mean_tpot_cost, 1.0}};
    o.prefill_one = r.prefill_one_cost;
    o.queue_others = r.queue_others;
    std::tie(o.ttft.measured, o.tpot.measured) = serving::des_prediction(o, truth);
    return o;
  };
  std::vector<perf::ServingMeasurement> rows(48);
  std::vector<serving::ServingObservation> h100, b200;
  int i = 0;
  for (int users : {2, 8, 32})
    for (auto [in, out] : {std::pair{512, 256}, std::pair{2048, 128}, std::pair{4096, 256}, std::pair{1024, 512}}) {
      h100.push_back(observe("llama-3.1-8b", "h100-sxm", 1, users, in, out, rows[std::size_t(i++)]));
      h100.push_back(observe("qwen3-32b", "h100-sxm", 2, users, in, out, rows[std::size_t(i++)]));
      b200.push_back(observe("llama-3.1-8b", "b200", 1, users, in, out, rows[std::size_t(i++)]));
    }
  std::vector<const serving::ServingObservation*> use;
  for (const auto& o : h100) use.push_back(&o);
  const auto fit = serving::fit_kernel_overheads(use);
  EXPECT_NEAR(fit.params.ttft_prefill_fraction, truth.ttft_prefill_fraction, 0.1 * truth.ttft_prefill_fraction);
  EXPECT_LT(fit.params.ttft_token_s, 2e-6);  // not absorbed as a time per prompt token
  for (const auto& o : b200) {
    const auto [t, p] = serving::des_prediction(o, fit.params);
    EXPECT_NEAR(t / o.ttft.measured, 1.0, 0.03) << o.row->input << " tokens, " << o.row->concurrency << " users";
    EXPECT_NEAR(p / o.tpot.measured, 1.0, 0.03);
  }

  // One user, nothing to queue behind: the share adds exactly its multiple of the prompt alone, in the
  // simulator and in the analytic estimate alike.
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  perf::Deployment d0 = servingtest::resolved("llama-3.1-8b", "h100-sxm", "vllm", 1);
  perf::Deployment d1 = d0;
  for (auto& c : d1.hardware.calibrations) c.params.ttft_prefill_fraction += 2.0;
  serving::BenchmarkSpec s;
  s.concurrency = 1;
  s.input = 2048;
  s.output = 64;
  const auto r0 = serving::simulate_benchmark(m, d0, s), r1 = serving::simulate_benchmark(m, d1, s);
  const double alone = r1.prefill_one_cost.time(perf::StepEstimator(m, d1).params());
  EXPECT_GT(alone, 0.01);
  EXPECT_NEAR(r1.ttft_s - r0.ttft_s, 2.0 * alone, 1e-6 + 1e-3 * alone);
  const auto a0 = perf::estimate_serving(perf::StepEstimator(m, d0), {1, 2048, 64});
  const auto a1 = perf::estimate_serving(perf::StepEstimator(m, d1), {1, 2048, 64});
  EXPECT_NEAR(a1.ttft_s - a0.ttft_s, 2.0 * alone, 1e-6 + 1e-3 * alone);
}

// Leave one system out without its own tables prices the rows with the efficiency model it is given (the
// one fitted without that system's kernel tables); with none, the shipped one. Its deployment carries it.
TEST(ServingValidation, RowsWithoutTheirTablesTakeTheEfficiencyModelTheyAreGiven) {
  auto row = synthetic_row(0, "vllm", "", "llama-3.1-8b", 1, 8, 1024, 256, std::nullopt, std::nullopt, "h100-sxm");
  row.moe = false;
  row.weight = row.activation = row.kv = common::DType::bf16;
  std::vector<perf::ServingMeasurement> rows{row};
  serving::ObservationOptions opt;
  opt.own_tables = false;
  opt.jobs = 1;
  const auto shipped = serving::build_serving_observations(rows, opt);
  auto slow = std::make_shared<perf::EfficiencyModel>(perf::EfficiencyModel::shipped());
  slow->gemm_by_dtype.clear();
  slow->gemm.floor_s += 100e-6;  // every GEMM launch 0.1 ms slower
  opt.efficiency = slow;
  const auto given = serving::build_serving_observations(rows, opt);
  ASSERT_EQ(shipped.obs.size(), 1u);
  ASSERT_EQ(given.obs.size(), 1u);
  EXPECT_EQ(given.obs[0].basis, "efficiency model");
  EXPECT_EQ(given.obs[0].deployment.efficiency, slow);
  const double step0 = shipped.obs[0].tpot.terms.front().cost.time(hwprofiles::CalibrationParams{});
  const double step1 = given.obs[0].tpot.terms.front().cost.time(hwprofiles::CalibrationParams{});
  // Llama-3.1-8B: 32 layers of 4 GEMMs and the LM head, each 0.1 ms slower at least.
  EXPECT_GT(step1 - step0, 0.9 * (32 * 4 + 1) * 100e-6);
}
