// `infersim refengine`: the reference CPU engine (calibration/refengine) from the command line.
//   make-weights  seeded random weights for any model card, as safetensors
//   run           load weights (timed: hydration), batched prefill + greedy decode; --perf per-op
//                 GFLOP/s and GB/s; --check logits against the naive reference forward pass
//   probe         peak FLOP/s and memory bandwidth of this machine (calibration/micro)
//   hydrate       file -> memory read speed, warm and cold page cache
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <random>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hostcal/host_calibration.h"
#include "infersim/micro/probes.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/refengine/engine.h"
#include "infersim/refengine/hydration_probe.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::DType;

namespace {

const char* REFENGINE_USAGE = R"(usage: infersim refengine <subcommand> [options]

  make-weights --model CARD [--layers N] [--dtype fp32|bf16|int8] [--seed S] --out F.safetensors
        seeded random weights for a model card (HF tensor names); --layers keeps the first N layers
  run --model CARD [--weights F.safetensors] [--layers N] [--dtype fp32|bf16|int8] [--batch B]
      [--prompt P] [--gen G] [--threads T] [--isa generic|avx2|avx512] [--seed S] [--perf] [--check]
      [--predict DIR]
        batched prefill of B prompts of P tokens, then G greedy decode steps; without --weights the
        weights are built in memory. --perf: per-op time, GFLOP/s and GB/s; --check: compare logits
        with the naive reference forward pass (small models only); --predict: the estimator's time for
        the same steps on the host profile fitted by `infersim calibrate --out DIR`
  probe [--seconds S] [--threads a,b] [--no-cache-levels]
        peak FMA / bf16 / int8 throughput and read / triad bandwidth in each cache level and DRAM
  hydrate F.safetensors [--no-cold]
        read speed of a weights file with a warm and (where the OS allows) a cold page cache
)";

DType parse_weight_dtype(const Args& a, DType fallback) {
  const auto v = a.value("dtype");
  if (!v) return fallback;
  const auto d = common::parse_dtype(*v);
  if (!d || !refengine::weight_dtype_supported(*d))
    throw ConfigError("", "--dtype",
                      fmt::format("'{}' is not a reference-engine weight dtype (fp32, bf16, int8){}", *v,
                                  common::suggest_suffix(*v, {"fp32", "bf16", "int8"})));
  return *d;
}

void apply_isa(const Args& a) {
  if (auto v = a.value("isa")) {
    auto isa = refengine::parse_isa(*v);
    if (!isa) throw ConfigError("", "--isa", fmt::format("'{}' is not a kernel tier (generic, avx2, avx512)", *v));
    refengine::set_isa_override(*isa);
  }
}

int make_weights(const ArgList& argv) {
  Args a(argv, {"model", "layers", "dtype", "seed", "out", "threads"}, {});
  const auto name = a.value("model");
  if (!name) throw ConfigError("", "--model", "is required (a catalog name or a model card path)");
  const auto out = a.value("out");
  if (!out) throw ConfigError("", "--out", "is required (the .safetensors file to write)");
  const auto card = model::ModelCatalog::shipped().resolve(*name);
  const auto spec = refengine::truncated(card, a.integer("layers", 0, 0, 100000));
  const DType dt = parse_weight_dtype(a, DType::bf16);
  const auto seed = std::uint64_t(a.number("seed", 1, 0, 9e15));
  refengine::ThreadPool pool(a.integer("threads", 0, 0, 4096));
  fmt::print("writing {} layers of {} as {} (seed {}) to {}\n", spec.num_layers, spec.name, common::dtype_name(dt),
             seed, *out);
  const auto r = refengine::make_random_weights_file(spec, dt, seed, *out, &pool);
  fmt::print("wrote {} tensors, {} in {:.2f} s ({:.2f} GB/s)\n", r.tensors, common::format_bytes(double(r.bytes)),
             r.seconds, double(r.bytes) / r.seconds / 1e9);
  return 0;
}

void print_perf(const refengine::Engine& e, const refengine::StepResult& s, const char* what) {
  const auto ops = model::op_costs(e.spec(), s.shape, e.precision());
  Table t({"op", "time", "share", "GFLOP/s", "GB/s"});
  for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i) {
    const double sec = s.op_seconds[i];
    if (sec <= 0 && ops[i].flops <= 0) continue;
    t.add({model::op_class_name(model::OpClass(i)), common::format_seconds(sec),
           fmt::format("{:.1f}%", 100 * sec / s.seconds),
           sec > 0 ? fmt::format("{:.1f}", ops[i].flops / sec / 1e9) : "-",
           sec > 0 ? fmt::format("{:.1f}", ops[i].bytes() / sec / 1e9) : "-"});
  }
  double fl = 0, by = 0;
  for (const auto& o : ops) {
    fl += o.flops;
    by += o.bytes();
  }
  t.add({"step", common::format_seconds(s.seconds), "100%", fmt::format("{:.1f}", fl / s.seconds / 1e9),
         fmt::format("{:.1f}", by / s.seconds / 1e9)});
  fmt::print("per-op, {} (FLOPs and bytes from model/op_cost.h, the estimator's own counts):\n{}", what, t.render());
}

