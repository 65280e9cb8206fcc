#pragma once
// Helpers for serving-simulator tests: scenarios from JSON text, and the same step-time model the
// simulator uses, for closed-form expectations.
#include <cmath>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"

namespace infersim::servingtest {

// A shipped model card by name.
inline const model::ModelSpec& card(const std::string& n) { return model::ModelCatalog::shipped().get(n); }

// |a/b - 1|: relative difference of a from the reference b.
inline double rel(double a, double b) { return std::fabs(a / b - 1.0); }

inline serving::Scenario scenario(const std::string& json, const std::vector<std::string>& sets = {}) {
  return serving::parse_scenario_text(json, sets, std::string(INFERSIM_SOURCE_DIR));
}

inline serving::SimResult run(const std::string& json, const std::vector<std::string>& sets = {}) {
  return serving::simulate(scenario(json, sets));
}

// A deployment of `model` on `hw` under `runtime` ("" = the hardware's default; "name@version" pins a
// version), resolved as the CLI does: the runtime's default precision for `weight`, its calibration and
// scheduler; tp / pp as given.
inline perf::Deployment resolved(const std::string& model, const std::string& hw, const std::string& runtime, int tp,
                                 int pp = 1, common::DType weight = common::DType::bf16) {
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(hw);
  d.runtime = runtime;
  d.precision = perf::default_precision(d.hardware, weight, std::nullopt, runtime);
  perf::apply_runtime(card(model), d);
  d.tp = tp;
  d.pp = pp;
  return d;
}

// The estimator the simulator builds for hardware `hw` with tp/pp (default precision and runtime).
inline perf::StepEstimator estimator(const std::string& model, const std::string& hw, int tp, int pp = 1,
                                     const std::string& runtime = "") {
  return perf::StepEstimator(card(model), resolved(model, hw, runtime, tp, pp));
}

}  // namespace infersim::servingtest
