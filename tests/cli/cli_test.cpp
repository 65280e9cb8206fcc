// End-to-end tests of the `infersim` executable: the contract users script against.
#include <gtest/gtest.h>
#include <iterator>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"

namespace {

struct Run {
  int code = -1;
  std::string out;  // stdout + stderr
};

Run run(const std::string& args) {
  const std::string cmd = std::string(INFERSIM_CLI) + " " + args + " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string data(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/" + f; }

}  // namespace

TEST(Cli, EstimateJsonHasTheContractFields) {
  const auto r = run(
      "estimate --model llama-3.1-70b --hardware h100-sxm --tp 4 --batch 16 --input 1024 --output 256 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  for (const char* k : {"ttft_s", "tpot_s", "e2e_s", "throughput_tok_s", "per_user_tok_s", "fits", "memory", "bound",
                        "power_w", "joules_per_token", "usd_per_1k_tokens", "breakdown", "runtime"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["chips"].get<int>(), 4);
  EXPECT_GT(j["tpot_s"].get<double>(), 0.0);
  EXPECT_TRUE(j["bound"].contains("prefill"));
  EXPECT_TRUE(j["breakdown"]["decode"]["ops"].contains("mlp"));
}

TEST(Cli, EstimateIsDeterministic) {
  const std::string a = "estimate --model mixtral-8x7b --hardware mi300x --batch 8 --json";
  EXPECT_EQ(run(a).out, run(a).out);
}

