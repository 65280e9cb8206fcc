#include "infersim/contract/contract_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/planner/plan_json.h"

namespace infersim::contract {

using common::Json;
using common::JsonReader;

const char* clause_status_name(ClauseStatus s) {
  switch (s) {
    case ClauseStatus::pass: return "pass";
    case ClauseStatus::fail: return "fail";
    case ClauseStatus::not_evaluated: return "n/a";
  }
  return "n/a";
}

std::vector<std::string> TargetResult::failed() const {
  std::vector<std::string> out;
  for (const auto& c : clauses)
    if (c.status == ClauseStatus::fail) out.push_back(c.clause);
  return out;
}

namespace {

// 6 significant digits, as the planner's JSON (stable text, byte-identical output).
double r6(double x) { return planner::round6(x); }

struct ClauseDef {
  const char* name;
  const char* unit;
  bool ceiling;  // value <= limit passes (else value >= limit)
  std::optional<double> Clauses::*limit;
  double TargetResult::*value;
};

const std::vector<ClauseDef>& clause_defs() {
  static const std::vector<ClauseDef> defs = {
      {"ttft_p99_s", "s", true, &Clauses::ttft_p99_s, &TargetResult::ttft_p99_s},
      {"tpot_p99_s", "s", true, &Clauses::tpot_p99_s, &TargetResult::tpot_p99_s},
      {"min_output_tok_s_per_chip", "tok/s/chip", false, &Clauses::min_output_tok_s_per_chip,
       &TargetResult::output_tok_s_per_chip},
      {"max_usd_per_1k_output", "USD/1K output", true, &Clauses::max_usd_per_1k_output,
       &TargetResult::usd_per_1k_output},
      {"max_joules_per_output_token", "J/output token", true, &Clauses::max_joules_per_output_token,
       &TargetResult::joules_per_output_token},
  };
  return defs;
}

bool is_latency(const ClauseDef& d) { return d.limit == &Clauses::ttft_p99_s || d.limit == &Clauses::tpot_p99_s; }

ClauseResult judge(const ClauseDef& d, double limit, double value, const std::string& how) {
  ClauseResult c;
  c.clause = d.name;
  c.unit = d.unit;
  c.limit = limit;
  c.value = value;
  if (!std::isfinite(value)) {
    c.status = ClauseStatus::not_evaluated;
    c.reason = how;
    return c;
  }
  c.margin = limit > 0 ? (d.ceiling ? (limit - value) / limit : (value - limit) / limit)
                       : (d.ceiling ? (value <= 0 ? 0.0 : -1.0) : 1.0);
  c.status = (d.ceiling ? value <= limit : value >= limit) ? ClauseStatus::pass : ClauseStatus::fail;
  c.reason = how;
  return c;
}

std::string fmt_value(const std::string& unit, double v) {
  if (!std::isfinite(v)) return "-";
  if (unit == "s") return common::format_seconds(v);
  if (unit == "USD/1K output") return fmt::format("${:.3g}", v);  // 3 significant digits at any magnitude
  return fmt::format("{:.4g}", v);
}

}  // namespace

double output_tok_s_per_chip(const planner::Candidate& c, double output_tokens) {
  return c.replica_req_s * output_tokens / std::max(1, c.chips_per_replica);
}

TargetResult judge_target(const WorkloadContract& w, const std::string& hardware, const std::string& runtime,
                          const std::string& precision, const planner::PlanResult& plan, double output_tokens,
                          double batch1_ttft_s, double batch1_tpot_s) {
  TargetResult t;
  t.workload = w.name;
  t.hardware = hardware;
  t.runtime = runtime;
  t.precision = precision;
  t.target = fmt::format("{}/{}/{}", hardware, runtime, precision);
  if (!plan.ranked.empty()) {
    const auto& c = plan.ranked.front();
    t.runtime = runtime.find('@') != std::string::npos ? runtime : c.runtime;  // keep an asked version
    t.target = fmt::format("{}/{}/{}", hardware, t.runtime, precision);
    t.deployment = c.id;
    t.chips_per_replica = c.chips_per_replica;
    t.replicas = c.replicas;
    t.batch = c.batch;
    t.verified = c.verified;
    t.cost_basis = c.cost.basis;
    t.ttft_p99_s = c.ttft_p99_s;
    t.tpot_p99_s = c.tpot_p99_s;
    t.output_tok_s_per_chip = output_tok_s_per_chip(c, output_tokens);
    t.usd_per_1k_output = c.cost.usd_per_1k_output;
    t.joules_per_output_token = c.power.joules_per_output_token;
    t.ttft_idle_s = batch1_ttft_s;
    const std::string lat = c.verified ? "discrete-event simulation at the plan's replica count"
                                       : "analytic estimate (P99 TTFT incl. queueing; TPOT P99 = 1.15 x mean)";
    const std::string thr =
        fmt::format("capacity {:.4g} req/s per replica (analytic sizing) x {:g} output tokens / {} chips",
                    c.replica_req_s, output_tokens, c.chips_per_replica);
    const std::string cost = fmt::format("all cost over output tokens, {}", c.cost.basis);
    for (const auto& d : clause_defs()) {
      const auto& lim = w.clauses.*(d.limit);
      if (!lim) continue;
      const std::string how = is_latency(d)                                    ? lat
                              : d.limit == &Clauses::min_output_tok_s_per_chip ? thr
                              : d.limit == &Clauses::max_usd_per_1k_output     ? cost
                                                                               : "facility energy over output tokens";
      t.clauses.push_back(judge(d, *lim, t.*(d.value), how));
    }
    if (c.precision != precision) {
      // SRAM-only chips serve the vendor's own format whatever is asked: not what the contract allows.
      ClauseResult p;
      p.clause = "precision";
      p.status = ClauseStatus::fail;
      p.reason = fmt::format("the deployment runs {} weights (the format this chip serves); the contract allows {}",
                             c.precision, precision);
      t.clauses.push_back(p);
    }
  } else {
    // No deployment on this target meets the latency clauses (or none can run at all): the best
    // rejection says which.
    const auto reasons = planner::summarize_rejections(plan, 1);
    const std::string why = reasons.empty() ? std::string("no feasible deployment") : reasons.front();
    bool slo_miss = false;
    for (const auto& c : plan.rejected)
      if (c.rejection == planner::Rejection::misses_slo || c.rejection == planner::Rejection::des_refuted)
        slo_miss = true;
    const bool unpriced = std::all_of(plan.rejected.begin(), plan.rejected.end(), [](const planner::Candidate& c) {
      return c.rejection == planner::Rejection::no_price;
    });
    if (!slo_miss) {
      ClauseResult c;
      // Runs, but has no price on the contract's basis: the cost clauses cannot be judged.
      c.clause = unpriced && !plan.rejected.empty() ? "priced" : "deployable";
      c.status = ClauseStatus::fail;
      c.reason = why;
      t.clauses.push_back(c);
      for (const auto& d : clause_defs())
        if (w.clauses.*(d.limit)) {
          ClauseResult n;
          n.clause = d.name;
          n.unit = d.unit;
          n.limit = *(w.clauses.*(d.limit));
          n.reason = unpriced && !plan.rejected.empty() ? "not evaluated: the planner sizes only priced chips"
                                                        : "not evaluated: no deployment on this target";
          t.clauses.push_back(n);
        }
    } else {
      t.ttft_p99_s = batch1_ttft_s;
      t.tpot_p99_s = batch1_tpot_s;
      t.ttft_idle_s = batch1_ttft_s;
      for (const auto& d : clause_defs()) {
        const auto& lim = w.clauses.*(d.limit);
        if (!lim) continue;
        if (is_latency(d)) {
          auto c = judge(d, *lim, t.*(d.value), "best case: the smallest layout at batch 1 (analytic)");
          if (c.status == ClauseStatus::fail) c.reason += "; planner: " + why;
          t.clauses.push_back(c);
        } else {
          ClauseResult n;
          n.clause = d.name;
          n.unit = d.unit;
          n.limit = *lim;
          n.reason = "not evaluated: no deployment meets the latency clauses";
          t.clauses.push_back(n);
        }
      }
      // Batch 1 meets both latency limits, yet the planner found no load level within them (e.g. the
      // simulator refuted every replica count): the latency clauses fail on the planner's word.
      if (t.failed().empty()) {
        ClauseResult c;
        c.clause = "latency_under_load";
        c.status = ClauseStatus::fail;
        c.reason = why;
        t.clauses.push_back(c);
      }
    }
  }
  t.pass = t.failed().empty();
  return t;
}

void tally(CheckResult& r) {
  r.passed = r.failed = 0;
  for (const auto& t : r.rows) (t.pass ? r.passed : r.failed)++;
}

// ---- JSON ----

namespace {

Json num(double v) { return std::isfinite(v) ? Json(r6(v)) : Json(nullptr); }
double num_of(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? NAN : it->get<double>();
}

}  // namespace

Json check_result_to_json(const CheckResult& r) {
  Json j;
  j["contract_check_format"] = 1;
  j["contract"] = {{"name", r.contract_name}, {"version", r.contract_version}, {"file", r.file}};
  j["model"] = r.model;
  j["verified"] = r.verified;
  j["pass"] = r.pass();
  j["passed"] = r.passed;
  j["failed"] = r.failed;
  Json w = {{"read", r.weights.read}, {"pass", r.weights.pass}, {"reason", r.weights.reason}};
  if (r.weights.read) {
    w["file"] = r.weights.file;
    w["format"] = r.weights.format;
    w["file_bytes"] = r.weights.file_bytes;
    w["card_bytes"] = r6(r.weights.card_bytes);
    w["file_params"] = r.weights.file_params;
    w["card_params"] = r6(r.weights.card_params);
    Json g = Json::array();
    for (const auto& x : r.weights.groups)
      g.push_back({{"group", x.group},
                   {"params", x.params},
                   {"file_bytes", x.file_bytes},
                   {"card_bytes", r6(x.card_bytes)},
                   {"file_dtypes", x.file_dtypes},
                   {"declared_dtype", x.declared_dtype},
                   {"bits_per_weight", r6(x.bits_per_weight)}});
    w["groups"] = g;
  }
  j["weights"] = w;
  Json rows = Json::array();
  for (const auto& t : r.rows) {
    Json o = {{"workload", t.workload},
              {"target", t.target},
              {"hardware", t.hardware},
              {"runtime", t.runtime},
              {"precision", t.precision},
              {"deployment", t.deployment},
              {"chips_per_replica", t.chips_per_replica},
              {"replicas", t.replicas},
              {"batch", t.batch},
              {"verified", t.verified},
              {"cost_basis", t.cost_basis},
              {"pass", t.pass}};
    o["values"] = {{"ttft_p99_s", num(t.ttft_p99_s)},
                   {"tpot_p99_s", num(t.tpot_p99_s)},
                   {"output_tok_s_per_chip", num(t.output_tok_s_per_chip)},
                   {"usd_per_1k_output", num(t.usd_per_1k_output)},
                   {"joules_per_output_token", num(t.joules_per_output_token)},
                   {"ttft_idle_s", num(t.ttft_idle_s)}};
    Json cl = Json::array();
    for (const auto& c : t.clauses)
      cl.push_back({{"clause", c.clause},
                    {"status", clause_status_name(c.status)},
                    {"unit", c.unit},
                    {"limit", num(c.limit)},
                    {"value", num(c.value)},
                    {"margin", num(c.margin)},
                    {"reason", c.reason}});
    o["clauses"] = cl;
    rows.push_back(o);
  }
  j["rows"] = rows;
  j["notes"] = r.notes;
  return j;
}

CheckResult check_result_from_json(const Json& j, const std::string& file) {
  CheckResult r;
  try {
    if (!j.is_object() || !j.contains("contract_check_format"))
      throw common::ConfigError(file, "/contract_check_format",
                                "not a contract check result (write one with `infersim contract check --json`)");
    if (j.at("contract_check_format").get<int>() != 1)
      throw common::ConfigError(file, "/contract_check_format",
                                "unsupported contract_check_format (this build reads 1)");
    r.file = j.at("contract").at("file").get<std::string>();
    r.contract_name = j.at("contract").at("name").get<std::string>();
    r.contract_version = j.at("contract").at("version").get<std::string>();
    r.model = j.at("model").get<std::string>();
    r.verified = j.at("verified").get<bool>();
    const auto& w = j.at("weights");
    r.weights.read = w.at("read").get<bool>();
    r.weights.pass = w.at("pass").get<bool>();
    r.weights.reason = w.at("reason").get<std::string>();
    for (const auto& o : j.at("rows")) {
      TargetResult t;
      t.workload = o.at("workload").get<std::string>();
      t.target = o.at("target").get<std::string>();
      t.hardware = o.at("hardware").get<std::string>();
      t.runtime = o.at("runtime").get<std::string>();
      t.precision = o.at("precision").get<std::string>();
      t.deployment = o.at("deployment").get<std::string>();
      t.chips_per_replica = o.at("chips_per_replica").get<int>();
      t.replicas = o.at("replicas").get<double>();
      t.batch = o.at("batch").get<double>();
      t.verified = o.at("verified").get<bool>();
      t.cost_basis = o.at("cost_basis").get<std::string>();
      t.pass = o.at("pass").get<bool>();
      const auto& v = o.at("values");
      t.ttft_p99_s = num_of(v, "ttft_p99_s");
      t.tpot_p99_s = num_of(v, "tpot_p99_s");
      t.output_tok_s_per_chip = num_of(v, "output_tok_s_per_chip");
      t.usd_per_1k_output = num_of(v, "usd_per_1k_output");
      t.joules_per_output_token = num_of(v, "joules_per_output_token");
      t.ttft_idle_s = num_of(v, "ttft_idle_s");
      for (const auto& c : o.at("clauses")) {
        ClauseResult x;
        x.clause = c.at("clause").get<std::string>();
        const auto s = c.at("status").get<std::string>();
        x.status = s == "pass" ? ClauseStatus::pass : s == "fail" ? ClauseStatus::fail : ClauseStatus::not_evaluated;
        x.unit = c.at("unit").get<std::string>();
        x.limit = num_of(c, "limit");
        x.value = num_of(c, "value");
        x.margin = num_of(c, "margin");
        x.reason = c.at("reason").get<std::string>();
        t.clauses.push_back(x);
      }
      r.rows.push_back(t);
    }
    for (const auto& n : j.at("notes")) r.notes.push_back(n.get<std::string>());
  } catch (const Json::exception& e) {
    throw common::ConfigError(file, "", fmt::format("malformed contract check result: {}", e.what()));
  }
  tally(r);
  return r;
}

// ---- Markdown ----

namespace {

std::string md(std::string s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|')
      out += "\\|";
    else if (ch == '\n')
      out += ' ';
    else
      out += ch;
  }
  return out;
}

}  // namespace

