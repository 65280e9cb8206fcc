#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <optional>

#include "args.h"
#include "commands.h"
#include "error_format.h"
#include "infersim/app/validate.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/calibrator.h"
#include "infersim/perf/estimate_json.h"
#include "infersim/perf/power_model.h"
#include "infersim/perf/serving_measurements.h"
#include "infersim/perf/vendor_speeds.h"
#include "infersim/serving/serving_validation.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::Json;

namespace {

// Groups observations by (hardware, runtime), in a stable order.
std::map<std::string, std::vector<perf::Observation>> by_group(std::vector<perf::Observation>& obs) {
  std::map<std::string, std::vector<perf::Observation>> g;
  for (auto& o : obs) g[app::measurement_group_key(*o.row)].push_back(o);
  return g;
}

}  // namespace

int cmd_calibrate_from(const ArgList& argv) {
  Args a(argv, {"hardware", "runtime", "write", "min-rows", "points"}, {"json"});
  if (a.positional().size() != 1) throw ConfigError("", "calibrate-from", "needs exactly one measurement CSV file");
  const std::string csv = a.positional()[0];
  const auto set = perf::load_measurements(csv);
  auto& models = model::ModelCatalog::shipped();
  auto& hw = hwprofiles::HardwareCatalog::shipped();
  const std::string only_hw = a.value_or("hardware", "");
  if (!only_hw.empty()) hw.get(only_hw);  // unknown name -> clear error with a suggestion
  auto obs = perf::build_observations(set.rows, models, hw, only_hw, a.value_or("runtime", ""));
  if (obs.obs.empty())
    throw ConfigError(csv, "", fmt::format("no usable measurements{}", only_hw.empty() ? "" : " for " + only_hw));
  const int min_rows = a.integer("min-rows", 8, 3, 1 << 20);
  auto groups = by_group(obs.obs);
  std::vector<hwprofiles::CalibrationEntry> entries;
  Json report = Json::array();
  Table t({"hardware / runtime", "rows fit", "held out", "cf", "mf", "step us", "layer us", "seq us", "coll us",
           "stage", "held-out TTFT", "TPOT", "e2e", "tput"});
  for (auto& [key, list] : groups) {
    std::map<const perf::Measurement*, bool> rows;
    for (const auto& o : list) rows[o.row] = true;
    if (int(rows.size()) < min_rows) {
      fmt::print(stderr, "skipping {}: {} rows (< --min-rows {})\n", key, rows.size(), min_rows);
      continue;
    }
    const auto& first = *list.front().row;
    const auto& prof = hw.get(first.hardware);
    const auto r = perf::fit_calibration(list, prof.datasheet_efficiency.interconnect_fraction);
    hwprofiles::CalibrationEntry e;
    e.hardware = first.hardware;
    e.calibration.runtime = first.runtime;
    e.calibration.version = first.runtime_version;
    e.calibration.params = r.params;
    e.calibration.rows_fit = r.rows_fit;
    e.calibration.rows_held_out = r.rows_held_out;
    e.calibration.source = fmt::format("[FIT] infersim calibrate-from {} ({} rows fit, {} held out)",
                                       std::filesystem::path(csv).filename().string(), r.rows_fit, r.rows_held_out);
    e.data = "data/measurements/" + std::filesystem::path(csv).filename().string();
    Json fe, he;
    for (auto& [m, s] : r.fit_error) fe[perf::metric_name(m)] = perf::error_stats_to_json(s);
    for (auto& [m, s] : r.held_out_error) he[perf::metric_name(m)] = perf::error_stats_to_json(s);
    e.fit_error = {{"fit", fe}, {"held_out", he}};
    entries.push_back(e);
    auto get = [&](perf::Metric m) {
      auto it = r.held_out_error.find(m);
      return it == r.held_out_error.end() ? perf::ErrorStats{} : it->second;
    };
    t.add({key, std::to_string(r.rows_fit), std::to_string(r.rows_held_out),
           fmt::format("{:.2f}", r.params.compute_fraction), fmt::format("{:.2f}", r.params.memory_fraction),
           fmt::format("{:.0f}", r.params.step_overhead_s * 1e6),
           fmt::format("{:.1f}", r.params.layer_overhead_s * 1e6), fmt::format("{:.1f}", r.params.seq_overhead_s * 1e6),
           fmt::format("{:.1f}", r.params.collective_overhead_s * 1e6),
           fmt::format("{:.2f}", r.params.pp_staging_fraction), median_error_pct(get(perf::Metric::ttft)),
           median_error_pct(get(perf::Metric::tpot)), median_error_pct(get(perf::Metric::e2e)),
           median_error_pct(get(perf::Metric::throughput))});
    Json x = hwprofiles::calibration_params_to_json(r.params);
    x["hardware"] = e.hardware;
    x["runtime"] = e.calibration.runtime;
    x["rows_fit"] = r.rows_fit;
    x["rows_held_out"] = r.rows_held_out;
    x["error"] = e.fit_error;
    report.push_back(x);
  }
  if (auto pts = a.value("points")) {
    // Predicted vs measured for every point under the new fit: the calibration report's raw data.
    std::string csv_out =
        "hardware,runtime,model,chips,tp,pp,batch,input,output,metric,held_out,measured,predicted,error\n";
    for (const auto& e : entries) {
      for (const auto& o : groups[e.hardware + " / " + e.calibration.runtime +
                                  (e.calibration.version.empty() ? "" : "@" + e.calibration.version)]) {
        const double p = o.predict(e.calibration.params);
        const auto& r = *o.row;
        csv_out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.6g},{:.6g},{:.4f}\n", r.hardware, r.runtime,
                               r.model, r.chips, r.tp, r.pp, r.batch, r.input, r.output, perf::metric_name(o.metric),
                               r.held_out ? 1 : 0, o.measured, p, p / o.measured - 1.0);
      }
    }
    common::write_text_file_atomic(*pts, csv_out);
  }
  if (auto out = a.value("write")) {
    // Merge: replace entries for the same (hardware, runtime), keep the others.
    std::vector<hwprofiles::CalibrationEntry> merged;
    if (std::filesystem::exists(*out)) merged = hwprofiles::load_calibrations(*out);
    for (const auto& e : entries) {
      bool replaced = false;
      for (auto& m : merged)
        if (m.hardware == e.hardware && m.calibration.runtime == e.calibration.runtime &&
            m.calibration.version == e.calibration.version) {
          m = e;
          replaced = true;
        }
      if (!replaced) merged.push_back(e);
    }
    std::sort(merged.begin(), merged.end(), [](const auto& x, const auto& y) {
      return std::tie(x.hardware, x.calibration.runtime, x.calibration.version) <
             std::tie(y.hardware, y.calibration.runtime, y.calibration.version);
    });
    common::write_text_file_atomic(
        *out, hwprofiles::calibrations_to_json(merged, "infersim calibrate-from <csv> --write <file>").dump(2) + "\n");
    fmt::print(stderr, "wrote {} calibration entries to {}\n", merged.size(), *out);
  }
  if (a.flag("json")) {
    fmt::print("{}\n", report.dump(2));
  } else {
    fmt::print("{}", t.render());
    fmt::print("cf/mf = achieved compute / memory-bandwidth fraction; overheads per step, per layer, per sequence, "
               "per collective; stage = pipeline weight staging over the host link; error columns = median absolute "
               "error on held-out rows\n");
    for (const auto& [why, n] : set.skipped) fmt::print("skipped {} rows: {}\n", n, why);
    for (const auto& [why, n] : obs.skipped) fmt::print("skipped {} rows: {}\n", n, why);
  }
  return 0;
}

