// Deployment contracts: the format (strict loader, round trip), each clause against the planner's
// deployment re-estimated directly (analytic path: perf::estimate_serving; verified path: the
// simulator verifier run again at the plan's replica count), make -> pass on its own target and fail
// with the right clause on a slower one, the regression gate, the weights header check and the
// results-store rows.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../planner/hybrid_plan_request.h"
#include "infersim/app/contract.h"
#include "infersim/app/plan.h"
#include "infersim/app/verify.h"
#include "infersim/brief/brief_json.h"
#include "infersim/common/dtype.h"
#include "infersim/common/errors.h"
#include "infersim/contract/contract_check.h"
#include "infersim/contract/contract_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/planner/plan_json.h"
#include "infersim/store/results_store.h"

namespace infersim {
namespace {

using common::ConfigError;
using common::Json;
using contract::ClauseStatus;

const std::string SRC = INFERSIM_SOURCE_DIR;

Json base_contract() {
  return Json::parse(R"({
    "contract_format": 1, "name": "t", "version": "1.0.0", "model": "llama-3.1-8b",
    "weights": {"format": "safetensors", "dtype": "bf16"},
    "targets": {"hardware": ["h100-sxm"], "runtimes": ["vllm"], "precisions": ["bf16"]},
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 256, "requests_per_s": 4,
                   "clauses": {"ttft_p99_s": 1.0, "tpot_p99_s": 0.05, "min_output_tok_s_per_chip": 1,
                               "max_usd_per_1k_output": 1.0, "max_joules_per_output_token": 100}}]})");
}

const contract::ClauseResult& clause(const contract::TargetResult& t, const std::string& name) {
  for (const auto& c : t.clauses)
    if (c.clause == name) return c;
  throw std::runtime_error("no clause " + name);
}

TEST(ContractFormat, RoundTripsAndRejectsBadInputNamingThePointer) {
  const auto c = contract::contract_from_json(base_contract(), "c.json");
  EXPECT_EQ(c.targets.precisions, std::vector<std::string>{"bf16"});
  const auto again = contract::contract_from_json(contract::contract_to_json(c), "c.json");
  EXPECT_EQ(contract::contract_to_json(again).dump(), contract::contract_to_json(c).dump());

  const auto fails = [](Json j, const std::string& pointer) {
    try {
      contract::contract_from_json(j, "bad.json");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(pointer), std::string::npos) << e.what();
    }
  };
  auto j = base_contract();
  j["surprise"] = 1;
  fails(j, "/surprise");
  j = base_contract();
  j["weights"]["dtype"] = "bf17";
  fails(j, "/weights/dtype");
  j = base_contract();
  j["weights"]["groups"] = {{"embeddings", "bf16"}};
  fails(j, "/weights/groups/embeddings");
  j = base_contract();
  j["workloads"][0]["clauses"] = Json::object();
  fails(j, "/workloads/0/clauses");
  j = base_contract();
  j["workloads"][0]["clauses"]["ttft_p99_s"] = -1;
  fails(j, "/workloads/0/clauses/ttft_p99_s");
  j = base_contract();
  j["contract_format"] = 2;
  fails(j, "/contract_format");
  j = base_contract();
  j["rollback"] = {{"version", "1.0.0"}};
  fails(j, "/rollback");
}

