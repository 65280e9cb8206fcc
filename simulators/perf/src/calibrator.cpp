#include "infersim/perf/calibrator.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "infersim/common/errors.h"
#include "infersim/perf/request_estimate.h"

namespace infersim::perf {

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::ttft: return "ttft";
    case Metric::tpot: return "tpot";
    case Metric::e2e: return "e2e";
    case Metric::throughput: return "throughput";
  }
  return "?";
}

double Observation::predict(const hwprofiles::CalibrationParams& p) const {
  const double t = total_time(terms, p);
  return metric == Metric::throughput ? tokens / t : t;
}

Deployment measured_deployment(const Measurement& r, const hwprofiles::HardwareCatalog& hardware) {
  Deployment d;
  d.hardware = hardware.get(r.hardware);
  d.hardware.calibrations.clear();  // cost terms do not depend on the parameters
  d.tp = r.tp;
  d.pp = r.pp;
  d.precision = {common::DType::fp16, common::DType::fp16, common::DType::fp16};
  if (!d.hardware.supports(common::DType::fp16))
    d.precision = {common::DType::bf16, common::DType::bf16, common::DType::bf16};
  return d;
}

ObservationSet build_observations(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                                  const hwprofiles::HardwareCatalog& hardware, const std::string& only_hardware,
                                  const std::string& only_runtime) {
  ObservationSet out;
  for (const auto& r : rows) {
    if (!only_hardware.empty() && r.hardware != only_hardware) continue;
    if (!only_runtime.empty() && r.runtime != only_runtime) continue;
    const auto& m = models.get(r.model);
    const Deployment d = measured_deployment(r, hardware);
    std::optional<StepEstimator> est;
    try {
      est.emplace(m, d);
    } catch (const common::ConfigError& e) {
      ++out.skipped[fmt::format("layout not valid for the model: {}", e.reason())];
      continue;
    }
    const auto fit = est->memory_fit(0, std::min(r.batch * r.input, 8192.0));
    if (!fit.fits) {
      ++out.skipped["weights do not fit the measured layout at 16-bit (the run must have used another precision)"];
      continue;
    }
    if (r.format == MeasurementFormat::splitwise) {
      Observation t;
      t.row = &r;
      t.metric = Metric::ttft;
      t.terms = {{est->cost(model::BatchShape::prefill(r.batch, r.input)), 1.0}};
      t.measured = r.ttft_s;
      out.obs.push_back(std::move(t));
      Observation d2;
      d2.row = &r;
      d2.metric = Metric::tpot;
      d2.terms = mean_decode_cost(*est, r.batch, r.input, r.output);
      d2.measured = r.tpot_s;
      out.obs.push_back(std::move(d2));
    } else {
      Observation e;
      e.row = &r;
      e.metric = Metric::e2e;
      estimate_offline_batch(*est, r.batch, r.input, r.output, &e.terms);
      e.measured = r.e2e_s;
      Observation th = e;
      th.metric = Metric::throughput;
      th.tokens = r.batch * (r.input + r.output);
      th.measured = r.throughput_tok_s;
      out.obs.push_back(std::move(e));
      out.obs.push_back(std::move(th));
    }
  }
  return out;
}

ErrorStats error_stats(std::vector<double> s) {
  ErrorStats st;
  st.n = int(s.size());
  if (s.empty()) return st;
  double sum = 0;
  std::vector<double> a;
  for (double x : s) {
    sum += x;
    a.push_back(std::fabs(x));
  }
  std::sort(a.begin(), a.end());
  const std::size_t n = a.size();
  st.median_abs = n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  st.p90_abs = a[std::min(n - 1, std::size_t(std::ceil(0.9 * double(n))) - 1)];
  st.mean_signed = sum / double(n);
  return st;
}

std::map<Metric, ErrorStats> evaluate(const std::vector<Observation>& obs, const hwprofiles::CalibrationParams& p,
                                      bool held_out_only) {
  std::map<Metric, std::vector<double>> errs;
  for (const auto& o : obs) {
    if (held_out_only && !o.row->held_out) continue;
    errs[o.metric].push_back(o.predict(p) / o.measured - 1.0);
  }
  std::map<Metric, ErrorStats> out;
  for (auto& [m, v] : errs) out[m] = error_stats(std::move(v));
  return out;
}

