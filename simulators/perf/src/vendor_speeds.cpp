#include "infersim/perf/vendor_speeds.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::perf {

using common::ConfigError;
using common::Json;
using common::JsonReader;

std::string bundled_vendor_speeds() { return common::data_path("data/measurements/vendor-speeds/vendor-speeds.json"); }

VendorSpeedSet load_vendor_speeds(const std::string& path) {
  const Json j = common::load_json_file(path);
  JsonReader r(j, path);
  if (r.integer("schema_version", 1, 1000) != 1) r.fail("schema_version", "unsupported (this build reads 1)");
  VendorSpeedSet s;
  s.path = path;
  r.string("description");
  {
    auto w = r.child("workload");
    s.input = w.number("input_tokens", 1, 1e7);
    s.output = w.number("output_tokens", 2, 1e7);
    if (w.integer("batch", 1, 1) != 1) w.fail("batch", "per-user speeds are single-stream: batch must be 1");
    s.workload_source = w.string("source");
    w.finish();
  }
  if (auto a = r.optional_child("assumed_chips")) {
    for (const auto& [vendor, v] : a->raw().items()) {
      auto e = a->child(vendor);
      s.assumed_chips.push_back({vendor, int(e.integer("chips", 1, 1 << 20))});
      s.assumed_chips_source = e.string("source");
      e.finish();
    }
    a->finish();
  }
  for (auto& p : r.array_of_objects("points")) {
    VendorSpeedPoint v;
    v.vendor = p.string("vendor");
    v.hardware = p.string("hardware");
    v.runtime = p.string("runtime");
    v.served_as = p.string("served_as");
    const Json& m = p.raw("model");
    if (!m.is_null() && !m.is_string()) p.fail("model", "must be a catalog model name or null");
    v.model = m.is_string() ? m.get<std::string>() : "";
    v.tok_s = p.positive("tok_s_per_user");
    v.kind = p.one_of("kind", {"measured", "vendor-claimed"});
    v.as_of = p.string("as_of");
    v.weights = p.string("weights");
    v.kv = p.string("kv");
    p.raw("vendor_precision");
    const Json& sp = p.raw("speculative");
    if (sp.is_boolean())
      v.speculative = sp.get<bool>();
    else if (!sp.is_null())
      p.fail("speculative", "must be true, false or null (unknown)");
    const Json& c = p.raw("chips");
    if (c.is_number_integer() && c.get<int>() >= 1)
      v.chips = c.get<int>();
    else if (!c.is_null())
      p.fail("chips", "must be a positive integer or null (not published)");
    v.use = p.one_of("use", {"fit", "validate", "excluded"});
    v.excluded_because = p.string_or("excluded_because", "");
    if (v.use == "excluded" && v.excluded_because.empty()) p.fail("excluded_because", "an excluded point says why");
    if (v.use != "excluded" && v.model.empty()) p.fail("model", "a fit or validation point needs a catalog model");
    v.source = p.string("source");
    v.note = p.string_or("note", "");
    p.finish();
    s.points.push_back(std::move(v));
  }
  r.finish();
  std::map<std::string, int> fits;
  for (const auto& p : s.points)
    if (p.use == "fit" && ++fits[p.vendor] > 1)
      throw ConfigError(path, "/points",
                        fmt::format("vendor '{}' has more than one fit point (at most one may be fitted)", p.vendor));
  return s;
}

namespace {

common::DType dtype_of(const std::string& s, const std::string& field) {
  const auto d = common::parse_dtype(s);
  if (!d) throw ConfigError(bundled_vendor_speeds(), field, fmt::format("'{}' is not a dtype", s));
  return *d;
}

// The point's chip, runtime and the precision the vendor serves, before any layout.
Deployment served_deployment(const VendorSpeedPoint& p, const hwprofiles::HardwareCatalog& hw,
                             const model::ModelSpec& m) {
  Deployment d;
  d.hardware = hw.get(p.hardware);
  d.runtime = p.runtime;
  d.precision = default_precision(d.hardware, dtype_of(p.weights, "weights"), dtype_of(p.kv, "kv"), p.runtime);
  apply_runtime(m, d);
  return d;
}

// The deployment a point is predicted on, resolved (runtime, precision) with the catalog's calibrations.
Deployment point_deployment(const VendorSpeedSet& set, const VendorSpeedPoint& p, const hwprofiles::HardwareCatalog& hw,
                            const model::ModelSpec& m, int& chips, std::string& basis) {
  Deployment d = served_deployment(p, hw, m);
  chips = p.chips.value_or(0);
  basis = chips > 0 ? "published" : "";
  if (chips == 0)
    for (const auto& [vendor, n] : set.assumed_chips)
      if (vendor == p.vendor) {
        chips = n;
        basis = "assumed";
      }
  const double kv_tokens = set.input + set.output;
  if (chips == 0) {
    const auto s = auto_size(m, d, kv_tokens, max_step_tokens(d.hardware, {1, set.input, set.output}), 1);
    if (!s.fits) throw ConfigError("", p.hardware, s.explanation);
    basis = "auto-sized";
    chips = s.deployment.chips();
    return s.deployment;
  }
  // A given chip count: SRAM-only chips pipeline layers (pp = the largest divisor of the count up to the
  // layers whose stages tile the chip's fully connected nodes), others split tensors over a scale-up
  // domain and pipeline the rest.
  int tp = 1, pp = 1;
  if (d.hardware.sram_only()) {
    for (int q = std::min(chips, m.num_layers); q >= 1; --q)
      if (chips % q == 0 && d.hardware.node_aligned_tp(chips / q)) {
        pp = q;
        break;
      }
    tp = chips / pp;
  } else {
    tp = tp_for_chips(m, d.hardware, chips);
    pp = chips / tp;
  }
  d.tp = tp;
  d.pp = pp;
  place_weights(m, d, kv_tokens, max_step_tokens(d.hardware, {1, set.input, set.output}), 1);
  return d;
}

}  // namespace