TEST(Cli, GroqExplainsHowManyChipsAndWhy) {
  const auto r = run("estimate --model llama-3.1-70b --hardware groq-lpu --precision fp16");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("SRAM"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chips"), std::string::npos) << r.out;
}

TEST(Cli, EdgeNpuSaysDoesNotFitAndByHowMuch) {
  const auto r = run("estimate --model llama-3.1-70b --hardware snapdragon-x-elite-npu --precision int8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("DOES NOT FIT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("short by"), std::string::npos) << r.out;
}

TEST(Cli, BadInputExitsTwoWithAClearMessage) {
  auto r = run("estimate --model llama-3.1-7b --hardware h100-sxm");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("did you mean"), std::string::npos) << r.out;
  r = run("estimate --model llama-3.1-8b --hardware h100");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("h100-sxm"), std::string::npos) << r.out;
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --batch -3");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--batch"), std::string::npos) << r.out;
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --batch nan");
  EXPECT_EQ(r.code, 2);
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --precison fp8");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--precision"), std::string::npos) << r.out;
  r = run("estimate --model llama-3.1-8b --hardware a100-80g-sxm --precision fp8");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("fp8"), std::string::npos) << r.out;
  r = run("hardware validate " + data("hw/does-not-exist.json"));
  EXPECT_EQ(r.code, 2);
  r = run("models import-hf " + data("hf/missing_layers_config.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("/num_hidden_layers"), std::string::npos) << r.out;
  r = run("frobnicate");
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, MalformedProfileNamesFileLineAndPointer) {
  const std::string bad = ::testing::TempDir() + "/bad_profile.json";
  FILE* f = fopen(bad.c_str(), "w");
  fputs("{\n  \"schema_version\": 1,\n  \"name\": \"x\",\n  oops\n}\n", f);
  fclose(f);
  const auto r = run("hardware validate " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("bad_profile.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 4"), std::string::npos) << r.out;
}

TEST(Cli, ListJsonNamesCatalogSlugs) {
  const auto r = run("list --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  bool has = false;
  for (const auto& n : j["hardware"])
    if (n == "tpu-v6e") has = true;
  EXPECT_TRUE(has);
  EXPECT_NE(r.out.find("deepseek-v3"), std::string::npos);
}

TEST(Cli, ImportHfWritesACardThatEstimates) {
  const std::string out = ::testing::TempDir() + "/imported.json";
  auto r = run("models import-hf " + data("hf/llama3_config.json") + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("estimate --model " + out + " --hardware l40s --json");
  ASSERT_EQ(r.code, 0) << r.out;
}

TEST(Cli, EstimateNamesTheRuntimeVersionAndItsStepModel) {
  // The issue's example: Llama-3.1-8B, one H100, TensorRT-LLM, 32 users, 1024 in / 256 out.
  auto r = run("estimate --model llama-3.1-8b --hardware h100-sxm --chips 1 --batch 32 --input 1024 --output 256 "
               "--runtime tensorrt-llm --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = infersim::common::parse_json_text(r.out, "stdout");
  EXPECT_EQ(j["runtime"], "tensorrt-llm");
  EXPECT_EQ(j["runtime_version"], "1.3") << "the newest version is the default";
  EXPECT_NE(j["step_model"].get<std::string>().find("h100_sxm/trtllm-1.3.0rc20"), std::string::npos) << j["step_model"];
  // Measured by aiconfigurator under TensorRT-LLM 1.0.0rc3: TTFT 160 ms, TPOT 10.9 ms. The version that
  // ran it, within 25% / 10% (a regression guard, not the validation: that is `infersim validate` on
  // held-out rows).
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --chips 1 --batch 32 --input 1024 --output 256 "
          "--runtime tensorrt-llm@1.0 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  j = infersim::common::parse_json_text(r.out, "stdout");
  EXPECT_EQ(j["runtime_version"], "1.0");
  EXPECT_NEAR(j["tpot_s"].get<double>() / 0.0109, 1.0, 0.10) << j["tpot_s"];
  EXPECT_NEAR(j["ttft_s"].get<double>() / 0.160, 1.0, 0.25) << j["ttft_s"];
  // An older version by name; an unknown one is an error naming the versions.
  r = run("estimate --model llama-3.1-70b --hardware h100-sxm --tp 4 --runtime vllm@splitwise --json");
  ASSERT_EQ(r.code, 0) << r.out;
  j = infersim::common::parse_json_text(r.out, "stdout");
  EXPECT_EQ(j["runtime_version"], "splitwise");
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --runtime vllm@9.9");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("0.24"), std::string::npos) << r.out;
}

// A DSA model says how its attention is priced: the top-k share of the context and the indexer.
TEST(Cli, EstimateExplainsSparseAttention) {
  auto r = run("estimate --model glm-5 --hardware b200 --chips 8 --tp 8 --batch 4 --input 8192 --output 1024 "
               "--runtime sglang --precision fp8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("sparse attention (DSA): each query attends to the 2048 highest-scoring"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("24% of them at the mean decode context of 8704"), std::string::npos) << r.out;
  r = run("estimate --model deepseek-v3 --hardware b200 --chips 8 --tp 8 --batch 4 --runtime sglang --precision fp8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("sparse attention"), std::string::npos) << "DeepSeek-V3 attends densely";
}

// Qwen3.5's Gated DeltaNet layers: an estimate names the recurrent state each sequence holds and SGLang's
// pool for them (the text and the JSON), the memory line counts the pool, the sequences the pool holds cap
// the batch, and a batch of more sequences than that does not fit.
TEST(Cli, EstimateNamesAHybridModelsRecurrentStates) {
  auto r = run("estimate --model qwen3.5-397b-a17b --hardware b200 --tp 4 --precision fp8 --runtime sglang --batch 16 "
               "--input 1024 --output 1024");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("a recurrent state of 45.79 MiB a sequence (fp32, in a state pool of"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("+ recurrent states 28.74 GiB + activations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> fits"), std::string::npos) << r.out;
  r = run("estimate --model qwen3.5-397b-a17b --hardware b200 --tp 4 --precision fp8 --runtime sglang --batch 2000 "
          "--input 1024 --output 1024 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  const auto& chip = j["memory"]["per_chip"];
  const double state = chip["recurrent_state_bytes_per_sequence"].get<double>();
  const double pool = chip["recurrent_state_pool_bytes"].get<double>();
  EXPECT_NEAR(state, 45 * (64.0 * 128 * 128 * 4 + 12288.0 * 3 * 2) / 4, 1e3);
  EXPECT_DOUBLE_EQ(j["max_concurrency"].get<double>(), std::floor(pool / state));
  EXPECT_DOUBLE_EQ(chip["recurrent_states_bytes"].get<double>(), pool) << "SGLang reserves the pool whole";
  EXPECT_FALSE(j["fits"].get<bool>()) << "2000 sequences' states overflow the pool";
  EXPECT_NE(j["memory"]["message"].get<std::string>().find("2000 sequences' recurrent states need"), std::string::npos)
      << r.out;
  bool capped = false;
  for (const auto& n : j["notes"])
    capped = capped || n.get<std::string>().find("so at most " + std::to_string(int(std::floor(pool / state))) +
                                                 " run at once") != std::string::npos;
  EXPECT_TRUE(capped) << r.out;
  // --state-precision bf16 (SGLang --mamba-ssm-dtype bfloat16): half-size states, twice the sequences.
  r = run("estimate --model qwen3.5-397b-a17b --hardware b200 --tp 4 --precision fp8 --runtime sglang --batch 16 "
          "--input 1024 --output 1024 --state-precision bf16 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto h = infersim::common::parse_json_text(r.out, "stdout");
  const auto& hc = h["memory"]["per_chip"];
  EXPECT_EQ(hc["recurrent_state_precision"].get<std::string>(), "bf16");
  EXPECT_NEAR(hc["recurrent_state_bytes_per_sequence"].get<double>(), 45 * (64.0 * 128 * 128 * 2 + 12288.0 * 3 * 2) / 4,
              1e3);
  EXPECT_GT(h["max_concurrency"].get<double>(), 1.9 * std::floor(pool / state));
  // TensorRT-LLM serves both hybrid models (its supported-models table); its state slots are sized to the
  // batch beside the KV cache, not a pool in proportion to it as SGLang's.
  r = run("estimate --model qwen3.5-397b-a17b --hardware b200 --tp 4 --precision fp8 --runtime tensorrt-llm --batch 16 "
          "--input 1024 --output 1024");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("a recurrent state of 45.79 MiB a sequence (fp32, beside the KV)"), std::string::npos) << r.out;
  r = run("estimate --model qwen3-next-80b-a3b --hardware h100-sxm --tp 2 --precision fp8 --runtime tensorrt-llm");
  EXPECT_EQ(r.code, 0) << r.out;
  // A state precision for a model without states, or a format states are not kept in, is refused.
  r = run("estimate --model llama-3.1-8b --hardware h100-sxm --state-precision bf16");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("state_precision: llama-3.1-8b keeps no recurrent state"), std::string::npos) << r.out;
  r = run("estimate --model qwen3.5-397b-a17b --hardware b200 --tp 4 --state-precision fp8");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("fp32, bf16 or fp16"), std::string::npos) << r.out;
}

// A plan for a hybrid model takes the states' format (PLAN.json "state_precision"): the analytic sizing
// and the simulator's check both run it, the candidates name it, and a model without states is exit 2
// naming the file and the field.
TEST(Cli, PlanRunsTheRecurrentStatePrecisionThroughTheSimulatorCheck) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_cli_state_precision";
  std::filesystem::create_directories(dir);
  auto plan_file = [&](const std::string& model, const std::string& state) {
    const auto f = dir / (model + "-" + state + ".json");
    std::ofstream(f) << R"({"model": ")" << model
                     << R"(", "workload": {"name": "chat", "input_tokens": 1024, "output_tokens": 1024},
      "load": {"requests_per_s": 20}, "slo": {"ttft_p99_s": 2.0, "tpot_p99_s": 0.05},
      "hardware": ["b200"], "runtimes": ["sglang"], "precisions": ["fp8"], "state_precision": ")"
                     << state << R"("})";
    return f.string();
  };
  auto best = [&](const std::string& state) {
    const auto r = run("plan " + plan_file("qwen3.5-397b-a17b", state) + " --json --top 1 --verify-top 1");
    EXPECT_EQ(r.code, 0) << r.out;
    return infersim::common::parse_json_text(r.out, "stdout")["ranked"][0];
  };
  const auto f32 = best("fp32"), b16 = best("bf16");
  EXPECT_EQ(f32["state_precision"], "fp32");
  EXPECT_EQ(b16["state_precision"], "bf16");
  ASSERT_TRUE(f32["verified"].get<bool>());
  ASSERT_TRUE(b16["verified"].get<bool>());
  if (f32["id"] == b16["id"] && f32["replicas"] == b16["replicas"] && f32["batch"] == b16["batch"]) {
    EXPECT_LT(b16["tpot_s"]["p50"].get<double>(), f32["tpot_s"]["p50"].get<double>())
        << "the simulator's check runs the 16-bit states too";
  }
  auto r = run("plan " + plan_file("qwen3.5-397b-a17b", "bf16") + " --top 1 --no-verify");
  EXPECT_NE(r.out.find("recurrent states kept in bf16"), std::string::npos) << r.out;
  const auto bad = plan_file("llama-3.1-8b", "bf16");
  r = run("plan " + bad);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(bad), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/state_precision"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("llama-3.1-8b keeps no recurrent state"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

// gpt-oss's checkpoints quantize the routed experts only: an FP4 estimate says the rest stays 16-bit and
// what the weights then take (57.36 GiB: MXFP4 experts beside BF16 attention, embeddings and LM head).
TEST(Cli, EstimateSaysWhichWeightsTheFormatAppliesTo) {
  auto r = run("estimate --model gpt-oss-120b --hardware b200 --precision fp4 --batch 8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("weights: gpt-oss-120b's checkpoints hold only the routed experts in fp4"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the weights take 57.36 GiB"), std::string::npos) << r.out;
  r = run("estimate --model gpt-oss-120b --hardware b200 --precision bf16 --batch 8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("routed experts in"), std::string::npos) << "every weight is 16-bit at bf16";
}

// Multi-token prediction and draft-model speculative decoding are options of estimate that change the
// answer and say so; options that cannot apply are errors, not ignored.
// `--length-range-ratio R`: lengths drawn per request from R x to 1 x I and O (InferenceX's client, 0.8).
// The estimate is taken at the mean lengths and says so; the simulation draws them, and the two agree.
TEST(Cli, EstimateDrawsLengthsAsInferenceXsClientDoes) {
  const std::string cmd = "estimate --model gpt-oss-120b --hardware b200 --chips 1 --tp 1 --precision fp4 --batch 32 "
                          "--input 8192 --output 1024 --runtime tensorrt-llm --max-num-tokens 20000 --json";
  auto fixed = run(cmd);
  auto drawn = run(cmd + " --length-range-ratio 0.8 --simulate --rounds 8");
  ASSERT_EQ(fixed.code, 0) << fixed.out;
  ASSERT_EQ(drawn.code, 0) << drawn.out;
  const auto jf = infersim::common::parse_json_text(fixed.out, "stdout");
  const auto jd = infersim::common::parse_json_text(drawn.out, "stdout");
  EXPECT_DOUBLE_EQ(jd["input"].get<double>(), 0.5 * (6553 + 8192)) << "the mean prompt";
  EXPECT_LT(jd["ttft_s"].get<double>(), jf["ttft_s"].get<double>()) << "prompts 10% shorter on average";
  const double sim_ttft = jd["simulated"]["ttft_s"].get<double>(), sim_tpot = jd["simulated"]["tpot_s"].get<double>();
  EXPECT_NEAR(jd["ttft_s"].get<double>(), sim_ttft, 0.10 * sim_ttft);
  EXPECT_NEAR(jd["tpot_s"].get<double>(), sim_tpot, 0.05 * sim_tpot);
  bool noted = false;
  for (const auto& n : jd["notes"])
    noted = noted || n.get<std::string>().find("lengths drawn per request") != std::string::npos;
  EXPECT_TRUE(noted) << drawn.out;
  auto bad = run("estimate --model gpt-oss-120b --hardware b200 --length-range-ratio 1.5");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("--length-range-ratio"), std::string::npos) << bad.out;
}

TEST(Cli, EstimateTakesMultiTokenPredictionAndDraftModels) {
  const std::string ds = "estimate --model deepseek-v3 --hardware b200 --chips 8 --tp 8 --batch 16 --input 1024 "
                         "--output 1024 --runtime tensorrt-llm --precision fp4 --json";
  auto plain = run(ds);
  ASSERT_EQ(plain.code, 0) << plain.out;
  auto mtp = run(ds + " --mtp 3 --mtp-accept 0.6");
  ASSERT_EQ(mtp.code, 0) << mtp.out;
  const auto jp = infersim::common::parse_json_text(plain.out, "stdout");
  const auto jm = infersim::common::parse_json_text(mtp.out, "stdout");
  EXPECT_LT(jm["tpot_s"].get<double>(), jp["tpot_s"].get<double>());
  auto text = run(
      "estimate --model deepseek-v3 --hardware b200 --chips 8 --tp 8 --runtime tensorrt-llm --precision fp4 "
      "--mtp 1 --mtp-accept 0.8");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("multi-token prediction: 1 draft token from the MTP module per step, acceptance 0.80"),
            std::string::npos)
      << text.out;
  auto dense = run("estimate --model llama-3.1-70b --hardware h100-sxm --tp 4 --mtp 2");
  EXPECT_EQ(dense.code, 2) << dense.out;
  EXPECT_NE(dense.out.find("no MTP module"), std::string::npos) << dense.out;
  EXPECT_EQ(run("estimate --model deepseek-v3 --hardware b200 --tp 8 --mtp-accept 0.5").code, 2) << "needs --mtp";
  // A version with no MTP runs of its own (vLLM 0.24) takes the acceptance fitted over the others' and
  // says so, as `infersim validate` predicts such rows; the version's own fit is used where it has one.
  auto pooled = run("estimate --model deepseek-v3 --hardware b200 --chips 8 --tp 8 --runtime vllm --precision fp4 "
                    "--mtp 3");
  ASSERT_EQ(pooled.code, 0) << pooled.out;
  EXPECT_NE(pooled.out.find("vllm@0.24 has no MTP runs of its own"), std::string::npos) << pooled.out;
  auto own = run("estimate --model deepseek-v3 --hardware b200 --chips 8 --tp 8 --runtime tensorrt-llm "
                 "--precision fp4 --mtp 3");
  ASSERT_EQ(own.code, 0) << own.out;
  EXPECT_EQ(own.out.find("has no MTP runs of its own"), std::string::npos) << own.out;
  // The README's draft-model example changes the TPOT and names the draft.
  auto spec = run("estimate --model llama-3.1-70b --hardware h100-sxm --tp 4 --draft llama-3.2-1b --spec-k 4 "
                  "--spec-accept 0.7");
  ASSERT_EQ(spec.code, 0) << spec.out;
  EXPECT_NE(spec.out.find("speculative decoding: draft llama-3.2-1b k=4"), std::string::npos) << spec.out;
  EXPECT_EQ(run("estimate --model llama-3.1-70b --hardware h100-sxm --tp 4 --spec-k 4").code, 2) << "needs --draft";
}

TEST(Cli, EstimateSimulateRunsTheBenchmarkInTheSimulator) {
  const auto r = run("estimate --model llama-3.1-8b --hardware h100-sxm --batch 16 --input 512 --output 128 "
                     "--runtime vllm --simulate --max-num-tokens 4096 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  ASSERT_TRUE(j.contains("simulated")) << r.out;
  const auto& s = j["simulated"];
  EXPECT_EQ(s["requests"].get<int>(), 320);
  EXPECT_NE(s["scheduler"].get<std::string>().find("token budget 4096"), std::string::npos) << s["scheduler"];
  EXPECT_NEAR(s["tpot_s"].get<double>() / j["tpot_s"].get<double>(), 1.0, 0.05) << "analytic vs simulated TPOT";
  const auto bad = run("estimate --model llama-3.1-8b --hardware h100-sxm --simulate --chunked-prefill maybe");
  EXPECT_EQ(bad.code, 2) << bad.out;
}

// vLLM replays piecewise graphs for prompt steps by default; a FULL_DECODE_ONLY recipe runs them eagerly,
// and --eager-prompt-steps on prices that: the step lasts at least its host's launches, in the estimate and
// in the simulated benchmark alike.
TEST(Cli, EagerPromptStepsFollowTheCudaGraphMode) {
  const std::string base = "estimate --model llama-3.1-70b --hardware b200 --chips 8 --tp 8 --precision fp8 --batch 4 "
                           "--input 1024 --output 256 --runtime vllm --simulate --json";
  const auto graphed = run(base);
  const auto eager = run(base + " --eager-prompt-steps on");
  ASSERT_EQ(graphed.code, 0) << graphed.out;
  ASSERT_EQ(eager.code, 0) << eager.out;
  const auto g = infersim::common::parse_json_text(graphed.out, "stdout");
  const auto e = infersim::common::parse_json_text(eager.out, "stdout");
  EXPECT_NE(graphed.out.find("replay piecewise CUDA graphs"), std::string::npos) << graphed.out;
  EXPECT_NE(eager.out.find("launches its kernels one by one"), std::string::npos) << eager.out;
  EXPECT_GT(e["ttft_s"].get<double>(), g["ttft_s"].get<double>());
  EXPECT_GT(e["simulated"]["ttft_s"].get<double>(), g["simulated"]["ttft_s"].get<double>());
  EXPECT_EQ(run(base + " --eager-prompt-steps maybe").code, 2);
}

// Issue 15: a Groq layout the user gives whose stages straddle the 8-chip nodes is estimated, with a note
// saying its cross-node all-reduces are priced on the in-node links; auto-sizing keeps stages in a node.
TEST(Cli, GroqStagesThatStraddleNodesAreNoted) {
  const auto straddle = run("estimate --model llama-3.1-70b --hardware groq-lpu --chips 400 --tp 5 --pp 80");
  ASSERT_EQ(straddle.code, 0) << straddle.out;
  EXPECT_NE(straddle.out.find("tp 5 does not divide groq-lpu's 8-chip fully connected node"), std::string::npos)
      << straddle.out;
  const auto sized = run("estimate --model llama-3.1-70b --hardware groq-lpu");
  ASSERT_EQ(sized.code, 0) << sized.out;
  EXPECT_NE(sized.out.find("640 x groq-lpu (tp=8, pp=80"), std::string::npos) << sized.out;
  EXPECT_EQ(sized.out.find("does not divide"), std::string::npos) << sized.out;
}

TEST(Cli, KernelsListShowsTheBundledTables) {
  const auto r = run("kernels list --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  bool h100 = false;
  for (const auto& x : j) h100 = h100 || x["folder"] == "h100_sxm/trtllm-1.3.0rc20";
  EXPECT_TRUE(h100) << r.out;
}

// Numbers equal to 1e-7 relative, everything else exactly: glibc picks exp/log/pow variants by CPU
// (FMA or not), so the last digits of a fit may differ between machines, never more.
namespace {
bool same_json(const nlohmann::json& a, const nlohmann::json& b, std::string& where) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (std::abs(x - y) <= 1e-7 * std::max({std::abs(x), std::abs(y), 1e-12})) return true;
    where = a.dump() + " vs " + b.dump();
    return false;
  }
  if (a.type() != b.type() || a.size() != b.size()) {
    where = a.dump().substr(0, 200) + " vs " + b.dump().substr(0, 200);
    return false;
  }
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) {
        where = "missing key " + it.key();
        return false;
      }
      if (!same_json(it.value(), b[it.key()], where)) {
        where = it.key() + ": " + where;
        return false;
      }
    }
    return true;
  }
  if (a.is_array()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_json(a[i], b[i], where)) {
        where = "[" + std::to_string(i) + "] " + where;
        return false;
      }
    return true;
  }
  if (a == b) return true;
  where = a.dump() + " vs " + b.dump();
  return false;
}
}  // namespace

