#pragma once
// Shared fixtures for perf tests: the synthetic test GPU (tests/data/hw/good.json) with chosen
// calibration parameters, so oracle tests do not depend on shipped datasheet values.
#include <string>

#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::testing {

inline hwprofiles::HardwareProfile test_gpu(double cf = 0.5, double mf = 0.8, double step = 0, double layer = 0,
                                            double seq = 0, double coll = 0) {
  auto h = hwprofiles::load_hardware_profile(std::string(INFERSIM_TEST_DATA) + "/hw/good.json");
  hwprofiles::Calibration c;
  c.runtime = "test";
  c.params.compute_fraction = cf;
  c.params.memory_fraction = mf;
  c.params.interconnect_fraction = 1.0;
  c.params.step_overhead_s = step;
  c.params.layer_overhead_s = layer;
  c.params.seq_overhead_s = seq;
  c.params.collective_overhead_s = coll;
  c.source = "[EST] test";
  h.calibrations = {c};
  return h;
}

inline perf::Deployment deployment(const hwprofiles::HardwareProfile& h, int tp = 1, int pp = 1) {
  perf::Deployment d;
  d.hardware = h;
  d.tp = tp;
  d.pp = pp;
  return d;
}

inline const model::ModelSpec& card(const std::string& n) { return model::ModelCatalog::shipped().get(n); }

}  // namespace infersim::testing