std::string render_check_markdown(const CheckResult& r) {
  std::string s = fmt::format("# Contract check: {} {}\n\n", md(r.contract_name), md(r.contract_version));
  s += fmt::format("Model {}. {} of {} target x workload rows pass; {}. Latencies {}.\n\n", md(r.model), r.passed,
                   r.passed + r.failed, r.pass() ? "**the contract holds on every target**" : "**the contract fails**",
                   r.verified ? "verified in the discrete-event simulator" : "analytic (--no-verify)");
  if (r.weights.read) {
    s += fmt::format("## Weights: {} ({})\n\n{}\n\n", md(r.weights.file), r.weights.format, md(r.weights.reason));
    s += "| group | parameters | file bytes | card bytes (declared dtype) | file dtypes | bits/weight |\n";
    s += "|---|---:|---:|---:|---|---:|\n";
    for (const auto& g : r.weights.groups)
      s += fmt::format("| {} | {:.0f} | {:.0f} | {:.0f} ({}) | {} | {:.3g} |\n", g.group, g.params, g.file_bytes,
                       g.card_bytes, g.declared_dtype, md(g.file_dtypes), g.bits_per_weight);
    s += "\n";
  } else if (!r.weights.reason.empty()) {
    s += fmt::format("Weights: {}\n\n", md(r.weights.reason));
  }
  std::string current;
  for (const auto& t : r.rows) {
    if (t.workload != current) {
      if (!current.empty()) s += "\n";
      current = t.workload;
      s += fmt::format("## Workload: {}\n\n", md(current));
      s += "| target | deployment | verdict | clause | limit | value | margin | reason |\n";
      s += "|---|---|---|---|---:|---:|---:|---|\n";
    }
    bool first = true;
    for (const auto& c : t.clauses) {
      s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", first ? md(t.target) : "",
                       first ? md(t.deployment.empty() ? "-" : fmt::format("{} x{:g}", t.deployment, t.replicas)) : "",
                       first ? (t.pass ? std::string("PASS") : "FAIL: " + common::join(t.failed(), ", ")) : "",
                       c.clause, fmt_value(c.unit, c.limit), fmt_value(c.unit, c.value),
                       std::isfinite(c.margin) ? fmt::format("{:+.1f}%", 100 * c.margin) : "-",
                       fmt::format("{}{}", c.status == ClauseStatus::fail ? "**fail**: " : "", md(c.reason)));
      first = false;
    }
  }
  if (!r.notes.empty()) {
    s += "\n## Notes\n\n";
    for (const auto& n : r.notes) s += "- " + md(n) + "\n";
  }
  return s;
}