// docs/calibration.md: the shipped kernel_calibrations.json is the output of calibrate-serving.
// `infersim kernels fit` reproduces the shipped roofline efficiency model, its per-format GEMM fits and
// their fit report included, and prints each format's row.
TEST(Cli, KernelsFitReproducesTheShippedEfficiencyModel) {
  const auto out = std::filesystem::temp_directory_path() / "infersim_kernel_efficiency.json";
  const auto r = run("kernels fit --write " + out.string());  // one fit: the table, and the file
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("gemm fp8"), std::string::npos) << r.out;
  const auto fitted = infersim::common::load_json_file(out.string());
  const auto root = std::filesystem::path(INFERSIM_TEST_DATA).parent_path().parent_path();
  const auto shipped = infersim::common::load_json_file((root / "hwprofiles/data/kernel_efficiency.json").string());
  std::string where;  // to 1e-7 relative, as the serving calibration's round trip below
  EXPECT_TRUE(same_json(fitted, shipped, where))
      << where << "\nrefit: infersim kernels fit --write hwprofiles/data/kernel_efficiency.json";
  for (const char* f : {"bfloat16", "fp8", "nvfp4", "sq"}) EXPECT_TRUE(fitted["gemm_by_dtype"].contains(f)) << f;
  std::filesystem::remove(out);
}