// Every shipped example parses, and the JSON Schema under docs/ names exactly the keys the loader reads.
TEST(ContractFormat, ExamplesLoadAndTheSchemaMatchesTheLoader) {
  for (const auto& e : std::filesystem::directory_iterator(SRC + "/examples/contracts"))
    if (e.path().extension() == ".json") {
      EXPECT_NO_THROW(contract::load_contract(e.path().string())) << e.path();
    }
  const Json schema = common::load_json_file(SRC + "/docs/contract.schema.json");
  EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema.at("$defs").at("dtype").at("enum").get<std::vector<std::string>>(), common::dtype_names());
  std::vector<std::string> groups;
  for (auto it = schema.at("properties").at("weights").at("properties").at("groups").at("properties").begin();
       it != schema.at("properties").at("weights").at("properties").at("groups").at("properties").end(); ++it)
    groups.push_back(it.key());
  EXPECT_EQ(groups, contract::tensor_group_names());
  // Each object the schema declares closed must list the keys the canonical writer emits.
  auto full = contract::contract_to_json(contract::load_contract(SRC + "/examples/contracts/llama70b-chat-fp8.json"));
  full["made_from"] = {{"deployment", "x"}};
  full["workloads"][0]["predicted"] = {{"target", "x"}, {"ttft_p99_s", 1}};
  std::function<void(const Json&, const Json&, const std::string&)> walk = [&](const Json& s, const Json& v,
                                                                               const std::string& where) {
    if (v.is_object() && s.contains("properties")) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        ASSERT_TRUE(s.at("properties").contains(it.key())) << where << "/" << it.key() << " is not in the schema";
        walk(s.at("properties").at(it.key()), it.value(), where + "/" + it.key());
      }
    } else if (v.is_array() && s.contains("items")) {
      for (const auto& x : v) walk(s.at("items"), x, where + "/0");
    }
  };
  walk(schema, full, "");
  for (const auto& key : schema.at("required")) EXPECT_TRUE(full.contains(key.get<std::string>())) << key;
}

// Each clause's value is what estimate / simulate give for the planned deployment.
TEST(ContractCheck, EachClauseIsTheDeploymentsOwnEstimate) {
  auto c = contract::contract_from_json(base_contract(), "c.json");
  app::ContractCheckOptions o;
  o.verify = false;
  const auto res = app::check_contract(c, o);
  ASSERT_EQ(res.rows.size(), 1u);
  const auto& t = res.rows[0];
  ASSERT_TRUE(t.pass) << contract::render_check_markdown(res);
  // The planner's own plan for the same request.
  planner::PlanRequest q;
  q.model = "llama-3.1-8b";
  q.input_tokens = 1024;
  q.output_tokens = 256;
  q.requests_per_s = 4;
  q.slo = {1.0, 0.05, 0.99};
  q.hardware = {"h100-sxm"};
  q.runtimes = {"vllm"};
  q.precisions = {"bf16"};
  q.mixes = false;
  q.pricing = c.pricing;
  const auto p = planner::plan(q);
  ASSERT_FALSE(p.ranked.empty());
  const auto& best = p.ranked.front();
  EXPECT_EQ(t.deployment, best.id);
  // Analytic latency: estimate_serving on the same deployment at the chosen concurrency.
  const auto m = model::ModelCatalog::shipped().resolve("llama-3.1-8b");
  const perf::StepEstimator est(m, planner::candidate_deployment(m, best));
  const auto e = perf::estimate_serving(est, {best.batch, 1024, 256});
  EXPECT_NEAR(clause(t, "tpot_p99_s").value, 1.15 * e.tpot_s, 1e-9);
  EXPECT_NEAR(clause(t, "ttft_p99_s").value, best.ttft_p99_s, 1e-12);
  // P99 is the unloaded TTFT (the benchmark estimate less its closed-loop queueing and its per-stream
  // term) plus the open-loop terms (planner::open_loop_ttft_p99_s).
  EXPECT_GE(clause(t, "ttft_p99_s").value, e.ttft_s - e.ttft_queue_s - e.ttft_streams_s);
  EXPECT_GT(e.ttft_queue_s, 0.0);
  EXPECT_NEAR(clause(t, "min_output_tok_s_per_chip").value, best.replica_req_s * 256 / best.chips_per_replica, 1e-9);
  EXPECT_NEAR(clause(t, "max_usd_per_1k_output").value, best.cost.usd_per_1k_output, 1e-12);
  EXPECT_NEAR(clause(t, "max_joules_per_output_token").value, best.power.joules_per_output_token, 1e-12);
  const auto idle = perf::estimate_serving(est, {1, 1024, 256});
  EXPECT_NEAR(t.ttft_idle_s, idle.ttft_s, 1e-12);
  // Margins: (limit - value) / limit for ceilings, (value - limit) / limit for the floor.
  const auto& tp = clause(t, "tpot_p99_s");
  EXPECT_NEAR(tp.margin, (0.05 - tp.value) / 0.05, 1e-12);
  const auto& th = clause(t, "min_output_tok_s_per_chip");
  EXPECT_NEAR(th.margin, (th.value - 1) / 1, 1e-12);
}

