// `infersim calibrate`: measure this machine with the reference engine and fit its host profile
// (calibration/hostcal). Writes host.json, calibrations.json, report.md and report.json to --out, and the
// report's rows into a results store (SQLite, default <out>/calibration.sqlite). calibration/hostcal stays
// free of SQLite (CONVENTIONS.md: only planner/store links it); the CLI turns the report into rows.
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <optional>
#include <system_error>

#include "args.h"
#include "commands.h"
#include "error_format.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/hostcal/host_calibration.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/model/model_spec_json.h"
#include "infersim/refengine/kernels.h"
#include "infersim/store/results_store.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;

namespace {

constexpr const char* USAGE = R"(usage: infersim calibrate [--quick] [--out DIR] [--db FILE] [--model CARD] [--layers N]
                          [--dtypes fp32,bf16,int8] [--threads T] [--repeats R] [--seed S]
                          [--isa generic|avx2|avx512] [--no-hydration] [--keep-weights] [--quiet]
       infersim calibrate --refit DIR|REPORT.json [--model CARD] [--out DIR] [--db FILE]

Measures this machine (calibration/micro probes), runs the reference engine over a grid of decode and
prefill steps per weight dtype, fits the host profile's efficiency and overheads on two thirds of
the grid and reports the error on the held-out third. Writes to DIR (default results/host):
  host.json, calibrations.json   the fitted host profile (infersim estimate --hardware DIR/host.json)
  report.md, report.json         predicted vs measured per point, median / P90 error per metric
  calibration.sqlite             the same rows in a results store (--db FILE to choose another file;
                                 `infersim results list|export --db FILE` reads it)
The seeded weights file written for the hydration measurement is deleted at the end unless
--keep-weights is given (it is regenerable: infersim refengine make-weights ... --seed S).
--quick: about 65-85 s on 2 cores (llama-3.2-1b truncated to 2 layers, plus a few 6-layer points).
--refit: fits the measurements saved in an earlier run's report.json again with this build's fit
model, without measuring (about a second); writes the same outputs (default: that run's DIR). --model
is needed only when the run used a card file rather than a catalog name.
)";

std::string utc_stamp() { return common::utc_now("%Y%m%dT%H%M%SZ"); }

// One row per grid point (kind "calibrate"), one per error metric (kind "calibrate-error") and one for
// the fitted parameters (kind "calibrate-fit"), under one run named after the time of the run (so a
// second calibration never collides with an earlier one in the same file).
std::size_t write_store(const hostcal::Result& r, const std::string& path, std::string& run_name) {
  run_name = fmt::format("calibrate-host-{}-seed{}", utc_stamp(), r.options.seed);
  const std::string model_hash = common::sha256_hex(model::model_to_json(r.options.card).dump());
  const std::string hw_hash = common::sha256_hex(hwprofiles::hardware_to_json(r.profile).dump());
  auto base = [&](const std::string& kind, const common::Json& scenario) {
    store::ResultRow row;
    row.run_name = run_name;
    row.kind = kind;
    row.scenario_json = scenario.dump();
    row.scenario_id = common::sha256_hex(kind + "\n" + row.scenario_json);
    row.model_hash = model_hash;
    row.hardware_hash = hw_hash;
    row.labels["model"] = r.options.card.name;
    row.labels["hardware"] = hostcal::HOST_HARDWARE;
    row.labels["runtime"] = hostcal::ENGINE_RUNTIME;
    row.labels["preset"] = r.options.label;
    row.labels["kernel_tier"] = r.isa;
    row.labels["date"] = r.date;
    row.metrics["threads"] = r.threads;
    return row;
  };
  std::vector<store::ResultRow> rows;
  for (const auto& p : r.points) {
    if (p.measured_s <= 0) continue;
    const common::Json sc = {{"model", r.options.card.name},
                             {"dtype", common::dtype_name(p.dtype)},
                             {"phase", p.prefill ? "prefill" : "decode"},
                             {"layers", p.layers},
                             {"batch", p.batch},
                             {"length", p.length},
                             {"seed", r.options.seed}};
    auto row = base("calibrate", sc);
    row.labels["dtype"] = common::dtype_name(p.dtype);
    row.labels["phase"] = p.prefill ? "prefill" : "decode";
    row.labels["split"] = p.held_out ? "held_out" : "fit";
    row.labels["held_out"] = p.held_out ? "true" : "false";
    row.metrics["layers"] = p.layers;
    row.metrics["batch"] = p.batch;
    row.metrics["length"] = double(p.length);
    row.metrics["measured_s"] = p.measured_s;
    row.metrics["predicted_s"] = p.predicted_s;
    row.metrics["roofline_s"] = p.roofline_s;
    row.metrics["error"] = p.error();
    row.metrics["abs_error"] = std::fabs(p.error());
    row.metrics["flops"] = p.flops;
    row.metrics["bytes"] = p.bytes;
    row.metrics["gflop_per_s"] = p.flops / p.measured_s / 1e9;
    row.metrics["gb_per_s"] = p.bytes / p.measured_s / 1e9;
    row.metrics["samples"] = double(p.samples.size());
    for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i)
      if (p.op_seconds[i] > 0)
        row.metrics[store::to_column_name(std::string("op_") + model::op_class_name(model::OpClass(i)) + "_s")] =
            p.op_seconds[i];
    rows.push_back(std::move(row));
  }
  for (const auto& [k, e] : r.errors) {
    auto row = base("calibrate-error", common::Json{{"metric", k}, {"seed", r.options.seed}});
    row.labels["metric"] = k;
    auto put = [&](const std::string& pre, const perf::ErrorStats& s) {
      row.metrics[pre + "_n"] = s.n;
      if (s.n == 0) return;
      row.metrics[pre + "_median_abs"] = s.median_abs;
      row.metrics[pre + "_p90_abs"] = s.p90_abs;
      row.metrics[pre + "_mean_signed"] = s.mean_signed;
    };
    put("fit", e.fit);
    put("held_out", e.held_out);
    rows.push_back(std::move(row));
  }
  {
    const auto& p = r.fit.params;
    auto row = base("calibrate-fit", common::Json{{"fit", "host"}, {"seed", r.options.seed}});
    row.metrics["compute_fraction"] = p.compute_fraction;
    row.metrics["memory_fraction"] = p.memory_fraction;
    row.metrics["step_overhead_s"] = p.step_overhead_s;
    row.metrics["layer_overhead_s"] = p.layer_overhead_s;
    row.metrics["seq_overhead_s"] = p.seq_overhead_s;
    row.metrics["dequant_flops_per_weight"] = p.dequant_flops_per_weight;
    row.metrics["roofline_norm"] = p.roofline_norm;
    row.metrics["attention_fraction"] = p.attention_fraction;
    row.metrics["rows_fit"] = r.fit.rows_fit;
    row.metrics["rows_held_out"] = r.fit.rows_held_out;
    row.metrics["fp32_peak_flop_per_s"] = r.profile.peak(common::DType::fp32);
    row.metrics["bf16_peak_flop_per_s"] = r.profile.peak(common::DType::bf16);
    row.metrics["dram_read_bytes_per_s"] = r.profile.main_memory_bw_bytes_per_s;
    row.metrics["wall_s"] = r.wall_s;
    if (r.hydration) {
      row.metrics["hydration_warm_bytes_per_s"] = r.hydration->warm_bytes_per_s;
      if (r.hydration->cold_measured) row.metrics["hydration_cold_bytes_per_s"] = r.hydration->cold_bytes_per_s;
    }
    rows.push_back(std::move(row));
  }
  auto db = store::ResultsStore::open(path, store::OpenMode::create);
  return db.put_batch(rows).inserted;
}

}  // namespace

