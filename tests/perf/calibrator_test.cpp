#include "infersim/perf/calibrator.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"

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
  EXPECT_GT(argonne, 1700);  // llama.cpp batch > 1 rows are skipped (per-sequence latency)
  EXPECT_GT(held, int(0.2 * double(set.rows.size())));
  EXPECT_LT(held, int(0.4 * double(set.rows.size())));
  EXPECT_EQ(set.skipped.at("h100-80gb-pcap rows are derived (prompt = 1.3 x h100), not measured"), 420);
}

TEST(Measurements, SplitIsByConfigurationSoRepeatsNeverStraddle) {
  const auto set = perf::load_bundled_measurements();
  std::map<std::string, bool> seen;
  for (const auto& r : set.rows) {
    auto [it, inserted] = seen.emplace(r.config_key(), r.held_out);
    if (!inserted) EXPECT_EQ(it->second, r.held_out) << r.config_key();
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

TEST(Calibrator, ErrorStatsAreMedianAndP90OfAbsoluteErrors) {
  const auto s = perf::error_stats({-0.1, 0.2, 0.05, -0.3, 0.0});
  EXPECT_DOUBLE_EQ(s.median_abs, 0.1);
  EXPECT_DOUBLE_EQ(s.p90_abs, 0.3);
  EXPECT_NEAR(s.mean_signed, -0.03, 1e-12);
}