TEST(ContractCheck, VerifiedLatenciesAreTheSimulatorsAtThePlansReplicaCount) {
  auto c = contract::contract_from_json(base_contract(), "c.json");
  const auto res = app::check_contract(c);
  ASSERT_EQ(res.rows.size(), 1u);
  const auto& t = res.rows[0];
  ASSERT_TRUE(t.verified);
  planner::PlanRequest q;
  q.model = "llama-3.1-8b";
  q.input_tokens = 1024;
  q.output_tokens = 256;
  q.requests_per_s = 4;
  q.slo = {1.0, 0.05, 0.99};
  q.pricing = c.pricing;
  q.hardware = {"h100-sxm"};
  q.runtimes = {"vllm"};
  q.precisions = {"bf16"};
  q.mixes = false;
  const auto verifier = app::make_plan_verifier();
  const auto p = planner::plan(q, verifier);
  ASSERT_FALSE(p.ranked.empty());
  const auto& cand = p.ranked.front();
  EXPECT_EQ(cand.id, t.deployment);
  EXPECT_EQ(cand.replicas, t.replicas);
  const auto v = verifier(q, cand, int(t.replicas));
  EXPECT_TRUE(v.meets);
  EXPECT_NEAR(clause(t, "ttft_p99_s").value, v.ttft_p99_s, 1e-9);
  EXPECT_NEAR(clause(t, "tpot_p99_s").value, v.tpot_p99_s, 1e-9);
}

// A contract made from a plan holds on that plan's target and fails on a slower one, naming the clause.
TEST(ContractMake, PassesOnItsTargetAndFailsTheRightClauseElsewhere) {
  const auto dir = std::filesystem::temp_directory_path() / "infersim_contract_make";
  std::filesystem::create_directories(dir);
  const auto plan_file = (dir / "PLAN.json").string();
  {
    std::ofstream f(plan_file);
    f << R"({"model": "llama-3.1-8b", "workload": {"name": "chat", "input_tokens": 1024, "output_tokens": 256},
             "load": {"requests_per_s": 4}, "slo": {"ttft_p99_s": 0.3, "tpot_p99_s": 0.03},
             "hardware": ["h100-sxm"], "runtimes": ["vllm"], "precisions": ["bf16"],
             "search": {"mixes": false, "top": 3, "verify_top": 1}})";
  }
  app::ContractMakeOptions mo;
  mo.verify = false;
  const auto c = app::make_contract_from_plan(plan_file, mo);
  ASSERT_EQ(c.workloads.size(), 1u);
  EXPECT_EQ(c.targets.hardware, std::vector<std::string>{"h100-sxm"});
  EXPECT_EQ(*c.workloads[0].clauses.ttft_p99_s, 0.3);
  ASSERT_TRUE(c.workloads[0].predicted);
  EXPECT_GT(*c.workloads[0].clauses.max_usd_per_1k_output, c.workloads[0].predicted->usd_per_1k_output);
  // The made contract is valid contract JSON.
  const auto reloaded = contract::contract_from_json(contract::contract_to_json(c), plan_file);

  app::ContractCheckOptions o;
  o.verify = false;
  const auto own = app::check_contract(reloaded, o);
  ASSERT_EQ(own.rows.size(), 1u);
  EXPECT_TRUE(own.rows[0].pass) << contract::render_check_markdown(own);
  EXPECT_EQ(own.rows[0].deployment, c.workloads[0].predicted->target);
  // Made and checked with the simulator, it holds on its own target too (one throughput definition).
  mo.verify = true;
  const auto verified = app::make_contract_from_plan(plan_file, mo);
  const auto own_verified = app::check_contract(verified);
  EXPECT_TRUE(own_verified.pass()) << contract::render_check_markdown(own_verified);

  // An L4 (300 GB/s) cannot decode an 8B BF16 model in 30 ms per token: the TPOT clause fails.
  o.hardware = {"l4"};
  o.runtimes = {"vllm"};
  const auto other = app::check_contract(reloaded, o);
  ASSERT_EQ(other.rows.size(), 1u);
  const auto& t = other.rows[0];
  EXPECT_FALSE(t.pass);
  EXPECT_EQ(clause(t, "tpot_p99_s").status, ClauseStatus::fail) << contract::render_check_markdown(other);
  EXPECT_GT(clause(t, "tpot_p99_s").value, 0.03);
  EXPECT_LT(clause(t, "tpot_p99_s").margin, 0);
  EXPECT_FALSE(other.pass());
}

