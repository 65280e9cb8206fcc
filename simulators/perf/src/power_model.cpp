#include "infersim/perf/power_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <optional>
#include <set>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/perf/estimate_json.h"
#include "infersim/perf/request_estimate.h"

namespace infersim::perf {

using hwprofiles::HardwareProfile;

bool PowerModel::applies(const HardwareProfile& hw) const {
  return hw.kind == hwprofiles::HardwareKind::gpu && hw.tdp_w > 0 && fit_configs > 0;
}

double PowerModel::tdp_fraction(const HardwareProfile& hw, double u_compute, double u_memory) const {
  const double uc = std::clamp(u_compute, 0.0, 1.0);
  const double um = std::clamp(u_memory, 0.0, 1.0);
  const double lo = hw.tdp_w > 0 ? std::min(1.0, hw.idle_w / hw.tdp_w) : 0.0;
  return std::clamp(k.base + k.memory * um + k.compute * uc, lo, 1.0);
}

double PowerModel::active_w(const HardwareProfile& hw, const StepEstimator::RooflineWork& w, double step_s,
                            bool prefill) const {
  if (!applies(hw) || step_s <= 0) return prefill ? hw.prefill_w : hw.decode_w;
  return hw.tdp_w * tdp_fraction(hw, w.compute_s / step_s, w.memory_s / step_s);
}

std::string PowerModel::describe(const HardwareProfile& hw) const {
  if (applies(hw))
    return fmt::format(
        "measured-power model: TDP {:g} W x ({:.3g} + {:.3g} x memory utilisation + {:.3g} x compute utilisation), "
        "between idle {:g} W and TDP; fitted on {} measured GPU configurations, error: infersim validate --power",
        hw.tdp_w, k.base, k.memory, k.compute, hw.idle_w, fit_configs);
  return fmt::format("profile phase constants (prefill {:g} W, decode {:g} W, idle {:g} W): no measured power for {} "
                     "chips; the "
                     "GPU fit is not transferred",
                     hw.prefill_w, hw.decode_w, hw.idle_w, hwprofiles::kind_name(hw.kind));
}

PowerModel power_model_from_json(const common::Json& j, const std::string& file) {
  common::JsonReader r(j, file);
  const auto v = r.integer("schema_version", 1, 1000);
  if (v != 1) r.fail("schema_version", fmt::format("unsupported schema_version {} (this build reads 1)", v));
  PowerModel m;
  m.source = r.string("source");
  if (!hwprofiles::has_source_tag(m.source)) r.fail("source", "must start with a source tag such as [FIT]");
  r.string_or("generated_by", "");
  r.string_or("method", "");
  m.fit_configs = int(r.integer("fit_configs", 1, 1000000));
  auto c = r.child("coefficients");
  m.k.base = c.number("base", 0.0, 1.0);
  m.k.memory = c.number("memory", 0.0, 3.0);
  m.k.compute = c.number("compute", 0.0, 3.0);
  c.finish();
  if (r.has("fit_report")) m.fit_report = r.raw("fit_report");
  r.finish();
  return m;
}

common::Json power_model_to_json(const PowerModel& m) {
  common::Json j;
  j["schema_version"] = 1;
  j["generated_by"] = "infersim calibrate-power --write hwprofiles/data/power_model.json";
  j["method"] = "docs/calibration.md (Power); simulators/perf/include/infersim/perf/power_model.h";
  j["source"] = m.source;
  j["fit_configs"] = m.fit_configs;
  j["coefficients"] = {{"base", m.k.base}, {"memory", m.k.memory}, {"compute", m.k.compute}};
  j["fit_report"] = m.fit_report.is_null() ? common::Json::object() : m.fit_report;
  return j;
}

const PowerModel& PowerModel::shipped() {
  static std::once_flag once;
  static PowerModel m;
  std::call_once(once, [] {
    const std::string path = common::data_path("hwprofiles/data/power_model.json");
    m = power_model_from_json(common::load_json_file(path), path);
  });
  return m;
}

namespace {

double predict_point(const PowerPoint& p, const HardwareProfile& hw, const PowerModel& m, double* peak = nullptr) {
  const double pre = m.tdp_fraction(hw, p.u_compute_prefill, p.u_memory_prefill);
  const double dec = m.tdp_fraction(hw, p.u_compute_decode, p.u_memory_decode);
  if (peak) *peak = std::max(pre, dec);
  return p.prefill_share * pre + (1.0 - p.prefill_share) * dec;
}

// Nelder-Mead on a 3-vector (deterministic; fixed start and step).
template <class F>
std::array<double, 3> nelder_mead(F f, std::array<double, 3> x0, double step) {
  std::array<std::array<double, 3>, 4> s{};
  std::array<double, 4> v{};
  for (int i = 0; i < 4; ++i) {
    s[i] = x0;
    if (i > 0) s[i][i - 1] += step;
    v[i] = f(s[i]);
  }
  for (int it = 0; it < 4000; ++it) {
    std::array<int, 4> o{0, 1, 2, 3};
    std::sort(o.begin(), o.end(), [&](int a, int b) { return v[a] < v[b] || (v[a] == v[b] && a < b); });
    const int best = o[0], worst = o[3], second = o[2];
    if (std::fabs(v[worst] - v[best]) < 1e-13 && it > 100) break;
    std::array<double, 3> c{};
    for (int i : {o[0], o[1], o[2]})
      for (int d = 0; d < 3; ++d) c[d] += s[i][d] / 3.0;
    auto along = [&](double t) {
      std::array<double, 3> x{};
      for (int d = 0; d < 3; ++d) x[d] = c[d] + t * (s[worst][d] - c[d]);
      return x;
    };
    const auto xr = along(-1.0);
    const double fr = f(xr);
    if (fr < v[best]) {
      const auto xe = along(-2.0);
      const double fe = f(xe);
      if (fe < fr) {
        s[worst] = xe;
        v[worst] = fe;
      } else {
        s[worst] = xr;
        v[worst] = fr;
      }
    } else if (fr < v[second]) {
      s[worst] = xr;
      v[worst] = fr;
    } else {
      const auto xc = along(fr < v[worst] ? -0.5 : 0.5);
      const double fc = f(xc);
      if (fc < std::min(fr, v[worst])) {
        s[worst] = xc;
        v[worst] = fc;
      } else {
        for (int i : {o[1], o[2], o[3]}) {
          for (int d = 0; d < 3; ++d) s[i][d] = s[best][d] + 0.5 * (s[i][d] - s[best][d]);
          v[i] = f(s[i]);
        }
      }
    }
  }
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (v[i] < v[best]) best = i;
  return s[best];
}

}  // namespace

std::vector<PowerPoint> power_points(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                                     const hwprofiles::HardwareCatalog& hardware, std::map<std::string, int>* skipped) {
  std::vector<PowerPoint> out;
  std::set<std::string> seen;
  auto skip = [&](const std::string& why) {
    if (skipped) ++(*skipped)[why];
  };
  for (const auto& r : rows) {
    if (r.format != MeasurementFormat::splitwise || r.avg_power_tdp <= 0) continue;
    if (!seen.insert(r.config_key()).second) continue;  // repeats of one configuration share one power reading
    const auto& m = models.get(r.model);
    const auto& prof = hardware.get(r.hardware);
    std::optional<StepEstimator> base;
    try {
      base.emplace(m, measured_deployment(r, hardware));
    } catch (const common::ConfigError& e) {
      skip(fmt::format("layout not valid for the model: {}", e.reason()));
      continue;
    }
    const auto* cal = prof.calibration(r.runtime_version.empty() ? r.runtime : r.runtime + "@" + r.runtime_version);
    const StepEstimator est = base->with_params(cal ? cal->params : prof.datasheet_efficiency);
    const auto pre_shape = model::BatchShape::prefill(r.batch, r.input);
    const double t_pre = est.time(pre_shape);
    const double t_dec = total_time(mean_decode_cost(est, r.batch, r.input, r.output), est.params());
    const double e2e = t_pre + std::max(0.0, r.output - 1.0) * t_dec;
    if (t_pre <= 0 || t_dec <= 0 || e2e <= 0) {
      skip("no predicted step time");
      continue;
    }
    const auto wp = est.roofline_work(pre_shape);
    const auto wd = est.roofline_work(model::BatchShape::decode(r.batch, r.input + 0.5 * r.output));
    PowerPoint p;
    p.row = &r;
    p.measured_tdp = r.avg_power_tdp;
    p.measured_peak_tdp = r.peak_power_tdp;
    p.prefill_share = t_pre / e2e;
    p.u_compute_prefill = std::min(1.0, wp.compute_s / t_pre);
    p.u_memory_prefill = std::min(1.0, wp.memory_s / t_pre);
    p.u_compute_decode = std::min(1.0, wd.compute_s / t_dec);
    p.u_memory_decode = std::min(1.0, wd.memory_s / t_dec);
    p.constant_tdp = (p.prefill_share * prof.prefill_w + (1.0 - p.prefill_share) * prof.decode_w) / prof.tdp_w;
    p.constant_peak_tdp = std::max(prof.prefill_w, prof.decode_w) / prof.tdp_w;
    out.push_back(p);
  }
  return out;
}

PowerCoefficients fit_power_coefficients(const std::vector<const PowerPoint*>& points, const HardwareProfile& hw) {
  PowerModel m;
  m.fit_configs = 1;
  auto objective = [&](const std::array<double, 3>& x) {
    double pen = 0;
    for (double v : x)
      if (v < 0) pen += 1e3 * -v;
    m.k = {std::max(0.0, x[0]), std::max(0.0, x[1]), std::max(0.0, x[2])};
    double s = 0;
    for (const auto* p : points) {
      double peak = 0;
      s += std::fabs(predict_point(*p, hw, m, &peak) - p->measured_tdp);
      if (p->measured_peak_tdp > 0) s += std::fabs(peak - p->measured_peak_tdp);
    }
    return s + pen;
  };
  const auto x = nelder_mead(objective, {0.3, 0.4, 0.4}, 0.1);
  return {std::max(0.0, x[0]), std::max(0.0, x[1]), std::max(0.0, x[2])};
}

PowerFit fit_power(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                   const hwprofiles::HardwareCatalog& hardware, const PowerModel* evaluate) {
  PowerFit f;
  f.points = power_points(rows, models, hardware, &f.skipped);
  if (f.points.empty()) throw common::ConfigError("", "", "no measured power in the measurements given");
  // One hardware profile carries the data (A100-80GB); the clamp reads its idle / TDP.
  const auto& hw = hardware.get(f.points.front().row->hardware);
  for (const auto& p : f.points)
    if (p.row->hardware != hw.name)
      throw common::ConfigError(p.row->file, fmt::format("line {}", p.row->line),
                                "power rows from more than one hardware profile: fit them one profile at a time");
  std::vector<const PowerPoint*> fit_pts;
  for (const auto& p : f.points)
    if (!p.row->held_out) fit_pts.push_back(&p);
  f.model.k = fit_power_coefficients(fit_pts, hw);
  f.model.fit_configs = int(fit_pts.size());
  std::set<std::string> models_seen;
  for (const auto& p : f.points) models_seen.insert(p.row->model);
  std::string names;
  for (const auto& n : models_seen) names += (names.empty() ? "" : ", ") + n;
  f.model.source = fmt::format("[FIT] infersim calibrate-power: least absolute deviation on {} of {} measured "
                               "configurations (per-GPU average and peak "
                               "power / TDP) of splitwise-sim perf_model.csv ({}, {}); the other {} held out",
                               fit_pts.size(), f.points.size(), hw.name, names, f.points.size() - fit_pts.size());
  const PowerModel& used = evaluate ? *evaluate : f.model;
  std::vector<double> fit_e, held_e, held_c, held_peak, held_peak_c;
  for (auto& p : f.points) {
    p.predicted_tdp = predict_point(p, hw, used, &p.predicted_peak_tdp);
    const double e = p.predicted_tdp / p.measured_tdp - 1.0;
    (p.row->held_out ? held_e : fit_e).push_back(e);
    if (!p.row->held_out) continue;
    held_c.push_back(p.constant_tdp / p.measured_tdp - 1.0);
    if (p.measured_peak_tdp > 0) {
      held_peak.push_back(p.predicted_peak_tdp / p.measured_peak_tdp - 1.0);
      held_peak_c.push_back(p.constant_peak_tdp / p.measured_peak_tdp - 1.0);
    }
  }
  f.fit_error = error_stats(fit_e);
  f.held_out_error = error_stats(held_e);
  f.held_out_constant_error = error_stats(held_c);
  f.held_out_peak_error = error_stats(held_peak);
  f.held_out_peak_constant_error = error_stats(held_peak_c);
  for (const auto& name : models_seen) {
    std::vector<const PowerPoint*> others;
    for (const auto& p : f.points)
      if (p.row->model != name) others.push_back(&p);
    if (others.size() < 4) continue;
    PowerModel lm;
    lm.fit_configs = int(others.size());
    lm.k = fit_power_coefficients(others, hw);
    std::vector<double> e, ep;
    for (const auto& p : f.points) {
      if (p.row->model != name) continue;
      double peak = 0;
      e.push_back(predict_point(p, hw, lm, &peak) / p.measured_tdp - 1.0);
      if (p.measured_peak_tdp > 0) ep.push_back(peak / p.measured_peak_tdp - 1.0);
    }
    f.leave_model_out[name] = error_stats(e);
    f.leave_model_out_peak[name] = error_stats(ep);
  }
  f.model.fit_report = {{"fit_configs", f.fit_error.n},
                        {"fit_median_abs", f.fit_error.median_abs},
                        {"held_out_configs", f.held_out_error.n},
                        {"held_out_median_abs", f.held_out_error.median_abs},
                        {"held_out_p90_abs", f.held_out_error.p90_abs},
                        {"held_out_peak_median_abs", f.held_out_peak_error.median_abs}};
  return f;
}

common::Json power_fit_errors_to_json(const PowerFit& f) {
  common::Json j;
  j["held_out_average"] = error_stats_to_json(f.held_out_error);
  j["held_out_average_phase_constants"] = error_stats_to_json(f.held_out_constant_error);
  j["held_out_peak"] = error_stats_to_json(f.held_out_peak_error);
  j["held_out_peak_phase_constants"] = error_stats_to_json(f.held_out_peak_constant_error);
  j["fit_average"] = error_stats_to_json(f.fit_error);
  for (const auto& [m, s] : f.leave_model_out) j["leave_model_out_average"][m] = error_stats_to_json(s);
  for (const auto& [m, s] : f.leave_model_out_peak) j["leave_model_out_peak"][m] = error_stats_to_json(s);
  return j;
}

}  // namespace infersim::perf