namespace {

void print_groups(const std::string& title, const std::vector<serving::ErrorGroup>& groups) {
  Table t({"group", "rows", "TTFT median", "TTFT P90", "TPOT median", "TPOT P90"});
  for (const auto& g : groups)
    t.add({g.key,
           g.ttft.n == g.tpot.n ? std::to_string(g.tpot.n) : fmt::format("{} TTFT / {} TPOT", g.ttft.n, g.tpot.n),
           median_error_pct(g.ttft), p90_error_pct(g.ttft), median_error_pct(g.tpot), p90_error_pct(g.tpot)});
  fmt::print("{}\n{}", title, t.render());
}

// The fitted MoE expert-kernel scales of each runtime version (docs/calibration.md, kernel path).
void print_moe_scales(const std::vector<hwprofiles::KernelCalibrationEntry>& fits) {
  for (const auto& f : fits)
    for (const auto& m : f.calibration.moe_expert_scales)
      fmt::print(
          "  {}@{} MoE experts x{:.2f} decode + {:.1f} us per MoE layer and step ({} fit rows), x{:.2f} prefill ({} "
          "fit rows) on {}\n",
          f.runtime, f.version, m.scale, m.layer_overhead_s * 1e6, m.rows_fit, m.prefill_scale, m.rows_fit_prefill,
          m.hardware.empty() ? std::string("any GPU / format (pooled)")
                             : fmt::format("{} {}/{}{}", m.hardware, m.weight, m.activation,
                                           m.attention.empty() ? "" : ", " + m.attention + " attention"));
}

// Today's stacks: the serving part of the report, as text.
void print_serving(const app::ServingPart& p) {
  const auto& v = p.v;
  Table t({"targets", "group", "rows", "TTFT median", "target", "TPOT median", "target", "verdict"});
  for (const auto& x : p.targets)
    t.add({x.kind, x.group, std::to_string(x.rows), fmt::format("{:.1f}%", 100 * x.ttft_median_abs),
           fmt::format("{:.0f}%", 100 * x.ttft_target), fmt::format("{:.1f}%", 100 * x.tpot_median_abs),
           fmt::format("{:.0f}%", 100 * x.tpot_target), x.met ? "met" : "MISSED"});
  fmt::print("Modern serving stacks: {} measured 2025-26 benchmarks (aiconfigurator, TensorRT-LLM / vLLM / SGLang on "
             "H100, B200, GB200), each simulated as the closed-loop benchmark that measured it\n",
             v.rows);
  fmt::print("  {} rows fit the runtime versions' overheads, {} held out (random split by configuration){}\n",
             v.rows_fit, v.rows_held_out,
             v.rows_excluded > 0 ? fmt::format(", {} others kept out of the fit (below)", v.rows_excluded) : "");
  print_moe_scales(v.fits);
  print_groups("held-out rows, discrete-event benchmark (the reference):", v.random_by_runtime);
  print_groups("the same rows, analytic estimate (infersim estimate):", v.analytic_by_runtime);
  print_groups("the same rows less the measurements fit_exclusions.json rules out (targets judged above):",
               v.random_by_runtime_unruled);
  print_groups("held-out rows by hardware:", v.random_split);
  if (!v.loso_own_tables.empty()) print_groups("leave one system out, with its own kernel tables:", v.loso_own_tables);
  if (!v.loso_own_tables_unruled.empty())
    print_groups("the same, less the measurements fit_exclusions.json rules out:", v.loso_own_tables_unruled);
  if (!v.loso_no_tables.empty())
    print_groups("leave one system out, without its own kernel tables (the efficiency model refitted without them):",
                 v.loso_no_tables);
  fmt::print("{}", t.render());
  for (const auto& [why, n] : p.relabelled_loading) fmt::print("repaired {} rows: {}\n", n, why);
  for (const auto& [why, n] : p.fit_excluded_loading)
    fmt::print("kept {} rows out of every fit, predicted and reported all the same (the held-out ones in the groups "
               "above): {} (data/aiconfigurator/fit_exclusions.json)\n",
               n, why);
  for (const auto& [why, n] : p.skipped_loading) fmt::print("skipped {} rows: {}\n", n, why);
  for (const auto& [why, n] : v.skipped) fmt::print("skipped {} rows: {}\n", n, why);
  fmt::print("\n");
}

// Dataflow vendors (Groq, Cerebras, SambaNova): every published per-user speed at batch 1, as text.
void print_dataflow(const app::DataflowPart& d) {
  const auto& r = d.report;
  fmt::print("Dataflow chips: {} published per-user decode speeds (Groq, Cerebras, SambaNova; {}), predicted at batch "
             "1 "
             "with a {:.0f}-token prompt and {:.0f} output tokens\n",
             r.checks.size(), "data/measurements/vendor-speeds", d.set->input, d.set->output);
  Table t({"vendor", "model", "published", "kind", "as of", "use", "chips", "predicted", "error"});
  for (const auto& c : r.checks) {
    const auto& p = *c.point;
    t.add({p.vendor, p.model, fmt::format("{:.0f} tok/s", p.tok_s), p.kind, p.as_of,
           p.use == "fit" ? "FIT" : "held out", c.ok ? fmt::format("{} ({})", c.chips, c.chips_basis) : "-",
           c.ok ? fmt::format("{:.0f} tok/s", c.predicted_tok_s) : "-",
           c.ok ? fmt::format("{:+.1f}%", 100 * c.error) : "not predicted (below)"});
  }
  fmt::print("{}", t.render());
  for (const auto& c : r.checks)
    if (!c.ok)
      fmt::print("  not predicted: {} {} ({} tok/s): {}\n", c.point->vendor, c.point->model, c.point->tok_s, c.reason);
  Table g({"vendor", "held-out points", "median |error|", "P90", "models within 25%", "target (>= 3 models)"});
  for (const auto& x : r.groups)
    g.add({x.vendor, std::to_string(x.held_out.n), median_error_pct(x.held_out), p90_error_pct(x.held_out),
           fmt::format("{} of {}", x.models_within_25, x.models_held_out), x.models_within_25 >= 3 ? "met" : "MISSED"});
  fmt::print("{}\n", g.render());
  if (!r.chip_counts.empty()) {
    Table c({"vendor", "model", "published chips", "auto-sized (infersim estimate)", "error"});
    for (const auto& x : r.chip_counts)
      c.add({x.point->vendor, x.point->model, std::to_string(x.published),
             x.sized > 0 ? fmt::format("{} (tp {} x pp {})", x.sized, x.tp, x.pp) : "-",
             x.sized > 0 ? fmt::format("{:+.1f}%", 100 * x.error) : "not sized: " + x.reason});
    fmt::print("Published chip counts against auto-sizing (issue 15's Groq target: within 15%):\n{}\n", c.render());
  }
}

void print_legacy(const app::LegacyPart& l) {
  Table t({"hardware / runtime", "calibration", "rows", "TTFT med", "TPOT med", "e2e med", "tput med", "tput p90",
           "targets"});
  for (const auto& g : l.groups) {
    auto get = [&](perf::Metric m) { return g.stats.count(m) ? g.stats.at(m) : perf::ErrorStats{}; };
    t.add({g.key, g.basis, std::to_string(g.rows), median_error_pct(get(perf::Metric::ttft)),
           median_error_pct(get(perf::Metric::tpot)), median_error_pct(get(perf::Metric::e2e)),
           median_error_pct(get(perf::Metric::throughput)),
           get(perf::Metric::throughput).n ? fmt::format("{:.1f}%", 100 * get(perf::Metric::throughput).p90_abs) : "-",
           g.verdict});
  }
  fmt::print("Older software (2023-24: splitwise-sim vLLM, LLM-Inference-Bench), roofline calibrations per (hardware, "
             "runtime@version), {} rows\n",
             l.held_out_only ? "HELD-OUT (never fitted)" : "ALL");
  fmt::print("{}", t.render());
  auto get = [&](perf::Metric m) { return l.overall.count(m) ? l.overall.at(m) : perf::ErrorStats{}; };
  fmt::print("overall median |error|: TTFT {} (n={}, target <= 25%), TPOT {} (n={}, target <= 15%), "
             "throughput {} (n={}, target <= 15%), batch e2e {} (n={})\n",
             median_error_pct(get(perf::Metric::ttft)), get(perf::Metric::ttft).n,
             median_error_pct(get(perf::Metric::tpot)), get(perf::Metric::tpot).n,
             median_error_pct(get(perf::Metric::throughput)), get(perf::Metric::throughput).n,
             median_error_pct(get(perf::Metric::e2e)), get(perf::Metric::e2e).n);
  for (const auto& [why, n] : l.skipped_loading) fmt::print("skipped {} rows: {}\n", n, why);
  for (const auto& [why, n] : l.skipped_observations) fmt::print("skipped {} rows: {}\n", n, why);
}

void print_power(const app::PowerPart& p) {
  const auto& f = p.fit;
  fmt::print("Power (GPU model: TDP x ({:.3g} + {:.3g} x memory utilisation + {:.3g} x compute utilisation); measured "
             "per-GPU power of splitwise-sim A100-80GB, {} configurations, {} held out)\n",
             p.shipped.k.base, p.shipped.k.memory, p.shipped.k.compute, f.points.size(), f.held_out_error.n);
  Table t({"check", "configs", "median |error|", "P90 |error|", "mean signed"});
  auto row = [&](const std::string& what, const perf::ErrorStats& s) {
    t.add({what, std::to_string(s.n), fmt::format("{:.1f}%", 100 * s.median_abs),
           fmt::format("{:.1f}%", 100 * s.p90_abs), fmt::format("{:+.1f}%", 100 * s.mean_signed)});
  };
  row("average power, held out", f.held_out_error);
  row("average power, held out, phase constants (before)", f.held_out_constant_error);
  row("peak power, held out", f.held_out_peak_error);
  row("peak power, held out, phase constants (before)", f.held_out_peak_constant_error);
  for (const auto& [m, s] : f.leave_model_out) row(fmt::format("average power, leave {} out", m), s);
  for (const auto& [m, s] : f.leave_model_out_peak) row(fmt::format("peak power, leave {} out", m), s);
  fmt::print("{}", t.render());
  fmt::print("target: held-out average power median |error| <= {:.0f}%: {}; shipped coefficients {} a refit on the fit "
             "split (infersim calibrate-power)\n",
             100 * p.held_out_target, p.met ? "met" : "MISSED", p.shipped_matches_refit ? "equal" : "DIFFER FROM");
  fmt::print("no power in the 2025-26 serving data (aiconfigurator did not sample power); TPU/LPU/wafer-scale/dataflow/"
             "NPU/CPU profiles keep their phase constants\n");
}

}  // namespace