namespace {

constexpr int K = 5;  // linear terms: step, layer, sequence, collective overheads; pp staging

struct Prepared {
  std::vector<const Observation*> obs;
  Eigen::MatrixXd A;  // rows: observation; cols: overhead multiplicities / measured
};

// Time of the roofline part (no overheads) of an observation at the given fractions; `p` carries the
// optional terms (unpack cost, roofline norm, attention fraction).
double roofline_part(const Observation& o, double cf, double mf, double icf, hwprofiles::CalibrationParams p = {}) {
  p.compute_fraction = cf;
  p.memory_fraction = mf;
  p.interconnect_fraction = icf;
  p.step_overhead_s = p.layer_overhead_s = p.seq_overhead_s = p.collective_overhead_s = 0;
  p.pp_staging_fraction = 0;
  return total_time(o.terms, p);
}

// Non-negative least squares for a handful of columns by enumerating active sets.
Eigen::VectorXd nnls_small(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, double& sse) {
  const int n = int(A.cols());
  Eigen::VectorXd best = Eigen::VectorXd::Zero(n);
  sse = (b).squaredNorm();
  for (int mask = 1; mask < (1 << n); ++mask) {
    std::vector<int> cols;
    for (int j = 0; j < n; ++j)
      if (mask & (1 << j)) cols.push_back(j);
    Eigen::MatrixXd S(A.rows(), int(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) S.col(int(j)) = A.col(cols[j]);
    const Eigen::VectorXd x = S.colPivHouseholderQr().solve(b);
    if ((x.array() < 0).any() || !x.allFinite()) continue;
    const double e = (S * x - b).squaredNorm();
    if (e < sse) {
      sse = e;
      best.setZero();
      for (std::size_t j = 0; j < cols.size(); ++j) best(cols[j]) = x(int(j));
    }
  }
  return best;
}

}  // namespace

FitResult fit_calibration(const std::vector<Observation>& all, double icf, const FitOptions& opt) {
  FitResult r;
  std::vector<const Observation*> fit;
  std::map<const Measurement*, bool> rows_fit, rows_held;
  for (const auto& o : all) {
    if (o.metric == Metric::throughput) {  // same information as e2e; evaluated, not fitted twice
      (o.row->held_out ? rows_held : rows_fit)[o.row] = true;
      continue;
    }
    (o.row->held_out ? rows_held : rows_fit)[o.row] = true;
    if (!o.row->held_out) fit.push_back(&o);
  }
  r.rows_fit = int(rows_fit.size());
  r.rows_held_out = int(rows_held.size());
  if (fit.size() < 3)
    throw common::ConfigError(
        fmt::format("too few measurements to fit ({} fit observations; need at least 3)", fit.size()));

  // One least-squares fit over `use` (observations), searching the two fractions on a grid.
  auto fit_on = [&](const std::vector<const Observation*>& use) {
    const int n = int(use.size());
    // Multiplicities of each overhead per observation, scaled by 1/measured (relative error).
    Eigen::MatrixXd A(n, K);
    for (int i = 0; i < n; ++i) {
      double steps = 0, layers = 0, seqs = 0, colls = 0, staging = 0;
      for (const auto& w : use[std::size_t(i)]->terms) {
        steps += w.weight;
        layers += w.weight * w.cost.layers;
        seqs += w.weight * w.cost.sequences;
        colls += w.weight * w.cost.collectives;
        staging += w.weight * w.cost.staging_s;
      }
      const double m = use[std::size_t(i)]->measured;
      A(i, 0) = steps / m;
      A(i, 1) = layers / m;
      A(i, 2) = seqs / m;
      A(i, 3) = colls / m;
      A(i, 4) = staging / m;
    }
    // Overhead columns that are zero for every observation (e.g. collectives on one chip) cannot be
    // fitted; leaving them out of the NNLS keeps its subset enumeration small (the extended search
    // solves ~30x more NNLS problems). Their value stays 0. Without the optional terms every column
    // is kept: the solution is the same up to rounding, and the shipped calibrations.json stays
    // byte-for-byte reproducible by `infersim calibrate-from` (docs/calibration.md).
    const bool extended = opt.dequant || opt.ridge || opt.attention;
    std::vector<int> live;
    for (int j = 0; j < K; ++j)
      if (!extended || A.col(j).cwiseAbs().maxCoeff() > 0) live.push_back(j);
    Eigen::MatrixXd AL(n, int(live.size()));
    for (std::size_t j = 0; j < live.size(); ++j) AL.col(int(j)) = A.col(live[j]);
    double best_sse = std::numeric_limits<double>::infinity();
    hwprofiles::CalibrationParams best;
    best.interconnect_fraction = icf;
    Eigen::VectorXd b(n);
    // The extra terms (unpack cost, roofline norm, attention fraction) on integer grids: quarter
    // FLOPs per weight, tenths of the norm (0 = pure max), percent (integer steps keep the
    // parameters exact and the search deterministic). The fractions and overheads are fitted for
    // each setting of the extra terms.
    struct Extra {
      int dq = 0, norm = 0, attn = 100;
      bool operator==(const Extra&) const = default;
    };
    auto extra_params = [&](const Extra& e) {
      hwprofiles::CalibrationParams p;
      p.dequant_flops_per_weight = e.dq / 4.0;
      p.roofline_norm = e.norm / 10.0;
      p.attention_fraction = e.attn / 100.0;
      return p;
    };
    auto try_point = [&](int c, int m, const Extra& e) {
      const double cf = c / 100.0, mf = m / 100.0;
      const hwprofiles::CalibrationParams ep = extra_params(e);
      for (int i = 0; i < n; ++i)
        b(i) = 1.0 - roofline_part(*use[std::size_t(i)], cf, mf, icf, ep) / use[std::size_t(i)]->measured;
      double sse = 0;
      const Eigen::VectorXd xl = nnls_small(AL, b, sse);  // the step column is never zero: live is not empty
      if (sse < best_sse) {
        Eigen::VectorXd x = Eigen::VectorXd::Zero(K);
        for (std::size_t j = 0; j < live.size(); ++j) x(live[j]) = xl(int(j));
        best_sse = sse;
        best = ep;
        best.interconnect_fraction = icf;
        best.compute_fraction = cf;
        best.memory_fraction = mf;
        best.step_overhead_s = x(0);
        best.layer_overhead_s = x(1);
        best.seq_overhead_s = x(2);
        best.collective_overhead_s = x(3);
        best.pp_staging_fraction = x(4);
      }
    };
    // Fractions on a coarse grid (steps of 0.05), then a fine grid (0.01) around the best point.
    auto coarse = [&](const Extra& e) {
      for (int c = 5; c <= 100; c += 5)
        for (int m = 10; m <= 100; m += 5) try_point(c, m, e);
    };
    auto fine = [&](const Extra& e) {
      const int c0 = int(std::lround(best.compute_fraction * 100)), m0 = int(std::lround(best.memory_fraction * 100));
      for (int c = std::max(2, c0 - 5); c <= std::min(100, c0 + 5); ++c)
        for (int m = std::max(5, m0 - 5); m <= std::min(100, m0 + 5); ++m) try_point(c, m, e);
    };
    auto current = [&] {
      return Extra{int(std::lround(best.dequant_flops_per_weight * 4)), int(std::lround(best.roofline_norm * 10)),
                   int(std::lround(best.attention_fraction * 100))};
    };
    bool unpacks = false;
    for (const auto* o : use)
      for (const auto& w : o->terms) unpacks = unpacks || w.cost.dequant_elements_s() > 0;
    const bool fit_dq = opt.dequant && unpacks;
    coarse(Extra{});
    if (fit_dq || opt.ridge || opt.attention) {
      // Coordinate search: each extra term scanned with the others fixed (fractions re-fitted for
      // every value), until a round changes nothing; then each term refined on a finer grid.
      std::vector<std::pair<int Extra::*, std::vector<int>>> axes;
      // The unpack ceiling changes nothing until it rises above memory time, then matters sharply:
      // its error valley is narrow, so it is scanned in whole FLOPs up to 16.
      if (fit_dq) {
        std::vector<int> dqs;
        for (int q = 0; q <= 64; q += 4) dqs.push_back(q);
        dqs.insert(dqs.end(), {80, 96, 128});
        axes.push_back({&Extra::dq, dqs});
      }
      if (opt.ridge) axes.push_back({&Extra::norm, {0, 15, 20, 25, 30, 40, 60, 80}});
      if (opt.attention) axes.push_back({&Extra::attn, {30, 40, 50, 60, 70, 80, 90, 100}});
      for (int round = 0; round < 4; ++round) {
        const Extra before = current();
        for (const auto& [field, values] : axes) {
          const Extra base = current();
          for (int v : values) {
            Extra e = base;
            e.*field = v;
            if (!(e == base)) coarse(e);
          }
        }
        if (current() == before) break;
      }
      for (const auto& [field, values] : axes) {
        const Extra base = current();
        const int step = field == &Extra::dq ? 1 : (field == &Extra::norm ? 1 : 2);
        const int span = field == &Extra::dq ? 8 : 5;
        for (int d = -span; d <= span; d += step) {
          Extra e = base;
          e.*field = base.*field + d;
          if (e.dq < 0 || (e.norm != 0 && e.norm < 10) || e.norm < 0 || e.attn < 10 || e.attn > 100 || e == base)
            continue;
          coarse(e);
        }
      }
    }
    fine(current());
    return best;
  };
  // Robust fit: measurements contain outliers (e.g. a run that hit a different code path), which a
  // squared loss lets dominate. Fit, drop the worst 5% of residuals, fit again.
  hwprofiles::CalibrationParams best = fit_on(fit);
  {
    std::vector<std::pair<double, const Observation*>> res;
    for (const auto* o : fit) res.emplace_back(std::fabs(o->predict(best) / o->measured - 1.0), o);
    std::sort(res.begin(), res.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    const std::size_t keep = std::max<std::size_t>(3, res.size() - res.size() / 20);
    std::vector<const Observation*> trimmed;
    for (std::size_t i = 0; i < keep && i < res.size(); ++i) trimmed.push_back(res[i].second);
    r.trimmed = int(res.size() - trimmed.size());
    best = fit_on(trimmed);
  }
  r.params = best;
  r.fit_error = evaluate(all, best, false);
  {
    std::map<Metric, std::vector<double>> fe;
    for (const auto& o : all)
      if (!o.row->held_out) fe[o.metric].push_back(o.predict(best) / o.measured - 1.0);
    r.fit_error.clear();
    for (auto& [m, v] : fe) r.fit_error[m] = error_stats(std::move(v));
  }
  r.held_out_error = evaluate(all, best, true);
  return r;
}

}  // namespace infersim::perf
