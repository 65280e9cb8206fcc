#include "infersim/hostcal/host_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/refengine/engine.h"
#include "infersim/refengine/kernels.h"

namespace infersim::hostcal {

using common::DType;
using Clock = std::chrono::steady_clock;

Options Options::quick(const model::ModelSpec& card) {
  Options o;
  o.card = card;
  o.label = "quick";
  o.layers = std::min(2, card.num_layers);
  o.depth_layers = std::min(6, card.num_layers) > o.layers ? std::min(6, card.num_layers) : 0;
  o.decode_batches = {1, 4, 16, 64};
  o.decode_contexts = {128, 1024, 4096};
  o.max_decode_tokens = 64 * 1024;
  o.prefill_batches = {1, 4};
  o.prefill_lengths = {16, 64, 256, 1024};
  o.max_prefill_tokens = 1024;
  o.repeats = 5;
  o.probe_seconds = 0.15;
  o.probe_cache_levels = true;
  return o;
}

Options Options::full(const model::ModelSpec& card) {
  Options o;
  o.card = card;
  o.label = "full";
  o.layers = std::min(4, card.num_layers);
  o.depth_layers = std::min(12, card.num_layers) > o.layers ? std::min(12, card.num_layers) : 0;
  o.decode_batches = {1, 2, 4, 8, 16, 32, 64};
  o.decode_contexts = {128, 512, 1024, 2048, 4096};
  o.max_decode_tokens = 64 * 2048;
  o.prefill_batches = {1, 2, 4, 8};
  o.prefill_lengths = {16, 32, 64, 128, 256, 512, 1024, 2048};
  o.max_prefill_tokens = 2048;
  o.repeats = 5;
  o.probe_seconds = 0.4;
  return o;
}

namespace {

std::string today() { return common::utc_now("%Y-%m-%d"); }

const char* dname(DType d) { return common::dtype_name(d); }

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

// Every decode batch x context and prefill batch x length within the token caps, per dtype; plus
// the depth points. Every third point of each (dtype, phase, depth) group in size order is held out,
// so both parts span the grid.
std::vector<GridPoint> grid(const Options& o) {
  std::vector<GridPoint> out;
  auto add_group = [&](std::vector<GridPoint> v) {
    std::sort(v.begin(), v.end(), [](const GridPoint& a, const GridPoint& b) {
      return std::pair(std::int64_t(a.batch) * a.length, a.batch) <
             std::pair(std::int64_t(b.batch) * b.length, b.batch);
    });
    for (std::size_t i = 0; i < v.size(); ++i) v[i].held_out = i % 3 == 1;
    out.insert(out.end(), v.begin(), v.end());
  };
  auto point = [](DType d, bool prefill, int layers, int b, std::int64_t len) {
    GridPoint p;
    p.dtype = d;
    p.prefill = prefill;
    p.layers = layers;
    p.batch = b;
    p.length = len;
    return p;
  };
  for (DType d : o.dtypes) {
    std::vector<GridPoint> dec, pre;
    for (int b : o.decode_batches)
      for (auto c : o.decode_contexts)
        if (o.max_decode_tokens <= 0 || std::int64_t(b) * c <= o.max_decode_tokens)
          dec.push_back(point(d, false, o.layers, b, c));
    for (int b : o.prefill_batches)
      for (auto l : o.prefill_lengths)
        if (o.max_prefill_tokens <= 0 || std::int64_t(b) * l <= o.max_prefill_tokens)
          pre.push_back(point(d, true, o.layers, b, l));
    add_group(dec);
    add_group(pre);
  }
  if (o.depth_layers > 0 && o.depth_layers != o.layers) {
    const DType d = std::find(o.dtypes.begin(), o.dtypes.end(), DType::bf16) != o.dtypes.end() ? DType::bf16
                                                                                               : o.dtypes.front();
    add_group({point(d, false, o.depth_layers, 1, 128), point(d, false, o.depth_layers, 1, 1024),
               point(d, false, o.depth_layers, 16, 128), point(d, false, o.depth_layers, 16, 1024)});
    add_group({point(d, true, o.depth_layers, 1, 64), point(d, true, o.depth_layers, 1, 256),
               point(d, true, o.depth_layers, 4, 64)});
  }
  return out;
}

std::string key(const GridPoint& p) { return p.prefill ? "prefill" : "decode"; }

// Short re-measurement of what the profile uses (fp32 / bf16 peaks, DRAM read bandwidth at the
// engine's thread count); keeps the best value seen.
void refresh_probes(micro::ProbeReport& r, int threads, double seconds) {
  for (auto& p : r.peaks)
    if (p.threads == threads && p.kind != micro::PeakKind::int8_dot && p.ops_per_s > 0)
      p.ops_per_s = std::max(p.ops_per_s, micro::measure_peak(p.kind, threads, seconds).ops_per_s);
  for (auto& b : r.bandwidth)
    if (b.threads == threads && b.level == "DRAM" && b.kind == micro::BwKind::read)
      b.bytes_per_s = std::max(b.bytes_per_s,
                               micro::measure_bandwidth(b.kind, b.level, b.working_set, threads, seconds).bytes_per_s);
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

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

}  // namespace

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

Result run_host_calibration(const Options& o) {
  const auto t0 = Clock::now();
  auto say = [&](const std::string& s) {
    if (o.progress)
      o.progress(fmt::format("[{:5.1f} s] {}", std::chrono::duration<double>(Clock::now() - t0).count(), s));
  };
  if (auto p = refengine::engine_support_problem(o.card); !p.empty()) throw common::ConfigError("", "--model", p);
  Result r;
  r.options = o;
  r.options.progress = nullptr;
  r.date = today();
  r.load_before = loadavg();
  const model::ModelSpec spec = refengine::truncated(o.card, o.layers);
  refengine::ThreadPool pool(o.threads);
  r.threads = pool.size();
  r.isa = refengine::isa_name(refengine::active_isa());

  // 1. Probes.
  say(fmt::format("probing the machine ({} threads, kernels: {})", r.threads, r.isa));
  micro::ProbeOptions po;
  po.threads = {1};
  if (r.threads > 1) po.threads.push_back(r.threads);
  po.seconds_per_probe = o.probe_seconds;
  po.cache_levels = o.probe_cache_levels;
  po.dram_bytes = o.probe_dram_bytes;
  po.progress = [&](const std::string& s) { say("  " + s); };
  r.probes = micro::run_probes(po);

  // 2. Weights file and hydration.
  if (o.hydration) {
    std::filesystem::create_directories(o.out_dir);
    r.weights_file = (std::filesystem::path(o.out_dir) /
                      fmt::format("weights-{}-{}L-bf16.safetensors", spec.name, spec.num_layers))
                         .string();
    say(fmt::format("writing seeded bf16 weights for {} ({} layers) to {}", spec.name, spec.num_layers,
                    r.weights_file));
    const auto made = refengine::make_random_weights_file(spec, DType::bf16, o.seed, r.weights_file, &pool);
    say(fmt::format("  {} in {:.1f} s", common::format_bytes(double(made.bytes)), made.seconds));
  }
  // The hydration probe (warm and cold read of the file) runs after the grid: its cold half evicts
  // the file from the page cache, and the engine measured right after that (fresh memory while the
  // kernel is refilling / reclaiming) ran its decode steps 30-40% slower than the same engine later
  // in the run on this VM. Measuring it last keeps the grid free of that disturbance.

  // 3. The grid: one engine per (dtype, depth), all built first, then the repetitions as passes over
  // the whole grid of every engine. Interference on a shared machine comes and goes over seconds, and
  // its memory bandwidth drifts over minutes: measuring one dtype after the other would give each
  // dtype its own conditions (seen as per-dtype offsets of 5-10% between runs), interleaving gives
  // every point the same chance of a quiet moment.
  r.points = grid(o);
  std::mt19937 rng(std::uint32_t(o.seed));
  std::vector<std::pair<DType, int>> configs;
  for (const auto& p : r.points)
    if (std::find(configs.begin(), configs.end(), std::pair(p.dtype, p.layers)) == configs.end())
      configs.push_back({p.dtype, p.layers});
  struct Prepared {
    std::vector<refengine::StepInput> in;
    std::vector<int> ids;
  };
  struct Config {
    DType dtype;
    int layers;
    std::unique_ptr<refengine::Engine> engine;
    std::vector<GridPoint*> pts;
    std::vector<Prepared> prep;
    double read_bw = 0;  // best read bandwidth of the engine's own weight memory
  };
  // The engine's weight buffers, for the read probe over the memory it actually streams.
  auto weight_regions = [](const refengine::Engine& e) {
    std::vector<std::pair<const void*, std::size_t>> out;
    const auto& w = e.weights();
    auto add = [&](const refengine::PackedWeight& p) {
      if (p.data.size() > 0) out.push_back({p.data.data(), p.data.size()});
    };
    add(w.embed);
    if (!w.tied) add(w.head);
    for (const auto& l : w.layers) {
      add(l.qkv);
      add(l.o);
      add(l.gate_up);
      add(l.down);
    }
    return out;
  };
  std::vector<Config> engines;
  for (const auto& [d, layers] : configs) {
    const model::ModelSpec cspec = refengine::truncated(o.card, layers);
    std::optional<refengine::ModelWeights> w;
    const auto tl = Clock::now();
    if (o.hydration && layers == o.layers) {
      refengine::SafetensorsFile f(r.weights_file);
      w = refengine::load_weights(f, o.card, d, o.layers, pool);
    } else {
      w = refengine::make_random_weights(cspec, d, o.seed, &pool);
    }
    const double load_s = std::chrono::duration<double>(Clock::now() - tl).count();
    if (layers == o.layers) r.load_seconds.push_back({dname(d), load_s});
    refengine::EngineOptions eo;
    eo.threads = r.threads;
    Config c{d, layers, std::make_unique<refengine::Engine>(std::move(*w), eo), {}, {}};
    refengine::Engine& e = *c.engine;
    say(fmt::format("{} engine, {} layers: {} of weights {} in {:.1f} s", dname(d), layers,
                    common::format_bytes(e.weights().bytes()), o.hydration && layers == o.layers ? "loaded" : "built",
                    load_s));
    for (auto& p : r.points)
      if (p.dtype == d && p.layers == layers) c.pts.push_back(&p);
    // Decode sequences: sequence i must hold the longest context of any point with batch > i.
    int max_batch = 0;
    std::int64_t max_tokens = 1, max_emit = 1;
    for (auto* p : c.pts) {
      max_tokens = std::max(max_tokens, std::int64_t(p->batch) * (p->prefill ? p->length : 1));
      max_emit = std::max<std::int64_t>(max_emit, p->batch);
      if (!p->prefill) max_batch = std::max(max_batch, p->batch);
    }
    e.reserve(max_tokens, max_emit);
    std::vector<int> dseq;
    for (int i = 0; i < max_batch; ++i) {
      std::int64_t need = 0;
      for (auto* p : c.pts)
        if (!p->prefill && p->batch > i) need = std::max(need, p->length);
      const int id = e.add_sequence(need + 2);
      e.fill_context(id, need, o.seed + std::uint64_t(i));
      dseq.push_back(id);
    }
    // Prefill sequences: one set per point, emptied before each run.
    c.prep.resize(c.pts.size());
    for (std::size_t i = 0; i < c.pts.size(); ++i) {
      const auto* p = c.pts[i];
      for (int b = 0; b < p->batch; ++b) {
        const int id = p->prefill ? e.add_sequence(p->length + 1) : dseq[std::size_t(b)];
        std::vector<std::int32_t> toks(std::size_t(p->prefill ? p->length : 1));
        for (auto& t : toks) t = std::int32_t(rng() % std::uint32_t(spec.vocab_size));
        c.prep[i].ids.push_back(id);
        c.prep[i].in.push_back({id, std::move(toks)});
      }
    }
    for (auto* p : c.pts) p->measured_s = 1e300;
    engines.push_back(std::move(c));
  }
  auto run_point = [&](Config& c, std::size_t i) {
    GridPoint* p = c.pts[i];
    for (int id : c.prep[i].ids) c.engine->truncate(id, p->prefill ? 0 : p->length);
    const auto s = c.engine->step(c.prep[i].in);
    p->samples.push_back(s.seconds);
    if (s.seconds < p->measured_s) {
      p->measured_s = s.seconds;
      p->op_seconds = s.op_seconds;
      p->shape = s.shape;
    }
  };
  for (int pass = 0; pass < o.repeats; ++pass) {
    for (auto& c : engines) {
      // Warm-up before a configuration's first run (page in weights and scratch), not counted.
      if (pass == 0 && !c.pts.empty()) {
        run_point(c, 0);
        c.pts[0]->samples.clear();
        c.pts[0]->measured_s = 1e300;
      }
      for (std::size_t i = 0; i < c.pts.size(); ++i) {
        if (c.pts[i]->samples.size() >= 3 && c.pts[i]->measured_s > 1.0) continue;  // long steps: three runs are enough
        // Short steps (a few ms) are hit hardest by a co-tenant's bursts on a shared machine: run them
        // back to back up to 6 times or ~80 ms per pass, so that each still gets a quiet window.
        double spent = 0;
        for (int k = 0; k < 6 && (k == 0 || spent < 0.08); ++k) {
          run_point(c, i);
          spent += c.pts[i]->samples.back();
        }
      }
    }
    // Re-probe after every pass: the machine's bandwidth and clocks drift with other tenants' load,
    // and the profile should describe the same conditions the engine ran in (it keeps the best).
    refresh_probes(r.probes, r.threads, std::max(0.05, o.probe_seconds / 3));
    std::string bws;
    for (auto& c : engines) {
      c.read_bw = std::max(c.read_bw, micro::measure_read_bandwidth_of(weight_regions(*c.engine), r.threads,
                                                                       std::max(0.05, o.probe_seconds / 3)));
      bws += fmt::format("{}{} {}L {:.1f}", bws.empty() ? "" : ", ", dname(c.dtype), c.layers, c.read_bw / 1e9);
    }
    say(fmt::format("pass {}/{} over {} engines done; read GB/s of each engine's weight memory: {}", pass + 1,
                    o.repeats, engines.size(), bws));
  }
  for (const auto& c : engines)
    for (auto* p : c.pts) {
      p->read_bw = c.read_bw;
      say(fmt::format("{} {:>2}L {} batch {:>2} x {:>4} {}: {:8.2f} ms (best of {}){}", dname(c.dtype), c.layers,
                      p->prefill ? "prefill" : "decode ", p->batch, p->length, p->prefill ? "tokens " : "context",
                      p->measured_s * 1e3, p->samples.size(), p->held_out ? "  (held out)" : ""));
    }
  engines.clear();  // free the weights before the hydration probe reads the file

  if (o.hydration) {
    r.hydration = refengine::measure_hydration(r.weights_file, true);
    say(fmt::format("hydration of {}: warm {:.2f} GB/s, cold {}", r.weights_file, r.hydration->warm_bytes_per_s / 1e9,
                    r.hydration->cold_measured ? fmt::format("{:.2f} GB/s", r.hydration->cold_bytes_per_s / 1e9)
                                               : "not measured (" + r.hydration->cold_note + ")"));
  }

  fit_points(r, say);
  r.load_after = loadavg();
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

namespace {

// Strict reads of our own report.json: a missing or mistyped field names the file and the pointer.
struct ReportReader {
  std::string file;
  const common::Json& get(const common::Json& j, const std::string& at, const std::string& key) const {
    if (!j.is_object() || !j.contains(key))
      throw common::ConfigError(file, at + "/" + key, "missing (not a report.json written by infersim calibrate?)");
    return j.at(key);
  }
  double num(const common::Json& j, const std::string& at, const std::string& key) const {
    const auto& v = get(j, at, key);
    if (!v.is_number()) throw common::ConfigError(file, at + "/" + key, "must be a number");
    return v.get<double>();
  }
  std::string str(const common::Json& j, const std::string& at, const std::string& key) const {
    const auto& v = get(j, at, key);
    if (!v.is_string()) throw common::ConfigError(file, at + "/" + key, "must be a string");
    return v.get<std::string>();
  }
  const common::Json& arr(const common::Json& j, const std::string& at, const std::string& key) const {
    const auto& v = get(j, at, key);
    if (!v.is_array()) throw common::ConfigError(file, at + "/" + key, "must be an array");
    return v;
  }
  template <class T>
  std::vector<T> list(const common::Json& j, const std::string& at, const std::string& key) const {
    std::vector<T> out;
    const auto& a = arr(j, at, key);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_number()) throw common::ConfigError(file, fmt::format("{}/{}/{}", at, key, i), "must be a number");
      out.push_back(a[i].get<T>());
    }
    return out;
  }
};

}  // namespace

std::string report_model_name(const std::string& report_json) {
  const auto j = common::load_json_file(report_json);
  ReportReader rd{report_json};
  return rd.str(rd.get(j, "", "options"), "/options", "model");
}

Result refit_host_calibration(const std::string& report_json, const model::ModelSpec& card) {
  const auto j = common::load_json_file(report_json);
  ReportReader rd{report_json};
  Result r;
  r.refit_of = report_json;
  r.date = rd.str(j, "", "date");
  r.load_before = rd.str(j, "", "loadavg_before");
  r.load_after = rd.str(j, "", "loadavg_after");
  const auto& oj = rd.get(j, "", "options");
  Options& o = r.options;
  o.card = card;
  o.out_dir = std::filesystem::path(report_json).parent_path().string();
  if (const auto m = rd.str(oj, "/options", "model"); m != card.name)
    throw common::ConfigError(report_json, "/options/model",
                              fmt::format("report is for '{}', card given is '{}'", m, card.name));
  o.label = rd.str(oj, "/options", "preset");
  o.layers = int(rd.num(oj, "/options", "layers"));
  o.depth_layers = int(rd.num(oj, "/options", "depth_layers"));
  o.dtypes.clear();
  const auto& dts = rd.arr(oj, "/options", "dtypes");
  for (std::size_t i = 0; i < dts.size(); ++i) {
    const auto d = dts[i].is_string() ? common::parse_dtype(dts[i].get<std::string>()) : std::nullopt;
    if (!d) throw common::ConfigError(report_json, fmt::format("/options/dtypes/{}", i), "not a dtype name");
    o.dtypes.push_back(*d);
  }
  o.decode_batches = rd.list<int>(oj, "/options", "decode_batches");
  o.decode_contexts = rd.list<std::int64_t>(oj, "/options", "decode_contexts");
  o.prefill_batches = rd.list<int>(oj, "/options", "prefill_batches");
  o.prefill_lengths = rd.list<std::int64_t>(oj, "/options", "prefill_lengths");
  o.repeats = int(rd.num(oj, "/options", "repeats"));
  o.seed = std::uint64_t(rd.num(oj, "/options", "seed"));
  r.threads = int(rd.num(oj, "/options", "threads"));
  r.isa = rd.str(oj, "/options", "kernel_tier");
  if (o.layers < 1 || o.layers > card.num_layers)
    throw common::ConfigError(report_json, "/options/layers", "outside the card's layers");

  const auto& mj = rd.get(j, "", "machine");
  auto& p = r.probes;
  p.cpu_model = rd.str(mj, "/machine", "cpu");
  p.isa_flags = rd.str(mj, "/machine", "isa_flags");
  p.logical_cpus = int(rd.num(mj, "/machine", "logical_cpus"));
  p.caches.l1d = std::int64_t(rd.num(mj, "/machine", "l1d_bytes"));
  p.caches.l2 = std::int64_t(rd.num(mj, "/machine", "l2_bytes"));
  p.caches.l3 = std::int64_t(rd.num(mj, "/machine", "l3_bytes"));
  p.memory_bytes = rd.num(mj, "/machine", "memory_bytes");
  const auto& pj = rd.get(j, "", "probes");
  const auto& peaks = rd.arr(pj, "/probes", "peaks");
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    const std::string at = fmt::format("/probes/peaks/{}", i);
    micro::PeakResult x;
    const std::string k = rd.str(peaks[i], at, "dtype");
    bool found = false;
    for (auto kind : {micro::PeakKind::fp32_fma, micro::PeakKind::bf16_dot, micro::PeakKind::int8_dot})
      if (k == micro::peak_kind_name(kind)) x.kind = kind, found = true;
    if (!found) throw common::ConfigError(report_json, at + "/dtype", fmt::format("unknown peak kind '{}'", k));
    x.threads = int(rd.num(peaks[i], at, "threads"));
    x.ops_per_s = rd.num(peaks[i], at, "ops_per_s");
    x.instruction = rd.str(peaks[i], at, "instruction");
    p.peaks.push_back(x);
  }
  const auto& bws = rd.arr(pj, "/probes", "bandwidth");
  for (std::size_t i = 0; i < bws.size(); ++i) {
    const std::string at = fmt::format("/probes/bandwidth/{}", i);
    micro::BandwidthResult x;
    const std::string k = rd.str(bws[i], at, "kind");
    if (k == micro::bw_kind_name(micro::BwKind::read))
      x.kind = micro::BwKind::read;
    else if (k == micro::bw_kind_name(micro::BwKind::triad))
      x.kind = micro::BwKind::triad;
    else
      throw common::ConfigError(report_json, at + "/kind", fmt::format("unknown bandwidth kind '{}'", k));
    x.level = rd.str(bws[i], at, "level");
    x.working_set = std::int64_t(rd.num(bws[i], at, "working_set_bytes"));
    x.threads = int(rd.num(bws[i], at, "threads"));
    x.bytes_per_s = rd.num(bws[i], at, "bytes_per_s");
    p.bandwidth.push_back(x);
  }
  p.wall_s = rd.num(pj, "/probes", "wall_s");
  if (j.contains("hydration")) {
    const auto& hj = j.at("hydration");
    refengine::HydrationResult h;
    h.path = rd.str(hj, "/hydration", "file");
    h.bytes = rd.num(hj, "/hydration", "bytes");
    h.warm_bytes_per_s = rd.num(hj, "/hydration", "warm_bytes_per_s");
    const auto& cm = rd.get(hj, "/hydration", "cold_measured");
    if (!cm.is_boolean()) throw common::ConfigError(report_json, "/hydration/cold_measured", "must be true or false");
    h.cold_measured = cm.get<bool>();
    if (h.cold_measured) h.cold_bytes_per_s = rd.num(hj, "/hydration", "cold_bytes_per_s");
    h.resident_after_drop = rd.num(hj, "/hydration", "resident_after_drop");
    h.cold_note = rd.str(hj, "/hydration", "note");
    r.hydration = h;
    r.weights_file = h.path;
  }
  if (const auto it = j.find("load_seconds"); it != j.end() && it->is_object())
    for (auto e = it->begin(); e != it->end(); ++e)
      if (e.value().is_number()) r.load_seconds.push_back({e.key(), e.value().get<double>()});

