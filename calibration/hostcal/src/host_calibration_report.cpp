// Outputs of the host calibration: host.json, calibrations.json, report.md, report.json.
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hostcal/host_calibration.h"
#include "infersim/hwprofiles/hardware_catalog.h"

namespace infersim::hostcal {

using common::Json;
namespace fs = std::filesystem;

namespace {

Json stats_json(const perf::ErrorStats& s) {
  return Json{{"n", s.n},
              {"median_abs_pct", 100 * s.median_abs},
              {"p90_abs_pct", 100 * s.p90_abs},
              {"mean_signed_pct", 100 * s.mean_signed}};
}

std::string pct(const perf::ErrorStats& s) { return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.median_abs); }
std::string p90(const perf::ErrorStats& s) { return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.p90_abs); }

Json report_json(const Result& r) {
  const auto& o = r.options;
  Json j;
  j["generated_by"] = "infersim calibrate";
  j["date"] = r.date;
  j["wall_s"] = r.wall_s;
  j["loadavg_before"] = r.load_before;
  j["loadavg_after"] = r.load_after;
  Json dt = Json::array();
  for (auto d : o.dtypes) dt.push_back(common::dtype_name(d));
  j["options"] = {{"preset", o.label},
                  {"model", o.card.name},
                  {"layers", o.layers},
                  {"depth_layers", o.depth_layers},
                  {"dtypes", dt},
                  {"decode_batches", o.decode_batches},
                  {"decode_contexts", o.decode_contexts},
                  {"prefill_batches", o.prefill_batches},
                  {"prefill_lengths", o.prefill_lengths},
                  {"repeats", o.repeats},
                  {"threads", r.threads},
                  {"kernel_tier", r.isa},
                  {"seed", o.seed}};
  const auto& p = r.probes;
  Json peaks = Json::array(), bw = Json::array();
  for (const auto& x : p.peaks)
    peaks.push_back({{"dtype", micro::peak_kind_name(x.kind)},
                     {"threads", x.threads},
                     {"ops_per_s", x.ops_per_s},
                     {"instruction", x.instruction}});
  for (const auto& x : p.bandwidth)
    bw.push_back({{"kind", micro::bw_kind_name(x.kind)},
                  {"level", x.level},
                  {"working_set_bytes", x.working_set},
                  {"threads", x.threads},
                  {"bytes_per_s", x.bytes_per_s}});
  j["machine"] = {{"cpu", p.cpu_model},
                  {"isa_flags", p.isa_flags},
                  {"logical_cpus", p.logical_cpus},
                  {"l1d_bytes", p.caches.l1d},
                  {"l2_bytes", p.caches.l2},
                  {"l3_bytes", p.caches.l3},
                  {"memory_bytes", p.memory_bytes}};
  j["probes"] = {{"peaks", peaks}, {"bandwidth", bw}, {"wall_s", p.wall_s}};
  if (r.hydration) {
    const auto& h = *r.hydration;
    j["hydration"] = {{"file", h.path},
                      {"bytes", h.bytes},
                      {"warm_bytes_per_s", h.warm_bytes_per_s},
                      {"cold_measured", h.cold_measured},
                      {"cold_bytes_per_s", h.cold_measured ? Json(h.cold_bytes_per_s) : Json(nullptr)},
                      {"resident_after_drop", h.resident_after_drop},
                      {"note", h.cold_note}};
  }
  Json loads = Json::object();
  for (const auto& [d, s] : r.load_seconds) loads[d] = s;
  j["load_seconds"] = loads;
  j["fit"] = hwprofiles::calibration_params_to_json(r.fit.params);
  j["fit"]["rows_fit"] = r.fit.rows_fit;
  j["fit"]["rows_held_out"] = r.fit.rows_held_out;
  j["fit"]["trimmed"] = r.fit.trimmed;
  Json errs = Json::object();
  for (const auto& [k, e] : r.errors) errs[k] = {{"fit", stats_json(e.fit)}, {"held_out", stats_json(e.held_out)}};
  j["errors"] = errs;
  Json cli = Json::object();
  for (const auto& [k, e] : r.estimate_cli_errors) cli[k] = stats_json(e);
  j["estimate_cli"] = {{"calibration", r.estimate_cli_calibration},
                       {"params", hwprofiles::calibration_params_to_json(r.estimate_cli_params)},
                       {"held_out", cli}};
  Json pts = Json::array();
  for (const auto& x : r.points) {
    Json ops = Json::object();
    for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i)
      if (x.op_seconds[i] > 0) ops[model::op_class_name(model::OpClass(i))] = x.op_seconds[i];
    pts.push_back({{"dtype", common::dtype_name(x.dtype)},
                   {"phase", x.prefill ? "prefill" : "decode"},
                   {"layers", x.layers},
                   {"batch", x.batch},
                   {"length", x.length},
                   {"split", x.held_out ? "held_out" : "fit"},
                   {"measured_s", x.measured_s},
                   {"predicted_s", x.predicted_s},
                   {"error_pct", 100 * x.error()},
                   {"roofline_s", x.roofline_s},
                   {"read_bw_bytes_per_s", x.read_bw},
                   {"flops", x.flops},
                   {"bytes", x.bytes},
                   {"gflop_per_s", x.flops / x.measured_s / 1e9},
                   {"gb_per_s", x.bytes / x.measured_s / 1e9},
                   {"samples_s", x.samples},
                   {"op_seconds", ops}});
  }
  j["points"] = pts;
  return j;
}