int cmd_calibrate(const ArgList& argv) {
  Args a(argv, {"out", "db", "model", "layers", "dtypes", "threads", "repeats", "seed", "isa", "refit"},
         {"quick", "no-hydration", "keep-weights", "quiet", "help"});
  if (a.flag("help")) {
    fmt::print("{}", USAGE);
    return 0;
  }
  std::optional<hostcal::Result> refit;
  std::string out_dir;
  if (auto src = a.value("refit")) {
    for (const char* f : {"quick", "no-hydration", "keep-weights"})
      if (a.flag(f)) throw ConfigError("", std::string("--") + f, "does not apply to --refit (nothing is measured)");
    for (const char* v : {"layers", "dtypes", "threads", "repeats", "seed", "isa"})
      if (a.value(v))
        throw ConfigError("", std::string("--") + v, "does not apply to --refit (the report's settings are used)");
    std::string report = *src;
    if (std::filesystem::is_directory(report)) report = (std::filesystem::path(report) / "report.json").string();
    if (!std::filesystem::is_regular_file(report))
      throw ConfigError(report, "--refit",
                        "no such report (give the --out DIR of an earlier `infersim calibrate` or its report.json)");
    // The report names its model; a card given as a file (not in the catalog) is passed again with --model.
    const auto card = model::ModelCatalog::shipped().resolve(a.value_or("model", hostcal::report_model_name(report)));
    refit = hostcal::refit_host_calibration(report, card);
    out_dir = a.value_or("out", std::filesystem::path(report).parent_path().string());
    if (out_dir.empty()) out_dir = ".";
  }
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
  const auto card = refit ? refit->options.card
                          : model::ModelCatalog::shipped().resolve(a.value_or("model", "llama-3.2-1b"));
  auto o = a.flag("quick") ? hostcal::Options::quick(card) : hostcal::Options::full(card);
  o.out_dir = a.value_or("out", "results/host");
  if (auto l = a.optional_integer("layers", 1, card.num_layers)) o.layers = *l;
  if (auto d = a.value("dtypes")) {
    o.dtypes.clear();
    for (const auto& s : common::split(*d, ',')) {
      auto dt = common::parse_dtype(common::trim(s));
      if (!dt || !refengine::weight_dtype_supported(*dt))
        throw ConfigError("", "--dtypes",
                          fmt::format("'{}' is not a reference-engine weight dtype (fp32, bf16, int8)", s));
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
  if (refit) o.out_dir = out_dir;
  if (refit)
    fmt::print("infersim calibrate --refit: {} points measured {} ({} preset, {} x {} layers) -> {}\n",
               refit->points.size(), refit->date, refit->options.label, card.name, refit->options.layers, o.out_dir);
  else
    fmt::print("infersim calibrate ({}): {} x {} layers on this machine -> {}\n", o.label, card.name, o.layers,
               o.out_dir);
  std::fflush(stdout);
  const std::string db_path = a.value_or("db", (std::filesystem::path(o.out_dir) / "calibration.sqlite").string());
  const auto r = refit ? std::move(*refit) : hostcal::run_host_calibration(o);
  hostcal::write_outputs(r, o.out_dir);
  std::string run_name;
  const std::size_t stored = write_store(r, db_path, run_name);
  std::string weights_note;
  if (!r.weights_file.empty() && r.refit_of.empty()) {  // a refit never touches files of the earlier run
    if (a.flag("keep-weights")) {
      weights_note = fmt::format("kept the weights file {} (--keep-weights)\n", r.weights_file);
    } else {
      std::error_code ec;
      std::filesystem::remove(r.weights_file, ec);
      weights_note = ec ? fmt::format("could not delete the weights file {}: {}\n", r.weights_file, ec.message())
                        : fmt::format("deleted the generated weights file {} (regenerable from --seed {}; "
                                      "--keep-weights keeps it)\n",
                                      std::filesystem::path(r.weights_file).filename().string(), o.seed);
    }
  }

  const auto& p = r.fit.params;
  fmt::print("\nmeasured: fp32 peak {}, bf16 peak {}, DRAM read {:.1f} GB/s ({} threads, kernels {})\n",
             common::format_si(r.profile.peak(common::DType::fp32), "FLOP/s"),
             common::format_si(r.profile.peak(common::DType::bf16), "FLOP/s"),
             r.profile.main_memory_bw_bytes_per_s / 1e9, r.threads, r.isa);
  fmt::print("fitted:   compute_fraction {:.2f}, memory_fraction {:.2f}, int8 unpack {:.2f} FLOP/weight, roofline norm "
             "{:.1f}, "
             "step {:.1f} us, layer {:.1f} us, sequence {:.1f} us\n",
             p.compute_fraction, p.memory_fraction, p.dequant_flops_per_weight, p.roofline_norm,
             p.step_overhead_s * 1e6, p.layer_overhead_s * 1e6, p.seq_overhead_s * 1e6);
  Table t({"metric", "fit median", "fit P90", "held-out median", "held-out P90", "held-out n"});
  for (const auto& [k, e] : r.errors)
    t.add({k, median_error_pct(e.fit), p90_error_pct(e.fit), median_error_pct(e.held_out), p90_error_pct(e.held_out),
           std::to_string(e.held_out.n)});
  fmt::print("prediction error |predicted/measured - 1| (targets: held-out decode <= 5%, prefill <= 10%):\n{}",
             t.render());
  if (r.refit_of.empty())
    fmt::print("wrote {}/host.json, calibrations.json, report.md, report.json in {:.1f} s\n", o.out_dir, r.wall_s);
  else
    fmt::print("wrote {}/host.json, calibrations.json, report.md, report.json (refit of {})\n", o.out_dir, r.refit_of);
  fmt::print("stored {} rows in {} (run {}; infersim results export --db {} --csv --run {})\n{}", stored, db_path,
             run_name, db_path, run_name, weights_note);
  return 0;
}

}  // namespace infersim::cli