// ---- gate ----

GateResult gate(const CheckResult& base, const CheckResult& cand, double threshold_pct) {
  GateResult g;
  g.base_label = fmt::format("{} {}", base.contract_name, base.contract_version);
  g.candidate_label = fmt::format("{} {}", cand.contract_name, cand.contract_version);
  g.threshold_pct = threshold_pct;
  std::map<std::pair<std::string, std::string>, const TargetResult*> now;
  for (const auto& t : cand.rows) now[{t.workload, t.target}] = &t;
  struct Metric {
    const char* name;
    double TargetResult::*v;
    bool higher_is_worse, gating;
  };
  const Metric metrics[] = {{"usd_per_1k_output", &TargetResult::usd_per_1k_output, true, true},
                            {"ttft_idle_s", &TargetResult::ttft_idle_s, true, true},
                            {"ttft_p99_s", &TargetResult::ttft_p99_s, true, false},
                            {"tpot_p99_s", &TargetResult::tpot_p99_s, true, false},
                            {"output_tok_s_per_chip", &TargetResult::output_tok_s_per_chip, false, false},
                            {"joules_per_output_token", &TargetResult::joules_per_output_token, true, false}};
  for (const auto& b : base.rows) {
    const auto it = now.find({b.workload, b.target});
    if (it == now.end()) {
      GateRow row{b.workload, b.target, "evaluated", 1, 0, NAN, true, true, "no longer evaluated"};
      g.rows.push_back(row);
      g.failures.push_back(fmt::format("{} on {}: evaluated before, missing now", b.workload, b.target));
      continue;
    }
    const TargetResult& c = *it->second;
    if (b.pass && !c.pass) {
      g.rows.push_back({b.workload, b.target, "pass", 1, 0, NAN, true, true, common::join(c.failed(), ", ")});
      g.failures.push_back(
          fmt::format("{} on {}: passed before, now fails {}", b.workload, b.target, common::join(c.failed(), ", ")));
    }
    for (const auto& m : metrics) {
      GateRow row;
      row.workload = b.workload;
      row.target = b.target;
      row.metric = m.name;
      row.base = b.*(m.v);
      row.candidate = c.*(m.v);
      row.gating = m.gating;
      if (std::isfinite(row.base) && std::isfinite(row.candidate) && row.base != 0) {
        row.change_pct = 100.0 * (row.candidate - row.base) / std::fabs(row.base);
        const double worse = m.higher_is_worse ? row.change_pct : -row.change_pct;
        if (worse > threshold_pct) {
          row.regressed = true;
          row.note = fmt::format("{:.1f}% worse (threshold {:g}%)", worse, threshold_pct);
          if (m.gating)
            g.failures.push_back(fmt::format("{} on {}: {} {:.4g} -> {:.4g} ({:+.1f}%, threshold {:g}%)", b.workload,
                                             b.target, m.name, row.base, row.candidate, row.change_pct, threshold_pct));
        }
      } else if (std::isfinite(row.base) != std::isfinite(row.candidate)) {
        row.note = std::isfinite(row.base) ? "no value now" : "new value";
        if (m.gating && std::isfinite(row.base)) {
          row.regressed = true;
          g.failures.push_back(fmt::format("{} on {}: {} had a value before, none now", b.workload, b.target, m.name));
        }
      }
      g.rows.push_back(row);
    }
  }
  return g;
}

