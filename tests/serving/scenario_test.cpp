// Scenario files: strict validation with pointers and component names, --set, presets, resolution.
#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/serving/arrival_registry.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/scheduler_registry.h"
#include "infersim/serving/workload_presets.h"
#include "infersim/serving/workload_summary.h"
#include "serving_test_support.h"

using namespace infersim;
using common::ConfigError;
using common::Json;

namespace {

const char* BASE = R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
  "workload": {"arrival": {"type": "poisson", "rate_per_s": 1}, "duration_s": 10,
               "input": {"type": "fixed", "value": 100}, "output": {"type": "fixed", "value": 10}}})";

std::string error_of(const std::string& json, const std::vector<std::string>& sets = {}) {
  try {
    servingtest::scenario(json, sets);
  } catch (const ConfigError& e) {
    return std::string(e.pointer()) + " | " + e.reason();
  }
  return "no error";
}

}  // namespace

TEST(Scenario, DefaultsAreResolvedAndEchoed) {
  const auto s = servingtest::scenario(BASE);
  ASSERT_EQ(s.pools.size(), 1u);
  EXPECT_EQ(s.pools[0].scheduler.type, "continuous");
  EXPECT_EQ(s.pools[0].scheduler.params.integer("max_num_seqs"), 256);
  EXPECT_EQ(s.router.type, "least_work");
  EXPECT_EQ(s.simulation.seed, 1u);
  const auto j = Json::parse(s.resolved_json);
  EXPECT_EQ(j["scheduler"]["max_num_batched_tokens"], 8192);
  EXPECT_EQ(j["deployment"]["hydration"]["tiers"]["object_store"]["bandwidth_gb_s"], 1.0);
  EXPECT_EQ(j["workload"]["arrival"]["rate_per_s"], 1.0);
}

TEST(Scenario, UnknownKeysNameThePointerAndTheComponent) {
  auto e = error_of(BASE, {"scheduler.max_num_seq=8"});
  EXPECT_NE(e.find("/scheduler/max_num_seq"), std::string::npos) << e;
  EXPECT_NE(e.find("scheduler 'continuous'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean"), std::string::npos) << e;
  e = error_of(BASE, {"workload.arrival.rate=3"});
  EXPECT_NE(e.find("/workload/arrival/rate"), std::string::npos) << e;
  EXPECT_NE(e.find("arrival 'poisson'"), std::string::npos) << e;
  e = error_of(BASE, {"deployment.hydration.tiers.object_store.bandwith_gb_s=3"});
  EXPECT_NE(e.find("/deployment/hydration/tiers/object_store/bandwith_gb_s"), std::string::npos) << e;
  e = error_of(BASE, {"scheduler.type=continous"});
  EXPECT_NE(e.find("/scheduler/type"), std::string::npos) << e;
  EXPECT_NE(e.find("continuous"), std::string::npos) << e;
  e = error_of(BASE, {"workload.input.value=-5"});
  EXPECT_NE(e.find("/workload/input/value"), std::string::npos) << e;
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  e = error_of(BASE, {"deployment.hydration.source=s3"});
  EXPECT_NE(e.find("unknown storage tier 's3'"), std::string::npos) << e;
  e = error_of(BASE, {"deployment.autoscaler={\"type\": \"queue_length\", \"min_replicas\": 3, \"max_replicas\": 2}"});
  EXPECT_NE(e.find("min_replicas"), std::string::npos) << e;
  e = error_of(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm"},
    "workload": {"arrival": {"type": "poisson", "rate_per_s": 1},
                 "input": {"type": "fixed", "value": 100}, "output": {"type": "fixed", "value": 10}}})");
  EXPECT_NE(e.find("duration_s"), std::string::npos) << e;
  e = error_of(R"({"model": "llama-3.1-8b", "workload": {}})");
  EXPECT_NE(e.find("/deployment"), std::string::npos) << e;
}

