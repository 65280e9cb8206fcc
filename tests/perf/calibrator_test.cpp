#include "infersim/perf/calibrator.h"

#include <gtest/gtest.h>

#include <deque>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"

using namespace infersim;

namespace {
std::string data(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/" + f; }
}  // namespace

TEST(Measurements, LoadsBothBundledFormatsAndSkipsDerivedRows) {
  const auto set = perf::load_bundled_measurements();
  int splitwise = 0, argonne = 0, held = 0;
  for (const auto& r : set.rows) {
    (r.format == perf::MeasurementFormat::splitwise ? splitwise : argonne)++;
    held += r.held_out;
    EXPECT_NE(r.hardware, "h100-80gb-pcap");
  }
  EXPECT_EQ(splitwise, 8 * 105);  // 12 groups of 105, minus the 4 derived pcap groups
  EXPECT_GT(argonne, 1700);       // llama.cpp batch > 1 rows are skipped (per-sequence latency)
  EXPECT_GT(held, int(0.2 * double(set.rows.size())));
  EXPECT_LT(held, int(0.4 * double(set.rows.size())));
  EXPECT_EQ(set.skipped.at("h100-80gb-pcap rows are derived (prompt = 1.3 x h100), not measured"), 420);
}

TEST(Measurements, SplitIsByConfigurationSoRepeatsNeverStraddle) {
  const auto set = perf::load_bundled_measurements();
  std::map<std::string, bool> seen;
  for (const auto& r : set.rows) {
    auto [it, inserted] = seen.emplace(r.config_key(), r.held_out);
    if (!inserted) {
      EXPECT_EQ(it->second, r.held_out) << r.config_key();
    }
  }
}

TEST(Measurements, BadFilesGetClearErrors) {
  try {
    perf::load_measurements(data("measurements/bad_header.csv"));
    FAIL();
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unrecognised header"), std::string::npos) << e.what();
  }
  try {
    perf::load_measurements(data("measurements/bad_number.csv"));
    FAIL();
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("prompt_time"), std::string::npos) << e.what();
  }
  EXPECT_THROW(perf::load_measurements(data("measurements/nope.csv")), common::IoError);
}

// The fit recovers parameters that generated synthetic measurements exactly (same formulas).
TEST(Calibrator, RecoversKnownParametersFromSyntheticMeasurements) {
  auto set = perf::load_bundled_measurements();
  auto obs = perf::build_observations(set.rows, model::ModelCatalog::shipped(), hwprofiles::HardwareCatalog::shipped(),
                                      "a100-80g-sxm", "vllm");
  ASSERT_GT(obs.obs.size(), 100u);
  hwprofiles::CalibrationParams truth;
  truth.compute_fraction = 0.55;
  truth.memory_fraction = 0.75;
  truth.interconnect_fraction = 0.8;
  truth.step_overhead_s = 3e-3;
  truth.layer_overhead_s = 40e-6;
  truth.seq_overhead_s = 20e-6;
  truth.collective_overhead_s = 10e-6;
  for (auto& o : obs.obs) o.measured = o.predict(truth);
  const auto r = perf::fit_calibration(obs.obs, 0.8);
  EXPECT_NEAR(r.params.compute_fraction, 0.55, 0.011);
  EXPECT_NEAR(r.params.memory_fraction, 0.75, 0.011);
  for (const auto& [m, s] : r.held_out_error) EXPECT_LT(s.median_abs, 0.02) << perf::metric_name(m);
  EXPECT_GT(r.rows_fit, r.rows_held_out);
}

// The optional terms (unpack ceiling, roofline norm, attention fraction) are recovered too, with the
// fractions and overheads, from steps that exercise each of them (int8 weight-only decode, batches
// around the ridge, long contexts).
TEST(Calibrator, RecoversUnpackNormAndAttentionTermsFromSyntheticSteps) {
  auto hw = hwprofiles::load_hardware_profile(data("hw/good.json"));
  hw.calibrations.clear();
  // CPU-like balance (ridge at ~20 FLOP/byte for bf16), so every term shows within the grid.
  hw.peak_flops[int(common::DType::bf16)] = 1e12;
  hw.peak_flops[int(common::DType::fp32)] = 5e11;
  hw.main_memory_bw_bytes_per_s = 50e9;
  const auto& card = model::ModelCatalog::shipped().get("llama-3.2-1b");
  hwprofiles::CalibrationParams truth;
  truth.compute_fraction = 0.7;
  truth.memory_fraction = 0.85;
  truth.interconnect_fraction = 1.0;
  truth.dequant_flops_per_weight = 24;  // int8 decode at small batch: unpack-bound
  truth.roofline_norm = 2.5;
  truth.attention_fraction = 0.6;
  truth.step_overhead_s = 150e-6;
  truth.layer_overhead_s = 8e-6;
  std::deque<perf::Measurement> rows;
  std::vector<perf::Observation> obs;
  int k = 0;
  for (auto weight : {common::DType::bf16, common::DType::int8}) {
    perf::Deployment d;
    d.hardware = hw;
    d.precision = {weight, common::DType::bf16, common::DType::bf16};
    const perf::StepEstimator est(card, d);
    std::vector<model::BatchShape> shapes;
    for (double b : {1, 2, 4, 8, 16, 24, 32, 64, 256})
      for (double ctx : {128, 4096}) shapes.push_back(model::BatchShape::decode(b, ctx));
    for (double len : {64, 512, 2048}) shapes.push_back(model::BatchShape::prefill(1, len));
    for (const auto& s : shapes) {
      perf::Measurement m;
      m.held_out = k++ % 3 == 1;
      rows.push_back(m);
      perf::Observation o;
      o.row = &rows.back();
      o.metric = perf::Metric::tpot;
      o.terms = {{est.cost(s), 1.0}};
      o.measured = o.predict(truth);
      obs.push_back(o);
    }
  }
  perf::FitOptions fo;
  fo.dequant = fo.ridge = fo.attention = true;
  const auto r = perf::fit_calibration(obs, 1.0, fo);
  EXPECT_NEAR(r.params.compute_fraction, 0.7, 0.011);
  EXPECT_NEAR(r.params.memory_fraction, 0.85, 0.011);
  EXPECT_NEAR(r.params.dequant_flops_per_weight, 24, 0.26);
  EXPECT_NEAR(r.params.roofline_norm, 2.5, 0.11);
  EXPECT_NEAR(r.params.attention_fraction, 0.6, 0.021);
  for (const auto& [m, s] : r.held_out_error) EXPECT_LT(s.median_abs, 0.01) << perf::metric_name(m);
  // Without the options the same data cannot be described as well (the terms matter).
  const auto plain = perf::fit_calibration(obs, 1.0);
  EXPECT_EQ(plain.params.roofline_norm, 0);
  EXPECT_EQ(plain.params.dequant_flops_per_weight, 0);
  EXPECT_GT(plain.fit_error.at(perf::Metric::tpot).p90_abs, 2 * r.fit_error.at(perf::Metric::tpot).p90_abs + 0.01);
}

TEST(Calibrator, ErrorStatsAreMedianAndP90OfAbsoluteErrors) {
  const auto s = perf::error_stats({-0.1, 0.2, 0.05, -0.3, 0.0});
  EXPECT_DOUBLE_EQ(s.median_abs, 0.1);
  EXPECT_DOUBLE_EQ(s.p90_abs, 0.3);
  EXPECT_NEAR(s.mean_signed, -0.03, 1e-12);
}
