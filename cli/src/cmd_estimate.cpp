#include <fmt/format.h>

#include <cmath>

#include "args.h"
#include "commands.h"
#include "infersim/app/estimate.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/estimate_json.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/serving/benchmark.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::format_bytes;
using common::format_seconds;

namespace {

const std::set<std::string> VALUED = {"model",
                                      "hardware",
                                      "chips",
                                      "tp",
                                      "pp",
                                      "ep",
                                      "precision",
                                      "kv-precision",
                                      "state-precision",
                                      "batch",
                                      "input",
                                      "output",
                                      "runtime",
                                      "draft",
                                      "spec-k",
                                      "spec-accept",
                                      "sparsity",
                                      "max-num-tokens",
                                      "max-batch",
                                      "chunked-prefill",
                                      "eager-prompt-steps",
                                      "policy",
                                      "rounds",
                                      "mtp",
                                      "mtp-accept",
                                      "length-range-ratio"};

// The deployment the options describe (app::resolve_deployment does the rest).
app::DeploymentRequest deployment_request(const Args& a, const std::string& hardware) {
  app::DeploymentRequest r;
  r.model = a.value_or("model", "");
  r.hardware = hardware;
  r.precision = a.value_or("precision", "");
  r.kv_precision = a.value_or("kv-precision", "");
  r.state_precision = a.value_or("state-precision", "");
  r.runtime = a.value_or("runtime", "");
  r.chips = a.optional_integer("chips", 1, 1 << 20);
  r.tp = a.optional_integer("tp", 1, 1 << 20);
  r.pp = a.optional_integer("pp", 1, 1 << 20);
  r.workload.batch = a.number("batch", 1, 1, 1e6);
  r.workload.input = a.number("input", 1024, 1, 1e8);
  r.workload.output = a.number("output", 256, 1, 1e8);
  if (auto k = a.optional_integer("mtp", 1, 8)) r.mtp = int(*k);
  if (a.value("mtp-accept")) r.mtp_acceptance = a.number("mtp-accept", 0.0, 1e-6, 0.999999);
  if (auto e = a.optional_integer("ep", 1, 1 << 20)) r.ep = int(*e);
  r.weight_sparsity = a.number("sparsity", 0.0, 0.0, 0.99);
  r.draft = a.value_or("draft", "");
  if (r.draft.empty() && (a.value("spec-k") || a.value("spec-accept")))
    throw ConfigError("", "--spec-k", "needs --draft (the draft model)");
  r.spec_k = int(a.integer("spec-k", 4, 1, 16));
  r.spec_acceptance = a.number("spec-accept", 0.7, 1e-6, 0.999999);
  return r;
}

void print_text(const app::EstimateOutcome& o) {
  const perf::Estimate& e = o.estimate;
  const std::string& layout_note = o.resolved.layout_note;
  const perf::RuntimeResolution& rt = o.resolved.runtime;
  fmt::print("{} on {} x {} (tp={}, pp={}, ep={}), {} weights / {} activations / {} KV, runtime {}\n", e.model, e.chips,
             e.hardware, e.tp, e.pp, e.ep, e.precision, common::dtype_name(o.activation), e.kv_precision, e.runtime);
  fmt::print("  runtime:     {}{}{} ({} backend, {}); calibration {}\n", rt.runtime,
             rt.version.empty() ? "" : "@" + rt.version,
             rt.defaulted ? fmt::format(" (default for {})", e.hardware) : "", rt.backend.empty() ? "-" : rt.backend,
             rt.maturity.empty() ? "maturity n/a" : rt.maturity, rt.basis);
  fmt::print("  layout:      {}\n", layout_note);
  fmt::print("  step model:  {}\n", e.step_model);
  fmt::print("  calibration: {}\n", e.calibration_source);
  fmt::print("workload: {} concurrent sequences, {} input / {} output tokens\n", e.workload.batch, e.workload.input,
             e.workload.output);
  fmt::print("  TTFT        {:>10}   prefill step {} ({}-bound)\n", format_seconds(e.ttft_s),
             format_seconds(e.prefill.step_s), perf::bound_name(e.prefill.bound));
  fmt::print("  TPOT        {:>10}   decode step {} ({}-bound)\n", format_seconds(e.tpot_s),
             format_seconds(e.decode.step_s), perf::bound_name(e.decode.bound));
  fmt::print("  E2E         {:>10}\n", format_seconds(e.e2e_s));
  fmt::print("  throughput  {:>10.1f} output tok/s for the replica, {:.1f} tok/s per user\n", e.throughput_tok_s,
             e.per_user_tok_s);
  const auto& m = e.memory;
  fmt::print("memory per chip: weights {} + KV {}{} + activations {} = {} of {} usable ({} capacity, {} reserved) -> "
             "{}\n",
             format_bytes(m.weights_bytes), format_bytes(m.kv_bytes),
             m.state_bytes > 0 ? fmt::format(" + recurrent states {}", format_bytes(m.state_bytes)) : std::string(),
             format_bytes(m.activation_bytes), format_bytes(m.used_bytes()), format_bytes(m.usable_bytes()),
             format_bytes(m.capacity_bytes), format_bytes(m.reserve_bytes), e.fits ? "fits" : "DOES NOT FIT");
  if (!e.fits) fmt::print("  {}\n", m.message);
  if (m.state_bytes_per_sequence > 0)
    fmt::print("  KV room for {:.0f} tokens, and a recurrent state of {} a sequence ({}, {}) = {:.0f} concurrent "
               "sequences of {} tokens\n",
               m.max_kv_tokens, format_bytes(m.state_bytes_per_sequence), e.state_precision,
               m.state_pool_bytes > 0 ? fmt::format("in a state pool of {}", format_bytes(m.state_pool_bytes))
                                      : std::string("beside the KV"),
               e.max_concurrency, e.workload.input + e.workload.output);
  else
    fmt::print("  KV room for {:.0f} tokens = {:.0f} concurrent sequences of {} tokens\n", m.max_kv_tokens,
               e.max_concurrency, e.workload.input + e.workload.output);
  fmt::print("power per chip: prefill {:.0f} W, decode {:.0f} W, idle {:.0f} W ({})\n", e.prefill_chip_w,
             e.decode_chip_w, e.idle_chip_w, e.power_model);
  fmt::print("power {:.0f} W ({:.3f} J per output token); ", e.power_w, e.joules_per_token);
  if (e.usd_per_hour > 0)
    fmt::print("${:.2f}/hour ({}) -> ${:.5f} per 1K output tokens\n", e.usd_per_hour, e.price_basis,
               e.usd_per_1k_tokens);
  else
    fmt::print("no price known for {}\n", e.hardware);
  Table t({"op", "prefill", "bound", "decode", "bound"});
  for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i) {
    const double p = e.prefill.detail.op_s[i], d = e.decode.detail.op_s[i];
    if (p <= 0 && d <= 0) continue;
    t.add({model::op_class_name(static_cast<model::OpClass>(i)), format_seconds(p),
           e.prefill.detail.op_compute_bound[i] ? "compute" : "memory", format_seconds(d),
           e.decode.detail.op_compute_bound[i] ? "compute" : "memory"});
  }
  t.add({"interconnect", format_seconds(e.prefill.detail.comm_s), "", format_seconds(e.decode.detail.comm_s), ""});
  t.add({"overheads", format_seconds(e.prefill.detail.overhead_s), "", format_seconds(e.decode.detail.overhead_s), ""});
  t.add({"step total", format_seconds(e.prefill.detail.total_s), perf::bound_name(e.prefill.bound),
         format_seconds(e.decode.detail.total_s), perf::bound_name(e.decode.bound)});
  fmt::print("per-step breakdown (one chip; decode at mean context {}):\n{}", e.workload.input + e.workload.output / 2,
             t.render());
  for (const auto& n : e.notes) fmt::print("note: {}\n", n);
}

}  // namespace

