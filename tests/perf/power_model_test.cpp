#include "infersim/perf/power_model.h"

#include <gtest/gtest.h>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"

using namespace infersim;

namespace {
const hwprofiles::HardwareProfile& hw(const std::string& n) { return hwprofiles::HardwareCatalog::shipped().get(n); }
}  // namespace

// The shipped coefficients are exactly what `infersim calibrate-power` fits on the fit split of the
// bundled measurements: nothing hand-tuned. Regenerate with
// `infersim calibrate-power --write hwprofiles/data/power_model.json`.
TEST(PowerModel, ShippedCoefficientsAreTheRefitOnTheFitSplit) {
  const auto set = perf::load_bundled_measurements();
  const auto f = perf::fit_power(set.rows, model::ModelCatalog::shipped(), hwprofiles::HardwareCatalog::shipped(),
                                 nullptr);
  const auto& s = perf::PowerModel::shipped();
  EXPECT_NEAR(s.k.base, f.model.k.base, 1e-6);
  EXPECT_NEAR(s.k.memory, f.model.k.memory, 1e-6);
  EXPECT_NEAR(s.k.compute, f.model.k.compute, 1e-6);
  EXPECT_EQ(s.fit_configs, f.model.fit_configs);
  // Every measured configuration is used once, the split is the measurements' own.
  int held = 0;
  for (const auto& p : f.points) held += p.row->held_out;
  EXPECT_EQ(f.points.size(), 44u);  // A100-80GB: Llama-2-70B TP2/4/8 x 11, BLOOM-176B TP8 x 11
  EXPECT_EQ(held, f.held_out_error.n);
  EXPECT_EQ(int(f.points.size()) - held, f.model.fit_configs);
}

// On configurations it never saw, the model is closer to the measured average power than the phase
// constants it replaced, and within 10% median.
TEST(PowerModel, HeldOutAveragePowerBeatsThePhaseConstants) {
  const auto set = perf::load_bundled_measurements();
  const auto f = perf::fit_power(set.rows, model::ModelCatalog::shipped(), hwprofiles::HardwareCatalog::shipped(),
                                 &perf::PowerModel::shipped());
  ASSERT_GE(f.held_out_error.n, 10);
  EXPECT_LE(f.held_out_error.median_abs, 0.10);
  EXPECT_LT(f.held_out_error.median_abs, f.held_out_constant_error.median_abs);
  EXPECT_LT(f.held_out_error.p90_abs, f.held_out_constant_error.p90_abs);
  ASSERT_TRUE(f.leave_model_out.count("bloom-176b"));
  EXPECT_LE(f.leave_model_out.at("bloom-176b").median_abs, 0.15);
}

TEST(PowerModel, FractionOfTdpIsClampedBetweenIdleAndTdp) {
  perf::PowerModel m;
  m.k = {0.3, 0.7, 1.4};
  m.fit_configs = 1;
  const auto& a100 = hw("a100-80g-sxm");
  EXPECT_DOUBLE_EQ(m.tdp_fraction(a100, 0, 0), std::max(0.3, a100.idle_w / a100.tdp_w));
  EXPECT_DOUBLE_EQ(m.tdp_fraction(a100, 0, 0.5), 0.3 + 0.35);
  EXPECT_DOUBLE_EQ(m.tdp_fraction(a100, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(m.tdp_fraction(a100, 5, 0), 1.0);  // utilisations are capped at 1
  perf::PowerModel low;
  low.k = {0.0, 0.0, 0.0};
  low.fit_configs = 1;
  EXPECT_DOUBLE_EQ(low.tdp_fraction(a100, 0, 0), a100.idle_w / a100.tdp_w);
  // Roofline work over step time: 2 ms of memory traffic in a 4 ms step = 50% memory utilisation.
  EXPECT_DOUBLE_EQ(m.active_w(a100, {0.0, 0.002}, 0.004, false), a100.tdp_w * 0.65);
}

// Chips without measured power keep their profile's phase constants: the GPU fit is not transferred.
TEST(PowerModel, OnlyGpusUseTheFittedModel) {
  const auto& m = perf::PowerModel::shipped();
  EXPECT_TRUE(m.applies(hw("h100-sxm")));
  EXPECT_TRUE(m.applies(hw("a100-80g-sxm")));
  for (const char* n : {"groq-lpu", "cerebras-wse3", "tpu-v5e"}) {
    if (!hwprofiles::HardwareCatalog::shipped().contains(n)) continue;
    const auto& h = hw(n);
    EXPECT_FALSE(m.applies(h)) << n;
    EXPECT_DOUBLE_EQ(m.active_w(h, {1.0, 1.0}, 1.0, true), h.prefill_w) << n;
    EXPECT_DOUBLE_EQ(m.active_w(h, {1.0, 1.0}, 1.0, false), h.decode_w) << n;
    EXPECT_NE(m.describe(h).find("phase constants"), std::string::npos);
  }
}

// The measured trend the phase constants could not show: the same model's decode draws less per chip
// at TP 8 than at TP 2 (each chip streams a quarter of the weights in a step that is not 4x shorter).
// splitwise-sim measured 0.74 x TDP at TP2 and 0.43 x TDP at TP8 (Llama-2-70B, batch 1, A100-80GB).
TEST(PowerModel, DecodePowerPerChipFallsWithTensorParallelismAsMeasured) {
  const auto& models = model::ModelCatalog::shipped();
  auto decode_w = [&](int tp) {
    perf::Deployment d;
    d.hardware = hw("a100-80g-sxm");
    d.tp = tp;
    d.runtime = "vllm";
    d.runtime_version = "splitwise";  // the software that was measured
    const perf::StepEstimator est(models.get("llama-2-70b"), d);
    return perf::estimate_serving(est, {1, 512, 128}).decode_chip_w;
  };
  const double tp2 = decode_w(2), tp8 = decode_w(8);
  EXPECT_GT(tp2, 1.3 * tp8);
  EXPECT_LE(tp2, hw("a100-80g-sxm").tdp_w);
  EXPECT_GE(tp8, hw("a100-80g-sxm").idle_w);
}