int run(const ArgList& argv) {
  Args a(argv, {"model", "weights", "layers", "dtype", "batch", "prompt", "gen", "threads", "isa", "seed", "predict"},
         {"perf", "check"});
  apply_isa(a);
  const auto name = a.value("model");
  if (!name) throw ConfigError("", "--model", "is required (the card the weights belong to)");
  const auto card = model::ModelCatalog::shipped().resolve(*name);
  const DType dt = parse_weight_dtype(a, DType::bf16);
  const int layers = a.integer("layers", 0, 0, 100000);
  const int batch = a.integer("batch", 1, 1, 4096);
  const int prompt = a.integer("prompt", 32, 1, 1 << 20);
  const int gen = a.integer("gen", 16, 0, 1 << 20);
  const auto seed = std::uint64_t(a.number("seed", 1, 0, 9e15));
  refengine::EngineOptions eo;
  eo.threads = a.integer("threads", 0, 0, 4096);
  refengine::ThreadPool load_pool(eo.threads);
  std::optional<refengine::ModelWeights> w;
  if (auto f = a.value("weights")) {
    const auto hy = refengine::measure_hydration(*f, true);
    fmt::print("hydration {}: {} warm {:.2f} GB/s; cold {}\n", *f, common::format_bytes(hy.bytes),
               hy.warm_bytes_per_s / 1e9,
               hy.cold_measured ? fmt::format("{:.2f} GB/s", hy.cold_bytes_per_s / 1e9)
                                : "not measured (" + hy.cold_note + ")");
    refengine::SafetensorsFile file(*f);
    refengine::LoadReport rep;
    w = refengine::load_weights(file, card, dt, layers, load_pool, &rep);
    fmt::print("loaded {} layers in {:.2f} s ({:.2f} GB/s file -> packed {} weights; {})\n", rep.layers, rep.seconds,
               rep.file_bytes / rep.seconds / 1e9, common::dtype_name(dt), common::join(rep.notes, ", "));
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    w = refengine::make_random_weights(refengine::truncated(card, layers), dt, seed, &load_pool);
    fmt::print("built seeded random {} weights in memory in {:.2f} s (no --weights file)\n", common::dtype_name(dt),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  refengine::Engine e(std::move(*w), eo);
  const auto& m = e.spec();
  fmt::print("{} ({} layers), {} weights {}, KV {}, {} threads, kernels {} [{}]\n", m.name, m.num_layers,
             common::dtype_name(dt), common::format_bytes(e.weights().bytes()), common::dtype_name(e.kv_dtype()),
             e.pool().size(), refengine::isa_name(refengine::active_isa()), refengine::cpu_features().flags_summary());
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  std::vector<refengine::StepInput> in;
  for (int b = 0; b < batch; ++b) {
    refengine::StepInput s;
    s.seq = e.add_sequence(prompt + gen + 1);
    for (int i = 0; i < prompt; ++i) s.tokens.push_back(std::int32_t(rng() % std::uint32_t(m.vocab_size)));
    in.push_back(std::move(s));
  }
  e.reserve(std::int64_t(batch) * prompt, batch);
  const auto first_prompt = in.front().tokens;
  auto pre = e.step(in, a.flag("check"));
  fmt::print("prefill {} x {} tokens: {} ({:.1f} tok/s)\n", batch, prompt, common::format_seconds(pre.seconds),
             batch * prompt / pre.seconds);
  if (a.flag("perf")) print_perf(e, pre, "prefill");
  double worst = 0;
  std::vector<std::int32_t> history = first_prompt;
  auto check = [&](const refengine::StepResult& s) {
    const auto ref = refengine::reference_forward(e.weights(), history, eo.rope.value_or(refengine::default_rope(m)));
    double mx = 0, d = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      mx = std::max(mx, double(std::fabs(ref[i])));
      d = std::max(d, double(std::fabs(ref[i] - s.logits[i])));
    }
    worst = std::max(worst, d / std::max(mx, 1e-30));
  };
  if (a.flag("check")) check(pre);
  std::vector<std::int32_t> generated;
  std::vector<std::int32_t> next = pre.next;
  double dsum = 0, dpred = 0;
  // Decode and prefill steps may run their matmuls in different formats (int8 weights: f32 FMAs at
  // small batch, bf16 dot products above), so each phase gets the precision the engine used.
  std::optional<perf::StepEstimator> est, est_prefill;
  if (auto dir = a.value("predict")) {
    perf::Deployment d;
    d.hardware = hostcal::load_host_profile(*dir);
    d.precision = refengine::Engine::precision_for(e.weights().dtype, batch);
    est.emplace(m, d);
    d.precision = refengine::Engine::precision_for(e.weights().dtype, std::int64_t(batch) * prompt);
    est_prefill.emplace(m, d);
  }
  refengine::StepResult last;
  for (int g = 0; g < gen; ++g) {
    generated.push_back(next[0]);
    history.push_back(next[0]);
    for (std::size_t b = 0; b < in.size(); ++b) in[b].tokens = {next[b]};
    last = e.step(in, a.flag("check"));
    dsum += last.seconds;
    if (est) dpred += est->time(last.shape);
    if (a.flag("check")) check(last);
    next = last.next;
  }
  if (gen > 0) {
    const double step = dsum / gen;
    const double wb = e.weights().bytes();
    fmt::print("decode {} steps x batch {}: {} per step ({:.1f} tok/s); weight bytes / step time = {:.2f} GB/s\n", gen,
               batch, common::format_seconds(step), batch / step, wb / step / 1e9);
    std::vector<std::string> toks;
    for (auto t : generated) toks.push_back(std::to_string(t));
    fmt::print("sequence 0 generated: {}\n", common::join(toks, " "));
    if (a.flag("perf")) print_perf(e, last, "last decode step");
  }
  if (est) {
    const double pp = est_prefill->time(pre.shape);
    fmt::print("predicted ({}): prefill {} ({:+.1f}% vs measured)", est->calibration_source(),
               common::format_seconds(pp), 100 * (pp / pre.seconds - 1));
    if (gen > 0)
      fmt::print(", decode step {} ({:+.1f}% vs measured)", common::format_seconds(dpred / gen),
                 100 * (dpred / dsum - 1));
    fmt::print("\n");
  }
  if (a.flag("check"))
    fmt::print("check: max |engine - naive reference| / max |reference| over the logits of every step = {:.2e}\n",
               worst);
  return 0;
}

int probe(const ArgList& argv) {
  Args a(argv, {"seconds", "threads"}, {"no-cache-levels"});
  micro::ProbeOptions o;
  o.seconds_per_probe = a.number("seconds", 0.25, 0.01, 60);
  o.cache_levels = !a.flag("no-cache-levels");
  if (auto t = a.value("threads"))
    for (const auto& s : common::split(*t, ',')) {
      try {
        o.threads.push_back(std::max(1, std::stoi(s)));
      } catch (...) {
        throw ConfigError("", "--threads", fmt::format("'{}' is not a thread count", s));
      }
    }
  o.progress = [](const std::string& s) { fmt::print(stderr, "  {}\n", s); };
  const auto r = micro::run_probes(o);
  fmt::print("{}", micro::format_probe_report(r));
  return 0;
}

int hydrate(const ArgList& argv) {
  Args a(argv, {}, {"no-cold"});
  if (a.positional().size() != 1) throw ConfigError("", "hydrate", "needs one weights file");
  const auto r = refengine::measure_hydration(a.positional()[0], !a.flag("no-cold"));
  fmt::print("{}: {}\n  warm page cache: {:.3f} s, {:.2f} GB/s\n", r.path, common::format_bytes(r.bytes), r.warm_s,
             r.warm_bytes_per_s / 1e9);
  if (r.cold_measured)
    fmt::print("  cold page cache: {:.3f} s, {:.2f} GB/s ({})\n", r.cold_s, r.cold_bytes_per_s / 1e9, r.cold_note);
  else
    fmt::print("  cold page cache: not measured: {}\n", r.cold_note);
  return 0;
}

}  // namespace

int cmd_refengine(const ArgList& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(REFENGINE_USAGE, stdout);
    return args.empty() ? 2 : 0;
  }
  const ArgList rest(args.begin() + 1, args.end());
  if (args[0] == "make-weights") return make_weights(rest);
  if (args[0] == "run") return run(rest);
  if (args[0] == "probe") return probe(rest);
  if (args[0] == "hydrate") return hydrate(rest);
  throw ConfigError("", "refengine",
                    fmt::format("unknown subcommand '{}'{}; one of make-weights, run, probe, hydrate", args[0],
                                common::suggest_suffix(args[0], {"make-weights", "run", "probe", "hydrate"})));
}

}  // namespace infersim::cli
