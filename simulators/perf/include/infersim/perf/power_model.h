#pragma once
// Chip power from what a step does, calibrated on measured power (docs/calibration.md, "Power").
//
// While a chip executes a step it draws
//     P = TDP x clamp(base + memory x u_mem + compute x u_compute, idle / TDP, 1)
// where u_mem = the step's roofline memory seconds (bytes / peak bandwidth) / its time and u_compute =
// its roofline compute seconds (FLOPs / peak in the step's precision) / its time, each capped at 1
// (StepEstimator::roofline_work). `base` is what a busy chip draws whatever it computes (clocks up,
// launches, collectives, host traffic). A chip between steps draws the profile's idle power.
//
// The three coefficients are fitted (least absolute deviation, Nelder-Mead) on the measured per-GPU
// average and peak power (the peak read as the larger phase power) of splitwise-sim's perf_model.csv (A100-80GB:
// Llama-2-70B at TP 2/4/8 and BLOOM-176B at TP 8, prompts 128-8192, batch 1-16; its H100 rows carry no power), one
// point per configuration, on the configurations the measurement split assigns to fitting; the rest are held out
// (HELD_OUT_SHARE). The prediction for a row uses the product's own predicted prefill and decode
// times: average = (P_prefill x t_prefill + P_decode x (output - 1) x TPOT) / e2e. Written to
// hwprofiles/data/power_model.json by `infersim calibrate-power --write`; `infersim validate` reports
// the shipped model's error on the held-out configurations, leave-one-model-out, and the error of the
// phase-constant model it replaced.
//
// Scope: GPUs (HardwareKind::gpu) with a TDP, as fractions of their own TDP. Other kinds (TPU, LPU,
// wafer-scale and dataflow chips, NPUs, CPUs) keep their profile's phase constants (prefill_w,
// decode_w): no measured power exists for them here and a GPU fit is not transferred to them.
#include <map>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/calibrator.h"
#include "infersim/perf/measurements.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::perf {

struct PowerCoefficients {
  double base = 0, memory = 0, compute = 0;  // fractions of TDP
};

struct PowerModel {
  PowerCoefficients k;
  std::string source;  // "[FIT] ..."
  int fit_configs = 0;
  common::Json fit_report;  // errors at fit time (informational)

  static const PowerModel& shipped();  // hwprofiles/data/power_model.json
  bool applies(const hwprofiles::HardwareProfile& hw) const;
  // Power of one chip while it runs a step of roofline work `w` lasting `step_s`; the profile's
  // prefill_w / decode_w (by `prefill`) where the model does not apply.
  double active_w(const hwprofiles::HardwareProfile& hw, const StepEstimator::RooflineWork& w, double step_s,
                  bool prefill) const;
  // Fraction of TDP for given utilisations (clamped to [idle/TDP, 1]).
  double tdp_fraction(const hwprofiles::HardwareProfile& hw, double u_compute, double u_memory) const;
  // One line naming the model that applies to `hw` and its source.
  std::string describe(const hwprofiles::HardwareProfile& hw) const;
};

PowerModel power_model_from_json(const common::Json& j, const std::string& file);
common::Json power_model_to_json(const PowerModel& m);

// One measured configuration with the features the model reads (from the product's predictions).
struct PowerPoint {
  const Measurement* row = nullptr;
  double measured_tdp = 0;   // measured average power / TDP
  double predicted_tdp = 0;  // with the model being reported
  double constant_tdp = 0;   // with the profile's phase constants (the model this one replaced)
  // Peak: measured peak power / TDP (< 0: none); predicted = the larger phase power.
  double measured_peak_tdp = -1, predicted_peak_tdp = 0, constant_peak_tdp = 0;
  double prefill_share = 0;  // predicted prefill time / predicted e2e
  double u_compute_prefill = 0, u_memory_prefill = 0, u_compute_decode = 0, u_memory_decode = 0;
};

struct PowerFit {
  PowerModel model;                // fitted on the fit configurations
  std::vector<PowerPoint> points;  // every measured configuration, predicted with `model`
  ErrorStats fit_error, held_out_error, held_out_constant_error;  // average power
  ErrorStats held_out_peak_error, held_out_peak_constant_error;   // peak power
  // Leave one model out: fitted on the other models' configurations (all of them), error on this one's.
  std::map<std::string, ErrorStats> leave_model_out, leave_model_out_peak;
  std::map<std::string, int> skipped;  // reason -> configurations
};

// The errors of a fit as JSON (held_out_average[_phase_constants], held_out_peak[_phase_constants],
// fit_average, leave_model_out_average / _peak): `infersim validate --json` and `calibrate-power --json`.
common::Json power_fit_errors_to_json(const PowerFit& f);

// Features of the measured configurations (one point per configuration; rows without power skipped).
std::vector<PowerPoint> power_points(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                                     const hwprofiles::HardwareCatalog& hardware, std::map<std::string, int>* skipped);
// Least-absolute-deviation fit of the coefficients on `points` (deterministic).
PowerCoefficients fit_power_coefficients(const std::vector<const PowerPoint*>& points,
                                         const hwprofiles::HardwareProfile& hw);
// Fits on the fit split of `rows` and evaluates as described above. `evaluate` (optional) replaces the
// fitted model for the reported errors (validate reports the shipped model).
PowerFit fit_power(const std::vector<Measurement>& rows, const model::ModelCatalog& models,
                   const hwprofiles::HardwareCatalog& hardware, const PowerModel* evaluate = nullptr);

}  // namespace infersim::perf
