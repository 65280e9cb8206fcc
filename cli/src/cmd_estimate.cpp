#include <fmt/format.h>

#include <cmath>

#include "args.h"
#include "commands.h"
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
using common::DType;
using common::format_bytes;
using common::format_seconds;

namespace {

const std::set<std::string> VALUED = {"model", "hardware", "chips", "tp", "pp", "ep", "precision", "kv-precision",
                                      "batch", "input", "output", "runtime", "draft", "spec-k", "spec-accept",
                                      "sparsity", "max-num-tokens", "max-batch", "chunked-prefill", "policy",
                                      "rounds"};

DType parse_precision(const Args& a, const std::string& name, DType fallback) {
  auto v = a.value(name);
  if (!v) return fallback;
  auto d = common::parse_dtype(*v);
  if (!d || *d == DType::tf32)
    throw ConfigError("", "--" + name,
                      fmt::format("'{}' is not a precision (bf16, fp16, fp8, int8, int4, fp4, fp32){}", *v,
                                  common::suggest_suffix(*v, common::dtype_names())));
  return *d;
}

struct Prepared {
  model::ModelSpec model;
  perf::Deployment deployment;
  perf::Workload workload;
  std::string layout_note;
  perf::RuntimeResolution runtime;
};

Prepared prepare(const Args& a, const std::string& hardware_name) {
  Prepared p;
  const auto model_name = a.value("model");
  if (!model_name) throw ConfigError("", "--model", "is required (a catalog name or a path to a model card / config.json)");
  p.model = model::ModelCatalog::shipped().resolve(*model_name);
  auto& d = p.deployment;
  d.hardware = hwprofiles::HardwareCatalog::shipped().resolve(hardware_name);
  // Default: the format the vendor serves on the chip where the profile names one, else 16-bit.
  const DType w = parse_precision(a, "precision", d.hardware.served_weights ? *d.hardware.served_weights
                                                  : d.hardware.supports(DType::bf16) ? DType::bf16 : DType::fp16);
  std::optional<DType> kv;
  if (a.value("kv-precision")) kv = parse_precision(a, "kv-precision", DType::bf16);
  d.runtime = a.value_or("runtime", "");
  d.precision = perf::default_precision(d.hardware, w, kv, d.runtime);
  // Runtime first: it decides which calibration (and so which memory/speed) the layout search sees.
  p.runtime = perf::apply_runtime(p.model, d);
  p.workload.batch = a.number("batch", 1, 1, 1e6);
  p.workload.input = a.number("input", 1024, 1, 1e8);
  p.workload.output = a.number("output", 256, 1, 1e8);

  const auto chips = a.optional_integer("chips", 1, 1 << 20);
  const auto tp = a.optional_integer("tp", 1, 1 << 20);
  const auto pp = a.optional_integer("pp", 1, 1 << 20);
  if (!chips && !tp && !pp) {
    const double kv_tokens = p.workload.batch * (p.workload.input + p.workload.output);
    auto sized = perf::auto_size(p.model, d, kv_tokens, perf::max_step_tokens(d.hardware, p.workload));
    d = sized.deployment;
    p.layout_note = sized.explanation;
  } else {
    int t = tp.value_or(0), q = pp.value_or(0);
    const int n = chips.value_or(0);
    if (n > 0 && t == 0 && q == 0) {
      t = perf::tp_for_chips(p.model, d.hardware, n);
      q = n / t;
    }
    if (t == 0) t = n > 0 && q > 0 ? n / q : 1;
    if (q == 0) q = n > 0 ? n / t : 1;
    if (n > 0 && t * q != n)
      throw ConfigError("", "--chips", fmt::format("chips {} must equal tp x pp = {} x {}", n, t, q));
    d.tp = t;
    d.pp = q;
    p.layout_note = fmt::format("layout as given: {} chips (tp={}, pp={})", t * q, t, q);
    // A chip with a DDR tier holds the weights main memory cannot (SambaNova's placement).
    const std::string placed = perf::place_weights(p.model, d, p.workload.batch * (p.workload.input + p.workload.output),
                                                   perf::max_step_tokens(d.hardware, p.workload));
    if (!placed.empty()) p.layout_note += "; " + placed;
  }
  return p;
}

void print_text(const perf::Estimate& e, const perf::StepEstimator& est, const std::string& layout_note,
                const perf::RuntimeResolution& rt) {
  const auto& dep = est.deployment();
  fmt::print("{} on {} x {} (tp={}, pp={}, ep={}), {} weights / {} activations / {} KV, runtime {}\n", e.model,
             e.chips, e.hardware, e.tp, e.pp, e.ep, e.precision, common::dtype_name(dep.precision.activation),
             e.kv_precision, e.runtime);
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
  fmt::print("memory per chip: weights {} + KV {} + activations {} = {} of {} usable ({} capacity, {} reserved) -> {}\n",
             format_bytes(m.weights_bytes), format_bytes(m.kv_bytes), format_bytes(m.activation_bytes),
             format_bytes(m.used_bytes()), format_bytes(m.usable_bytes()), format_bytes(m.capacity_bytes),
             format_bytes(m.reserve_bytes), e.fits ? "fits" : "DOES NOT FIT");
  if (!e.fits) fmt::print("  {}\n", m.message);
  fmt::print("  KV room for {:.0f} tokens = {:.0f} concurrent sequences of {} tokens\n", m.max_kv_tokens,
             e.max_concurrency, e.workload.input + e.workload.output);
  fmt::print("power {:.0f} W ({:.3f} J per output token); ", e.power_w, e.joules_per_token);
  if (e.usd_per_hour > 0)
    fmt::print("${:.2f}/hour ({}) -> ${:.5f} per 1K output tokens\n", e.usd_per_hour, e.price_basis, e.usd_per_1k_tokens);
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
  const auto hw = a.value("hardware");
  if (!hw) throw ConfigError("", "--hardware", "is required (a catalog name or a path to a profile JSON)");
  Prepared p = prepare(a, *hw);
  perf::StepEstimator est(p.model, p.deployment);
  perf::Estimate e = perf::estimate_serving(est, p.workload);
  std::optional<serving::BenchmarkResult> sim;
  if (a.flag("simulate")) {
    serving::BenchmarkSpec bs;
    bs.concurrency = int(p.workload.batch);
    bs.input = p.workload.input;
    bs.output = p.workload.output;
    bs.rounds = int(a.integer("rounds", 20, 1, 1000));
    if (auto v = a.optional_integer("max-num-tokens", 16, 1 << 24)) bs.max_num_tokens = int(*v);
    if (auto v = a.optional_integer("max-batch", 1, 1 << 20)) bs.max_batch = int(*v);
    if (auto v = a.value("chunked-prefill")) {
      if (*v != "on" && *v != "off") throw ConfigError("", "--chunked-prefill", "must be on or off");
      bs.chunked_prefill = *v == "on";
    }
    if (auto v = a.value("policy")) bs.policy = *v;
    sim = serving::simulate_benchmark(p.model, p.deployment, bs);
  }
  if (a.flag("json")) {
    auto j = perf::estimate_to_json(e);
    if (sim)
      j["simulated"] = {{"ttft_s", sim->ttft_s}, {"tpot_s", sim->tpot_s}, {"e2e_s", sim->e2e_s},
                        {"throughput_tok_s", sim->throughput_tok_s}, {"steps", sim->steps},
                        {"requests", sim->requests}, {"scheduler", sim->scheduler}};
    j["layout"] = p.layout_note;
    j["runtime_default"] = p.runtime.defaulted;
    j["runtime_basis"] = p.runtime.basis;
    j["runtime_backend"] = p.runtime.backend;
    j["runtime_maturity"] = p.runtime.maturity;
    fmt::print("{}\n", j.dump(2));
  } else {
    print_text(e, est, p.layout_note, p.runtime);
    if (sim)
      fmt::print("simulated benchmark ({} users x {} requests each, discrete-event, {}): TTFT {}, TPOT {}, E2E {}, "
                 "{:.1f} output tok/s, {} steps\n",
                 int(p.workload.batch), a.integer("rounds", 20, 1, 1000), sim->scheduler, format_seconds(sim->ttft_s), format_seconds(sim->tpot_s),
                 format_seconds(sim->e2e_s), sim->throughput_tok_s, sim->steps);
  }
  return 0;
}

int cmd_compare(const ArgList& argv) {
  Args a(argv, VALUED, {"json"});
  std::vector<std::string> names;
  if (auto hw = a.value("hardware"))
    names = common::split(*hw, ',');
  else
    names = hwprofiles::HardwareCatalog::shipped().names();
  common::Json out = common::Json::array();
  Table t({"hardware", "chips", "runtime", "fits", "TTFT", "TPOT", "tok/s", "$/1K out", "J/tok", "kW", "bound (p/d)"});
  std::vector<std::string> problems;
  bool any_borrowed = false, any_unpriced = false;
  for (const auto& raw : names) {
    const std::string name = common::trim(raw);
    try {
      Prepared p = prepare(a, name);
      perf::StepEstimator est(p.model, p.deployment);
      perf::Estimate e = perf::estimate_serving(est, p.workload);
      auto j = perf::estimate_to_json(e);
      j["layout"] = p.layout_note;
      out.push_back(j);
      const bool borrowed = !perf::basis_is_measured(p.runtime.basis);
      any_borrowed = any_borrowed || borrowed;
      any_unpriced = any_unpriced || e.usd_per_hour <= 0;
      t.add({e.hardware, std::to_string(e.chips), e.runtime + (borrowed ? "*" : ""), e.fits ? "yes" : "NO",
             format_seconds(e.ttft_s), format_seconds(e.tpot_s), fmt::format("{:.0f}", e.throughput_tok_s),
             e.usd_per_hour > 0 ? fmt::format("{:.5f}", e.usd_per_1k_tokens) : "n/a",
             fmt::format("{:.3f}", e.joules_per_token), fmt::format("{:.2f}", e.power_w / 1e3),
             fmt::format("{}/{}", perf::bound_name(e.prefill.bound), perf::bound_name(e.decode.bound))});
      if (!e.fits) problems.push_back(fmt::format("{}: {}", e.hardware, e.memory.message));
    } catch (const ConfigError& err) {
      out.push_back({{"hardware", name}, {"error", err.what()}});
      t.add({name, "-", "-", "error", "-", "-", "-", "-", "-", "-", "-"});
      problems.push_back(fmt::format("{}: {}", name, err.reason()));
    }
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
    fmt::print("n/a: no public cloud on-demand price (this table never mixes price bases); `infersim workloads compare` "
               "and `infersim plan` cost other tiers and owned all-in\n");
  for (const auto& p : problems) fmt::print("note: {}\n", p);
  return 0;
}

}  // namespace infersim::cli