TEST(Cli, CalibrateServingReproducesTheShippedKernelCalibrations) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(INFERSIM_TEST_DATA).parent_path().parent_path();
  const fs::path shipped = root / "hwprofiles" / "data" / "kernel_calibrations.json";
  const fs::path out = fs::temp_directory_path() / ("infersim_kcal_" + std::to_string(::getpid()) + ".json");
  const auto r = run("calibrate-serving --no-loso --write " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string where;
  EXPECT_TRUE(same_json(nlohmann::json::parse(slurp(out)), nlohmann::json::parse(slurp(shipped)), where))
      << where << "\nregenerate: infersim calibrate-serving --no-loso --write " << shipped;
  fs::remove(out);
}

TEST(Cli, ValidateReportsHeldOutErrorsWithinTargets) {
  const auto r = run("validate --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  EXPECT_TRUE(j["held_out_only"].get<bool>());
  const auto& o = j["overall"];
  EXPECT_LE(o["tpot"]["median_abs_pct"].get<double>(), 15.0) << o.dump();
  EXPECT_LE(o["throughput"]["median_abs_pct"].get<double>(), 15.0) << o.dump();
  EXPECT_LE(o["ttft"]["median_abs_pct"].get<double>(), 25.0) << o.dump();
  // Today's stacks: held-out rows (random split) and leave one system out, with their targets judged.
  ASSERT_TRUE(j.contains("serving")) << r.out;
  const auto& s = j["serving"];
  EXPECT_GE(s["rows_held_out"].get<int>(), 500);
  EXPECT_FALSE(s["random_split_by_runtime"].empty());
  EXPECT_FALSE(s["leave_one_system_out_own_tables"].empty());
  EXPECT_FALSE(s["leave_one_system_out_no_tables"].empty());
  // The MoE expert-kernel scales it fitted, each with its runtime version, GPU, format and rows.
  ASSERT_FALSE(s["moe_expert_scales"].empty());
  for (const auto& m : s["moe_expert_scales"]) {
    EXPECT_GT(m["scale"].get<double>(), 0.0) << m.dump();
    EXPECT_GE(m["rows_fit"].get<int>(), 8) << m.dump();
    EXPECT_FALSE(m["runtime"].get<std::string>().empty()) << m.dump();
    EXPECT_GE(m["prefill_scale"].get<double>(), 0.5) << m.dump();
    EXPECT_LE(m["prefill_scale"].get<double>(), 4.0) << m.dump();
  }
  // The layouts the loader repaired (G x G GPU exports), counted by reason.
  int repaired = 0;
  for (const auto& [why, n] : s["layout_repairs"].items()) repaired += n.get<int>();
  EXPECT_GE(repaired, 200) << s["layout_repairs"].dump();
  bool judged = false;
  for (const auto& t : s["targets"]) judged = judged || t.contains("met");
  EXPECT_TRUE(judged);
}

// docs/calibration.md: the shipped calibrations.json is exactly the output of two calibrate-from runs.
TEST(Cli, CalibrateFromReproducesTheShippedCalibrationsByteForByte) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(INFERSIM_TEST_DATA).parent_path().parent_path();
  const fs::path shipped = root / "hwprofiles" / "data" / "calibrations.json";
  const fs::path out = fs::temp_directory_path() / ("infersim_cal_" + std::to_string(::getpid()) + ".json");
  fs::copy_file(shipped, out, fs::copy_options::overwrite_existing);
  for (const char* csv : {"splitwise_perf_model.csv", "argonne_llm_inference_bench_visible.csv"}) {
    const auto r = run("calibrate-from " + (root / "data" / "measurements" / csv).string() + " --write " +
                       out.string());
    ASSERT_EQ(r.code, 0) << r.out;
  }
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_TRUE(slurp(out) == slurp(shipped)) << "regenerate with the commands in docs/calibration.md";
  fs::remove(out);
}

