#include "infersim/perf/kernel_efficiency_fit.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"

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

std::vector<std::pair<std::string, std::string>> kernel_table_folders() {
  std::set<std::pair<std::string, std::string>> s;
  auto& rc = hwprofiles::RuntimeCatalog::shipped();
  for (const auto& name : rc.names())
    for (const auto& v : rc.get(name).versions)
      for (const auto& [hw, folder] : v.kernel_tables) s.insert({folder, hw});
  return {s.begin(), s.end()};
}

KernelPointSets kernel_points(const std::vector<std::pair<std::string, std::string>>& folders, int stride) {
  KernelPointSets out;
  auto& cat = hwprofiles::KernelTableCatalog::shipped();
  auto& hwc = hwprofiles::HardwareCatalog::shipped();
  stride = std::max(1, stride);
  for (const auto& [folder, hwname] : folders) {
    const auto t = cat.get(folder);
    const auto& hw = hwc.get(hwname);
    const double bw = hw.memory_bw();
    const auto f16 = t->gemm.floor_s.find("bfloat16");
    if (f16 != t->gemm.floor_s.end()) out.bf16_gemm_floor_s[t->system].push_back(f16->second);
    // Each quantized format's standalone activation quantization (as KernelModel::gemm_curve takes it).
    std::map<std::string, double> quant;
    for (const auto& [dt, floor] : t->gemm.floor_s)
      if (dt != "bfloat16" && dt != "int8_wo" && dt != "int4_wo" && f16 != t->gemm.floor_s.end()) {
        quant[dt] = std::max(0.0, floor - f16->second);
        out.gemm_quant_floor_s[t->framework + "/" + dt].push_back({t->system, quant[dt]});
      }
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
                                     n * k * weight_bytes(dt) + m * k * act_bytes(dt) + 2.0 * m * n, bw, y, dt, 0, 0,
                                     double(n), t->framework, quant.count(dt) ? quant.at(dt) : 0.0});
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
          out.by_op["context_attention"].push_back(
              {t->system, flops, peak16, bytes, bw, v, "", context_attention_items(b, key.heads, s)});
        }
    }
    i = 0;
    for (const auto& [key, g] : t->generation) {
      const double kvb = key.kv_dtype == "fp8" ? 1.0 : 2.0;
      const double group = double(key.heads) / std::max(1, key.kv_heads);
      for (std::size_t r = 0; r < g.rows.size(); ++r)
        for (std::size_t c = 0; c < g.cols.size(); ++c, ++i) {
          const double v = g.get(r, c);
          if (std::isnan(v) || i % std::size_t(stride) != 0) continue;
          const double b = g.rows[r], s = g.cols[c] + 1;
          const double flops = b * s * 4.0 * key.heads * key.head_dim;
          const double bytes = b * (s * 2.0 * key.kv_heads * key.head_dim * kvb + 2.0 * key.heads * key.head_dim * 2.0);
          out.by_op["generation_attention"].push_back(
              {t->system, flops, peak16, bytes, bw, v, key.kv_dtype, b * key.kv_heads, group});
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

using Vec = std::vector<double>;  // the free parameters, log / logit

// Fewest points a GEMM or KV format needs for a fit of its own (fewer take the all-format fit).
constexpr std::size_t MIN_FORMAT_POINTS = 200;

double* field(OpEfficiency& e, std::size_t i) {
  switch (i) {
    case 0: return &e.floor_s;
    case 1: return &e.compute_max;
    case 2: return &e.compute_half_s;
    case 3: return &e.memory_max;
    case 4: return &e.memory_half_s;
    default: return &e.item_s;
  }
}
bool is_share(std::size_t i) { return i == 1 || i == 3; }

// `start` with the free parameters set from `v`.
OpEfficiency from_vec(const Vec& v, const OpEfficiency& start, const FitFree& free) {
  OpEfficiency e = start;
  std::size_t j = 0;
  for (std::size_t i = 0; i < free.size(); ++i)
    if (free[i]) {
      *field(e, i) = is_share(i) ? 1.0 / (1.0 + std::exp(-v[j])) : std::exp(v[j]);
      ++j;
    }
  return e;
}

Vec to_vec(const OpEfficiency& start, const FitFree& free) {
  auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  OpEfficiency e = start;
  Vec v;
  for (std::size_t i = 0; i < free.size(); ++i)
    if (free[i]) {
      const double x = *field(e, i);
      v.push_back(is_share(i) ? logit(std::min(0.999, x)) : std::log(std::max(x, 1e-15)));
    }
  return v;
}

double loss(const std::vector<KernelPoint>& pts, const OpEfficiency& e) {
  double s = 0;
  for (const auto& p : pts) {
    const double r = std::log(e.time(p.flops, p.peak, p.bytes, p.bw, p.items) / p.seconds);
    s += r * r;
  }
  return s / std::max<std::size_t>(1, pts.size());
}

// predicted / measured of one point under `e`.
double ratio(const OpEfficiency& e, const KernelPoint& p) {
  return e.time(p.flops, p.peak, p.bytes, p.bw, p.items) / p.seconds;
}

double median(std::vector<double> a) {
  if (a.empty()) return 0;
  std::nth_element(a.begin(), a.begin() + long(a.size() / 2), a.end());
  return a[a.size() / 2];
}

}  // namespace

OpEfficiency fit_op_efficiency(const std::vector<KernelPoint>& pts, const OpEfficiency& start, const FitFree& free) {
  // Nelder-Mead on the log / logit free parameters (unconstrained), fixed start and step: deterministic.
  const Vec x0 = to_vec(start, free);
  const std::size_t n = x0.size();
  if (n == 0) return start;
  auto f_of = [&](const Vec& x) { return loss(pts, from_vec(x, start, free)); };
  std::vector<Vec> s(n + 1, x0);
  std::vector<double> f(n + 1);
  for (std::size_t i = 0; i < n; ++i) s[i + 1][i] += 0.7;
  for (std::size_t i = 0; i <= n; ++i) f[i] = f_of(s[i]);
  std::vector<std::size_t> o(n + 1);
  for (int it = 0; it < 1500; ++it) {
    for (std::size_t i = 0; i <= n; ++i) o[i] = i;
    std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return f[a] < f[b]; });
    const std::size_t worst = o[n], second = o[n - 1], best = o[0];
    if (f[worst] - f[best] < 1e-10) break;
    Vec c(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < n; ++d) c[d] += s[o[i]][d] / double(n);
    auto along = [&](double t) {
      Vec x(n);
      for (std::size_t d = 0; d < n; ++d) x[d] = c[d] + t * (s[worst][d] - c[d]);
      return x;
    };
    const Vec xr = along(-1.0);
    const double fr = f_of(xr);
    if (fr < f[best]) {
      const Vec xe = along(-2.0);
      const double fe = f_of(xe);
      if (fe < fr)
        s[worst] = xe, f[worst] = fe;
      else
        s[worst] = xr, f[worst] = fr;
    } else if (fr < f[second]) {
      s[worst] = xr, f[worst] = fr;
    } else {
      const Vec xc = along(fr < f[worst] ? -0.5 : 0.5);
      const double fc = f_of(xc);
      if (fc < std::min(fr, f[worst])) {
        s[worst] = xc, f[worst] = fc;
      } else {
        for (std::size_t i = 1; i <= n; ++i) {
          for (std::size_t d = 0; d < n; ++d) s[o[i]][d] = s[best][d] + 0.5 * (s[o[i]][d] - s[best][d]);
          f[o[i]] = f_of(s[o[i]]);
        }
      }
    }
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i <= n; ++i)
    if (f[i] < f[best]) best = i;
  return from_vec(s[best], start, free);
}