VendorSpeedCheck predict_vendor_point(const VendorSpeedSet& set, const VendorSpeedPoint& p,
                                      const hwprofiles::HardwareCatalog& hw, const model::ModelCatalog& models,
                                      const hwprofiles::CalibrationParams* override_params) {
  VendorSpeedCheck c;
  c.point = &p;
  try {
    const auto& m = models.get(p.model);
    Deployment d = point_deployment(set, p, hw, m, c.chips, c.chips_basis);
    if (override_params) d.hardware.calibrations.front().params = *override_params;
    const auto& cal = d.hardware.calibrations.front();
    c.calibration = fmt::format("{}: {}", cal.basis, cal.source);
    c.tp = d.tp;
    c.pp = d.pp;
    const StepEstimator est(m, d);
    const auto e = estimate_serving(est, {1, set.input, set.output}, /*detail=*/false);
    if (!e.fits) {
      c.reason = e.memory.message;
      return c;
    }
    c.tpot_s = e.tpot_s;
    c.predicted_tok_s = 1.0 / e.tpot_s;
    c.error = c.predicted_tok_s / p.tok_s - 1.0;
    c.ok = true;
  } catch (const ConfigError& e) {
    c.reason = e.reason().empty() ? e.what() : e.reason();
  }
  return c;
}

std::vector<DataflowFit> fit_dataflow(const VendorSpeedSet& set, const hwprofiles::HardwareCatalog& hw,
                                      const model::ModelCatalog& models) {
  std::vector<DataflowFit> out;
  for (const auto& p : set.points) {
    if (p.use != "fit") continue;
    DataflowFit f;
    f.point = &p;
    const auto& prof = hw.get(p.hardware);
    if (!prof.static_dataflow())
      throw ConfigError(set.path, "/points", fmt::format("{} is not a statically scheduled dataflow chip", p.hardware));
    const auto* own = prof.calibration(p.runtime);
    if (own != nullptr && !own->borrowed && own->basis == "fitted") {
      f.skipped = fmt::format("{} has measured fits of its own ({}); its published points are all held out", p.hardware,
                              own->source);
      out.push_back(f);
      continue;
    }
    // The execution model with no per-layer latency: datasheet efficiency, no overheads.
    hwprofiles::CalibrationParams base = prof.datasheet_efficiency;
    base.step_overhead_s = base.layer_overhead_s = base.seq_overhead_s = base.collective_overhead_s = 0;
    const auto c = predict_vendor_point(set, p, hw, models, &base);
    if (!c.ok)
      throw ConfigError(set.path, "/points", fmt::format("fit point {} on {}: {}", p.model, p.hardware, c.reason));
    const int layers = models.get(p.model).num_layers;
    f.modelled_tpot_s = c.tpot_s;
    f.published_tpot_s = 1.0 / p.tok_s;
    const double latency = (f.published_tpot_s - f.modelled_tpot_s) / layers;
    f.clamped = latency < 0;
    hwprofiles::CalibrationParams fitted = base;
    fitted.layer_overhead_s = std::max(0.0, latency);
    auto& e = f.entry;
    e.hardware = p.hardware;
    e.data = "data/measurements/vendor-speeds/vendor-speeds.json";
    e.calibration.runtime = p.runtime;
    e.calibration.params = fitted;
    e.calibration.rows_fit = 1;
    int held = 0;
    for (const auto& q : set.points)
      if (q.vendor == p.vendor && q.use == "validate") ++held;
    e.calibration.rows_held_out = held;
    e.calibration.source =
        fmt::format("[FIT] infersim calibrate-dataflow: per-layer latency {:.2f} us fitted on one published speed ({} "
                    "{} tok/s/user, {}, "
                    "{}; {} chips {}), {} held out; datasheet efficiency, no launch or collective overheads",
                    fitted.layer_overhead_s * 1e6, p.served_as, p.tok_s, p.kind, p.as_of, c.chips, c.chips_basis, held);
    e.fit_error = {{"fit_point",
                    {{"model", p.model},
                     {"published_tok_s", p.tok_s},
                     {"modelled_tpot_no_latency_s", c.tpot_s},
                     {"layers", layers},
                     {"chips", c.chips},
                     {"tp", c.tp},
                     {"pp", c.pp},
                     {"clamped", f.clamped}}}};
    out.push_back(f);
  }
  return out;
}

