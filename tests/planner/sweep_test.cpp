#include "infersim/planner/sweep.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"

using namespace infersim;

namespace {

// An in-memory sink that can "crash" after N batches (simulating a killed process).
class MemorySink : public planner::SweepSink {
 public:
  std::map<std::string, planner::SweepOutcome> rows;
  int batches = 0;
  int crash_after = -1;
  std::set<std::string> finished_ids() override {
    std::set<std::string> s;
    for (const auto& [k, v] : rows) s.insert(k);
    return s;
  }
  void put_batch(const std::vector<std::pair<planner::SweepScenario, planner::SweepOutcome>>& b) override {
    if (crash_after >= 0 && batches >= crash_after) throw std::runtime_error("killed");
    for (const auto& [s, o] : b) rows.emplace(s.id, o);
    ++batches;
  }
};

const char* SWEEP = R"({
  "kind": "estimate",
  "base": {"model": "llama-3.1-8b", "hardware": "h100-sxm", "input": 512, "output": 128},
  "grid": {"/hardware": ["h100-sxm", "mi300x", "l40s"], "batch": [1, 4, 16, 64]},
  "list": [{"/model": "llama-3.1-8b"}, {"/model": "mistral-7b", "/input": 2048}]
})";

}  // namespace

TEST(Sweep, ExpandsTheGridDeterministically) {
  const auto a = planner::expand_sweep_text(SWEEP, "s.json");
  const auto b = planner::expand_sweep_text(SWEEP, "s.json");
  ASSERT_EQ(a.size(), 2u * 3u * 4u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].json, b[i].json);
  }
  std::set<std::string> ids;
  for (const auto& s : a) ids.insert(s.id);
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_EQ(a.front().labels.at("/hardware"), "h100-sxm");
}

TEST(Sweep, BadSweepFilesGetPointedErrors) {
  auto bad = [](const std::string& text, const std::string& needle) {
    try {
      planner::expand_sweep_text(text, "s.json");
      FAIL() << needle;
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  bad(R"({"kind":"estimate","base":{},"grid":{"batch":[]}})", "/grid/batch");
  bad(R"({"kind":"guess","base":{}})", "/kind");
  bad(R"({"kind":"estimate","base":{},"grids":{}})", "/grids");
  bad(R"({"kind":"estimate","base":{},"list":[3]})", "/list/0");
}

// A sweep killed part-way and resumed produces exactly the rows of an uninterrupted one.
TEST(Sweep, ResumedSweepEqualsUninterrupted) {
  const auto scenarios = planner::expand_sweep_text(SWEEP, "s.json");
  MemorySink full;
  const auto st = planner::run_sweep(scenarios, planner::evaluate_estimate_scenario, full, 2, 5, nullptr);
  EXPECT_EQ(st.done + st.failed, scenarios.size());
  MemorySink crashed;
  crashed.crash_after = 2;
  EXPECT_THROW(planner::run_sweep(scenarios, planner::evaluate_estimate_scenario, crashed, 2, 5, nullptr),
               std::runtime_error);
  const std::size_t kept = crashed.rows.size();
  EXPECT_GE(kept, 10u);  // two whole batches of at least 5 rows made it before the "kill"
  EXPECT_LT(kept, scenarios.size());
  crashed.crash_after = -1;
  const auto st2 = planner::run_sweep(scenarios, planner::evaluate_estimate_scenario, crashed, 1, 7, nullptr);
  EXPECT_EQ(st2.skipped, kept);
  ASSERT_EQ(crashed.rows.size(), full.rows.size());
  for (const auto& [id, o] : full.rows) {
    const auto& r = crashed.rows.at(id);
    EXPECT_EQ(r.metrics, o.metrics) << id;
    EXPECT_EQ(r.labels, o.labels) << id;
    EXPECT_EQ(r.error, o.error) << id;
  }
}

TEST(Sweep, InvalidScenariosAreKeptWithTheirError) {
  const auto scenarios = planner::expand_sweep_text(
      R"({"kind":"estimate","base":{"model":"llama-3.1-8b","hardware":"h100-sxm"},"grid":{"runtime":["vllm","jetstream"]}})",
      "s.json");
  MemorySink sink;
  const auto st = planner::run_sweep(scenarios, planner::evaluate_estimate_scenario, sink, 1, 10, nullptr);
  EXPECT_EQ(st.done, 1u);
  EXPECT_EQ(st.failed, 1u);
  bool found = false;
  for (const auto& [id, o] : sink.rows) found = found || o.error.find("jetstream") != std::string::npos;
  EXPECT_TRUE(found);
}

// The estimate kind takes a hybrid model's state precision: 16-bit states hold more sequences; a format
// states are not kept in is an invalid row that keeps its reason.
TEST(Sweep, EstimateScenariosTakeTheRecurrentStatePrecision) {
  const auto scenarios = planner::expand_sweep_text(
      R"({"kind":"estimate","base":{"model":"qwen3.5-397b-a17b","hardware":"b200","runtime":"sglang","precision":"fp8",
          "tp":4,"batch":64,"input":1024,"output":1024},"grid":{"state_precision":["fp32","bf16","fp8"]}})",
      "s.json");
  MemorySink sink;
  const auto st = planner::run_sweep(scenarios, planner::evaluate_estimate_scenario, sink, 1, 10, nullptr);
  EXPECT_EQ(st.done, 2u);
  EXPECT_EQ(st.failed, 1u);
  std::map<std::string, std::string> axis;  // scenario id -> its state precision
  for (const auto& s : scenarios) axis[s.id] = s.labels.at("state_precision");
  std::map<std::string, planner::SweepOutcome> by;
  for (const auto& [id, o] : sink.rows) {
    if (!o.error.empty()) {
      EXPECT_NE(o.error.find("/state_precision"), std::string::npos) << o.error;
      EXPECT_NE(o.error.find("'fp8'"), std::string::npos) << o.error;
      continue;
    }
    by[axis.at(id)] = o;
  }
  ASSERT_EQ(by.size(), 2u);
  EXPECT_GT(by["bf16"].metrics.at("max_concurrency"), 1.9 * by["fp32"].metrics.at("max_concurrency"));
  EXPECT_LT(by["bf16"].metrics.at("tpot_s"), by["fp32"].metrics.at("tpot_s"));
}
