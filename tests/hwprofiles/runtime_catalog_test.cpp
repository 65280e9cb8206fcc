#include "infersim/hwprofiles/runtime_catalog.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"

using namespace infersim;
using common::ConfigError;
using common::DType;
using common::Json;

TEST(RuntimeCatalog, ShipsTheRequiredRuntimes) {
  auto& c = hwprofiles::RuntimeCatalog::shipped();
  for (const char* n : {"vllm", "tensorrt-llm", "sglang", "llama.cpp", "deepspeed-mii", "tgi", "jetstream", "neuron",
                        "groq", "qnn", "ryzen-ai", "coreml"})
    EXPECT_TRUE(c.contains(n)) << n;
}

// Every shipped hardware has exactly one default runtime (the one used when none is named).
TEST(RuntimeCatalog, EveryHardwareHasExactlyOneDefaultRuntime) {
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  for (const auto& n : hws.names()) {
    const auto& h = hws.get(n);
    int defaults = 0;
    for (const auto* r : rts.for_hardware(h)) defaults += r->backend_for(h)->is_default ? 1 : 0;
    EXPECT_EQ(defaults, 1) << n << " (" << h.family << ")";
  }
}

TEST(RuntimeCatalog, SupportMatrixRules) {
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  const auto& vllm = rts.get("vllm");
  // FP8 only on Hopper and newer (and Ada): rejected on A100 with the reason, accepted on H100.
  const std::string a100 = vllm.dtype_problem(hws.get("a100-80g-sxm"), DType::fp8, DType::fp8);
  EXPECT_NE(a100.find("fp8"), std::string::npos) << a100;
  EXPECT_EQ(vllm.dtype_problem(hws.get("h100-sxm"), DType::fp8, DType::fp8), "");
  // TensorRT-LLM does not run on AMD; jetstream runs only on TPUs.
  EXPECT_EQ(rts.get("tensorrt-llm").backend_for(hws.get("mi300x")), nullptr);
  EXPECT_NE(rts.get("jetstream").backend_for(hws.get("tpu-v6e")), nullptr);
  EXPECT_EQ(rts.get("jetstream").backend_for(hws.get("h100-sxm")), nullptr);
  EXPECT_EQ(rts.default_for(hws.get("h100-sxm"))->name, "vllm");
  EXPECT_EQ(rts.default_for(hws.get("gaudi2"))->name, "deepspeed-mii");
  EXPECT_EQ(rts.default_for(hws.get("groq-lpu"))->name, "groq");
  EXPECT_FALSE(rts.get("deepspeed-mii").serves("deepseek_v3"));
}

// The hybrid Gated DeltaNet models (Qwen3-Next, Qwen3.5) are served by the three NVIDIA-GPU runtimes that
// list them, each with its source; TensorRT-LLM's is its own supported-models table.
TEST(RuntimeCatalog, HybridLinearAttentionModelsAreServedWhereTheRuntimesListThem) {
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  for (const char* rt : {"vllm", "sglang", "tensorrt-llm"})
    for (const char* arch : {"qwen3_next", "qwen3_5_moe"}) {
      EXPECT_TRUE(rts.get(rt).serves(arch)) << rt << " " << arch;
      EXPECT_NE(rts.get(rt).architectures_source.find(arch), std::string::npos)
          << rt << " names its source for " << arch;
    }
  EXPECT_NE(rts.get("tensorrt-llm").architectures_source.find("supported-models.md"), std::string::npos);
  EXPECT_FALSE(rts.get("tgi").serves("qwen3_next"));
}

TEST(RuntimeCatalog, BadProfilesAreRejectedWithPointer) {
  const Json good = common::load_json_file(hwprofiles::RuntimeCatalog::shipped().path_of("vllm"));
  auto bad = [&](const std::function<void(Json&)>& mutate, const std::string& needle) {
    Json j = good;
    mutate(j);
    try {
      hwprofiles::runtime_from_json(j, "rt.json");
      FAIL() << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  bad([](Json& j) { j["backends"][0]["weight_dtypes"][0] = "fp9"; }, "/backends/0/weight_dtypes/0");
  bad([](Json& j) { j["backends"][0]["maturity"] = "ancient"; }, "/backends/0/maturity");
  bad([](Json& j) { j["features"]["source"] = "docs"; }, "/features/source");
  bad([](Json& j) { j["speed"] = 3; }, "/speed");
  bad([](Json& j) { j["backends"] = Json::array(); }, "/backends");
  bad([](Json& j) { j["backends"][0]["hardware_kinds"] = {"fpga"}; }, "/backends/0/hardware_kinds/0");
  // The fused all-reduce sizes: TP sizes >= 2 as keys, a sourced entry.
  std::size_t v24 = 0;
  while (v24 < good["versions"].size() && good["versions"][v24]["version"] != "0.24") ++v24;
  ASSERT_LT(v24, good["versions"].size());
  const std::string at = "/versions/" + std::to_string(v24) + "/fused_allreduce";
  bad([&](Json& j) { j["versions"][v24]["fused_allreduce"]["max_mib"]["hopper"]["1"] = 4; }, at + "/max_mib/hopper/1");
  bad([&](Json& j) { j["versions"][v24]["fused_allreduce"]["max_mib"]["hopper"]["x8"] = 4; },
      at + "/max_mib/hopper/x8");
  bad([&](Json& j) { j["versions"][v24]["fused_allreduce"]["max_mib"]["hopper"]["8"] = -1; }, at + "/max_mib/hopper/8");
  bad([&](Json& j) { j["versions"][v24]["fused_allreduce"]["source"] = "docs"; }, at + "/source");
}

TEST(RuntimeCatalog, VllmFusesSmallAllReducesOnHopperAndBlackwell) {
  // docs.vllm.ai design/fusions: AllReduce + RMSNorm at -O2 on Hopper / Blackwell with TP > 1, up to
  // FI_ALLREDUCE_FUSION_MAX_SIZE_MB {90: {2: 64, 4: 2, 8: 0.5}, 100: {2: 64, 4: 32, 8: 1}}.
  const auto* v = hwprofiles::RuntimeCatalog::shipped().get("vllm").version("0.24");
  ASSERT_NE(v, nullptr);
  EXPECT_DOUBLE_EQ(v->fused_allreduce_mib.at("hopper").at(8), 0.5);
  EXPECT_DOUBLE_EQ(v->fused_allreduce_mib.at("blackwell").at(4), 32.0);
  EXPECT_EQ(v->fused_allreduce_mib.count("ampere"), 0u);
  EXPECT_FALSE(v->fused_allreduce_source.empty());
  // Older vLLM and the other runtimes keep their own all-reduce.
  EXPECT_TRUE(hwprofiles::RuntimeCatalog::shipped().get("vllm").version("0.12")->fused_allreduce_mib.empty());
  EXPECT_TRUE(hwprofiles::RuntimeCatalog::shipped().get("sglang").version()->fused_allreduce_mib.empty());
}