Json gate_result_to_json(const GateResult& g) {
  Json rows = Json::array();
  for (const auto& r : g.rows)
    rows.push_back({{"workload", r.workload},
                    {"target", r.target},
                    {"metric", r.metric},
                    {"base", num(r.base)},
                    {"candidate", num(r.candidate)},
                    {"change_pct", num(r.change_pct)},
                    {"gating", r.gating},
                    {"regressed", r.regressed},
                    {"note", r.note}});
  return {{"contract_gate_format", 1},
          {"base", g.base_label},
          {"candidate", g.candidate_label},
          {"threshold_pct", g.threshold_pct},
          {"pass", g.pass()},
          {"failures", g.failures},
          {"rows", rows}};
}

std::string render_gate_markdown(const GateResult& g) {
  std::string s = fmt::format("# Contract gate: {} -> {}\n\n", md(g.base_label), md(g.candidate_label));
  s += fmt::format("Threshold {:g}% on cost ($/1K output) and first-token latency (one prompt on an idle replica of "
                   "the planned layout); a target that passed and now fails, or is no longer evaluated, also fails "
                   "the gate. P99s under load, TPOT, throughput and energy are shown, not gated. **{}**\n\n",
                   g.threshold_pct, g.pass() ? "PASS" : fmt::format("FAIL ({} regressions)", g.failures.size()));
  for (const auto& f : g.failures) s += "- " + md(f) + "\n";
  if (!g.failures.empty()) s += "\n";
  s += "| workload | target | metric | before | after | change | gating | note "
       "|\n|---|---|---|---:|---:|---:|---|---|\n";
  for (const auto& r : g.rows)
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", md(r.workload), md(r.target), r.metric,
                     std::isfinite(r.base) ? fmt::format("{:.4g}", r.base) : "-",
                     std::isfinite(r.candidate) ? fmt::format("{:.4g}", r.candidate) : "-",
                     std::isfinite(r.change_pct) ? fmt::format("{:+.1f}%", r.change_pct) : "-", r.gating ? "yes" : "no",
                     md(r.note));
  return s;
}