VendorSpeedReport check_vendor_speeds(const VendorSpeedSet& set, const hwprofiles::HardwareCatalog& hw,
                                      const model::ModelCatalog& models) {
  VendorSpeedReport r;
  std::map<std::string, std::vector<double>> errs;
  std::map<std::string, std::map<std::string, std::vector<double>>> by_model;
  std::vector<std::string> order;
  for (const auto& p : set.points) {
    if (p.use == "excluded") continue;
    if (std::find(order.begin(), order.end(), p.vendor) == order.end()) order.push_back(p.vendor);
    r.checks.push_back(predict_vendor_point(set, p, hw, models));
    const auto& c = r.checks.back();
    if (p.use == "validate" && c.ok) {
      errs[p.vendor].push_back(c.error);
      by_model[p.vendor][p.model].push_back(c.error);
    }
  }
  for (const auto& v : order) {
    VendorSpeedReport::Group g;
    g.vendor = v;
    g.held_out = error_stats(errs[v]);
    for (auto& [model, e] : by_model[v]) {
      ++g.models_held_out;
      if (error_stats(e).median_abs <= 0.25) ++g.models_within_25;
    }
    r.groups.push_back(g);
  }
  for (const auto& p : set.points) {
    if (p.use == "excluded" || !p.chips || *p.chips <= 0 || !hw.contains(p.hardware) || !hw.get(p.hardware).sram_only())
      continue;
    VendorSpeedReport::ChipCount cc;
    cc.point = &p;
    cc.published = *p.chips;
    try {
      const auto& m = models.get(p.model);
      const Deployment d = served_deployment(p, hw, m);
      const auto s = auto_size(m, d, set.input + set.output, max_step_tokens(d.hardware, {1, set.input, set.output}),
                               1);
      if (s.fits) {
        cc.sized = s.deployment.chips();
        cc.tp = s.deployment.tp;
        cc.pp = s.deployment.pp;
        cc.error = double(cc.sized) / cc.published - 1.0;
      } else {
        cc.reason = s.explanation;
      }
    } catch (const ConfigError& e) {
      cc.reason = e.reason().empty() ? e.what() : e.reason();
    }
    r.chip_counts.push_back(cc);
  }
  return r;
}

common::Json vendor_speed_report_to_json(const VendorSpeedReport& r) {
  Json pts = Json::array();
  for (const auto& c : r.checks) {
    const auto& p = *c.point;
    Json j = {{"vendor", p.vendor},         {"hardware", p.hardware}, {"model", p.model}, {"served_as", p.served_as},
              {"published_tok_s", p.tok_s}, {"kind", p.kind},         {"as_of", p.as_of}, {"use", p.use}};
    if (c.ok) {
      j["predicted_tok_s"] = c.predicted_tok_s;
      j["error_pct"] = 100 * c.error;
      j["chips"] = c.chips;
      j["chips_basis"] = c.chips_basis;
      j["tp"] = c.tp;
      j["pp"] = c.pp;
      j["calibration"] = c.calibration;
    } else {
      j["not_predicted"] = c.reason;
    }
    pts.push_back(j);
  }
  Json gs = Json::array();
  for (const auto& g : r.groups)
    gs.push_back({{"vendor", g.vendor},
                  {"held_out_points", g.held_out.n},
                  {"median_abs_pct", 100 * g.held_out.median_abs},
                  {"p90_abs_pct", 100 * g.held_out.p90_abs},
                  {"mean_signed_pct", 100 * g.held_out.mean_signed},
                  {"models_within_25pct", g.models_within_25},
                  {"models_held_out", g.models_held_out}});
  Json cc = Json::array();
  for (const auto& c : r.chip_counts) {
    Json j = {{"vendor", c.point->vendor},
              {"hardware", c.point->hardware},
              {"model", c.point->model},
              {"published_chips", c.published}};
    if (c.sized > 0) {
      j["sized_chips"] = c.sized;
      j["tp"] = c.tp;
      j["pp"] = c.pp;
      j["error_pct"] = 100 * c.error;
    } else {
      j["not_sized"] = c.reason;
    }
    cc.push_back(j);
  }
  return {{"points", pts}, {"vendors", gs}, {"chip_counts", cc}};
}

}  // namespace infersim::perf