TEST(ContractCheck, ATargetThatCannotHoldTheModelFailsDeployable) {
  auto j = base_contract();
  j["model"] = "llama-3.1-70b";
  j["targets"]["hardware"] = {"l4"};
  j["targets"]["layout"] = {{"tp", 1}, {"pp", 1}};
  app::ContractCheckOptions o;
  o.verify = false;
  const auto res = app::check_contract(contract::contract_from_json(j, "c.json"), o);
  ASSERT_EQ(res.rows.size(), 1u);
  EXPECT_EQ(res.rows[0].failed(), std::vector<std::string>{"deployable"});
  EXPECT_EQ(clause(res.rows[0], "ttft_p99_s").status, ClauseStatus::not_evaluated);
}

// The brief's recommended option becomes a contract that holds on its own target when re-checked.
TEST(ContractMake, TheBriefsRecommendedOptionIsAContractThatHolds) {
  const auto req = brief::load_brief_request(SRC + "/examples/briefs/llama70b-chat-agentic-h100.json");
  app::PlanOptions po;
  po.verify = false;
  const auto res = app::build_brief(req, po);
  ASSERT_GE(res.recommended, 0);
  ASSERT_FALSE(res.contracts.empty());
  ASSERT_NE(res.document.find_table("contract"), nullptr);
  std::size_t workloads = 0;
  for (const auto& mc : res.contracts) {
    const auto& made = mc.contract;
    workloads += made.workloads.size();
    app::ContractCheckOptions o;
    o.verify = false;
    const auto check = app::check_contract(contract::contract_from_json(contract::contract_to_json(made), mc.file), o);
    EXPECT_TRUE(check.pass()) << contract::render_check_markdown(check);
    for (const auto& t : check.rows) {
      const auto& w = *std::find_if(made.workloads.begin(), made.workloads.end(),
                                    [&](const contract::WorkloadContract& x) { return x.name == t.workload; });
      EXPECT_EQ(t.deployment, w.predicted->target);
      EXPECT_NEAR(t.usd_per_1k_output, w.predicted->usd_per_1k_output, 1e-5 * w.predicted->usd_per_1k_output);
    }
  }
  // Every planner lane of the recommended option is in exactly one contract.
  std::size_t lanes = 0;
  for (const auto& p : res.options[std::size_t(res.recommended)].parts) lanes += p.from_planner && p.feasible;
  EXPECT_EQ(workloads, lanes);
}

