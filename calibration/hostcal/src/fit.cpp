// Host calibration, fit stage: the measured profile, one perf::Observation per grid point, the fit of the
// calibration, its errors (point_errors) and the fitted profile and calibration entry.
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>

#include "host_calibration_internal.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/refengine/engine.h"
#include "infersim/refengine/kernels.h"

namespace infersim::hostcal {

namespace {

hwprofiles::HardwareProfile make_profile(const micro::ProbeReport& pr,
                                         const std::optional<refengine::HydrationResult>& hy, const std::string& date,
                                         int threads, bool bf16_dot) {
  using micro::PeakKind;
  hwprofiles::HardwareProfile h;
  h.name = HOST_HARDWARE;
  h.display_name = fmt::format("{} ({} threads, measured)", pr.cpu_model, threads);
  h.vendor = "host";
  h.kind = hwprofiles::HardwareKind::cpu;
  h.family = "host";
  h.notes = fmt::format("Measured by `infersim calibrate` on {}: peaks and bandwidth from calibration/micro probes at "
                        "{} threads; efficiency fitted "
                        "to the reference engine (calibration/refengine). Overheads per step / layer / sequence are in "
                        "calibrations.json beside "
                        "this file. int8 is not listed: the engine runs int8 weights weight-only (f32 FMAs up to one "
                        "micro-tile of rows, bf16 dot products above).",
                        date, threads);
  const std::string tag = fmt::format("[MEAS] infersim calibrate {}", date);
  auto find_peak = [&](PeakKind k) -> const micro::PeakResult* {
    for (const auto& p : pr.peaks)
      if (p.kind == k && p.threads == threads) return &p;
    return nullptr;
  };
  const auto* f32 = find_peak(PeakKind::fp32_fma);
  const auto* b16 = find_peak(PeakKind::bf16_dot);
  if (f32 == nullptr || f32->ops_per_s <= 0) throw common::InternalError("host calibration: no fp32 peak measured");
  h.peak_flops[int(DType::fp32)] = f32->ops_per_s;
  h.sources["/compute/fp32"] = fmt::format("{}: {} x {} threads, best of repetitions", tag, f32->instruction, threads);
  if (bf16_dot && b16 != nullptr && b16->ops_per_s > 0) {
    h.peak_flops[int(DType::bf16)] = b16->ops_per_s;
    h.sources["/compute/bf16"] = fmt::format("{}: {} x {} threads, best of repetitions", tag, b16->instruction,
                                             threads);
  } else {
    h.peak_flops[int(DType::bf16)] = f32->ops_per_s;
    h.sources["/compute/bf16"] =
        fmt::format("{}: = fp32 FMA peak ({}); the engine widens bf16 to f32 on this CPU (no AVX512_BF16 tier)", tag,
                    f32->instruction);
  }
  h.main_memory_type = "DRAM";
  h.main_memory_bytes = pr.memory_bytes;
  h.sources["/memory/main/capacity_gb"] = fmt::format("{}: MemTotal from /proc/meminfo", tag);
  h.main_memory_bw_bytes_per_s = pr.bw(micro::BwKind::read, "DRAM", threads);
  if (h.main_memory_bw_bytes_per_s <= 0)
    throw common::InternalError("host calibration: no DRAM read bandwidth measured");
  h.sources["/memory/main/bw_gb_s"] =
      fmt::format("{}: read-only probe over {} x {} threads, best of repetitions", tag,
                  common::format_bytes(
                      double(pr.caches.l3 > 0 ? std::max<std::int64_t>(4 * pr.caches.l3, 256ll << 20) : 256ll << 20)),
                  threads);
  if (hy && hy->warm_bytes_per_s > 0) {
    h.host_link_name = "local storage -> DRAM (file read)";
    h.pcie_gen = 0;
    h.host_link_bw_bytes_per_s = hy->warm_bytes_per_s;
    h.sources["/host_link/bw_gb_s_per_dir"] = fmt::format("{}: {} read from the page cache (warm)", tag,
                                                          common::format_bytes(hy->bytes));
    if (hy->cold_measured) {
      h.host_link_effective_bytes_per_s = std::min(hy->cold_bytes_per_s, hy->warm_bytes_per_s);
      h.sources["/host_link/effective_gb_s"] = fmt::format("{}: cold read after posix_fadvise(DONTNEED)", tag);
    } else {
      h.host_link_effective_bytes_per_s = hy->warm_bytes_per_s;
      h.sources["/host_link/effective_gb_s"] =
          fmt::format("[EST] infersim calibrate {}: warm read only, cold not measurable ({})", date, hy->cold_note);
    }
  }
  h.tdp_w = 15.0 * threads;
  h.sources["/power/tdp_w"] = "[EST] 15 W per busy server core (no power counter read)";
  h.idle_w = 0.1 * h.tdp_w;
  h.decode_w = 0.6 * h.tdp_w;
  h.prefill_w = 0.95 * h.tdp_w;
  h.sources["/power/idle_w"] = "[EST] derived: 0.1 x TDP";
  h.sources["/power/decode_w"] = "[EST] derived: 0.6 x TDP";
  h.sources["/power/prefill_w"] = "[EST] derived: 0.95 x TDP";
  h.datasheet_efficiency.interconnect_fraction = 1.0;
  h.sources["/efficiency/interconnect_fraction"] = "[EST] single CPU socket: no chip-to-chip link is used";
  return h;
}

std::string key(const GridPoint& p) { return p.prefill ? "prefill" : "decode"; }

}  // namespace

// Steps 4-5 of the calibration (shared by a measured run and a refit of a saved report): the
// observations on the measured profile, the fit, the errors, the fitted profile and entry.
void fit_points(Result& r, const std::function<void(const std::string&)>& say) {
  const Options& o = r.options;
  const model::ModelSpec spec = refengine::truncated(o.card, o.layers);
  r.profile = make_profile(r.probes, r.hydration, r.date, r.threads,
                           r.isa == refengine::isa_name(refengine::Isa::avx512));
  {
    // The profile's bandwidth: the median over the engines of the read bandwidth of their own weight
    // memory, which the fitted memory_fraction is relative to.
    std::map<std::pair<int, int>, double> per_engine;
    for (const auto& p : r.points)
      if (p.read_bw > 0) per_engine[{int(p.dtype), p.layers}] = p.read_bw;
    if (!per_engine.empty()) {
      std::vector<double> v;
      for (const auto& [k, bw] : per_engine) v.push_back(bw);
      std::sort(v.begin(), v.end());
      const double med = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
      r.profile.main_memory_bw_bytes_per_s = med;
      r.profile.sources["/memory/main/bw_gb_s"] = fmt::format(
          "[MEAS] infersim calibrate {}: read probe over the reference engines' own weight memory at {} threads, "
          "median of {} "
          "engines ({:.1f}-{:.1f} GB/s); the fresh-buffer probe read {:.1f} GB/s (memory of different speed on a VM: "
          "docs/refengine.md)",
          r.date, r.threads, v.size(), v.front() / 1e9, v.back() / 1e9,
          r.probes.bw(micro::BwKind::read, "DRAM", r.threads) / 1e9);
    }
  }
  std::deque<perf::Measurement> rows;  // observations point at these
  std::vector<perf::Observation> obs;
  for (auto& p : r.points) {
    perf::Deployment dep;
    dep.hardware = r.profile;
    dep.hardware.calibrations.clear();
    // Fitted against the bandwidth of the memory this engine's weights live in (GridPoint::read_bw).
    if (p.read_bw > 0) dep.hardware.main_memory_bw_bytes_per_s = p.read_bw;
    // The math format the engine's matmuls use for this step (its own dispatch rule): bf16 dot
    // products for bf16 weights, and for int8 weights once a step has more rows than one micro-tile;
    // f32 FMAs for fp32 weights and for int8 decode at small batch (each int8 row is widened to f32 in
    // registers). The estimator then takes the matching measured peak (matmul_peak()).
    dep.precision = refengine::Engine::precision_for(p.dtype, p.prefill ? std::int64_t(p.batch) * p.length : p.batch);
    perf::StepEstimator est(refengine::truncated(o.card, p.layers), dep);
    const perf::StepCost c = est.cost(p.shape);
    p.flops = c.flops;
    p.bytes = c.bytes;
    hwprofiles::CalibrationParams ideal;
    ideal.compute_fraction = ideal.memory_fraction = ideal.interconnect_fraction = 1.0;
    p.roofline_s = c.time(ideal);
    perf::Measurement m;
    m.file = "infersim calibrate";
    m.hardware = HOST_HARDWARE;
    m.runtime = ENGINE_RUNTIME;
    m.model = fmt::format("{} ({} layers)", spec.name, p.layers);
    m.batch = p.batch;
    m.input = double(p.length);
    m.output = 1;
    m.held_out = p.held_out;
    (p.prefill ? m.ttft_s : m.tpot_s) = p.measured_s;
    rows.push_back(m);
    perf::Observation ob;
    ob.row = &rows.back();
    ob.metric = p.prefill ? perf::Metric::ttft : perf::Metric::tpot;
    ob.terms = {{c, 1.0}};
    ob.measured = p.measured_s;
    obs.push_back(std::move(ob));
  }
  if (say)
    say(fmt::format("fitting {} observations ({} held out)", obs.size(),
                    std::count_if(r.points.begin(), r.points.end(), [](const GridPoint& p) { return p.held_out; })));
  perf::FitOptions fo;
  fo.dequant = true;    // int8 weight-only steps unpack every weight (calibration/refengine kernels)
  fo.ridge = true;      // near the ridge compute and memory overlap only partly (batch ~4-32 on this CPU)
  fo.attention = true;  // decode attention streams the KV cache in short dependent blocks
  r.fit = perf::fit_calibration(obs, 1.0, fo);
  for (std::size_t i = 0; i < obs.size(); ++i) r.points[i].predicted_s = obs[i].predict(r.fit.params);
  r.errors = point_errors(r.points);

  r.profile.datasheet_efficiency.compute_fraction = r.fit.params.compute_fraction;
  r.profile.datasheet_efficiency.memory_fraction = r.fit.params.memory_fraction;
  const std::string fit_tag = fmt::format("[FIT] infersim calibrate {} ({} engine steps fit, {} held out)", r.date,
                                          r.fit.rows_fit, r.fit.rows_held_out);
  r.profile.sources["/efficiency/compute_fraction"] = fit_tag + ": achieved / measured peak on the engine's matmuls";
  r.profile.sources["/efficiency/memory_fraction"] = fit_tag + ": achieved / measured read bandwidth";

  r.entry.hardware = HOST_HARDWARE;
  r.entry.calibration.runtime = ENGINE_RUNTIME;
  r.entry.calibration.params = r.fit.params;
  r.entry.calibration.source = fit_tag;
  r.entry.calibration.fitted_on = HOST_HARDWARE;
  r.entry.calibration.rows_fit = r.fit.rows_fit;
  r.entry.calibration.rows_held_out = r.fit.rows_held_out;
  r.entry.data = (std::filesystem::path(o.out_dir) / "report.json").string();
  {
    common::Json fe = common::Json::object(), he = common::Json::object();
    auto stat = [](const perf::ErrorStats& s) {
      return common::Json{{"n", s.n},
                          {"median_abs_pct", 100 * s.median_abs},
                          {"p90_abs_pct", 100 * s.p90_abs},
                          {"mean_signed_pct", 100 * s.mean_signed}};
    };
    for (const char* k : {"decode", "prefill"}) {
      auto it = r.errors.find(k);
      if (it == r.errors.end()) continue;
      fe[k == std::string("decode") ? "tpot" : "ttft"] = stat(it->second.fit);
      he[k == std::string("decode") ? "tpot" : "ttft"] = stat(it->second.held_out);
    }
    r.entry.fit_error = {{"fit", fe}, {"held_out", he}};
  }
  r.profile.calibrations = {r.entry.calibration};

  // 5. What a host-family profile borrows from the shipped catalog without this calibration, and its
  // held-out error on the same points (the report's "what calibrating buys").
  try {
    hwprofiles::HardwareProfile h = r.profile;
    h.calibrations.clear();
    hwprofiles::HardwareCatalog::shipped().attach_calibrations(h);
    perf::Deployment dep;
    dep.hardware = h;
    dep.precision = {DType::bf16, DType::bf16, DType::bf16};
    const auto res = perf::apply_runtime(spec, dep);
    r.estimate_cli_calibration = res.calibration.source;
    r.estimate_cli_params = res.calibration.params;
    std::vector<GridPoint> tmp = r.points;
    for (std::size_t i = 0; i < obs.size(); ++i) tmp[i].predicted_s = obs[i].predict(r.estimate_cli_params);
    for (auto& [k, v] : point_errors(tmp)) r.estimate_cli_errors[k] = v.held_out;
  } catch (const std::exception& ex) {
    r.estimate_cli_calibration = std::string("(could not resolve: ") + ex.what() + ")";
  }
}

std::map<std::string, MetricErrors> point_errors(const std::vector<GridPoint>& points) {
  std::map<std::string, std::vector<double>> fit, held;
  for (const auto& p : points) {
    if (p.measured_s <= 0) continue;
    for (const std::string& k : {key(p), key(p) + "/" + dname(p.dtype), key(p) + "/" + std::to_string(p.layers) + "L"})
      (p.held_out ? held : fit)[k].push_back(p.error());
  }
  std::map<std::string, MetricErrors> out;
  for (auto& [k, v] : fit) out[k].fit = perf::error_stats(v);
  for (auto& [k, v] : held) out[k].held_out = perf::error_stats(v);
  return out;
}

}  // namespace infersim::hostcal