TEST(Scenario, SetAcceptsDotsAndPointersAndJsonValues) {
  auto s = servingtest::scenario(BASE, {"deployment.replicas=4", "/workload/arrival/rate_per_s=2.5",
                                        "scheduler={\"type\": \"chunked\", \"max_num_batched_tokens\": 512}",
                                        "description=hello world"});
  EXPECT_EQ(s.pools[0].replicas, 4);
  EXPECT_DOUBLE_EQ(s.workload.arrival.params.number("rate_per_s"), 2.5);
  EXPECT_EQ(s.pools[0].scheduler.type, "chunked");
  EXPECT_EQ(s.pools[0].scheduler.params.integer("max_num_batched_tokens"), 512);
  EXPECT_EQ(s.description, "hello world");
  EXPECT_THROW(servingtest::scenario(BASE, {"novalue"}), ConfigError);
  EXPECT_THROW(servingtest::scenario(BASE, {"model.x=1"}), ConfigError);  // model is a string
}

TEST(Scenario, PresetsSupplyWorkloadAndSloDefaults) {
  const auto names = serving::workload_preset_names();
  for (const char* n : {"batch", "chat", "code", "agentic", "reasoning", "rag", "voice", "edge"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << "missing preset " << n;
  const auto s = servingtest::scenario(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
    "workload": {"preset": "chat", "arrival": {"type": "poisson", "rate_per_s": 7}}, "slo": {"tpot_s": 0.2}})");
  EXPECT_EQ(s.workload.input.type, "empirical");
  EXPECT_DOUBLE_EQ(s.workload.arrival.params.number("rate_per_s"), 7.0);
  EXPECT_DOUBLE_EQ(*s.slo.ttft_s, 1.0);  // from the preset
  EXPECT_DOUBLE_EQ(*s.slo.tpot_s, 0.2);  // overridden
  const auto a = servingtest::scenario(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
    "workload": {"preset": "agentic", "arrival": {"type": "closed_loop", "users": 4}}})");
  EXPECT_TRUE(a.workload.agentic.enabled);
  EXPECT_EQ(a.workload.arrival.type, "closed_loop");  // a different type replaces the preset's object
  const auto e = error_of(R"({"model": "m", "deployment": {"hardware": "h"}, "workload": {"preset": "chatt"}})");
  EXPECT_NE(e.find("/workload/preset"), std::string::npos) << e;
  EXPECT_NE(e.find("'chat'"), std::string::npos) << e;
}

TEST(Scenario, WorkloadSummaryGivesTheP99PromptOfATrace) {
  // "code" draws prompts from the Azure code trace (a long tail); "chat" too, from its own trace.
  const auto a = serving::summarize_workload_preset("code");
  const auto b = serving::summarize_workload_preset("code");
  EXPECT_EQ(a.input_tokens_p99, b.input_tokens_p99);  // fixed seed: deterministic
  EXPECT_GT(a.input_tokens_p99, 1.5 * a.input_tokens) << a.input_tokens;
  EXPECT_EQ(a.input_tokens_p99, std::round(a.input_tokens_p99));  // a token count
  // Never below the mean, for every preset.
  for (const auto& n : serving::workload_preset_names()) {
    const auto w = serving::summarize_workload_preset(n);
    EXPECT_GE(w.input_tokens_p99, w.input_tokens) << n;
  }
}