int cmd_validate(const ArgList& argv) {
  Args a(argv, {"jobs"}, {"json", "all-rows", "legacy", "no-loso", "dataflow", "power"});
  const bool json = a.flag("json");
  app::ValidateRequest req;
  // --dataflow: only the dataflow vendors' published speeds (seconds, not minutes); --legacy: only the
  // older datasets; --power: only the power model; default: all four.
  const bool only = a.flag("dataflow") || a.flag("legacy") || a.flag("power");
  req.serving = !only;
  req.dataflow = !only || a.flag("dataflow");
  req.legacy = !only || a.flag("legacy");
  req.power = !only || a.flag("power");
  req.loso = !a.flag("no-loso");
  req.held_out_only = !a.flag("all-rows");
  req.jobs = int(a.integer("jobs", 0, 0, 256));
  req.progress = [json](std::size_t done, std::size_t total) {
    if (json) return;
    if (done % 100 == 0 || done == total) fmt::print(stderr, "\rsimulating measured benchmarks: {}/{}", done, total);
    if (done == total) fmt::print(stderr, "\n");
  };
  const app::ValidationReport r = app::validate(req);
  if (json) {
    fmt::print("{}\n", app::validation_report_json(r).dump(2));
    return 0;
  }
  if (r.serving) print_serving(*r.serving);
  if (r.dataflow) print_dataflow(*r.dataflow);
  if (r.legacy) print_legacy(*r.legacy);
  if (r.power) print_power(*r.power);
  return 0;
}

