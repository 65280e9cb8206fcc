// BRIEF.json loading: strict, every error names the file and the JSON pointer.
#include <gtest/gtest.h>

#include <string>

#include "infersim/brief/brief_json.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"

using namespace infersim;
using common::Json;

namespace {

Json valid() {
  return common::parse_json_text(R"({
    "model": "llama-3.1-70b",
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256, "share": 0.6},
                  {"name": "agentic", "input_tokens": 4000, "output_tokens": 300, "share": 0.4, "calls_per_task": 8}],
    "load": {"requests_per_s": 50},
    "current": {"hardware": "h100-sxm", "runtime": "vllm", "precision": "bf16"},
    "options": [{"type": "stay"}, {"type": "shift", "to": "mi300x", "share": 0.25}]
  })",
                                 "test");
}

// Expects a ConfigError naming `file` and `pointer`; returns its message.
std::string error_of(const Json& j, const std::string& pointer) {
  try {
    brief::brief_request_from_json(j, "my-brief.json");
  } catch (const common::ConfigError& e) {
    EXPECT_EQ(e.file(), "my-brief.json") << e.what();
    EXPECT_EQ(e.pointer(), pointer) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("my-brief.json"), std::string::npos) << what;
    EXPECT_NE(what.find(pointer), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "expected a ConfigError at " << pointer;
  return "";
}

}  // namespace

TEST(BriefJson, ValidFileResolvesDefaults) {
  const auto b = brief::brief_request_from_json(valid(), "my-brief.json");
  ASSERT_EQ(b.workloads.size(), 2u);
  EXPECT_DOUBLE_EQ(b.workloads[1].calls_per_task, 8);
  ASSERT_EQ(b.options.size(), 2u);
  EXPECT_EQ(b.options[0].id, "stay");
  EXPECT_EQ(b.options[1].id, "shift-25-mi300x");
  EXPECT_EQ(b.options[1].label, "Shift 25% to mi300x");
  EXPECT_DOUBLE_EQ(b.slo.ttft_p99_s, 1.0);
  EXPECT_TRUE(b.pricing_is_default);
}

TEST(BriefJson, OptionsDefaultToTheSixStandardOnes) {
  auto j = valid();
  j.erase("options");
  const auto b = brief::brief_request_from_json(j, "my-brief.json");
  std::vector<std::string> types;
  for (const auto& o : b.options) types.push_back(brief::option_type_name(o.type));
  EXPECT_EQ(types, (std::vector<std::string>{"stay", "shift", "cpu_fallback", "disaggregated", "move", "owned"}));
}

TEST(BriefJson, ResolvedJsonRoundTrips) {
  const auto b = brief::brief_request_from_json(valid(), "my-brief.json");
  const Json once = brief::brief_request_to_json(b);
  const Json twice = brief::brief_request_to_json(brief::brief_request_from_json(once, "resolved.json"));
  EXPECT_EQ(once.dump(), twice.dump());
}

TEST(BriefJson, UnknownKeyIsAnErrorWithItsPointer) {
  auto j = valid();
  j["colour"] = "blue";
  error_of(j, "/colour");
  j = valid();
  j["options"][1]["fraction"] = 0.3;
  error_of(j, "/options/1/fraction");
  j = valid();
  j["workloads"][0]["prompt"] = 10;
  error_of(j, "/workloads/0/prompt");
}

TEST(BriefJson, MissingModelIsAnError) {
  auto j = valid();
  j.erase("model");
  const auto msg = error_of(j, "/model");
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(BriefJson, UnknownModelSuggestsTheClosest) {
  auto j = valid();
  j["model"] = "llama-3.1-70c";
  const auto msg = error_of(j, "/model");
  EXPECT_NE(msg.find("llama-3.1-70b"), std::string::npos) << msg;
}

TEST(BriefJson, NegativeLoadIsAnError) {
  auto j = valid();
  j["load"]["requests_per_s"] = -5;
  error_of(j, "/load/requests_per_s");
}

TEST(BriefJson, UnknownOptionTypeIsAnError) {
  auto j = valid();
  j["options"][1]["type"] = "shfit";
  const auto msg = error_of(j, "/options/1/type");
  EXPECT_NE(msg.find("shift"), std::string::npos) << "expected a suggestion: " << msg;
}

TEST(BriefJson, UnknownHardwareIsAnErrorWithASuggestion) {
  auto j = valid();
  j["options"][1]["to"] = "mi300";
  const auto msg = error_of(j, "/options/1/to");
  EXPECT_NE(msg.find("mi300x"), std::string::npos) << msg;
  j = valid();
  j["options"][1]["to"] = Json::array({"tpu-v6e", "tpu-v9"});
  error_of(j, "/options/1/to/1");
  j = valid();
  j["current"]["hardware"] = "h100";
  error_of(j, "/current/hardware");
}

TEST(BriefJson, SharesMustAddUpToOne) {
  auto j = valid();
  j["workloads"][1]["share"] = 0.5;
  const auto msg = error_of(j, "/workloads");
  EXPECT_NE(msg.find("1.1"), std::string::npos) << msg;
  j = valid();
  j["workloads"][1].erase("share");
  error_of(j, "/workloads");
}

TEST(BriefJson, ShiftShareOutOfRangeIsAnError) {
  auto j = valid();
  j["options"][1]["share"] = 1.5;
  error_of(j, "/options/1/share");
}

TEST(BriefJson, DuplicateOptionIdsAreAnError) {
  auto j = valid();
  j["options"].push_back({{"type", "stay"}});
  error_of(j, "/options/2/id");
}

TEST(BriefJson, MissingCurrentDeploymentIsAnError) {
  auto j = valid();
  j.erase("current");
  error_of(j, "/current");
}

TEST(BriefJson, BadPrecisionAndRuntimeAreErrors) {
  auto j = valid();
  j["options"][1]["precisions"] = Json::array({"bf16", "fp9"});
  error_of(j, "/options/1/precisions/1");
  j = valid();
  j["current"]["runtime"] = "vlm";
  error_of(j, "/current/runtime");
}

TEST(BriefJson, MalformedFileNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/broken-brief.json";
  common::write_text_file_atomic(path, "{\"model\": \"llama-3.1-70b\",,}");
  try {
    brief::load_brief_request(path);
    FAIL() << "expected a ConfigError";
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("broken-brief.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
}
