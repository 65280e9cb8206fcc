// End to end on the machine at hand: run the host calibration on a small model (probes, engine grid,
// fit), write and reload its outputs, then predict a step the grid never ran with the estimator on the
// reloaded profile and run it on the engine. Loose tolerances: this runs on shared, noisy machines;
// the accuracy targets themselves are reported by `infersim calibrate`, not gated here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <vector>

#include "infersim/hostcal/host_calibration.h"
#include "infersim/micro/probes.h"
#include "infersim/perf/step_estimator.h"
#include "infersim/refengine/engine.h"
#include "refengine_test_models.h"

namespace {

using namespace infersim;
using common::DType;

model::ModelSpec small_model() {
  auto m = refengine::test_models::tiny_model(/*tie=*/true);
  m.name = "small-llama";
  m.hidden_size = 512;
  m.num_heads = 8;
  m.num_kv_heads = 2;
  m.head_dim = 64;
  m.intermediate_size = 2048;
  m.vocab_size = 64000;  // 65 MB of bf16 embedding: bigger than a typical L3, so decode streams DRAM
  return m;
}

// The read probe over existing memory (an engine's weights) reads any bytes, at any alignment, and
// gives a rate of the same order as the fresh-buffer DRAM probe (loose: a shared machine).
TEST(ReadProbe, MeasuresExistingMemoryOfAnyBytes) {
  std::vector<std::uint8_t> buf(std::size_t(96) << 20);
  std::uint64_t x = 88172645463325252ull;
  for (auto& b : buf) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = std::uint8_t(x);  // every float bit pattern appears, NaNs and denormals included
  }
  const double one = micro::measure_read_bandwidth_of({{buf.data() + 3, buf.size() - 3}}, 1, 0.05);
  const double two = micro::measure_read_bandwidth_of(
      {{buf.data(), buf.size() / 2}, {buf.data() + buf.size() / 2, buf.size() / 2}}, 2, 0.05);
  EXPECT_TRUE(std::isfinite(one) && one > 1e8) << one;
  EXPECT_TRUE(std::isfinite(two) && two > 1e8) << two;
  const double fresh = micro::measure_bandwidth(micro::BwKind::read, "DRAM", 96ll << 20, 2, 0.05).bytes_per_s;
  EXPECT_GT(two, fresh / 5) << "in place " << two << " vs fresh buffer " << fresh;
  EXPECT_LT(two, fresh * 5) << "in place " << two << " vs fresh buffer " << fresh;
  EXPECT_EQ(micro::measure_read_bandwidth_of({{buf.data(), 100}}, 2, 0.01), 0.0);  // nothing worth timing
  EXPECT_EQ(micro::measure_read_bandwidth_of({}, 2, 0.01), 0.0);
}