int cmd_calibrate_serving(const ArgList& argv) {
  Args a(argv, {"write", "points", "jobs", "data"}, {"json", "no-loso", "fit-routing", "fit-mtp"});
  const std::string csv = a.value_or("data", perf::bundled_serving_measurements());
  const auto set = perf::load_serving_measurements(csv);
  serving::ObservationOptions opt;
  opt.jobs = int(a.integer("jobs", 0, 0, 256));
  const bool tty = !a.flag("json");
  opt.progress = [&](std::size_t done, std::size_t total) {
    if (tty && (done % 50 == 0 || done == total))
      fmt::print(stderr, "\rsimulating measured benchmarks: {}/{}", done, total);
    if (tty && done == total) fmt::print(stderr, "\n");
  };
  // The grid fits run the whole fit once per grid value (quietly), printing each value's objective.
  auto quiet = opt;
  quiet.progress = nullptr;
  auto report = [&](const char* what, const char* rows) {
    return [=](double x, double med) {
      if (tty)
        fmt::print(stderr, "{} {:.2f}: median |TPOT error| of the {} fit rows {:.2f}%\n", what, x, rows, 100 * med);
    };
  };
  // --fit-routing: fit the MoE routing skew first (~9 minutes on 2 cores); without it the shipped
  // calibration's skew is kept, so a refit reproduces the shipped file.
  std::optional<serving::RoutingFit> routing;
  if (a.flag("fit-routing")) {
    routing = serving::fit_routing_skew(set.rows, quiet, serving::routing_skew_grid(),
                                        report("MoE routing skew", "MoE"));
    opt.routing_skew = quiet.routing_skew = routing->skew;
  }
  // --fit-mtp: fit the MTP draft acceptance of the rows that ran multi-token prediction (~8 minutes);
  // without it the shipped calibration's acceptance is kept.
  std::optional<serving::MtpFit> mtp;
  if (a.flag("fit-mtp")) {
    mtp = serving::fit_mtp_acceptance(set.rows, quiet, serving::mtp_acceptance_grid(), report("MTP acceptance", "MTP"));
    opt.mtp_acceptance = mtp->acceptance;
  }
  const auto v = serving::validate_serving(set.rows, opt, !a.flag("no-loso"));
  if (auto out = a.value("write")) {
    common::write_text_file_atomic(
        *out,
        hwprofiles::kernel_calibrations_to_json(v.fits, "infersim calibrate-serving --write <file>").dump(2) + "\n");
    fmt::print(stderr, "wrote {} kernel-path calibrations to {}\n", v.fits.size(), *out);
  }
  if (auto pts = a.value("points")) common::write_text_file_atomic(*pts, v.points.dump(1) + "\n");
  if (a.flag("json")) {
    auto j = serving::serving_validation_to_json(v);
    common::Json fits = common::Json::array();
    for (const auto& f : v.fits) {
      auto x = hwprofiles::kernel_params_to_json(f.calibration.params);
      x["runtime"] = f.runtime;
      x["version"] = f.version;
      x["moe_expert_scales"] = hwprofiles::moe_expert_scales_to_json(f.calibration.moe_expert_scales);
      fits.push_back(x);
    }
    j["fits"] = fits;
    if (routing) {
      common::Json obj = common::Json::array();
      for (const auto& [s, med] : routing->objective) obj.push_back({{"skew", s}, {"moe_fit_tpot_median_abs", med}});
      j["routing_fit"] = {{"skew", routing->skew}, {"moe_fit_rows", routing->rows}, {"objective", obj}};
    }
    if (mtp) {
      common::Json obj = common::Json::array();
      for (const auto& [x, med] : mtp->objective) obj.push_back({{"acceptance", x}, {"mtp_fit_tpot_median_abs", med}});
      j["mtp_fit"] = {{"acceptance", mtp->acceptance},
                      {"moe_fit_rows", mtp->rows},
                      {"mtp_fit_rows", mtp->mtp_rows},
                      {"objective", obj}};
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{} measured rows simulated ({} fit, {} held out, {} kept out of the fit)\n", v.rows, v.rows_fit,
             v.rows_held_out, v.rows_excluded);
  if (routing)
    fmt::print("MoE routing skew {:.2f}: the least median |TPOT error| over {} MoE fit rows (grid {:.2f}-{:.2f})\n",
               routing->skew, routing->rows, routing->objective.front().first, routing->objective.back().first);
  else if (!v.fits.empty())
    fmt::print("MoE routing skew {:.2f} (the shipped calibration's; refit with --fit-routing)\n",
               v.fits.front().calibration.params.moe_routing_skew);
  if (mtp)
    fmt::print("MTP acceptance {:.2f}: the least median |TPOT error| over the {} MTP runs among {} MoE fit rows\n",
               mtp->acceptance, mtp->mtp_rows, mtp->rows);
  for (const auto& f : v.fits)
    if (f.calibration.params.mtp_acceptance > 0 && !mtp)
      fmt::print("MTP acceptance {:.2f} for {}@{} (the shipped calibration's; refit with --fit-mtp)\n",
                 f.calibration.params.mtp_acceptance, f.runtime, f.version);
  for (const auto& f : v.fits)
    fmt::print("  {}@{}: step {:.0f} us, per sequence {:.1f} us, fused quant {:.2f}, TTFT frontend {:.1f} ms + {:.1f} "
               "us/token + {:.2f} ms/stream + {:.2f} x the prompt's own prefill\n",
               f.runtime, f.version, f.calibration.params.step_overhead_s * 1e6,
               f.calibration.params.seq_overhead_s * 1e6, f.calibration.params.fused_quant_fraction,
               f.calibration.params.ttft_request_s * 1e3, f.calibration.params.ttft_token_s * 1e6,
               f.calibration.params.ttft_stream_s * 1e3, f.calibration.params.ttft_prefill_fraction);
  print_moe_scales(v.fits);
  print_groups("held-out rows (random split by configuration), by runtime:", v.random_by_runtime);
  print_groups("the same held-out rows, analytic estimate (infersim estimate):", v.analytic_by_runtime);
  print_groups("the same held-out rows less the measurements fit_exclusions.json rules out:",
               v.random_by_runtime_unruled);
  print_groups("held-out rows, by hardware / runtime:", v.random_split);
  print_groups("fit rows (in-sample):", v.fit_rows);
  if (!v.loso_own_tables.empty()) print_groups("leave one system out, own kernel tables:", v.loso_own_tables);
  if (!v.loso_own_tables_unruled.empty())
    print_groups("leave one system out, own kernel tables, less the measurements fit_exclusions.json rules out:",
                 v.loso_own_tables_unruled);
  if (!v.loso_no_tables.empty())
    print_groups("leave one system out, no own kernel tables (the efficiency model refitted without them):",
                 v.loso_no_tables);
  for (const auto& [why, n] : set.relabelled) fmt::print("repaired {} rows: {}\n", n, why);
  for (const auto& [why, n] : set.skipped) fmt::print("skipped {} rows: {}\n", n, why);
  for (const auto& [why, n] : v.skipped) fmt::print("skipped {} rows: {}\n", n, why);
  return 0;
}

}  // namespace infersim::cli