TEST(Cli, ResultsOnAMissingOrCorruptDatabaseExitTwoNamingTheFile) {
  const std::string dir = ::testing::TempDir();
  const std::string missing = dir + "/cli-no-such-results.sqlite";
  std::remove(missing.c_str());
  auto r = run("results export --db " + missing + " --csv");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(missing + ": no such results database"), std::string::npos) << r.out;

  const std::string garbage = dir + "/cli-garbage-results.sqlite";
  infersim::common::write_text_file_atomic(garbage, std::string(4096, '#') + "this is not SQLite");
  for (const std::string cmd : {"results export --json --db ", "results export --csv --db ", "results list --db "}) {
    r = run(cmd + garbage);
    EXPECT_EQ(r.code, 2) << cmd << r.out;
    EXPECT_NE(r.out.find(garbage + ": not an SQLite database"), std::string::npos) << r.out;
  }
  // A bad merge input fails before the output is created.
  const std::string out = dir + "/cli-merge-of-garbage.sqlite";
  std::remove(out.c_str());
  r = run("results merge --db " + out + " " + garbage);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(garbage), std::string::npos) << r.out;
  EXPECT_EQ(std::fopen(out.c_str(), "rb"), nullptr);

  r = run("results export --db " + garbage);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--csv / --json"), std::string::npos) << r.out;
  r = run("results exprot --db " + garbage);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean 'export'"), std::string::npos) << r.out;
}

TEST(Cli, ShardedSweepMergedExportsLikeOneSweep) {
  const std::string dir = ::testing::TempDir() + "/cli-results-";
  auto fresh = [&](const std::string& name) {
    const std::string p = dir + name;
    for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
    return p;
  };
  const std::string sweep = dir + "sweep.json";
  infersim::common::write_text_file_atomic(sweep, R"({"kind": "estimate",
    "base": {"model": "llama-3.1-8b", "hardware": "h100-sxm", "input": 512, "output": 128},
    "grid": {"/hardware": ["h100-sxm", "mi300x", "l40s"], "batch": [1, 4, 16]}})");
  const std::string one = fresh("one.sqlite"), s0 = fresh("s0.sqlite"), s1 = fresh("s1.sqlite"),
                    merged = fresh("merged.sqlite");
  ASSERT_EQ(run("sweep " + sweep + " --db " + one).code, 0);
  ASSERT_EQ(run("sweep " + sweep + " --db " + s0 + " --shard 0/2").code, 0);
  ASSERT_EQ(run("sweep " + sweep + " --db " + s1 + " --shard 1/2").code, 0);
  auto r = run("results merge --db " + merged + " " + s0 + " " + s1);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("9 rows in 1 run"), std::string::npos) << r.out;
  for (const char* fmt : {"--csv", "--json"}) {
    const auto a = run("results export " + std::string(fmt) + " --db " + one);
    const auto b = run("results export " + std::string(fmt) + " --db " + merged);
    ASSERT_EQ(a.code, 0) << a.out;
    EXPECT_EQ(a.out, b.out);
  }
  const std::string out = dir + "export.json";
  ASSERT_EQ(run("results export --json --db " + merged + " --out " + out).code, 0);
  const auto j = infersim::common::load_json_file(out);
  EXPECT_EQ(j["rows"].size(), 9u);
  r = run("results list --json --db " + merged);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(infersim::common::parse_json_text(r.out, "stdout")["rows"].get<int>(), 9);

  // The same file cut in half: a clear error naming it, never a crash.
  const std::string bytes = infersim::common::read_text_file(one);
  const std::string cut = fresh("cut.sqlite");
  infersim::common::write_text_file_atomic(cut, bytes.substr(0, bytes.size() / 2));
  r = run("results export --csv --db " + cut);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(cut), std::string::npos) << r.out;
}

// ---- infersim brief (procurement briefs) ----