TEST(HostCalibration, FitsWritesReloadsAndPredictsAnUnseenStep) {
  const auto m = small_model();
  hostcal::Options o;
  o.card = m;
  o.layers = 2;
  o.dtypes = {DType::bf16};
  o.decode_batches = {1, 4, 16};
  o.decode_contexts = {64, 512};
  o.prefill_batches = {1, 2};
  o.prefill_lengths = {16, 64, 256};
  o.repeats = 3;
  o.probe_seconds = 0.05;
  o.probe_cache_levels = false;
  o.probe_dram_bytes = 128ll << 20;
  o.hydration = false;
  o.threads = 2;
  const auto dir =
      (std::filesystem::temp_directory_path() / ("infersim_hostcal_" + std::to_string(::getpid()))).string();
  o.out_dir = dir;
  const auto r = hostcal::run_host_calibration(o);
  ASSERT_EQ(r.points.size(), 12u);
  for (const auto& p : r.points) {
    EXPECT_GT(p.measured_s, 0) << p.batch << " x " << p.length;
    EXPECT_GT(p.read_bw, 0) << "each point carries its engine's weight-memory bandwidth";
  }
  const auto& dec = r.errors.at("decode").held_out;
  const auto& pre = r.errors.at("prefill").held_out;
  EXPECT_GE(dec.n, 1);
  EXPECT_LT(dec.median_abs, 0.5) << "held-out decode median error (loose bound for a noisy machine)";
  EXPECT_LT(pre.median_abs, 0.5) << "held-out prefill median error (loose bound for a noisy machine)";

  hostcal::write_outputs(r, dir);
  for (const char* f : {"host.json", "calibrations.json", "report.md", "report.json"})
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / f)) << f;
  const auto hw = hostcal::load_host_profile(dir);
  ASSERT_FALSE(hw.calibrations.empty());
  EXPECT_EQ(hw.calibrations.front().runtime, hostcal::ENGINE_RUNTIME);
  EXPECT_NEAR(hw.calibrations.front().params.step_overhead_s, r.fit.params.step_overhead_s, 1e-9);
  EXPECT_NEAR(hw.datasheet_efficiency.memory_fraction, r.fit.params.memory_fraction, 1e-9);
  EXPECT_NE(hw.source_of("/compute/fp32").find("[MEAS]"), std::string::npos);
  EXPECT_NE(hw.source_of("/efficiency/compute_fraction").find("[FIT]"), std::string::npos);
  // A refit of the written report reproduces the fit exactly (same points, probes, bandwidths).
  const auto rf = hostcal::refit_host_calibration((std::filesystem::path(dir) / "report.json").string(), m);
  ASSERT_EQ(rf.points.size(), r.points.size());
  EXPECT_EQ(rf.fit.params.compute_fraction, r.fit.params.compute_fraction);
  EXPECT_EQ(rf.fit.params.memory_fraction, r.fit.params.memory_fraction);
  EXPECT_EQ(rf.fit.params.roofline_norm, r.fit.params.roofline_norm);
  for (std::size_t i = 0; i < r.points.size(); ++i)
    EXPECT_DOUBLE_EQ(rf.points[i].predicted_s, r.points[i].predicted_s) << i;

  // Predict a decode step outside the grid (batch 2, context 300) and run it.
  refengine::EngineOptions eo;
  eo.threads = 2;
  refengine::Engine e(refengine::make_random_weights(refengine::truncated(m, 2), DType::bf16, 1), eo);
  std::vector<refengine::StepInput> in;
  for (int b = 0; b < 2; ++b) {
    const int s = e.add_sequence(320);
    e.fill_context(s, 300, std::uint64_t(b + 1));
    in.push_back({s, {std::int32_t(7 + b)}});
  }
  perf::Deployment d;
  d.hardware = hw;
  d.precision = e.precision();
  perf::StepEstimator est(e.spec(), d);
  const double predicted = est.time(e.shape_of(in));
  // The fastest of many runs, spread over time, so a burst of load from elsewhere on a shared 2-core
  // machine (seen once in CI: one 5-run window measured 2.1x the calibrated step) does not decide it.
  // Runs go in back-to-back bursts, as the calibration grid runs them: a step that follows an idle
  // gap is not what the grid measured (after a 10 ms sleep the same step took 2x as long on a 2-vCPU
  // VM: the engine's worker threads and caches go cold), so a single run after each pause is not a
  // fair sample of the calibrated step.
  // A calibrated grid point (decode, batch 4 at context 64) is timed in the same bursts on the same
  // engine: the machine's speed now over its speed during the calibration. A co-tenant that slows the
  // whole shared VM for seconds (seen in CI: every one of 40 runs at 2x the calibrated step) moves
  // both alike; the model's error on the unseen step does not.
  const hostcal::GridPoint* ref = nullptr;
  for (const auto& p : r.points)
    if (!p.prefill && p.batch == 4 && p.length == 64) ref = &p;
  ASSERT_NE(ref, nullptr);
  std::vector<refengine::StepInput> ref_in;
  for (int b = 0; b < 4; ++b) {
    const int s = e.add_sequence(80);
    e.fill_context(s, 64, std::uint64_t(b + 11));
    ref_in.push_back({s, {std::int32_t(3 + b)}});
  }
  double measured = 1e300, ref_now = 1e300;
  for (int burst = 0; burst < 8; ++burst) {
    for (int rep = 0; rep < 5; ++rep) {
      for (const auto& x : in) e.truncate(x.seq, 300);
      measured = std::min(measured, e.step(in).seconds);
      for (const auto& x : ref_in) e.truncate(x.seq, 64);
      ref_now = std::min(ref_now, e.step(ref_in).seconds);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  const double drift = ref_now / ref->measured_s;  // > 1: the machine is slower now than when calibrated
  const double expected = predicted * drift;
  EXPECT_GT(expected, measured / 2) << "predicted " << predicted << " s x drift " << drift << ", engine " << measured
                                    << " s";
  EXPECT_LT(expected, measured * 2) << "predicted " << predicted << " s x drift " << drift << ", engine " << measured
                                    << " s";
  EXPECT_LT(drift, 4.0) << "the calibrated point ran " << drift << "x slower than during the calibration";
  std::filesystem::remove_all(dir);
}

}  // namespace