// ---- make ----

void add_workload(Contract& c, const planner::PlanRequest& req, const planner::Candidate& x, double headroom) {
  if (!x.feasible)
    throw common::ConfigError(c.file, "plan",
                              fmt::format("the chosen deployment {} is not feasible: {}", x.id, x.reason));
  WorkloadContract w;
  w.name = req.workload_name;
  for (const auto& o : c.workloads)
    if (o.name == w.name) w.name = fmt::format("{}-{}", req.workload_name, c.workloads.size() + 1);
  w.input_tokens = req.input_tokens;
  w.output_tokens = req.output_tokens;
  w.requests_per_s = req.requests_per_s;
  w.goodput = req.slo.goodput;
  Predicted p;
  p.target = x.id;
  p.ttft_p99_s = r6(x.ttft_p99_s);
  p.tpot_p99_s = r6(x.tpot_p99_s);
  p.output_tok_s_per_chip = r6(output_tok_s_per_chip(x, req.output_tokens));
  p.usd_per_1k_output = r6(x.cost.usd_per_1k_output);
  p.joules_per_output_token = r6(x.power.joules_per_output_token);
  p.verified = x.verified;
  p.cost_basis = x.cost.basis;
  w.clauses.ttft_p99_s = req.slo.ttft_p99_s;
  w.clauses.tpot_p99_s = req.slo.tpot_p99_s;
  // Rounded outward to 3 significant digits so the made contract reads cleanly and still passes.
  const auto up = [](double v) {
    if (v <= 0) return v;
    const double mag = std::pow(10.0, 2 - int(std::floor(std::log10(v))));
    return std::ceil(v * mag) / mag;
  };
  const auto down = [](double v) {
    if (v <= 0) return v;
    const double mag = std::pow(10.0, 2 - int(std::floor(std::log10(v))));
    return std::floor(v * mag) / mag;
  };
  w.clauses.min_output_tok_s_per_chip = down(p.output_tok_s_per_chip * (1 - headroom));
  w.clauses.max_usd_per_1k_output = up(p.usd_per_1k_output * (1 + headroom));
  if (p.joules_per_output_token > 0)
    w.clauses.max_joules_per_output_token = up(p.joules_per_output_token * (1 + headroom));
  w.predicted = p;
  c.workloads.push_back(w);
}

Contract make_contract(const planner::PlanRequest& req, const planner::Candidate& x, const std::string& name,
                       const std::string& version, double headroom) {
  if (x.is_mix())
    throw common::ConfigError(
        "", "plan", fmt::format("{} is a mix of two deployments; make a contract from one of its parts", x.id));
  Contract c;
  c.name = name.empty() ? fmt::format("{}-{}", req.model, req.workload_name) : name;
  c.version = version.empty() ? "1.0.0" : version;
  c.model = req.model;
  c.weights.dtype = x.precision;
  c.targets.hardware = {x.hardware};
  c.targets.runtimes = {x.runtime};
  c.targets.precisions = {x.precision};
  c.targets.state_precision = x.state_precision;
  c.targets.layout.tp = x.tp;
  c.targets.layout.pp = x.pp;
  c.pricing_label = "inline";
  c.pricing = req.pricing;
  c.made_from = {{"deployment", x.id},
                 {"headroom", fmt::format("{:g}%", 100 * headroom)},
                 {"how", "infersim contract make: the latency clauses are the plan's SLOs; cost, energy and throughput "
                         "are the plan's predictions with the headroom"}};
  add_workload(c, req, x, headroom);
  return c;
}

}  // namespace infersim::contract
