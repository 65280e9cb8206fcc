#include "infersim/perf/kernel_efficiency_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"

namespace infersim::perf {

using common::DType;

namespace {

double peak_for(const hwprofiles::HardwareProfile& hw, const std::string& gemm_dtype) {
  if (gemm_dtype == "fp8") return hw.matmul_peak(DType::fp8, DType::fp8);
  if (gemm_dtype == "nvfp4") return hw.matmul_peak(DType::fp4, DType::fp4);
  if (gemm_dtype == "sq") return hw.matmul_peak(DType::int8, DType::int8);
  return hw.matmul_peak(DType::bf16, DType::bf16);
}

double weight_bytes(const std::string& gemm_dtype) {
  if (gemm_dtype == "fp8" || gemm_dtype == "sq" || gemm_dtype == "int8_wo") return 1.0;
  if (gemm_dtype == "nvfp4") return 0.5625;
  if (gemm_dtype == "int4_wo") return 0.5;
  return 2.0;
}

double act_bytes(const std::string& gemm_dtype) { return gemm_dtype == "fp8" || gemm_dtype == "sq" ? 1.0 : 2.0; }

}  // namespace

KernelPointSets kernel_points(const std::vector<std::pair<std::string, std::string>>& folders, int stride) {
  KernelPointSets out;
  auto& cat = hwprofiles::KernelTableCatalog::shipped();
  auto& hwc = hwprofiles::HardwareCatalog::shipped();
  stride = std::max(1, stride);
  for (const auto& [folder, hwname] : folders) {
    const auto t = cat.get(folder);
    const auto& hw = hwc.get(hwname);
    const double bw = hw.memory_bw();
    std::size_t i = 0;
    for (const auto& [key, curve] : t->gemm.curves) {
      const auto& [dt, n, k] = key;
      if (dt == "int8_wo" || dt == "int4_wo") continue;  // weight-only: unpack cost, not the roofline
      const double peak = peak_for(hw, dt);
      for (std::size_t j = 0; j < curve.x.size(); ++j, ++i) {
        if (i % std::size_t(stride) != 0) continue;
        const double m = curve.x[j];
        // The samples as measured: the fit is itself robust to the slow outliers the step model drops.
        const double y = curve.y_measured.empty() ? curve.y[j] : curve.y_measured[j];
        out.by_op["gemm"].push_back({t->system, 2.0 * m * n * k, peak,
                                     n * k * weight_bytes(dt) + m * k * act_bytes(dt) + 2.0 * m * n, bw, y, dt});
      }
    }
    const double peak16 = hw.matmul_peak(DType::bf16, DType::bf16);
    i = 0;
    for (const auto& [key, g] : t->context) {
      if (key.attn_dtype != "bfloat16") continue;
      for (std::size_t r = 0; r < g.rows.size(); ++r)
        for (std::size_t c = 0; c < g.cols.size(); ++c, ++i) {
          const double v = g.get(r, c);
          if (std::isnan(v) || i % std::size_t(stride) != 0) continue;
          const double b = g.rows[r], s = g.cols[c];
          const double flops = b * s * (s + 1) / 2.0 * 4.0 * key.heads * key.head_dim;
          const double bytes = b * s * (2.0 * key.heads + 2.0 * key.kv_heads) * key.head_dim * 2.0;
          out.by_op["context_attention"].push_back({t->system, flops, peak16, bytes, bw, v});
        }
    }
    i = 0;
    for (const auto& [key, g] : t->generation) {
      const double kvb = key.kv_dtype == "fp8" ? 1.0 : 2.0;
      for (std::size_t r = 0; r < g.rows.size(); ++r)
        for (std::size_t c = 0; c < g.cols.size(); ++c, ++i) {
          const double v = g.get(r, c);
          if (std::isnan(v) || i % std::size_t(stride) != 0) continue;
          const double b = g.rows[r], s = g.cols[c] + 1;
          const double flops = b * s * 4.0 * key.heads * key.head_dim;
          const double bytes = b * (s * 2.0 * key.kv_heads * key.head_dim * kvb + 2.0 * key.heads * key.head_dim * 2.0);
          out.by_op["generation_attention"].push_back({t->system, flops, peak16, bytes, bw, v});
        }
    }
    const double link = hw.scale_up_bw_bytes_per_s > 0 ? hw.scale_up_bw_bytes_per_s : hw.host_link_bw_bytes_per_s * 0.5;
    for (const auto& [gpus, curve] : t->allreduce)
      for (std::size_t j = 0; j < curve.x.size(); ++j) {
        const double bytes = 2.0 * (gpus - 1.0) / gpus * curve.x[j] * 2.0;
        out.by_op["allreduce"].push_back({t->system, 0, 0, bytes, link, curve.y[j]});
      }
  }
  return out;
}

namespace {

using Vec = std::array<double, 5>;

// Fewest points a GEMM format needs for a fit of its own (fewer take the all-format fit).
constexpr std::size_t MIN_FORMAT_POINTS = 200;

OpEfficiency from_vec(const Vec& v) {
  OpEfficiency e;
  e.floor_s = std::exp(v[0]);
  e.compute_max = 1.0 / (1.0 + std::exp(-v[1]));
  e.compute_half_s = std::exp(v[2]);
  e.memory_max = 1.0 / (1.0 + std::exp(-v[3]));
  e.memory_half_s = std::exp(v[4]);
  return e;
}

Vec to_vec(const OpEfficiency& e) {
  auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  return {std::log(e.floor_s), logit(std::min(0.999, e.compute_max)), std::log(e.compute_half_s),
          logit(std::min(0.999, e.memory_max)), std::log(e.memory_half_s)};
}

double loss(const std::vector<KernelPoint>& pts, const OpEfficiency& e) {
  double s = 0;
  for (const auto& p : pts) {
    const double r = std::log(e.time(p.flops, p.peak, p.bytes, p.bw) / p.seconds);
    s += r * r;
  }
  return s / std::max<std::size_t>(1, pts.size());
}

double median_abs_error(const std::vector<KernelPoint>& pts, const OpEfficiency& e) {
  std::vector<double> a;
  for (const auto& p : pts) a.push_back(std::fabs(e.time(p.flops, p.peak, p.bytes, p.bw) / p.seconds - 1.0));
  if (a.empty()) return 0;
  std::nth_element(a.begin(), a.begin() + long(a.size() / 2), a.end());
  return a[a.size() / 2];
}

}  // namespace

OpEfficiency fit_op_efficiency(const std::vector<KernelPoint>& pts, const OpEfficiency& start) {
  // Nelder-Mead on the log / logit parameters (unconstrained), fixed start and step: deterministic.
  std::array<Vec, 6> s;
  std::array<double, 6> f;
  s[0] = to_vec(start);
  for (int i = 0; i < 5; ++i) {
    s[std::size_t(i + 1)] = s[0];
    s[std::size_t(i + 1)][std::size_t(i)] += 0.7;
  }
  for (std::size_t i = 0; i < 6; ++i) f[i] = loss(pts, from_vec(s[i]));
  for (int it = 0; it < 1500; ++it) {
    std::array<std::size_t, 6> o{0, 1, 2, 3, 4, 5};
    std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return f[a] < f[b]; });
    if (f[o[5]] - f[o[0]] < 1e-10) break;
    Vec c{};
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t d = 0; d < 5; ++d) c[d] += s[o[i]][d] / 5.0;
    auto along = [&](double t) {
      Vec x;
      for (std::size_t d = 0; d < 5; ++d) x[d] = c[d] + t * (s[o[5]][d] - c[d]);
      return x;
    };
    const Vec xr = along(-1.0);
    const double fr = loss(pts, from_vec(xr));
    if (fr < f[o[0]]) {
      const Vec xe = along(-2.0);
      const double fe = loss(pts, from_vec(xe));
      if (fe < fr)
        s[o[5]] = xe, f[o[5]] = fe;
      else
        s[o[5]] = xr, f[o[5]] = fr;
    } else if (fr < f[o[4]]) {
      s[o[5]] = xr, f[o[5]] = fr;
    } else {
      const Vec xc = along(fr < f[o[5]] ? -0.5 : 0.5);
      const double fc = loss(pts, from_vec(xc));
      if (fc < std::min(fr, f[o[5]])) {
        s[o[5]] = xc, f[o[5]] = fc;
      } else {
        for (std::size_t i = 1; i < 6; ++i) {
          for (std::size_t d = 0; d < 5; ++d) s[o[i]][d] = s[o[0]][d] + 0.5 * (s[o[i]][d] - s[o[0]][d]);
          f[o[i]] = loss(pts, from_vec(s[o[i]]));
        }
      }
    }
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < 6; ++i)
    if (f[i] < f[best]) best = i;
  return from_vec(s[best]);
}

