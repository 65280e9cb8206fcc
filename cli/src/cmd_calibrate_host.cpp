// `infersim calibrate`: measure this machine with the reference engine and fit its host profile
// (bench/hostcal). Writes host.json, calibrations.json, report.md and report.json to --out.
#include <fmt/format.h>

#include <filesystem>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hostcal/host_calibration.h"
#include "infersim/model/model_catalog.h"
#include "infersim/refengine/kernels.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;

namespace {

std::string med(const perf::ErrorStats& s) { return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.median_abs); }
std::string p90(const perf::ErrorStats& s) { return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.p90_abs); }

}  // namespace

int cmd_calibrate(const ArgList& argv) {
  Args a(argv, {"out", "model", "layers", "dtypes", "threads", "repeats", "seed", "isa"}, {"quick", "no-hydration", "quiet"});
  if (!a.positional().empty())
    throw ConfigError("", "calibrate",
                      fmt::format("takes no positional arguments (got '{}'); to fit a measurement CSV use `infersim "
                                  "calibrate-from`",
                                  a.positional()[0]));
  if (auto v = a.value("isa")) {
    auto isa = refengine::parse_isa(*v);
    if (!isa) throw ConfigError("", "--isa", fmt::format("'{}' is not a kernel tier (generic, avx2, avx512)", *v));
    refengine::set_isa_override(*isa);
  }
  const auto card = model::ModelCatalog::shipped().resolve(a.value_or("model", "llama-3.2-1b"));
  auto o = a.flag("quick") ? hostcal::Options::quick(card) : hostcal::Options::full(card);
  o.out_dir = a.value_or("out", "results/host");
  if (auto l = a.optional_integer("layers", 1, card.num_layers)) o.layers = *l;
  if (auto d = a.value("dtypes")) {
    o.dtypes.clear();
    for (const auto& s : common::split(*d, ',')) {
      auto dt = common::parse_dtype(common::trim(s));
      if (!dt || !refengine::weight_dtype_supported(*dt))
        throw ConfigError("", "--dtypes", fmt::format("'{}' is not a reference-engine weight dtype (fp32, bf16, int8)", s));
      o.dtypes.push_back(*dt);
    }
  }
  o.threads = a.integer("threads", 0, 0, 4096);
  o.repeats = a.integer("repeats", o.repeats, 1, 100);
  o.seed = std::uint64_t(a.number("seed", 1, 0, 9e15));
  o.hydration = !a.flag("no-hydration");
  if (!a.flag("quiet"))
    o.progress = [](const std::string& s) {
      fmt::print("{}\n", s);
      std::fflush(stdout);
    };
  fmt::print("infersim calibrate ({}): {} x {} layers on this machine -> {}\n", o.label, card.name, o.layers, o.out_dir);
  std::fflush(stdout);
  const auto r = hostcal::run_host_calibration(o);
  hostcal::write_outputs(r, o.out_dir);

  const auto& p = r.fit.params;
  fmt::print("\nmeasured: fp32 peak {}, bf16 peak {}, DRAM read {:.1f} GB/s ({} threads, kernels {})\n",
             common::format_si(r.profile.peak(common::DType::fp32), "FLOP/s"),
             common::format_si(r.profile.peak(common::DType::bf16), "FLOP/s"), r.profile.main_memory_bw_bytes_per_s / 1e9,
             r.threads, r.isa);
  fmt::print("fitted:   compute_fraction {:.2f}, memory_fraction {:.2f}, step {:.1f} us, layer {:.1f} us, sequence {:.1f} us\n",
             p.compute_fraction, p.memory_fraction, p.step_overhead_s * 1e6, p.layer_overhead_s * 1e6, p.seq_overhead_s * 1e6);
  Table t({"metric", "fit median", "fit P90", "held-out median", "held-out P90", "held-out n"});
  for (const auto& [k, e] : r.errors) t.add({k, med(e.fit), p90(e.fit), med(e.held_out), p90(e.held_out), std::to_string(e.held_out.n)});
  fmt::print("prediction error |predicted/measured - 1| (targets: held-out decode <= 5%, prefill <= 10%):\n{}", t.render());
  fmt::print("wrote {}/host.json, calibrations.json, report.md, report.json in {:.1f} s\n", o.out_dir, r.wall_s);
  return 0;
}

}  // namespace infersim::cli