namespace {

// Decode attention: fitted on the group sizes it prices (MAX_DECODE_FIT_GROUP), with the compute share of
// context attention, the measured tensor-core attention kernels (no GQA decode point the fit keeps is
// compute-bound); the floor, compute half-time, memory share, memory half-time and cost per sequence x KV
// head are fitted, once over every KV format and again per format with enough points (from that fit,
// restarted once). The half-time is the decode kernels' own: through the saturating form, half / share is a
// minimum time on every kernel, and context attention's (12 us) would stand in for decode's launch floor.
void fit_decode(const std::vector<KernelPoint>& pts, EfficiencyModel& m) {
  constexpr FitFree DECODE_FREE{true, false, true, true, true, true};
  std::vector<KernelPoint> use;
  std::map<std::string, std::vector<KernelPoint>> by;
  for (const auto& p : pts)
    if (p.group <= MAX_DECODE_FIT_GROUP) {
      use.push_back(p);
      if (!p.dtype.empty()) by[p.dtype].push_back(p);
    }
  if (use.empty()) throw common::ConfigError("", "kernel tables", "no generation_attention points to fit");
  OpEfficiency init = EfficiencyModel{}.generation_attention;
  init.compute_max = m.context_attention.compute_max;
  init.compute_half_s = m.context_attention.compute_half_s;
  init.item_s = 1e-8;
  m.generation_attention = fit_op_efficiency(use, init, DECODE_FREE);
  m.generation_attention_by_kv.clear();
  for (const auto& [kv, v] : by) {
    if (v.size() < MIN_FORMAT_POINTS) continue;
    OpEfficiency best = fit_op_efficiency(v, m.generation_attention, DECODE_FREE);
    if (const auto e = fit_op_efficiency(v, best, DECODE_FREE); loss(v, e) < loss(v, best)) best = e;
    m.generation_attention_by_kv[kv] = best;
  }
}

// GEMMs per format: each format with enough points gets its own fit beside the all-format `m.gemm`.
// Nelder-Mead can stop in a poor corner: each format starts from the all-format fit and from the default
// start, and the better one is restarted once from where it stopped.
void fit_gemm_formats(const std::vector<KernelPoint>& pts, EfficiencyModel& m) {
  std::map<std::string, std::vector<KernelPoint>> by;
  for (const auto& p : pts)
    if (!p.dtype.empty()) by[p.dtype].push_back(p);
  m.gemm_by_dtype.clear();
  for (const auto& [dt, v] : by) {
    if (v.size() < MIN_FORMAT_POINTS) continue;
    OpEfficiency best = fit_op_efficiency(v, m.gemm);
    if (const auto e = fit_op_efficiency(v, EfficiencyModel{}.gemm); loss(v, e) < loss(v, best)) best = e;
    if (const auto e = fit_op_efficiency(v, best); loss(v, e) < loss(v, best)) best = e;
    m.gemm_by_dtype[dt] = best;
  }
}

// The GEMMs the fits use: the narrow ones are reported, not fitted.
// Each less its standalone activation quantization (KernelPoint::quant_s), which the model adds per framework.
std::vector<KernelPoint> fitted_gemms(const std::vector<KernelPoint>& all) {
  std::vector<KernelPoint> v;
  for (const auto& p : all)
    if (!narrow_gemm(p)) {
      v.push_back(p);
      v.back().seconds -= p.quant_s;
      v.back().quant_s = 0;
    }
  return v;
}

// EfficiencyModel::gemm_quant_floor_s: per framework and format the median over its table sets, and per
// format ("/<format>") the median over the frameworks (one vote each, however many GPUs it was measured on).
std::map<std::string, double> quant_floors(const KernelPointSets& sets) {
  std::map<std::string, double> out;
  std::map<std::string, std::vector<double>> by_format;
  for (const auto& [key, v] : sets.gemm_quant_floor_s) {
    std::vector<double> s;
    for (const auto& [sys, x] : v) s.push_back(x);
    if (s.empty()) continue;
    out[key] = median(std::move(s));
    by_format[key.substr(key.find('/'))].push_back(out[key]);
  }
  for (auto& [dt, s] : by_format) out[dt] = median(std::move(s));
  return out;
}

const std::vector<KernelPoint>& points_of(const KernelPointSets& sets, const std::string& op) {
  static const std::vector<KernelPoint> none;
  const auto it = sets.by_op.find(op);
  return it == sets.by_op.end() ? none : it->second;
}

// The fit behind fit_efficiency; an op kind without points keeps `fallback`'s parameters (a system left
// out that was the only one with points of that kind), or is an error when there is none.
EfficiencyModel fit_model(const KernelPointSets& sets, const EfficiencyModel* fallback) {
  EfficiencyModel m;
  const auto absent = [&](const char* op) {
    if (fallback == nullptr) throw common::ConfigError("", "kernel tables", fmt::format("no {} points", op));
  };
  if (const auto gemm = fitted_gemms(points_of(sets, "gemm")); !gemm.empty()) {
    m.gemm = fit_op_efficiency(gemm, EfficiencyModel{}.gemm);
    fit_gemm_formats(gemm, m);
    m.gemm_quant_floor_s = quant_floors(sets);
  } else {
    absent("gemm");
    m.gemm = fallback->gemm, m.gemm_by_dtype = fallback->gemm_by_dtype;
    m.gemm_quant_floor_s = fallback->gemm_quant_floor_s;
  }
  if (const auto& v = points_of(sets, "context_attention"); !v.empty()) {
    // Every parameter, the cost per query tile (context_attention_items) included.
    OpEfficiency init = EfficiencyModel{}.context_attention;
    init.item_s = 1e-8;
    m.context_attention = fit_op_efficiency(v, init, FitFree{true, true, true, true, true, true});
  } else {
    absent("context_attention");
    m.context_attention = fallback->context_attention;
  }
  if (const auto& v = points_of(sets, "generation_attention"); !v.empty()) {
    fit_decode(v, m);
  } else {
    absent("generation_attention");
    m.generation_attention = fallback->generation_attention;
    m.generation_attention_by_kv = fallback->generation_attention_by_kv;
  }
  if (const auto& v = points_of(sets, "allreduce"); !v.empty()) {
    OpEfficiency init = EfficiencyModel{}.allreduce;
    init.compute_max = 0.5;  // unused (no FLOPs)
    m.allreduce = fit_op_efficiency(v, init);
  } else {
    absent("allreduce");
    m.allreduce = fallback->allreduce;
  }
  // Elementwise floor off the tables: the median over systems of each system's median table-set floor.
  if (!sets.bf16_gemm_floor_s.empty()) {
    std::vector<double> per_system;
    for (const auto& [sys, v] : sets.bf16_gemm_floor_s) per_system.push_back(median(v));
    m.elementwise_floor_s = median(std::move(per_system));
  } else if (fallback != nullptr) {
    m.elementwise_floor_s = fallback->elementwise_floor_s;
  }
  return m;
}

}  // namespace