namespace {
std::string brief_example() {
  return std::string(INFERSIM_TEST_DATA) + "/../../examples/briefs/llama70b-chat-agentic-h100.json";
}
std::string brief_dir() {
  const std::string d = ::testing::TempDir() + "/cli_brief/";
  if (std::system(("mkdir -p '" + d + "'").c_str()) != 0) ADD_FAILURE() << "cannot create " << d;
  return d;
}
}  // namespace

TEST(CliBrief, BadBriefExitsTwoNamingTheFileAndPointer) {
  const std::string f = brief_dir() + "bad-brief.json";
  infersim::common::write_text_file_atomic(f, R"({"model": "llama-3.1-70b",
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256}],
    "load": {"requests_per_s": 50}, "current": {"hardware": "h100-sxm"},
    "options": [{"type": "stay", "colour": "blue"}]})");
  auto r = run("brief " + f + " --out " + brief_dir() + "never.md");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(f), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/options/0/colour"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(brief_dir() + "never.md").good()) << "nothing may be written on error";
  infersim::common::write_text_file_atomic(f, R"({"model": "llama-3.1-70b",
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256}],
    "load": {"requests_per_s": -1}, "current": {"hardware": "h100-sxm"}})");
  r = run("brief " + f + " --out " + brief_dir() + "never.md");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("/load/requests_per_s"), std::string::npos) << r.out;
  r = run("brief " + brief_example() + " --out " + brief_dir() + "x.docx");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown format"), std::string::npos) << r.out;
  infersim::common::write_text_file_atomic(f, R"({"model": "llama-3.1-70b",
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256}],
    "load": {"requests_per_s": 50}, "current": {"hardware": "h100-sxm"}, "site": {"cooling": "water"}})");
  r = run("brief " + f + " --out " + brief_dir() + "never.md");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("/site/cooling"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(brief_dir() + "never.md").good()) << "nothing may be written on error";
}

TEST(CliBrief, WritesMarkdownHtmlAndPlanFilesThatReproduceItsNumbers) {
  const std::string d = brief_dir();
  auto r = run("brief " + brief_example() + " --out " + d + "b.md," + d + "b.html --plans-dir " + d +
               "plans --no-verify");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Recommendation:"), std::string::npos) << r.out;
  const std::string md = infersim::common::read_text_file(d + "b.md");
  EXPECT_NE(infersim::common::read_text_file(d + "b.html").find("<svg"), std::string::npos);
  // The lane "stay / chat": the brief's $/month equals `infersim plan` on the PLAN.json it wrote.
  r = run("plan " + d + "plans/stay--chat--all-traffic.json --json --no-verify");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "stdout");
  const double monthly = j["ranked"][0]["cost"]["monthly_usd"].get<double>();
  const auto row = md.find("| 1 | chat | all traffic | " + j["ranked"][0]["id"].get<std::string>() + " |");
  ASSERT_NE(row, std::string::npos) << md.substr(0, 400);
  const std::string line = md.substr(row, md.find('\n', row) - row);
  std::vector<std::string> cells;
  std::size_t p = 1;
  while (p < line.size()) {
    const auto q = line.find('|', p);
    if (q == std::string::npos) break;
    cells.push_back(line.substr(p + 1, q - p - 2));
    p = q + 1;
  }
  ASSERT_GT(cells.size(), 8u) << line;
  std::string digits;
  for (char c : cells[8])
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') digits += c;
  EXPECT_NEAR(std::stod(digits), monthly, monthly * 1e-5 + 0.5) << line;
}

TEST(CliBrief, PdfIsWrittenOrRefusedClearly) {
  const std::string out = brief_dir() + "b.pdf";
  const auto r = run("brief " + brief_example() + " --out " + out + " --no-verify");
  if (r.code == 0) {
    std::ifstream in(out, std::ios::binary);
    std::string head(5, '\0');
    in.read(head.data(), 5);
    EXPECT_EQ(head, "%PDF-");
  } else {
    EXPECT_EQ(r.code, 2) << r.out;  // a build without the Qt PDF writer (INFERSIM_BUILD_GUI=OFF)
    EXPECT_NE(r.out.find("no PDF writer"), std::string::npos) << r.out;
  }
}

TEST(CliBrief, VerifiedLanesEqualInfersimPlanWithTheSimulator) {
  // Default CLI behaviour: the planner verifies with the discrete-event simulator (when built in);
  // the brief's lane must still equal `infersim plan` on its PLAN.json, verification included.
  const std::string d = brief_dir() + "verified/";
  ASSERT_EQ(std::system(("mkdir -p '" + d + "'").c_str()), 0);
  infersim::common::write_text_file_atomic(d + "brief.json", R"({"model": "llama-3.1-70b",
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256}],
    "load": {"requests_per_s": 10}, "current": {"hardware": "h100-sxm", "runtime": "vllm"},
    "options": [{"type": "stay"}]})");
  auto r = run("brief " + d + "brief.json --out " + d + "b.md --plans-dir " + d + "plans");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string md = infersim::common::read_text_file(d + "b.md");
  r = run("plan " + d + "plans/stay--chat--all-traffic.json --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto c = infersim::common::parse_json_text(r.out, "stdout")["ranked"][0];
  const auto row = md.find("| 1 | chat | all traffic | " + c["id"].get<std::string>() + " | " +
                           std::to_string(int(c["replicas"].get<double>())) + " |");
  EXPECT_NE(row, std::string::npos) << "lane " << c.dump() << "\n" << md.substr(md.find("<a id=\"parts\">"), 1200);
  const bool verified = c["verified"].get<bool>();
  EXPECT_NE(md.find(verified ? "planner + DES" : "| planner |"), std::string::npos);
}