namespace infersim::cli {

int cmd_calibrate_dataflow(const ArgList& argv) {
  Args a(argv, {"write", "data"}, {"json"});
  const auto set = perf::load_vendor_speeds(a.value_or("data", perf::bundled_vendor_speeds()));
  // Fitted against the profiles and their measured calibrations only: the shipped dataflow fits are
  // not an input to their own refit.
  const hwprofiles::HardwareCatalog hw(common::data_path("hwprofiles/data"),
                                       common::data_path("hwprofiles/data/calibrations.json"));
  const auto fits = perf::fit_dataflow(set, hw, model::ModelCatalog::shipped());
  std::vector<hwprofiles::CalibrationEntry> entries;
  common::Json out = common::Json::array();
  Table t({"hardware", "runtime", "fit point", "published", "modelled (no latency)", "per-layer latency", "note"});
  for (const auto& f : fits) {
    const auto& p = *f.point;
    if (!f.skipped.empty()) {
      t.add(
          {p.hardware, p.runtime, p.model, fmt::format("{:.0f} tok/s", p.tok_s), "-", "-", "not fitted: " + f.skipped});
      out.push_back({{"hardware", p.hardware}, {"skipped", f.skipped}});
      continue;
    }
    entries.push_back(f.entry);
    const double lat = f.entry.calibration.params.layer_overhead_s;
    t.add({p.hardware, p.runtime, p.model, fmt::format("{:.0f} tok/s", p.tok_s),
           fmt::format("{:.0f} tok/s", 1.0 / f.modelled_tpot_s), fmt::format("{:.2f} us", lat * 1e6),
           f.clamped ? "model already slower than published: latency 0" : ""});
    out.push_back({{"hardware", p.hardware},
                   {"runtime", p.runtime},
                   {"layer_latency_us", lat * 1e6},
                   {"modelled_tpot_s", f.modelled_tpot_s},
                   {"published_tpot_s", f.published_tpot_s},
                   {"clamped", f.clamped}});
  }
  if (auto w = a.value("write")) {
    common::write_text_file_atomic(
        *w, hwprofiles::calibrations_to_json(entries, "infersim calibrate-dataflow --write <file>").dump(2) + "\n");
    fmt::print(stderr, "wrote {} dataflow calibrations to {}\n", entries.size(), *w);
  }
  if (a.flag("json")) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}", t.render());
  return 0;
}

}  // namespace infersim::cli