EfficiencyModel fit_efficiency(const KernelPointSets& sets) { return fit_model(sets, nullptr); }

KernelPointSets without_system(const KernelPointSets& sets, const std::string& system) {
  KernelPointSets out;
  for (const auto& [op, v] : sets.by_op)
    for (const auto& p : v)
      if (p.system != system) out.by_op[op].push_back(p);
  out.bf16_gemm_floor_s = sets.bf16_gemm_floor_s;
  out.bf16_gemm_floor_s.erase(system);
  for (const auto& [key, v] : sets.gemm_quant_floor_s)
    for (const auto& x : v)
      if (x.first != system) out.gemm_quant_floor_s[key].push_back(x);
  return out;
}

std::optional<EfficiencyModel> fit_efficiency_without_hardware(const KernelPointSets& sets,
                                                               const std::string& hardware) {
  std::set<std::string> measured;  // the table sets' own system names (KernelPoint::system)
  for (const auto& [folder, hw] : kernel_table_folders())
    if (hw == hardware) measured.insert(hwprofiles::KernelTableCatalog::shipped().get(folder)->system);
  if (measured.empty()) return std::nullopt;
  KernelPointSets rest = sets;
  for (const auto& m : measured) rest = without_system(rest, m);
  EfficiencyModel e = fit_efficiency(rest);
  e.source = fmt::format("[FIT] kernels fit without the kernel tables measured on {} ({})", hardware,
                         fmt::join(measured, ", "));
  return e;
}

