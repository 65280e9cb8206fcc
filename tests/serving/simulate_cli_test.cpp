// End-to-end tests of `infersim simulate | workloads | components`: the contract users script against.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "infersim/common/json_util.h"

namespace {

struct Run {
  int code = -1;
  std::string out;
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

std::string example(const std::string& name) {
  return std::string(INFERSIM_SOURCE_DIR) + "/examples/scenarios/" + name + ".json";
}

std::string write_tmp(const std::string& name, const std::string& text) {
  const auto p = (std::filesystem::temp_directory_path() / ("infersim_cli_" + name)).string();
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST(SimulateCli, EveryWorkloadTypeExampleRunsAndPrintsTheContract) {
  for (const char* f :
       {"batch-offline", "chat", "code-completion", "agentic", "reasoning", "rag-long-context", "voice", "edge",
        "scale-to-zero", "warm-pool", "disaggregated", "disaggregated-gpu-lpu", "heterogeneous"}) {
    const auto r = run("simulate " + example(f) + " --json");
    ASSERT_EQ(r.code, 0) << f << "\n" << r.out;
    const auto j = infersim::common::parse_json_text(r.out, f);
    for (const char* k : {"requests", "throughput_tok_s", "goodput", "cold_starts", "hydration_s", "energy_j",
                          "joules_per_token", "usd_per_1k_tokens", "scenario"})
      EXPECT_TRUE(j.contains(k)) << f << ": " << k;
    for (const char* k : {"p50", "p90", "p99"}) {
      EXPECT_TRUE(j["ttft_s"].contains(k)) << f;
      EXPECT_TRUE(j["tpot_s"].contains(k)) << f;
    }
    EXPECT_TRUE(j["e2e_s"].contains("p50") && j["e2e_s"].contains("p99")) << f;
    EXPECT_GT(j["requests"].get<int>(), 0) << f;
    EXPECT_EQ(j["scenario"]["schema_version"], 1) << f;
  }
}

TEST(SimulateCli, TextOutputAndDeterminism) {
  const auto a = run("simulate " + example("chat") + " --json --seed 9");
  const auto b = run("simulate " + example("chat") + " --json --seed 9");
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_EQ(a.out, b.out);
  const auto c = run("simulate " + example("chat") + " --json --seed 10");
  EXPECT_NE(a.out, c.out);
  const auto t = run("simulate " + example("scale-to-zero"));
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_NE(t.out.find("TTFT"), std::string::npos);
  EXPECT_NE(t.out.find("cold starts"), std::string::npos);
}

TEST(SimulateCli, SetOverridesAndResolvedEcho) {
  const auto r = run("simulate " + example("chat") +
                     " --set deployment.replicas=3 --set /workload/duration_s=60 --resolve");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = infersim::common::parse_json_text(r.out, "resolve");
  EXPECT_EQ(j["deployment"]["replicas"], 3);
  EXPECT_EQ(j["workload"]["duration_s"], 60.0);
  EXPECT_EQ(j["scheduler"]["max_num_seqs"], 256);
}

TEST(SimulateCli, BadScenariosExitTwoNamingThePointer) {
  auto r = run("simulate " + example("chat") + " --set scheduler.max_num_seq=8");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("/scheduler/max_num_seq"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max_num_seqs"), std::string::npos) << r.out;
  const auto bad = write_tmp("bad.json", R"({"model": "llama-3.1-70b", "deployment": {"hardware": "h100-sxm", "tp": 4},
    "workload": {"preset": "chat", "arrival": {"type": "poison", "rate_per_s": 1}}})");
  r = run("simulate " + bad);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("/workload/arrival/type"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("poisson"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(bad), std::string::npos) << "names the file: " << r.out;
  const auto malformed = write_tmp("malformed.json", R"({"model": )");
  r = run("simulate " + malformed);
  EXPECT_EQ(r.code, 2) << r.out;
  r = run("simulate " + example("chat") + " --set deployment.tp=3");
  EXPECT_EQ(r.code, 2) << r.out;
  r = run("simulate /nonexistent.json");
  EXPECT_EQ(r.code, 2) << r.out;
  r = run("simulate " + example("chat") + " --seed abc");
  EXPECT_EQ(r.code, 2) << r.out;
  std::filesystem::remove(bad);
  std::filesystem::remove(malformed);
}

TEST(SimulateCli, WorkloadsAndComponentsAreListedFromTheRegistries) {
  auto r = run("workloads list");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* p : {"batch", "chat", "code", "agentic", "reasoning", "rag", "voice", "edge"})
    EXPECT_NE(r.out.find(p), std::string::npos) << p;
  r = run("workloads list --json");
  ASSERT_EQ(r.code, 0);
  const auto j = infersim::common::parse_json_text(r.out, "workloads");
  EXPECT_GE(j.size(), 8u);
  EXPECT_TRUE(j[0].contains("slo"));
  r = run("components --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto c = infersim::common::parse_json_text(r.out, "components");
  for (const char* k : {"schedulers", "routers", "arrivals", "autoscalers", "distributions"})
    EXPECT_TRUE(c.contains(k)) << k;
  EXPECT_EQ(c["schedulers"].size(), 3u);
  r = run("components schedulers");
  EXPECT_NE(r.out.find("chunked"), std::string::npos);
  r = run("components shedulers");
  EXPECT_EQ(r.code, 2);
}

TEST(SimulateCli, RequestCsvAndTraceFiles) {
  const auto csv = (std::filesystem::temp_directory_path() / "infersim_cli_requests.csv").string();
  const auto trace = (std::filesystem::temp_directory_path() / "infersim_cli_trace.json").string();
  const auto r = run("simulate " + example("voice") + " --set workload.duration_s=20 --requests-csv " + csv +
                     " --trace " + trace);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::file_size(csv) > 100);
  const auto j = infersim::common::load_json_file(trace);
  EXPECT_GT(j["traceEvents"].size(), 10u);
  std::filesystem::remove(csv);
  std::filesystem::remove(trace);
}

TEST(SimulateCli, ScenarioFormatDocIsUpToDate) {
  const auto r = run("simulate --format-doc");
  ASSERT_EQ(r.code, 0);
  std::ifstream in(std::string(INFERSIM_SOURCE_DIR) + "/docs/scenario-format.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.out, doc) << "regenerate: build/cli/infersim simulate --format-doc > docs/scenario-format.md";
}