EfficiencyFitReport fit_efficiency_model(const KernelPointSets& sets) {
  EfficiencyFitReport r;
  const EfficiencyModel start;  // the header's defaults
  for (auto [name, field] :
       {std::pair{"gemm", &EfficiencyModel::gemm}, std::pair{"context_attention", &EfficiencyModel::context_attention},
        std::pair{"generation_attention", &EfficiencyModel::generation_attention},
        std::pair{"allreduce", &EfficiencyModel::allreduce}}) {
    auto it = sets.by_op.find(name);
    if (it == sets.by_op.end() || it->second.empty())
      throw common::ConfigError("", "kernel tables", fmt::format("no {} points", name));
    const auto& pts = it->second;
    OpEfficiency init = start.*field;
    if (std::string(name) == "allreduce") init.compute_max = 0.5;  // unused (no FLOPs)
    const OpEfficiency e = fit_op_efficiency(pts, init);
    r.model.*field = e;
    if (std::string(name) == "gemm") continue;  // reported per format below, as the model uses it
    std::set<std::string> systems;
    for (const auto& p : pts) systems.insert(p.system);
    for (const auto& sys : systems) {
      std::vector<KernelPoint> in, out;
      for (const auto& p : pts) (p.system == sys ? in : out).push_back(p);
      const double own = median_abs_error(in, e);
      const double loso = out.empty() ? own : median_abs_error(in, fit_op_efficiency(out, init));
      r.errors[name][sys] = {own, loso};
    }
  }
  // GEMMs per format: each format with enough points gets its own fit beside `all`, the all-format fit
  // to the same points; "gemm" then reports the model as used, "gemm <format>" each format's points.
  const auto per_format = [&](const std::vector<KernelPoint>& pts, const OpEfficiency& all) {
    std::map<std::string, std::vector<KernelPoint>> by;
    for (const auto& p : pts)
      if (!p.dtype.empty()) by[p.dtype].push_back(p);
    EfficiencyModel m;
    m.gemm = all;
    // Nelder-Mead can stop in a poor corner: each format starts from the all-format fit and from the
    // default start, and the better one is restarted once from where it stopped.
    for (const auto& [dt, v] : by) {
      if (v.size() < MIN_FORMAT_POINTS) continue;
      OpEfficiency best = fit_op_efficiency(v, m.gemm);
      if (const auto e = fit_op_efficiency(v, start.gemm); loss(v, e) < loss(v, best)) best = e;
      if (const auto e = fit_op_efficiency(v, best); loss(v, e) < loss(v, best)) best = e;
      m.gemm_by_dtype[dt] = best;
    }
    return m;
  };
  const auto& gemm = sets.by_op.at("gemm");
  r.model.gemm_by_dtype = per_format(gemm, r.model.gemm).gemm_by_dtype;
  const auto errors = [](const std::vector<KernelPoint>& pts, const EfficiencyModel& m) {
    std::map<std::string, std::vector<double>> e;  // "" = every format
    for (const auto& p : pts) {
      const double x = std::fabs(m.gemm_for(p.dtype).time(p.flops, p.peak, p.bytes, p.bw) / p.seconds - 1.0);
      e[""].push_back(x);
      e[p.dtype].push_back(x);
    }
    std::map<std::string, double> med;
    for (auto& [k, v] : e) {
      std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
      med[k] = v[v.size() / 2];
    }
    return med;
  };
  std::set<std::string> systems;
  for (const auto& p : gemm) systems.insert(p.system);
  for (const auto& sys : systems) {
    std::vector<KernelPoint> in, out;
    for (const auto& p : gemm) (p.system == sys ? in : out).push_back(p);
    const auto own = errors(in, r.model);
    const auto loso = out.empty() ? own : errors(in, per_format(out, fit_op_efficiency(out, start.gemm)));
    for (const auto& [dt, e] : own) r.errors[dt.empty() ? "gemm" : "gemm " + dt][sys] = {e, loso.at(dt)};
  }
  return r;
}

}  // namespace infersim::perf