namespace infersim::cli {

int cmd_calibrate_power(const ArgList& argv) {
  Args a(argv, {"write", "data"}, {"json"});
  const auto set = a.value("data") ? perf::load_measurements(*a.value("data")) : perf::load_bundled_measurements();
  const auto f = perf::fit_power(set.rows, model::ModelCatalog::shipped(), hwprofiles::HardwareCatalog::shipped());
  if (auto w = a.value("write")) {
    common::write_text_file_atomic(*w, perf::power_model_to_json(f.model).dump(2) + "\n");
    fmt::print(stderr, "wrote the power model to {}\n", *w);
  }
  if (a.flag("json")) {
    common::Json j = perf::power_fit_errors_to_json(f);
    j["model"] = perf::power_model_to_json(f.model);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("power model: TDP x ({:.4g} + {:.4g} x memory utilisation + {:.4g} x compute utilisation)\n{}\n",
             f.model.k.base, f.model.k.memory, f.model.k.compute, f.model.source);
  auto line = [](const char* what, const perf::ErrorStats& s) {
    fmt::print("  {:<44} n={:<3} median |error| {:5.1f}%  P90 {:5.1f}%  mean signed {:+.1f}%\n", what, s.n,
               100 * s.median_abs, 100 * s.p90_abs, 100 * s.mean_signed);
  };
  line("fit configurations (in-sample)", f.fit_error);
  line("held-out configurations", f.held_out_error);
  line("held-out, phase constants (previous model)", f.held_out_constant_error);
  line("held-out peak power", f.held_out_peak_error);
  line("held-out peak, phase constants", f.held_out_peak_constant_error);
  for (const auto& [m, s] : f.leave_model_out) line(fmt::format("leave {} out", m).c_str(), s);
  for (const auto& [m, s] : f.leave_model_out_peak) line(fmt::format("leave {} out, peak", m).c_str(), s);
  for (const auto& [why, n] : f.skipped) fmt::print("skipped {} configurations: {}\n", n, why);
  return 0;
}

}  // namespace infersim::cli