int cmd_estimate(const ArgList& argv) {
  Args a(argv, VALUED, {"json", "simulate"});
  if (!a.positional().empty()) throw ConfigError("", a.positional()[0], "unexpected argument");
  app::EstimateRequest req;
  req.deployment = deployment_request(a, a.value_or("hardware", ""));
  // Scheduler overrides: the estimate and the simulation run the same loop.
  auto& sc = req.scheduler;
  if (auto v = a.optional_integer("max-num-tokens", 16, 1 << 24)) sc.max_num_tokens = int(*v);
  if (auto v = a.optional_integer("max-batch", 1, 1 << 20)) sc.max_batch = int(*v);
  if (auto v = a.value("chunked-prefill")) {
    if (*v != "on" && *v != "off") throw ConfigError("", "--chunked-prefill", "must be on or off");
    sc.chunked_prefill = *v == "on";
  }
  if (auto v = a.value("eager-prompt-steps")) {
    if (*v != "on" && *v != "off") throw ConfigError("", "--eager-prompt-steps", "must be on or off");
    sc.eager_prompt_steps = *v == "on";
  }
  if (auto v = a.value("policy")) sc.policy = *v;
  // The benchmark client's length draw (InferenceX: 0.8); 1 = fixed lengths.
  sc.length_range_ratio = a.number("length-range-ratio", 1.0, 0.01, 1.0);
  if (a.flag("simulate")) {
    serving::BenchmarkSpec bs;
    bs.rounds = int(a.integer("rounds", 20, 1, 1000));
    req.simulate = bs;
  }
  const app::EstimateOutcome o = app::estimate(req);
  if (a.flag("json")) {
    fmt::print("{}\n", app::estimate_outcome_json(o).dump(2));
    return 0;
  }
  print_text(o);
  if (o.simulated) {
    const auto& sim = *o.simulated;
    fmt::print("simulated benchmark ({} users x {} requests each, discrete-event, {}): TTFT {}, TPOT {}, E2E {}, "
               "{:.1f} output tok/s, {} steps\n",
               int(o.resolved.workload.batch), req.simulate->rounds, sim.scheduler, format_seconds(sim.ttft_s),
               format_seconds(sim.tpot_s), format_seconds(sim.e2e_s), sim.throughput_tok_s, sim.steps);
  }
  return 0;
}