// Issue 14: one comparison never mixes price bases silently. Every row says its basis and date; a chip
// no public cloud rents is labelled "owned only" with the footnote; a chip with no price at all is
// listed with its reason; the buy-tokens lane sits beside the rented rows.
TEST(CliWorkloads, CompareLabelsEveryPriceBasisAndShowsTheTokenLane) {
  const std::string db = ::testing::TempDir() + "/workloads-compare-basis.sqlite";
  std::remove(db.c_str());
  const auto r = run(
      "workloads compare --hardware h100-sxm,cerebras-wse3,mi355x --workloads chat --no-verify --quiet --db " + db);
  ASSERT_EQ(r.code, 0) << r.out;
  auto line_of = [&](const std::string& prefix) {
    const auto at = r.out.find("\n" + prefix);
    return at == std::string::npos ? std::string() : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
  };
  const auto h100 = line_of("h100-sxm ");
  ASSERT_FALSE(h100.empty()) << r.out;
  EXPECT_NE(h100.find("on_demand 2026-09"), std::string::npos) << h100;
  const auto cs3 = line_of("cerebras-wse3 ");
  ASSERT_FALSE(cs3.empty()) << r.out;
  EXPECT_NE(cs3.find("owned only"), std::string::npos) << cs3;
  EXPECT_NE(r.out.find("owned only: no public cloud price for the chip"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not priced in this pricing mode (try --pricing-mode owned): mi355x"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("buy tokens  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("buy tokens instead ($/1K output, cheapest API vs cheapest plan): chat "), std::string::npos)
      << r.out;
  // The machine-readable rows carry the basis too.
  const auto js = run(
      "workloads compare --hardware h100-sxm,cerebras-wse3,mi355x --workloads chat --no-verify --json --db " + db);
  ASSERT_EQ(js.code, 0) << js.out;
  const auto j = infersim::common::parse_json_text(js.out, "compare");
  int seen = 0;
  for (const auto& row : j["workloads"]["chat"]) {
    if (row["feasible"].get<double>() != 1.0) continue;
    ++seen;
    const bool owned = row["owned_only"].get<double>() == 1.0;
    EXPECT_EQ(row["price_basis"].get<std::string>(), owned ? "owned" : "cloud on_demand") << row.dump();
    EXPECT_EQ(owned, row["hardware"].get<std::string>() == "cerebras-wse3") << row.dump();
    EXPECT_GT(row["usd_per_1k_output"].get<double>(), 0.0);
    EXPECT_GT(row["tokens_per_usd"].get<double>(), 0.0);
    EXPECT_GT(row["joules_per_token"].get<double>(), 0.0);
  }
  EXPECT_EQ(seen, 2);
}

// `infersim workloads compare`: every cell stored, a second run reuses them (same table), each cell
// equals `infersim plan` on the same inputs, infeasible cells say why, bad input touches nothing.
TEST(CliWorkloads, CompareStoresResumesAndEqualsInfersimPlan) {
  const std::string db = ::testing::TempDir() + "/workloads-compare.sqlite";
  std::remove(db.c_str());
  const std::string args = "workloads compare --hardware h100-sxm,mi300x,l4 --workloads chat,voice --no-verify --db " +
                           db;
  const auto first = run(args + " --quiet");
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_NE(first.out.find("== chat:"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("== voice:"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("(6 computed now, 0 reused)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("  l4: misses"), std::string::npos) << first.out;  // infeasible, with the reason
  const auto second = run(args + " --quiet");
  ASSERT_EQ(second.code, 0) << second.out;
  EXPECT_NE(second.out.find("(0 computed now, 6 reused)"), std::string::npos) << second.out;
  auto table = [](const std::string& s) { return s.substr(0, s.find("stored:")); };
  EXPECT_EQ(table(first.out), table(second.out));

  const auto js = run(args + " --json");
  ASSERT_EQ(js.code, 0) << js.out;
  const auto j = infersim::common::parse_json_text(js.out, "compare");
  int checked = 0;
  for (const auto& w : {"chat", "voice"}) {
    for (const auto& row : j["workloads"][w]) {
      if (row["feasible"].get<double>() != 1.0) continue;
      const infersim::common::Json plan = {
          {"model", "llama-3.1-70b"},
          {"workload",
           {{"name", w},
            {"input_tokens", row["input_tokens"]},
            {"input_tokens_p99", row["input_tokens_p99"]},
            {"output_tokens", row["output_tokens"]}}},
          {"load", {{"requests_per_s", row["requests_per_s"]}}},
          {"slo", {{"ttft_p99_s", row["slo_ttft_p99_s"]}, {"tpot_p99_s", row["slo_tpot_p99_s"]}}},
          {"hardware", {row["hardware"]}},
          {"pricing", "default"},
          {"search", {{"top", 1}, {"verify_top", 0}, {"mixes", false}}}};
      const std::string pf = ::testing::TempDir() + "/compare-cell.json";
      std::ofstream(pf) << plan.dump();
      const auto p = run("plan " + pf + " --json --no-verify");
      ASSERT_EQ(p.code, 0) << p.out;
      const auto pj = infersim::common::parse_json_text(p.out, "plan");
      ASSERT_FALSE(pj["ranked"].empty()) << p.out;
      const auto& best = pj["ranked"][0];
      EXPECT_EQ(best["id"].get<std::string>(), row["plan"].get<std::string>());
      EXPECT_NEAR(best["cost"]["usd_per_1k_output"].get<double>() / row["usd_per_1k_output"].get<double>(), 1.0, 1e-5);
      EXPECT_NEAR(best["ttft_s"]["p99"].get<double>() / row["ttft_p99_s"].get<double>(), 1.0, 1e-5);
      EXPECT_NEAR(best["power"]["facility_kw"].get<double>() / row["facility_kw"].get<double>(), 1.0, 1e-5);
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);

  const std::string fresh = ::testing::TempDir() + "/workloads-compare-bad.sqlite";
  std::remove(fresh.c_str());
  const auto bad = run("workloads compare --workloads chatt --db " + fresh);
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("did you mean 'chat'"), std::string::npos) << bad.out;
  EXPECT_FALSE(std::filesystem::exists(fresh)) << "nothing may be written on bad input";
}

namespace {
// `infersim <cmd> --write` reproduces the shipped hwprofiles/data/<file> (same JSON, numbers compared
// by same_json).
void expect_refit_equals_shipped(const std::string& cmd, const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(INFERSIM_TEST_DATA).parent_path().parent_path();
  const fs::path shipped = root / "hwprofiles" / "data" / file;
  const fs::path out = fs::temp_directory_path() / ("infersim_refit_" + std::to_string(::getpid()) + ".json");
  const auto r = run(cmd + " --write " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string where;
  EXPECT_TRUE(same_json(nlohmann::json::parse(slurp(out)), nlohmann::json::parse(slurp(shipped)), where))
      << where << "\nregenerate: infersim " << cmd << " --write " << shipped;
  fs::remove(out);
}
}  // namespace

TEST(Cli, PowerFitIsReproducibleAndValidateReportsItsHeldOutError) {
  expect_refit_equals_shipped("calibrate-power", "power_model.json");
  const auto v = run("validate --power --json");
  ASSERT_EQ(v.code, 0) << v.out;
  const auto j = infersim::common::parse_json_text(v.out, "stdout");
  ASSERT_TRUE(j.contains("power")) << v.out;
  EXPECT_FALSE(j.contains("serving"));
  EXPECT_TRUE(j["power"]["shipped_matches_refit"].get<bool>());
  EXPECT_GE(j["power"]["held_out_average"]["n"].get<int>(), 10);
  EXPECT_TRUE(j["power"]["met"].get<bool>());
  EXPECT_TRUE(j["power"]["leave_model_out_average"].contains("bloom-176b"));
  const auto text = run("validate --power");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("average power, held out, phase constants (before)"), std::string::npos) << text.out;
}

TEST(Cli, DataflowFitIsReproducibleAndValidateReportsEveryVendor) {
  expect_refit_equals_shipped("calibrate-dataflow", "dataflow_calibrations.json");
  const auto v = run("validate --dataflow --json");
  ASSERT_EQ(v.code, 0) << v.out;
  const auto j = infersim::common::parse_json_text(v.out, "stdout");
  std::set<std::string> vendors;
  for (const auto& g : j["dataflow_vendors"]["vendors"]) vendors.insert(g["vendor"].get<std::string>());
  EXPECT_EQ(vendors, (std::set<std::string>{"groq", "cerebras", "sambanova"}));
  int fit = 0;
  for (const auto& p : j["dataflow_vendors"]["points"]) fit += p["use"] == "fit";
  EXPECT_EQ(fit, 2) << "one fit point for Groq and one for Cerebras; the rest are held out";
}

TEST(Cli, EstimateOnADataflowChipDefaultsToTheVendorsServedPrecision) {
  const auto r = run("estimate --model llama-3.1-70b --hardware groq-lpu");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("int8 weights"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("static dataflow"), std::string::npos) << "the step model names the execution model\n" << r.out;
  EXPECT_NE(r.out.find("published speed"), std::string::npos) << r.out;
}

// Every subcommand answers --help with its entry of the overview, exit 0 (no "unknown option").
TEST(Cli, EveryCommandHasHelp) {
  const char* commands[] = {
      "estimate",           "compare",  "list",      "models",     "hardware",  "calibrate-from", "calibrate-serving",
      "calibrate-dataflow", "kernels",  "validate",  "plan",       "brief",     "sweep",          "results",
      "runtimes",           "simulate", "workloads", "components", "refengine", "calibrate",      "version"};
  for (const char* c : commands) {
    const auto r = run(std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.out;
    EXPECT_NE(r.out.find(c), std::string::npos) << c << ": " << r.out;
    EXPECT_EQ(r.out.find("unknown option"), std::string::npos) << c << ": " << r.out;
  }
  const auto sub = run("workloads compare --help");
  EXPECT_EQ(sub.code, 0) << sub.out;
  EXPECT_NE(sub.out.find("compare [--model M]"), std::string::npos) << sub.out;
  const auto h = run("help plan");
  EXPECT_EQ(h.code, 0) << h.out;
  EXPECT_NE(h.out.find("--no-verify"), std::string::npos) << h.out;
  EXPECT_EQ(run("help nosuch").code, 2);
}

// ---- deployment contracts (docs/contract-format.md) ----

namespace {
std::string example(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/../../examples/contracts/" + f; }
}  // namespace

TEST(CliContract, CheckExitsZeroWhenItHoldsOneWhenAClauseFailsAndWritesBothReports) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_cli_contract";
  std::filesystem::create_directories(dir);
  const auto md = (dir / "r.md").string(), js = (dir / "r.json").string();
  // Verified (the default): the analytic sizing alone over-provisions the long RAG prompts.
  auto r = run("contract check " + example("llama70b-chat-fp8.json") + " --out " + md + " --json-out " + js);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("the contract holds on every target"), std::string::npos) << r.out;
  const auto j = infersim::common::load_json_file(js);
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_EQ(j["rows"].size(), 10u);  // 5 targets x 2 workloads
  EXPECT_TRUE(std::filesystem::exists(md));
  // The same contract checked on an L4 fails, naming the clause.
  r = run("contract check " + example("llama70b-chat-fp8.json") + " --hardware l4 --no-verify --json");
  EXPECT_EQ(r.code, 1) << r.out;
  const auto f = infersim::common::parse_json_text(r.out, "stdout");
  EXPECT_FALSE(f["pass"].get<bool>());
  bool named = false;
  for (const auto& row : f["rows"])
    for (const auto& c : row["clauses"]) named |= c["status"] == "fail";
  EXPECT_TRUE(named);
}

TEST(CliContract, BadInputIsExitTwoNamingTheFileAndField) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_cli_contract";
  std::filesystem::create_directories(dir);
  const auto bad = (dir / "bad.json").string();
  {
    std::ofstream o(bad);
    o << R"({"contract_format": 1, "name": "x", "version": "1", "model": "llama-3.1-8b",
             "workloads": [{"preset": "chat", "clauses": {"ttft_p99_s": "fast"}}]})";
  }
  auto r = run("contract check " + bad);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("bad.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/workloads/0/clauses/ttft_p99_s"), std::string::npos) << r.out;
  for (const char* f : {"bad-truncated.safetensors", "bad-json.safetensors", "bad-magic-version.gguf",
                        "bad-truncated.gguf", "bad-type.gguf"}) {
    r = run(std::string("contract weights ") + data(std::string("weights/") + f));
    EXPECT_EQ(r.code, 2) << f << ": " << r.out;
    EXPECT_NE(r.out.find(f), std::string::npos) << r.out;
  }
  r = run("contract weights " + data("weights/tiny-llama-f16.gguf") + " --model " + data("weights/tiny-llama.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("match the card"), std::string::npos) << r.out;
}

TEST(CliContract, MakeFromAPlanThenGateAgainstItself) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_cli_contract";
  std::filesystem::create_directories(dir);
  const auto plan = (dir / "PLAN.json").string(), made = (dir / "made.json").string(),
             saved = (dir / "saved.json").string();
  {
    std::ofstream o(plan);
    o << R"({"model": "llama-3.1-8b", "workload": {"name": "chat", "input_tokens": 1024, "output_tokens": 256},
             "load": {"requests_per_s": 4}, "slo": {"ttft_p99_s": 0.5, "tpot_p99_s": 0.03},
             "hardware": ["h100-sxm", "mi300x"], "precisions": ["bf16"], "search": {"mixes": false}})";
  }
  auto r = run("contract make " + plan + " --no-verify --version 3.0.0 --out " + made);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("contract check " + made + " --no-verify --json-out " + saved);
  EXPECT_EQ(r.code, 0) << r.out;
  r = run("contract gate " + saved + " " + made + " --no-verify");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  r = run("contract gate " + saved + " " + made + " --no-verify --hardware l40s");
  EXPECT_EQ(r.code, 1) << r.out;  // the saved target is no longer evaluated
}