TEST(Scenario, EveryPresetAndShippedExampleParses) {
  for (const auto& n : serving::workload_preset_names()) {
    EXPECT_NO_THROW(
        servingtest::scenario(std::string(R"({"model": "llama-3.1-8b", "deployment": {"hardware": "h100-sxm", "tp": 1},
      "workload": {"preset": ")") +
                              n + "\"}}"))
        << n;
  }
  const std::string dir = std::string(INFERSIM_SOURCE_DIR) + "/examples/scenarios/";
  for (const char* f :
       {"chat", "batch-offline", "code-completion", "agentic", "reasoning", "rag-long-context", "voice", "edge",
        "azure-conv-replay", "scale-to-zero", "warm-pool", "disaggregated", "disaggregated-gpu-lpu", "heterogeneous"})
    EXPECT_NO_THROW(serving::load_scenario(dir + f + ".json")) << f;
}

TEST(Scenario, BuildErrorsNameTheDeployment) {
  std::string e;
  try {
    servingtest::run(BASE, {"deployment.hardware=h100"});
  } catch (const ConfigError& x) {
    e = x.pointer() + " | " + x.reason();
  }
  EXPECT_NE(e.find("/deployment/hardware"), std::string::npos) << e;
  EXPECT_NE(e.find("h100-sxm"), std::string::npos) << e;
  try {
    servingtest::run(BASE, {"model=llama-3.1-405b", "deployment.tp=1"});
    e = "no error";
  } catch (const ConfigError& x) {
    e = x.pointer() + " | " + x.reason();
  }
  EXPECT_NE(e.find("/deployment"), std::string::npos) << e;
}

TEST(Scenario, FormatDocListsEveryDeclaredParameter) {
  const auto md = serving::scenario_format_markdown();
  for (const auto& c : serving::scenario_schema())
    for (const auto& p : c.params) EXPECT_NE(md.find("`" + p.key + "`"), std::string::npos) << p.key;
  for (const auto& t : serving::scheduler_types()) EXPECT_NE(md.find("scheduler: " + t.name), std::string::npos);
  for (const auto& t : serving::arrival_types()) EXPECT_NE(md.find("arrival: " + t.name), std::string::npos);
}

// A hybrid model's recurrent states may be kept in 16 bits (SGLang --mamba-ssm-dtype bfloat16): the pool
// runs them so (half the state traffic in each decode step), the resolved scenario echoes the field, fp32
// is the default, and a model without states or a format states are not kept in is an error naming it.
TEST(Scenario, StatePrecisionSetsTheRecurrentStatesOfAHybridModel) {
  const std::string q = R"({"model": "qwen3.5-397b-a17b",
    "deployment": {"hardware": "b200", "tp": 4, "precision": "fp8", "runtime": "sglang"},
    "workload": {"requests": 400, "arrival": {"type": "poisson", "rate_per_s": 20},
                 "input": {"type": "fixed", "value": 512}, "output": {"type": "fixed", "value": 256}}})";
  const auto plain = servingtest::run(q);
  const auto f32 = servingtest::run(q, {"deployment.state_precision=fp32"});
  const auto b16 = servingtest::run(q, {"deployment.state_precision=bf16"});
  ASSERT_GT(plain.completed, 0u);
  EXPECT_EQ(f32.tpot.p50, plain.tpot.p50) << "fp32 is the default";
  EXPECT_EQ(f32.ttft.p50, plain.ttft.p50);
  EXPECT_LT(b16.tpot.p50, f32.tpot.p50) << "16-bit states are read and written in half the bytes";
  const auto j = Json::parse(servingtest::scenario(q, {"deployment.state_precision=bf16"}).resolved_json);
  EXPECT_EQ(j["deployment"]["state_precision"], "bf16");
  EXPECT_FALSE(Json::parse(servingtest::scenario(q).resolved_json)["deployment"].contains("state_precision"));

  std::string e;
  try {
    servingtest::run(q, {"deployment.state_precision=fp8"});
  } catch (const ConfigError& x) {
    e = x.pointer() + " | " + x.reason();
  }
  EXPECT_NE(e.find("/deployment/state_precision"), std::string::npos) << e;
  EXPECT_NE(e.find("fp32, bf16 or fp16"), std::string::npos) << e;
  e.clear();
  try {
    servingtest::run(BASE, {"deployment.state_precision=bf16"});
  } catch (const ConfigError& x) {
    e = x.pointer() + " | " + x.reason();
  }
  EXPECT_NE(e.find("/deployment/state_precision"), std::string::npos) << e;
  EXPECT_NE(e.find("llama-3.1-8b keeps no recurrent state"), std::string::npos) << e;
}