int cmd_compare(const ArgList& argv) {
  Args a(argv, VALUED, {"json"});
  std::vector<std::string> names;  // empty = the whole catalog
  if (auto hw = a.value("hardware")) names = common::split(*hw, ',');
  common::Json out = common::Json::array();
  Table t({"hardware", "chips", "runtime", "fits", "TTFT", "TPOT", "tok/s", "$/1K out", "J/tok", "kW", "bound (p/d)"});
  std::vector<std::string> problems;
  bool any_borrowed = false, any_unpriced = false;
  for (const auto& row : app::compare(deployment_request(a, ""), names)) {
    if (!row.outcome) {
      out.push_back({{"hardware", row.hardware}, {"error", row.error}});
      t.add({row.hardware, "-", "-", "error", "-", "-", "-", "-", "-", "-", "-"});
      problems.push_back(fmt::format("{}: {}", row.hardware, row.reason));
      continue;
    }
    const perf::Estimate& e = row.outcome->estimate;
    auto j = perf::estimate_to_json(e);
    j["layout"] = row.outcome->resolved.layout_note;
    out.push_back(j);
    const bool borrowed = !perf::basis_is_measured(row.outcome->resolved.runtime.basis);
    any_borrowed = any_borrowed || borrowed;
    any_unpriced = any_unpriced || e.usd_per_hour <= 0;
    t.add({e.hardware, std::to_string(e.chips), e.runtime + (borrowed ? "*" : ""), e.fits ? "yes" : "NO",
           format_seconds(e.ttft_s), format_seconds(e.tpot_s), fmt::format("{:.0f}", e.throughput_tok_s),
           e.usd_per_hour > 0 ? fmt::format("{:.5f}", e.usd_per_1k_tokens) : "n/a",
           fmt::format("{:.3f}", e.joules_per_token), fmt::format("{:.2f}", e.power_w / 1e3),
           fmt::format("{}/{}", perf::bound_name(e.prefill.bound), perf::bound_name(e.decode.bound))});
    if (!e.fits) problems.push_back(fmt::format("{}: {}", e.hardware, e.memory.message));
  }
  if (a.flag("json")) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}", t.render());
  if (any_borrowed)
    fmt::print("* calibration not measured on this hardware with this runtime: borrowed from the family, transferred "
               "from another chip, or a cross-family default; `infersim estimate ... ` prints its source\n");
  if (any_unpriced)
    fmt::print(
        "n/a: no public cloud on-demand price (this table never mixes price bases); `infersim workloads compare` "
        "and `infersim plan` cost other tiers and owned all-in\n");
  for (const auto& p : problems) fmt::print("note: {}\n", p);
  return 0;
}

}  // namespace infersim::cli
