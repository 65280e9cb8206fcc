// Host calibration, refit stage: reads the measurements of a saved report.json back (strictly) and runs the
// fit stage (fit.cpp) on them again, without measuring.
#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "host_calibration_internal.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/refengine/kernels.h"

namespace infersim::hostcal {

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
