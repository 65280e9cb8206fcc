#include "infersim/perf/runtime_resolution.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"

using namespace infersim;

namespace {
perf::Deployment on(const std::string& hw, const std::string& runtime, int tp = 1) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(hw);
  d.runtime = runtime;
  d.tp = tp;
  return d;
}
const model::ModelSpec& card(const std::string& n) { return model::ModelCatalog::shipped().get(n); }
}  // namespace

TEST(RuntimeResolution, DefaultRuntimeIsNamedAndFittedWhereMeasured) {
  auto d = on("h100-sxm", "");
  const auto r = perf::apply_runtime(card("llama-3.1-70b"), d);
  EXPECT_TRUE(r.defaulted);
  EXPECT_EQ(r.runtime, "vllm");
  EXPECT_EQ(r.basis, "fitted");
  EXPECT_EQ(d.runtime, "vllm");
}

// On A100-40G both were measured: TensorRT-LLM is faster than vLLM there, and the transfer carries
// that ratio to H100 (prefill and decode factors < 1 where TensorRT-LLM was faster).
TEST(RuntimeResolution, TensorRtTransfersItsMeasuredAdvantageToH100) {
  const auto& m = card("llama-3.1-70b");
  auto v = on("h100-sxm", "vllm", 4);
  auto t = on("h100-sxm", "tensorrt-llm", 4);
  perf::apply_runtime(m, v);
  const auto rt = perf::apply_runtime(m, t);
  EXPECT_EQ(rt.basis, "transferred");
  EXPECT_NE(rt.calibration.source.find("a100-40g-sxm"), std::string::npos) << rt.calibration.source;
  const auto ev = perf::estimate_serving(perf::StepEstimator(m, v), {16, 1024, 256});
  const auto et = perf::estimate_serving(perf::StepEstimator(m, t), {16, 1024, 256});
  EXPECT_LT(et.ttft_s, ev.ttft_s);
  // Same direction as measured on A100-40G (fitted both there).
  auto va = on("a100-40g-sxm", "vllm", 4), ta = on("a100-40g-sxm", "tensorrt-llm", 4);
  perf::apply_runtime(card("llama-3.1-8b"), va);
  perf::apply_runtime(card("llama-3.1-8b"), ta);
  const auto a_v = perf::estimate_serving(perf::StepEstimator(card("llama-3.1-8b"), va), {16, 1024, 256});
  const auto a_t = perf::estimate_serving(perf::StepEstimator(card("llama-3.1-8b"), ta), {16, 1024, 256});
  EXPECT_LT(a_t.ttft_s, a_v.ttft_s);
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
  auto d = on("h100-sxm", "sglang");
  const auto r = perf::apply_runtime(card("llama-3.1-8b"), d);
  EXPECT_EQ(r.basis, "assumed");
  EXPECT_EQ(r.calibration.source.rfind("[EST]", 0), 0u);
}