TEST(ContractGate, FailsPastTheThresholdOnCostOrFirstTokenLatencyOnly) {
  contract::CheckResult a;
  contract::TargetResult t;
  t.workload = "chat";
  t.target = "h100-sxm/vllm/bf16";
  t.pass = true;
  t.ttft_p99_s = 0.5;
  t.tpot_p99_s = 0.02;
  t.usd_per_1k_output = 0.001;
  t.output_tok_s_per_chip = 1000;
  t.joules_per_output_token = 0.5;
  t.ttft_idle_s = 0.1;
  a.rows = {t};
  contract::tally(a);
  auto b = a;
  b.rows[0].usd_per_1k_output = 0.00109;  // +9%: within 10%
  b.rows[0].tpot_p99_s = 0.05;            // +150%, reported but not gating
  b.rows[0].ttft_p99_s = 0.9;             // +80% under load, within its clause: the planner's trade
  EXPECT_TRUE(contract::gate(a, b, 10).pass());
  b.rows[0].usd_per_1k_output = 0.00111;  // +11%
  auto g = contract::gate(a, b, 10);
  ASSERT_EQ(g.failures.size(), 1u);
  EXPECT_NE(g.failures[0].find("usd_per_1k_output"), std::string::npos);
  b = a;
  b.rows[0].ttft_idle_s = 0.112;  // +12%
  EXPECT_FALSE(contract::gate(a, b, 10).pass());
  b = a;
  b.rows.clear();
  EXPECT_FALSE(contract::gate(a, b, 10).pass());  // no longer evaluated
  // A saved result reads back to the same gate.
  const auto back = contract::check_result_from_json(contract::check_result_to_json(a), "a.json");
  EXPECT_TRUE(contract::gate(back, a, 10).pass());
  EXPECT_EQ(contract::check_result_to_json(back).dump(), contract::check_result_to_json(a).dump());
}

// Two versions of the shipped example: BF16 (2.0.0) -> FP8 (2.1.0) is cheaper and faster on H200, so
// the gate passes; the reverse direction regresses on cost. (On H100 the FP8 chat plan sits at the
// contract's $0.004 cost limit: 2-GPU replicas at 32 users each cost what BF16's 4-GPU ones do.)
TEST(ContractGate, ShippedVersionsGateInTheRightDirection) {
  app::ContractCheckOptions o;
  o.verify = false;
  o.hardware = {"h200"};
  auto bf16 = app::check_contract(contract::load_contract(SRC + "/examples/contracts/llama70b-chat-bf16.json"), o);
  auto fp8 = app::check_contract(contract::load_contract(SRC + "/examples/contracts/llama70b-chat-fp8.json"), o);
  // Targets are named by precision; compare like for like by renaming the precision away.
  for (auto* r : {&bf16, &fp8})
    for (auto& t : r->rows) t.target = t.hardware + "/" + t.runtime;
  EXPECT_TRUE(contract::gate(bf16, fp8, 10).pass()) << contract::render_gate_markdown(contract::gate(bf16, fp8, 10));
  EXPECT_FALSE(contract::gate(fp8, bf16, 10).pass());
}

TEST(ContractWeights, HeaderMatchesTheCardAndADeclaredMismatchFails) {
  auto c = contract::load_contract(SRC + "/examples/contracts/tiny-llama-weights.json");
  const auto m = model::ModelCatalog::shipped().resolve(c.model);
  const auto ok = app::check_weights(c, m);
  EXPECT_TRUE(ok.read);
  EXPECT_TRUE(ok.pass) << ok.reason;
  EXPECT_DOUBLE_EQ(ok.file_params, model::param_count(m));
  EXPECT_DOUBLE_EQ(ok.file_bytes, model::weight_bytes(m, common::DType::bf16));
  c.weights.dtype = "fp8";  // the file is BF16
  const auto bad = app::check_weights(c, m);
  EXPECT_FALSE(bad.pass);
  EXPECT_NE(bad.reason.find("BF16"), std::string::npos) << bad.reason;
  c.weights.resolved_file = SRC + "/tests/data/weights/bad-json.safetensors";
  c.weights.file = "bad-json.safetensors";
  EXPECT_THROW(app::check_weights(c, m), ConfigError);
}

