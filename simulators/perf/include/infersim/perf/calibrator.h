#pragma once
// Calibration from measurements: turns measured runs into the efficiency / overhead parameters of a
// (hardware, runtime) pair, and reports prediction error on rows held out from the fit.
//
// Method (docs/calibration.md): each measured quantity becomes an Observation — the step terms the
// estimator would run (prefill step, decode steps, waves) and the measured seconds. For fixed compute
// and memory fractions a prediction is linear in the four overheads (per step, per layer, per
// sequence, per collective), so the fit searches the two fractions on a grid and solves a
// non-negative least-squares problem (Eigen) for the overheads at each grid point, minimising the
// squared relative error, robustly (the worst 5% residuals are dropped and the fit repeated).
// The same StepCost formulas serve estimate, simulate and this fit.
#include <map>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/measurements.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::perf {

enum class Metric { ttft, tpot, e2e, throughput };
const char* metric_name(Metric m);

struct Observation {
  const Measurement* row = nullptr;
  Metric metric = Metric::e2e;
  CostSum terms;        // seconds = total_time(terms, params); throughput = tokens / seconds
  double tokens = 0;    // for throughput observations
  double measured = 0;  // seconds, or tokens/s for throughput
  double predict(const hwprofiles::CalibrationParams& p) const;
};

struct ObservationSet {
  std::vector<Observation> obs;
  std::map<std::string, int> skipped;
};
// The deployment a measured row describes: its hardware (calibrations cleared: the cost terms do not
// depend on the parameters), TP/PP, at 16 bits (fp16, else bf16).
Deployment measured_deployment(const Measurement& r, const hwprofiles::HardwareCatalog& hardware);

// Builds observations for rows (all, or only those matching hardware/runtime when non-empty).
ObservationSet build_observations(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                                  const hwprofiles::HardwareCatalog& hardware, const std::string& only_hardware = "",
                                  const std::string& only_runtime = "");

struct ErrorStats {
  int n = 0;
  double median_abs = 0;  // fraction (0.1 = 10%)
  double p90_abs = 0;
  double mean_signed = 0;  // > 0: we over-predict
};
ErrorStats error_stats(std::vector<double> signed_errors);

struct FitResult {
  hwprofiles::CalibrationParams params;
  int rows_fit = 0;
  int rows_held_out = 0;
  int trimmed = 0;  // fit observations dropped as outliers (worst 5% after a first fit)
  std::map<Metric, ErrorStats> fit_error;
  std::map<Metric, ErrorStats> held_out_error;
};

// Fits on observations whose row is not held out; reports error on both parts.
// `interconnect_fraction` is taken from the profile's datasheet efficiency (not fitted).
// Optional terms beyond the fractions and overheads, searched on a grid together with the fractions
// (off by default: the shipped catalog calibrations are fitted without them).
struct FitOptions {
  bool dequant = false;    // CalibrationParams::dequant_flops_per_weight (only if some step unpacks weights)
  bool ridge = false;      // CalibrationParams::roofline_norm (p-norm instead of the max near the ridge)
  bool attention = false;  // CalibrationParams::attention_fraction
};
FitResult fit_calibration(const std::vector<Observation>& obs, double interconnect_fraction,
                          const FitOptions& opt = {});

// Error of given parameters per metric over observations (held-out only when `held_out_only`).
std::map<Metric, ErrorStats> evaluate(const std::vector<Observation>& obs, const hwprofiles::CalibrationParams& p,
                                      bool held_out_only);

}  // namespace infersim::perf
