#include "infersim/perf/runtime_resolution.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"

#include "test_support.h"

using namespace infersim;
using infersim::testing::card;

namespace {
perf::Deployment on(const std::string& hw, const std::string& runtime, int tp = 1) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(hw);
  d.runtime = runtime;
  d.tp = tp;
  return d;
}
}  // namespace

TEST(RuntimeResolution, DefaultRuntimeIsNamedAndFittedWhereMeasured) {
  auto d = on("h100-sxm", "");
  const auto r = perf::apply_runtime(card("llama-3.1-70b"), d);
  EXPECT_TRUE(r.defaulted);
  EXPECT_EQ(r.runtime, "vllm");
  // The newest version runs on the kernel path with H100's own tables and fitted serving overheads.
  EXPECT_EQ(r.version, "0.24");
  EXPECT_EQ(r.basis, "kernel tables");
  EXPECT_TRUE(d.kernel_model);
  EXPECT_EQ(d.kernel_tables, "h100_sxm/vllm-0.24.0");
  EXPECT_NE(r.calibration.source.find("[FIT]"), std::string::npos) << r.calibration.source;
  EXPECT_EQ(d.runtime, "vllm");
  // The 2023 software behind the splitwise measurements stays available as its own version.
  auto old = on("h100-sxm", "vllm@splitwise");
  const auto ro = perf::apply_runtime(card("llama-3.1-70b"), old);
  EXPECT_EQ(ro.version, "splitwise");
  EXPECT_EQ(ro.basis, "fitted");
  EXPECT_FALSE(old.kernel_model);
}

TEST(RuntimeResolution, VersionsResolveByPrefixAndUnknownVersionsAreErrors) {
  auto d = on("b200", "tensorrt-llm@1");  // the newest 1.x
  EXPECT_EQ(perf::apply_runtime(card("llama-3.1-8b"), d).version, "1.3");
  auto e = on("b200", "sglang@0.5");
  const auto r = perf::apply_runtime(card("llama-3.1-8b"), e);
  EXPECT_EQ(r.version, "0.5.14");
  auto bad = on("h100-sxm", "vllm@9.9");
  try {
    perf::apply_runtime(card("llama-3.1-8b"), bad);
    FAIL() << "expected a ConfigError";
  } catch (const common::ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("0.24"), std::string::npos) << err.what();
  }
}

TEST(RuntimeResolution, ChipsWithoutTablesTransferOrUseTheEfficiencyModel) {
  // H200: Hopper like H100, whose tables are scaled to H200's roofline.
  auto h = on("h200", "vllm");
  const auto rh = perf::apply_runtime(card("llama-3.1-8b"), h);
  EXPECT_EQ(rh.basis, "transferred tables");
  EXPECT_EQ(h.kernel_tables_hardware, "h100-sxm");
  EXPECT_EQ(rh.calibration.source.rfind("[EST]", 0), 0u) << rh.calibration.source;
  // MI300X: no tables for the family: the roofline efficiency model.
  auto m = on("mi300x", "vllm");
  const auto rm = perf::apply_runtime(card("llama-3.1-8b"), m);
  EXPECT_EQ(rm.basis, "efficiency model");
  EXPECT_TRUE(m.kernel_tables.empty());
  // A TPU keeps its fitted roofline calibration (the efficiency model is fitted on GPUs only).
  auto t = on("tpu-v6e", "");
  const auto rt = perf::apply_runtime(card("llama-3.1-8b"), t);
  EXPECT_FALSE(t.kernel_model) << rt.basis;
  // Risk grades the planner and brief print: own tables are measured, a sibling's are scaled, a model is not.
  EXPECT_TRUE(perf::basis_is_measured("kernel tables"));
  EXPECT_STREQ(perf::basis_risk("kernel tables"), "low");
  EXPECT_STREQ(perf::basis_risk(rh.basis), "medium");
  EXPECT_STREQ(perf::basis_risk(rm.basis), "high");
  EXPECT_FALSE(perf::basis_is_measured(rm.basis));
}

// On A100-40G both were measured: TensorRT-LLM is faster than vLLM there, and the transfer carries
// that ratio to H100 (prefill and decode factors < 1 where TensorRT-LLM was faster).
TEST(RuntimeResolution, TensorRtTransfersItsMeasuredAdvantageToH100) {
  const auto& m = card("llama-3.1-70b");
  // The 2023-24 versions (roofline fits): vLLM as measured by splitwise on H100, TensorRT-LLM 0.11 only
  // on A100-40G.
  auto v = on("h100-sxm", "vllm@splitwise", 4);
  auto t = on("h100-sxm", "tensorrt-llm@0.11", 4);
  perf::apply_runtime(m, v);
  const auto rt = perf::apply_runtime(m, t);
  EXPECT_EQ(rt.basis, "transferred");
  EXPECT_NE(rt.calibration.source.find("a100-40g-sxm"), std::string::npos) << rt.calibration.source;
  const auto ev = perf::estimate_serving(perf::StepEstimator(m, v), {16, 1024, 256});
  const auto et = perf::estimate_serving(perf::StepEstimator(m, t), {16, 1024, 256});
  // Same direction as measured on A100-40G (fitted both there).
  auto va = on("a100-40g-sxm", "vllm@0.5", 4), ta = on("a100-40g-sxm", "tensorrt-llm@0.11", 4);
  perf::apply_runtime(card("llama-3.1-8b"), va);
  perf::apply_runtime(card("llama-3.1-8b"), ta);
  const auto a_v = perf::estimate_serving(perf::StepEstimator(card("llama-3.1-8b"), va), {16, 1024, 256});
  const auto a_t = perf::estimate_serving(perf::StepEstimator(card("llama-3.1-8b"), ta), {16, 1024, 256});
  EXPECT_EQ(et.ttft_s < ev.ttft_s, a_t.ttft_s < a_v.ttft_s)
      << "H100: tensorrt-llm " << et.ttft_s << " vs vllm " << ev.ttft_s << "; A100-40G (both measured): " << a_t.ttft_s
      << " vs " << a_v.ttft_s;
}

TEST(RuntimeResolution, UnsupportedCombinationsAreErrorsNotNumbers) {
  const auto& m = card("llama-3.1-8b");
  auto amd_trt = on("mi300x", "tensorrt-llm");
  EXPECT_THROW(perf::apply_runtime(m, amd_trt), common::ConfigError);
  auto a100_fp8 = on("a100-80g-sxm", "vllm");
  a100_fp8.precision = {common::DType::fp8, common::DType::fp8, common::DType::fp8};
  EXPECT_THROW(perf::apply_runtime(m, a100_fp8), common::ConfigError);
  auto ds = on("h100-sxm", "deepspeed-mii");
  EXPECT_THROW(perf::apply_runtime(card("deepseek-v3"), ds), common::ConfigError);
  auto unknown = on("h100-sxm", "vllmm");
  try {
    perf::apply_runtime(m, unknown);
    FAIL();
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'vllm'"), std::string::npos) << e.what();
  }
}

TEST(RuntimeResolution, UnmeasuredRuntimesAreMarkedEstimates) {
  // llama.cpp was never measured on H100 but was on A100-40G with vLLM 0.5: transferred, an estimate.
  auto d = on("h100-sxm", "llama.cpp");
  d.precision = perf::default_precision(d.hardware, common::DType::fp16, std::nullopt, "llama.cpp");
  const auto r = perf::apply_runtime(card("llama-3.1-8b"), d);
  EXPECT_NE(r.basis, "fitted");
  EXPECT_EQ(r.calibration.source.rfind("[EST]", 0), 0u) << r.calibration.source;
}