  const auto& pts = rd.arr(j, "", "points");
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const std::string at = fmt::format("/points/{}", i);
    GridPoint g;
    const auto d = common::parse_dtype(rd.str(pts[i], at, "dtype"));
    if (!d || !refengine::weight_dtype_supported(*d))
      throw common::ConfigError(report_json, at + "/dtype", "not a reference-engine weight dtype");
    g.dtype = *d;
    const std::string ph = rd.str(pts[i], at, "phase");
    if (ph != "decode" && ph != "prefill")
      throw common::ConfigError(report_json, at + "/phase", "must be decode or prefill");
    g.prefill = ph == "prefill";
    g.layers = int(rd.num(pts[i], at, "layers"));
    g.batch = int(rd.num(pts[i], at, "batch"));
    g.length = std::int64_t(rd.num(pts[i], at, "length"));
    if (g.layers < 1 || g.layers > card.num_layers || g.batch < 1 || g.length < (g.prefill ? 1 : 0))
      throw common::ConfigError(report_json, at, "layers, batch or length out of range");
    g.held_out = rd.str(pts[i], at, "split") == "held_out";
    g.measured_s = rd.num(pts[i], at, "measured_s");
    if (!(g.measured_s > 0)) throw common::ConfigError(report_json, at + "/measured_s", "must be > 0");
    g.samples = rd.list<double>(pts[i], at, "samples_s");
    if (pts[i].contains("read_bw_bytes_per_s")) g.read_bw = rd.num(pts[i], at, "read_bw_bytes_per_s");
    const auto& ops = rd.get(pts[i], at, "op_seconds");
    for (std::size_t c = 0; c < model::OP_CLASS_COUNT; ++c)
      if (const auto it = ops.find(model::op_class_name(model::OpClass(c))); it != ops.end() && it->is_number())
        g.op_seconds[c] = it->get<double>();
    // The shape the engine ran (Engine::shape_of): decode = each sequence attends to its cache + the
    // new token; prefill = whole prompts on an empty cache.
    for (int b = 0; b < g.batch; ++b)
      g.shape += g.prefill ? model::BatchShape::prefill_chunk(double(g.length), 0, true)
                           : model::BatchShape::decode(1, double(g.length) + 1);
    r.points.push_back(std::move(g));
  }
  r.wall_s = rd.num(j, "", "wall_s");  // of the measurement; the refit itself takes well under a second
  fit_points(r, nullptr);
  return r;
}

}  // namespace infersim::hostcal