std::string report_md(const Result& r) {
  const auto& o = r.options;
  const auto& h = r.profile;
  std::string s = fmt::format("# Host calibration ({})\n\n", r.date);
  s += fmt::format("`infersim calibrate` ({} preset), {} truncated to {} layers{}, dtypes", o.label, o.card.name,
                   o.layers, o.depth_layers > 0 ? fmt::format(" (plus bf16 points at {} layers)", o.depth_layers) : "");
  for (auto d : o.dtypes) s += fmt::format(" {}", common::dtype_name(d));
  s += fmt::format(". Wall time {:.1f} s. Load average before / after: {} / {} (other work on the machine makes "
                   "every number noisier).\n\n",
                   r.wall_s, r.load_before, r.load_after);
  s += fmt::format("Machine: {} — {} logical CPUs, engine threads {}, kernel tier `{}` ({}).\n\n", r.probes.cpu_model,
                   r.probes.logical_cpus, r.threads, r.isa, r.probes.isa_flags);
  s += "## Measured peaks and bandwidth (written to host.json, [MEAS])\n\n| probe | value |\n|---|---|\n";
  s += fmt::format("| fp32 peak ({} threads) | {} |\n", r.threads,
                   common::format_si(h.peak(common::DType::fp32), "FLOP/s"));
  s += fmt::format("| bf16 peak ({} threads) | {} |\n", r.threads,
                   common::format_si(h.peak(common::DType::bf16), "FLOP/s"));
  s += fmt::format("| DRAM read bandwidth ({} threads; host.json) | {:.1f} GB/s |\n", r.threads,
                   h.main_memory_bw_bytes_per_s / 1e9);
  s += fmt::format("| DRAM read, fresh-buffer probe | {:.1f} GB/s |\n",
                   r.probes.bw(micro::BwKind::read, "DRAM", r.threads) / 1e9);
  {
    std::map<std::string, double> seen;  // per engine: read bandwidth of its own weight memory
    for (const auto& x : r.points)
      if (x.read_bw > 0) seen[fmt::format("{} x {} layers", common::dtype_name(x.dtype), x.layers)] = x.read_bw;
    for (const auto& [k, v] : seen)
      s += fmt::format("| DRAM read of the {} engine's weights | {:.1f} GB/s |\n", k, v / 1e9);
  }
  for (const auto& b : r.probes.bandwidth)
    if (b.threads == r.threads && b.level != "DRAM")
      s += fmt::format("| {} {} ({}) | {:.1f} GB/s |\n", micro::bw_kind_name(b.kind), b.level,
                       common::format_bytes(double(b.working_set)), b.bytes_per_s / 1e9);
  if (r.hydration) {
    s += fmt::format("| hydration warm ({}) | {:.2f} GB/s |\n", common::format_bytes(r.hydration->bytes),
                     r.hydration->warm_bytes_per_s / 1e9);
    s += fmt::format("| hydration cold | {} |\n", r.hydration->cold_measured
                                                      ? fmt::format("{:.2f} GB/s", r.hydration->cold_bytes_per_s / 1e9)
                                                      : "not measured: " + r.hydration->cold_note);
  }
  const auto& pr = r.fit.params;
  s += "\n## Fitted parameters ([FIT], calibrations.json)\n\n";
  s += fmt::format("compute_fraction {:.2f}, memory_fraction {:.2f}, int8 unpack "
                   "{:.2f} FLOP per weight, roofline norm {:.1f}, attention fraction {:.2f}, step overhead {:.1f} us, "
                   "layer overhead {:.1f} us, sequence overhead {:.1f} us ({} points fit, {} held out, {} trimmed as "
                   "outliers).\n\n",
                   pr.compute_fraction, pr.memory_fraction, pr.dequant_flops_per_weight, pr.roofline_norm,
                   pr.attention_fraction, pr.step_overhead_s * 1e6, pr.layer_overhead_s * 1e6, pr.seq_overhead_s * 1e6,
                   r.fit.rows_fit, r.fit.rows_held_out, r.fit.trimmed);
  s += "## Prediction error (|predicted / measured - 1|)\n\n| metric | fit median | fit P90 | held-out median | "
       "held-out P90 | held-out n |\n|---|---|---|---|---|---|\n";
  for (const auto& [k, e] : r.errors)
    s += fmt::format("| {} | {} | {} | {} | {} | {} |\n", k, pct(e.fit), p90(e.fit), pct(e.held_out), p90(e.held_out),
                     e.held_out.n);
  s += "\nTargets: held-out median <= 5% for decode step time, <= 10% for prefill time.\n\n";
  s += "`infersim estimate --hardware <dir>/host.json --runtime infersim-refengine` (and `infersim simulate` with the "
       "same options) predicts the engine with the fitted entry: a profile loaded by path picks up the "
       "calibrations.json "
       "beside it. Without this calibration, a CPU profile of the host family borrows from the shipped catalog ";
  s += fmt::format("\"{}\" (compute {:.2f}, memory {:.2f}, step {:.0f} us, layer {:.1f} us, seq {:.1f} us); held-out "
                   "error with those parameters:",
                   r.estimate_cli_calibration, r.estimate_cli_params.compute_fraction,
                   r.estimate_cli_params.memory_fraction, r.estimate_cli_params.step_overhead_s * 1e6,
                   r.estimate_cli_params.layer_overhead_s * 1e6, r.estimate_cli_params.seq_overhead_s * 1e6);
  for (const auto& [k, e] : r.estimate_cli_errors)
    if (k.find('/') == std::string::npos) s += fmt::format(" {} {}", k, pct(e));
  s += ": what calibrating buys.\n\n";
  s += "## Points\n\n| dtype | layers | phase | batch | length | split | measured | predicted | error | GFLOP/s | GB/s "
       "| "
       "weight-memory read GB/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& x : r.points)
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:+.1f}% | {:.1f} | {:.1f} | {:.1f} |\n",
                     common::dtype_name(x.dtype), x.layers, x.prefill ? "prefill" : "decode", x.batch, x.length,
                     x.held_out ? "held out" : "fit", common::format_seconds(x.measured_s),
                     common::format_seconds(x.predicted_s), 100 * x.error(), x.flops / x.measured_s / 1e9,
                     x.bytes / x.measured_s / 1e9, x.read_bw / 1e9);
  return s;
}

}  // namespace