TEST(ContractStore, RowsOfKindContract) {
  auto c = contract::contract_from_json(base_contract(), "c.json");
  app::ContractCheckOptions o;
  o.verify = false;
  const auto res = app::check_contract(c, o);
  const auto db = (std::filesystem::temp_directory_path() / "infersim_contract_store.sqlite").string();
  std::filesystem::remove(db);
  EXPECT_EQ(app::store_contract_check(res, db, "gate"), 1u);
  EXPECT_EQ(app::store_contract_check(res, db, "gate"), 0u);  // idempotent: nothing new
  auto st = store::ResultsStore::open(db, store::OpenMode::read_only);
  const auto rows = st.rows("gate");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, "contract");
  EXPECT_EQ(rows[0].metrics.at("contract_pass"), 1.0);
  EXPECT_EQ(rows[0].labels.at("hardware"), "h100-sxm");
}

}  // namespace
}  // namespace infersim

namespace infersim {

// A contract on a hybrid model names its recurrent states' format: it round-trips, every target is planned
// with it (the same candidate the planner gives for that format), a contract made from such a plan keeps
// it, and a model without states or another format is refused naming /targets/state_precision.
TEST(ContractFormat, StatePrecisionIsPlannedOnEveryTargetOfAHybridModel) {
  Json j = Json::parse(R"({
    "contract_format": 1, "name": "q", "version": "1.0.0", "model": "qwen3.5-397b-a17b",
    "weights": {"format": "safetensors", "dtype": "fp8"},
    "targets": {"hardware": ["b200"], "runtimes": ["sglang"], "precisions": ["fp8"], "state_precision": "bf16"},
    "workloads": [{"name": "chat", "input_tokens": 1024, "output_tokens": 1024, "requests_per_s": 20,
                   "clauses": {"ttft_p99_s": 2.0, "tpot_p99_s": 0.05}}]})");
  const auto c = contract::contract_from_json(j, "q.json");
  EXPECT_EQ(c.targets.state_precision, "bf16");
  EXPECT_EQ(contract::contract_to_json(c)["targets"]["state_precision"], "bf16");
  app::ContractCheckOptions o;
  o.verify = false;
  const auto res = app::check_contract(c, o);
  ASSERT_EQ(res.rows.size(), 1u);
  auto q = hybrid_tests::qwen35_b200_sglang_request(20, {2.0, 0.05, 0.99});
  q.pricing = c.pricing;
  q.state_precision = "bf16";
  const auto b16 = planner::plan(q);
  q.state_precision = "";
  const auto f32 = planner::plan(q);
  ASSERT_FALSE(b16.ranked.empty());
  ASSERT_FALSE(f32.ranked.empty());
  EXPECT_EQ(res.rows[0].deployment, b16.ranked.front().id);
  EXPECT_NEAR(clause(res.rows[0], "tpot_p99_s").value, b16.ranked.front().tpot_p99_s, 1e-12);
  if (b16.ranked.front().id == f32.ranked.front().id && b16.ranked.front().batch == f32.ranked.front().batch) {
    EXPECT_LT(clause(res.rows[0], "tpot_p99_s").value, f32.ranked.front().tpot_p99_s) << "checked at bf16, not fp32";
  }
  q.state_precision = "bf16";
  const auto made = contract::make_contract(q, b16.ranked.front(), "", "", 0.1);
  EXPECT_EQ(made.targets.state_precision, "bf16");

  auto error_of = [](const Json& x) {
    try {
      app::ContractCheckOptions p;
      p.verify = false;
      app::check_contract(contract::contract_from_json(x, "bad.json"), p);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Json bad = j;
  bad["targets"]["state_precision"] = "fp8";
  auto e = error_of(bad);
  EXPECT_NE(e.find("bad.json"), std::string::npos) << e;
  EXPECT_NE(e.find("/targets/state_precision"), std::string::npos) << e;
  bad = base_contract();
  bad["targets"]["state_precision"] = "bf16";
  e = error_of(bad);
  EXPECT_NE(e.find("bad.json"), std::string::npos) << e;
  EXPECT_NE(e.find("/targets/state_precision"), std::string::npos) << e;
  EXPECT_NE(e.find("llama-3.1-8b keeps no recurrent state"), std::string::npos) << e;
}

}  // namespace infersim
