#include "infersim/app/contract.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "infersim/app/verify.h"
#include "infersim/common/dtype.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/contract/contract_json.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/model/weights_header.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/planner/plan_json.h"
#include "infersim/serving/workload_presets.h"
#include "infersim/serving/workload_summary.h"
#include "infersim/store/results_store.h"

namespace infersim::app {

using common::ConfigError;
using common::Json;
using contract::CheckResult;
using contract::Contract;
using contract::TargetResult;
using contract::WorkloadContract;

namespace {

// A workload of the contract as the planner sees it.
struct ResolvedWorkload {
  double input = 0, output = 0, rps = 0, ttft = 0, tpot = 0;
  double input_p99 = 0;       // the preset's P99 prompt (0 = fixed lengths)
  std::string verify_preset;  // the simulator draws this preset's lengths ("" = fixed lengths)
};

// An SLO the contract does not state is not checked; the planner still needs a bound: the preset's,
// else one that never binds.
constexpr double UNBOUNDED_S = 1e5;

ResolvedWorkload resolve_workload(const Contract& c, std::size_t i) {
  const WorkloadContract& w = c.workloads[i];
  const std::string field = fmt::format("/workloads/{}", i);
  ResolvedWorkload r;
  std::optional<serving::WorkloadSummary> s;
  if (!w.preset.empty()) {
    try {
      s = serving::summarize_workload_preset(w.preset);
    } catch (const ConfigError& e) {
      throw ConfigError(c.file, field + "/preset", e.reason());
    }
  }
  r.input = w.input_tokens ? *w.input_tokens : std::round(s->input_tokens);
  r.output = w.output_tokens ? *w.output_tokens : std::round(s->output_tokens);
  r.rps = w.requests_per_s ? *w.requests_per_s : (s && s->requests_per_s ? *s->requests_per_s : 10.0);
  r.ttft = w.clauses.ttft_p99_s ? *w.clauses.ttft_p99_s : (s ? s->ttft_p99_s : UNBOUNDED_S);
  r.tpot = w.clauses.tpot_p99_s ? *w.clauses.tpot_p99_s : (s ? s->tpot_p99_s : UNBOUNDED_S);
  // Overridden lengths are means the preset's distributions do not have: simulate fixed lengths then.
  if (s && !w.input_tokens && !w.output_tokens) {
    r.verify_preset = w.preset;
    r.input_p99 = std::round(s->input_tokens_p99);
  }
  return r;
}

planner::PlanRequest request_for(const Contract& c, const WorkloadContract& w, const ResolvedWorkload& rw,
                                 const std::string& hardware, const std::string& runtime,
                                 const std::string& precision) {
  planner::PlanRequest q;
  q.model = c.model;
  q.workload_name = w.name;
  q.input_tokens = rw.input;
  q.input_tokens_p99 = rw.input_p99;
  q.output_tokens = rw.output;
  q.requests_per_s = rw.rps;
  q.slo.ttft_p99_s = rw.ttft;
  q.slo.tpot_p99_s = rw.tpot;
  q.slo.goodput = w.goodput;
  q.hardware = {hardware};
  if (!runtime.empty()) q.runtimes = {runtime};
  q.precisions = {precision};
  q.state_precision = c.targets.state_precision;
  const auto d = common::parse_dtype(precision);
  q.allow_int4 = d && (*d == common::DType::int4 || *d == common::DType::fp4);
  if (c.targets.layout.max_chips_per_replica > 0)
    q.max_chips_per_replica = q.max_sram_chips_per_replica = c.targets.layout.max_chips_per_replica;
  q.layout_tp = c.targets.layout.tp;
  q.layout_pp = c.targets.layout.pp;
  q.mixes = false;
  // The simulator may raise the cheapest candidate's replica count until another, unverified one ranks
  // first: keep a few so the verified one is there to judge (verified_first()).
  q.top = 5;
  q.verify_top = 1;
  q.pricing = c.pricing;
  return q;
}

// Best case when nothing meets the latency clauses: the target's layouts the planner rejected for
// missing an SLO, each at batch 1 (analytic; TPOT P99 with the planner's tail factor).
std::pair<double, double> batch1_latencies(const model::ModelSpec& m, const planner::PlanResult& p, double input,
                                           double output) {
  double ttft = NAN, tpot = NAN;
  for (const auto& c : p.rejected) {
    if (c.rejection != planner::Rejection::misses_slo && c.rejection != planner::Rejection::des_refuted) continue;
    try {
      const perf::StepEstimator est(m, planner::candidate_deployment(m, c));
      const auto e = perf::estimate_serving(est, {1, input, output}, /*detail=*/false);
      if (!e.fits) continue;
      if (!(e.ttft_s >= ttft)) ttft = e.ttft_s;
      if (!(planner::TPOT_TAIL * e.tpot_s >= tpot)) tpot = planner::TPOT_TAIL * e.tpot_s;
    } catch (const ConfigError&) {
    }
  }
  return {ttft, tpot};
}

// With verification on, the deployment judged is the cheapest the simulator confirmed.
void verified_first(planner::PlanResult& p) {
  const auto it = std::find_if(p.ranked.begin(), p.ranked.end(),
                               [](const planner::Candidate& c) { return c.verified; });
  if (it != p.ranked.end() && it != p.ranked.begin()) std::rotate(p.ranked.begin(), it, it + 1);
}

bool only_unsupported(const planner::PlanResult& p) {
  if (!p.ranked.empty() || p.rejected.empty()) return false;
  return std::all_of(p.rejected.begin(), p.rejected.end(),
                     [](const planner::Candidate& c) { return c.rejection == planner::Rejection::unsupported; });
}

std::string infersim_dtype_of_file(const std::string& file_dtype) {
  static const std::map<std::string, std::string> map = {{"BF16", "bf16"},   {"F16", "fp16"},    {"F32", "fp32"},
                                                         {"F8_E4M3", "fp8"}, {"F8_E5M2", "fp8"}, {"I8", "int8"},
                                                         {"Q8_0", "int8"},   {"Q4_0", "int4"},   {"Q4_1", "int4"},
                                                         {"Q4_K", "int4"},   {"IQ4_NL", "int4"}, {"IQ4_XS", "int4"},
                                                         {"MXFP4", "fp4"}};
  const auto it = map.find(file_dtype);
  return it == map.end() ? "" : it->second;
}

bool plain_file_dtype(const std::string& d) {
  return d == "BF16" || d == "F16" || d == "F32" || d == "F64" || d == "F8_E4M3" || d == "F8_E5M2" || d == "I8";
}

}  // namespace

contract::WeightsCheck check_weights(const Contract& c, const model::ModelSpec& m) {
  contract::WeightsCheck w;
  if (c.weights.file.empty()) {
    w.reason = "no weights file given: the card's precision math is used as declared";
    return w;
  }
  const auto h = model::read_weights_header(c.weights.resolved_file);
  w.read = true;
  w.file = c.weights.file;
  w.format = h.format;
  if (c.weights.format != "other" && c.weights.format != h.format)
    throw ConfigError(c.file, "/weights/format",
                      fmt::format("says {} but {} is a {} file", c.weights.format, c.weights.file, h.format));
  const auto card = model::param_breakdown(m);
  const std::vector<std::pair<std::string, double>> card_params = {{"embedding", card.embedding},
                                                                   {"attention", card.attention},
                                                                   {"dense_mlp", card.dense_mlp},
                                                                   {"router", card.router},
                                                                   {"routed_experts", card.routed_experts},
                                                                   {"shared_experts", card.shared_experts},
                                                                   {"norms", card.norms},
                                                                   {"lm_head", card.lm_head}};
  const double total_params = card.total();
  std::vector<std::string> problems, notes;
  std::map<std::string, model::WeightGroup> file_groups;
  for (const auto& g : model::group_weights(h)) file_groups[g.group] = g;
  for (const auto& [name, params] : card_params) {
    const auto it = file_groups.find(name);
    if (params == 0 && it == file_groups.end()) continue;
    contract::WeightsGroupCheck g;
    g.group = name;
    g.params = it == file_groups.end() ? 0 : it->second.params;
    g.file_bytes = it == file_groups.end() ? 0 : double(it->second.bytes);
    std::string main_file_dtype;
    double main_params = -1;
    if (it != file_groups.end()) {
      std::vector<std::string> ds;
      for (const auto& [d, n] : it->second.params_by_dtype) {
        ds.push_back(d);
        if (n > main_params) main_params = n, main_file_dtype = d;
      }
      g.file_dtypes = common::join(ds, ", ");
    }
    const auto over = c.weights.group_dtypes.find(name);
    g.declared_dtype = over != c.weights.group_dtypes.end() ? over->second
                       : !c.weights.dtype.empty()           ? c.weights.dtype
                                                            : infersim_dtype_of_file(main_file_dtype);
    const auto dt = common::parse_dtype(g.declared_dtype);
    g.card_bytes = dt ? params * common::bytes_per_element(*dt) : NAN;
    g.bits_per_weight = g.params > 0 ? 8.0 * g.file_bytes / g.params : 0;
    if (std::fabs(g.params - params) > 0.005 * std::max(1.0, params))
      problems.push_back(fmt::format("{}: {:.0f} parameters in the file, {:.0f} on the card", name, g.params, params));
    const bool small = params < 0.01 * total_params;  // norms, routers: often kept in higher precision
    const std::string as_declared = infersim_dtype_of_file(main_file_dtype);
    if (!main_file_dtype.empty() && as_declared != g.declared_dtype) {
      const std::string what = fmt::format("{}: the file stores {} where the contract declares {}", name,
                                           main_file_dtype, g.declared_dtype.empty() ? "nothing" : g.declared_dtype);
      (small ? notes : problems).push_back(what);
    } else if (plain_file_dtype(main_file_dtype) && std::isfinite(g.card_bytes) &&
               std::fabs(g.file_bytes - g.card_bytes) > 0.01 * std::max(1.0, g.card_bytes)) {
      problems.push_back(fmt::format("{}: {:.0f} bytes in the file, {:.0f} by the card's {} math", name, g.file_bytes,
                                     g.card_bytes, g.declared_dtype));
    } else if (!main_file_dtype.empty() && !plain_file_dtype(main_file_dtype)) {
      notes.push_back(fmt::format("{}: {} is a block format, {:.3g} bits per weight with its scales ({} math: {:g})",
                                  name, main_file_dtype, g.bits_per_weight, g.declared_dtype,
                                  dt ? 8 * common::bytes_per_element(*dt) : 0.0));
    }
    w.file_bytes += g.file_bytes;
    w.file_params += g.params;
    if (std::isfinite(g.card_bytes)) w.card_bytes += g.card_bytes;
    w.groups.push_back(g);
  }
  for (const auto& [name, g] : file_groups)
    if (std::none_of(card_params.begin(), card_params.end(), [&](const auto& p) { return p.first == name; })) {
      problems.push_back(fmt::format("{:.0f} parameters in tensors the card has no place for ({})", g.params, name));
      w.file_bytes += double(g.bytes);
      w.file_params += g.params;
    }
  w.card_params = total_params;
  w.pass = problems.empty();
  const bool same_bytes = std::fabs(w.file_bytes - w.card_bytes) <= 0.01 * std::max(1.0, w.card_bytes);
  w.reason = !w.pass ? "the file does not match the contract: " + common::join(problems, "; ")
             : same_bytes
                 ? fmt::format("the header's {:.0f} parameters and {} match the card ({} by its precision math)",
                               w.file_params, common::format_bytes(w.file_bytes), common::format_bytes(w.card_bytes))
                 : fmt::format("the header's {:.0f} parameters match the card; the file holds {} where the card's "
                               "precision math gives {}: block scales and higher-precision small tensors (notes)",
                               w.file_params, common::format_bytes(w.file_bytes), common::format_bytes(w.card_bytes));
  if (!notes.empty()) w.reason += ". Notes: " + common::join(notes, "; ");
  return w;
}

CheckResult check_contract(const Contract& c, const ContractCheckOptions& o,
                           const std::function<void(const ContractProgress&)>& progress,
                           const std::atomic<bool>* cancel) {
  CheckResult res;
  res.contract_name = c.name;
  res.contract_version = c.version;
  res.file = c.file;
  res.verified = o.verify;
  model::ModelSpec m;
  try {
    m = model::ModelCatalog::shipped().resolve(c.model);
  } catch (const ConfigError& e) {
    throw ConfigError(c.file, "/model", e.reason());
  }
  res.model = m.name;
  res.weights = check_weights(c, m);
  try {
    perf::state_precision_for(m, c.targets.state_precision);
  } catch (const ConfigError& e) {
    throw ConfigError(c.file, "/targets/state_precision", e.reason());
  }

  const auto& catalog = hwprofiles::HardwareCatalog::shipped();
  const auto all_hw = catalog.names();
  const bool wildcard = o.hardware.empty() && c.targets.hardware.empty();
  std::vector<std::string> hardware = !o.hardware.empty() ? o.hardware : c.targets.hardware;
  if (hardware.empty()) hardware = all_hw;
  for (const auto& h : hardware)
    if (std::find(all_hw.begin(), all_hw.end(), h) == all_hw.end())
      throw ConfigError(o.hardware.empty() ? c.file : "", o.hardware.empty() ? "/targets/hardware" : "hardware",
                        fmt::format("unknown hardware '{}'{}", h, common::suggest_suffix(h, all_hw)));
  std::vector<std::string> runtimes = !o.runtimes.empty() ? o.runtimes : c.targets.runtimes;
  if (runtimes.empty()) runtimes = {""};  // each hardware's default
  const std::vector<std::string> precisions = !o.precisions.empty() ? o.precisions : c.targets.precisions;
  for (const auto& p : precisions)
    if (!common::parse_dtype(p))
      throw ConfigError("", "precision",
                        fmt::format("unknown precision '{}'{}", p, common::suggest_suffix(p, common::dtype_names())));

  struct Task {
    std::size_t workload;
    std::string hardware, runtime, precision;
  };
  std::vector<ResolvedWorkload> resolved;
  for (std::size_t i = 0; i < c.workloads.size(); ++i) resolved.push_back(resolve_workload(c, i));
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < c.workloads.size(); ++i)
    for (const auto& h : hardware)
      for (const auto& r : runtimes)
        for (const auto& p : precisions) tasks.push_back({i, h, r, p});