void write_outputs(const Result& r, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw common::IoError(fmt::format("{}: cannot create output directory: {}", dir, ec.message()));
  const std::string host = (fs::path(dir) / "host.json").string();
  const std::string cal = (fs::path(dir) / "calibrations.json").string();
  common::write_text_file_atomic(host, hwprofiles::hardware_to_json(r.profile).dump(2) + "\n");
  hwprofiles::CalibrationEntry entry = r.entry;
  entry.data = (fs::path(dir) / "report.json").string();  // the report written beside it (also for --refit --out)
  common::write_text_file_atomic(cal, hwprofiles::calibrations_to_json({entry}, "infersim calibrate").dump(2) + "\n");
  common::write_text_file_atomic((fs::path(dir) / "report.json").string(), report_json(r).dump(2) + "\n");
  common::write_text_file_atomic((fs::path(dir) / "report.md").string(), report_md(r));
  // What we wrote must load through the same loaders everything else uses, and the CLI's path
  // resolution (HardwareCatalog::resolve) must attach the fitted entry for the engine's runtime.
  load_host_profile(dir);
  const auto h = hwprofiles::HardwareCatalog::shipped().resolve(host);
  if (h.calibrations.empty() || h.calibrations.front().runtime != ENGINE_RUNTIME || h.calibrations.front().borrowed ||
      h.calibrations.front().params.compute_fraction != r.fit.params.compute_fraction)
    throw common::InternalError(fmt::format(
        "{}: resolving the profile by path did not attach the fitted {} calibration", host, ENGINE_RUNTIME));
}

hwprofiles::HardwareProfile load_host_profile(const std::string& dir) {
  const std::string host = (fs::path(dir) / "host.json").string();
  const std::string cal = (fs::path(dir) / "calibrations.json").string();
  hwprofiles::HardwareProfile h = hwprofiles::load_hardware_profile(host);
  for (const auto& e : hwprofiles::load_calibrations(cal))
    if (e.hardware == h.name) {
      hwprofiles::Calibration c = e.calibration;
      c.basis = "fitted";
      c.borrowed = false;
      h.calibrations.insert(h.calibrations.begin(), c);
    }
  if (h.calibrations.empty())
    throw common::ConfigError(cal, "/entries",
                              fmt::format("no calibration entry for hardware '{}' (from {})", h.name, host));
  return h;
}

}  // namespace infersim::hostcal