EfficiencyFitReport fit_efficiency_model(const KernelPointSets& sets) {
  EfficiencyFitReport r;
  r.model = fit_efficiency(sets);
  std::set<std::string> systems;
  for (const auto& [op, v] : sets.by_op)
    for (const auto& p : v) systems.insert(p.system);
  for (const auto& sys : systems) r.without[sys] = fit_model(without_system(sets, sys), &r.model);

  // Each op kind's points of each system, under the model and under the model fitted without that system.
  // predicted / measured; a GEMM's prediction adds its framework's activation quantization under that model.
  const auto predicted_over_measured = [](const EfficiencyModel& m, const OpEfficiency& e, const KernelPoint& p) {
    if (p.framework.empty()) return ratio(e, p);
    return (e.time(p.flops, p.peak, p.bytes, p.bw, p.items) + m.gemm_quant_for(p.framework, p.dtype)) / p.seconds;
  };
  const auto report = [&](const std::string& row, const std::vector<KernelPoint>& pts, const auto& op_of) {
    std::map<std::string, std::vector<double>> own, loso;  // predicted / measured
    for (const auto& p : pts) {
      const auto& w = r.without.at(p.system);
      own[p.system].push_back(predicted_over_measured(r.model, op_of(r.model, p), p));
      loso[p.system].push_back(predicted_over_measured(w, op_of(w, p), p));
    }
    const auto abs_median = [](std::vector<double> v) {
      for (auto& x : v) x = std::fabs(x - 1.0);
      return median(std::move(v));
    };
    for (auto& [sys, v] : own) {
      const auto& w = loso.at(sys);
      r.errors[row][sys] = {abs_median(v), abs_median(w)};
      r.ratios[row][sys] = {median(v), median(w)};
    }
  };
  const auto plain = [](const OpEfficiency EfficiencyModel::*f) {
    return [f](const EfficiencyModel& m, const KernelPoint&) -> const OpEfficiency& { return m.*f; };
  };
  report("context_attention", points_of(sets, "context_attention"), plain(&EfficiencyModel::context_attention));
  report("allreduce", points_of(sets, "allreduce"), plain(&EfficiencyModel::allreduce));
  const auto decode = [](const EfficiencyModel& m, const KernelPoint& p) -> const OpEfficiency& {
    return m.generation_for(p.dtype);
  };
  std::vector<KernelPoint> fitted, wide;
  for (const auto& p : points_of(sets, "generation_attention"))
    (p.group <= MAX_DECODE_FIT_GROUP ? fitted : wide).push_back(p);
  report("generation_attention", fitted, decode);
  report("generation_attention (wider groups, not fitted)", wide, decode);
  // GEMMs: "gemm" is the model as used (each format's fit where it has one), "gemm <format>" each format's
  // points alone, and the narrow shapes the fits leave out on rows of their own.
  const auto gemm = [](const EfficiencyModel& m, const KernelPoint& p) -> const OpEfficiency& {
    return m.gemm_for(p.dtype);
  };
  std::map<std::string, std::vector<KernelPoint>> rows;
  for (const auto& p : points_of(sets, "gemm")) {
    const std::string suffix = narrow_gemm(p) ? fmt::format(" (n < {:g}, not fitted)", MIN_GEMM_FIT_COLUMNS) : "";
    rows["gemm" + suffix].push_back(p);
    if (!p.dtype.empty()) rows["gemm " + p.dtype + suffix].push_back(p);
  }
  for (const auto& [row, pts] : rows) report(row, pts, gemm);
  return r;
}

}  // namespace infersim::perf