  std::vector<std::optional<TargetResult>> out(tasks.size());
  std::vector<std::string> skipped(tasks.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  std::exception_ptr error;
  const auto work = [&] {
    for (;;) {
      const std::size_t k = next.fetch_add(1);
      if (k >= tasks.size() || (cancel && cancel->load())) return;
      const Task& t = tasks[k];
      try {
        const auto& w = c.workloads[t.workload];
        const auto& rw = resolved[t.workload];
        const auto req = request_for(c, w, rw, t.hardware, t.runtime, t.precision);
        auto plan = planner::plan(req, o.verify ? make_plan_verifier(rw.verify_preset) : planner::Verifier{});
        if (o.verify) verified_first(plan);
        if (wildcard && only_unsupported(plan)) {
          skipped[k] = fmt::format("{}/{}/{}: {}", t.hardware, t.runtime.empty() ? "default" : t.runtime, t.precision,
                                   plan.rejected.front().reason);
        } else {
          auto [b1_ttft, b1_tpot] = batch1_latencies(m, plan, rw.input, rw.output);
          if (!plan.ranked.empty()) {
            const perf::StepEstimator est(m, planner::candidate_deployment(m, plan.ranked.front()));
            const auto e = perf::estimate_serving(est, {1, rw.input, rw.output}, /*detail=*/false);
            b1_ttft = e.ttft_s;
            b1_tpot = planner::TPOT_TAIL * e.tpot_s;
          }
          std::string runtime = t.runtime;
          if (runtime.empty() && !plan.rejected.empty()) runtime = plan.rejected.front().runtime;
          out[k] = contract::judge_target(w, t.hardware, runtime.empty() ? "default" : runtime, t.precision, plan,
                                          rw.output, b1_ttft, b1_tpot);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        if (!error) error = std::current_exception();
        return;
      }
      const std::size_t n = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress({n, tasks.size(), fmt::format("{} on {}", c.workloads[t.workload].name, t.hardware)});
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(o.jobs > 0 ? o.jobs : int(std::thread::hardware_concurrency()),
                                             int(tasks.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < jobs; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  if (cancel && cancel->load()) throw common::IoError("contract check cancelled");
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    if (out[k]) res.rows.push_back(std::move(*out[k]));
    if (!skipped[k].empty()) res.notes.push_back("skipped (not supported): " + skipped[k]);
  }
  for (const auto& [rt, hints] : c.targets.compile_hints) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : hints) kv.push_back(k + "=" + v);
    res.notes.push_back(fmt::format("compile hints for {} (carried, not evaluated): {}", rt, common::join(kv, ", ")));
  }
  if (!c.rollback_version.empty())
    res.notes.push_back(fmt::format("rollback target: version {}{}", c.rollback_version,
                                    c.rollback_file.empty() ? "" : " (" + c.rollback_file + ")"));
  contract::tally(res);
  return res;
}

CheckResult check_or_load(const std::string& path, const ContractCheckOptions& o) {
  const Json j = common::load_json_file(path);
  if (j.is_object() && j.contains("contract_check_format")) return contract::check_result_from_json(j, path);
  return check_contract(contract::contract_from_json(j, path), o);
}

Contract make_contract_from_plan(const std::string& plan_file, const ContractMakeOptions& o) {
  const Json j = common::load_json_file(plan_file);
  planner::PlanRequest req;
  planner::Candidate chosen;
  bool found = false;
  const auto pick = [&](const std::vector<planner::Candidate>& ranked) {
    for (const auto& c : ranked)
      if (!c.is_mix() && (o.deployment.empty() || c.id == o.deployment)) {
        chosen = c;
        return true;
      }
    return false;
  };
  if (j.is_object() && j.contains("request") && j.contains("ranked")) {
    // A saved result: re-plan its request restricted to the chosen deployment's target, so the
    // contract carries every figure the planner computes (the JSON rounds them).
    req = planner::plan_request_from_json(j.at("request"), plan_file + " /request");
    std::string id = o.deployment;
    if (id.empty())
      for (const auto& c : j.at("ranked"))
        if (c.value("kind", "") != "mix") {
          id = c.at("id").get<std::string>();
          break;
        }
    if (id.empty()) throw ConfigError(plan_file, "/ranked", "no single-pool plan to make a contract from");
    bool listed = false;
    for (const auto& c : j.at("ranked"))
      if (c.at("id").get<std::string>() == id) {
        if (c.value("kind", "") == "mix")
          throw ConfigError(plan_file, "/ranked",
                            fmt::format("{} is a mix of two deployments; make a contract from one of its parts "
                                        "(their ids are in its \"parts\")",
                                        id));
        listed = true;
        req.hardware = {c.at("hardware").get<std::string>()};
        req.runtimes = {c.at("runtime").get<std::string>()};
        req.precisions = {c.at("precision").get<std::string>()};
        req.layout_tp = c.at("tp").get<int>();
        req.layout_pp = c.at("pp").get<int>();
      }
    if (!listed) throw ConfigError(plan_file, "/ranked", fmt::format("no ranked plan with id '{}'", o.deployment));
    req.mixes = false;
    req.top = 1;
    req.verify_top = 1;
    const bool verified = j.at("ranked").size() > 0 && j.at("ranked")[0].value("verified", false);
    const auto res = planner::plan(req, verified ? make_plan_verifier() : planner::Verifier{});
    found = pick(res.ranked);
  } else {
    req = planner::plan_request_from_json(j, plan_file);
    const auto res = planner::plan(req, o.verify ? make_plan_verifier() : planner::Verifier{});
    for (const auto& c : res.ranked)
      if (c.is_mix() && c.id == o.deployment)
        throw ConfigError(plan_file, "",
                          fmt::format("{} is a mix of two deployments; make a contract from one of its "
                                      "parts (their ids are in its \"parts\")",
                                      c.id));
    found = pick(res.ranked);
  }
  if (!found)
    throw ConfigError(plan_file, "",
                      o.deployment.empty() ? "the plan has no feasible single-pool deployment to make a contract from"
                                           : fmt::format("no feasible plan with id '{}'", o.deployment));
  auto c = contract::make_contract(req, chosen, o.name, o.version, o.headroom);
  c.made_from["plan"] = std::filesystem::path(plan_file).filename().string();
  return c;
}

std::size_t store_contract_check(const CheckResult& r, const std::string& db, const std::string& run) {
  auto st = store::ResultsStore::open(db, store::OpenMode::create);
  std::vector<store::ResultRow> rows;
  for (const auto& t : r.rows) {
    store::ResultRow row;
    row.run_name = run;
    row.kind = "contract";
    const Json scenario = {{"contract", r.contract_name},
                           {"version", r.contract_version},
                           {"workload", t.workload},
                           {"target", t.target},
                           {"verified", r.verified}};
    row.scenario_json = scenario.dump();
    // The id covers the verdict too: a re-check after a recalibration that changes any value is a new
    // row, not a silent no-op on the old one.
    Json verdict = Json::array();
    for (const auto& c : t.clauses)
      verdict.push_back({c.clause, contract::clause_status_name(c.status), c.limit, c.value});
    row.scenario_id = common::sha256_hex(row.scenario_json + verdict.dump() + std::to_string(t.ttft_idle_s) +
                                         std::to_string(t.usd_per_1k_output))
                          .substr(0, 16);
    row.labels = {{"contract", r.contract_name}, {"contract_version", r.contract_version},
                  {"workload", t.workload},      {"hardware", t.hardware},
                  {"runtime", t.runtime},        {"precision", t.precision},
                  {"deployment", t.deployment},  {"failed_clauses", common::join(t.failed(), ",")}};
    const auto put = [&](const char* k, double v) {
      if (std::isfinite(v)) row.metrics[k] = v;
    };
    put("contract_pass", t.pass ? 1 : 0);
    put("clauses_failed", double(t.failed().size()));
    double worst = NAN;
    for (const auto& c : t.clauses)
      if (std::isfinite(c.margin) && !(c.margin >= worst)) worst = c.margin;
    put("margin_min", worst);
    put("ttft_p99_s", t.ttft_p99_s);
    put("tpot_p99_s", t.tpot_p99_s);
    put("output_tok_s_per_chip", t.output_tok_s_per_chip);
    put("usd_per_1k_output", t.usd_per_1k_output);
    put("joules_per_output_token", t.joules_per_output_token);
    put("ttft_idle_s", t.ttft_idle_s);
    if (t.chips_per_replica > 0) {
      put("chips_per_replica", t.chips_per_replica);
      put("replicas", t.replicas);
    }
    put("verified", t.verified ? 1 : 0);
    rows.push_back(std::move(row));
  }
  const auto stats = st.put_batch(rows);
  return stats.inserted;
}

}  // namespace infersim::app
