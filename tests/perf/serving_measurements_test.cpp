// The aiconfigurator silicon rows: mapped onto catalog names with the modelled subset kept and every
// skipped row counted with its reason; the held-out split is deterministic by configuration.
#include "infersim/perf/serving_measurements.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "infersim/common/errors.h"

using namespace infersim;

TEST(ServingMeasurements, BundledRowsMapOntoTheCatalogWithReasons) {
  const auto set = perf::load_serving_measurements(perf::bundled_serving_measurements());
  std::size_t dense = 0, held = 0;
  for (const auto& r : set.rows) {
    dense += !r.moe;
    held += r.held_out;
    EXPECT_GT(r.ttft_s, 0);
    EXPECT_GT(r.tpot_s, 0);
    EXPECT_GE(r.concurrency, 1);
  }
  EXPECT_GE(set.rows.size(), 2000u);
  EXPECT_GE(dense, 600u) << "the dense Llama / Qwen3-32B rows";
  const double share = double(held) / double(set.rows.size());
  EXPECT_NEAR(share, perf::SERVING_HELD_OUT_SHARE, 0.05);
  int disagg = 0;
  for (const auto& [why, n] : set.skipped)
    if (why.find("disaggregated") != std::string::npos) disagg = n;
  EXPECT_EQ(disagg, 1418) << "data/aiconfigurator/README.md: 1,418 disagg rows";
}

TEST(ServingMeasurements, SplitIsDeterministicAndPerConfiguration) {
  const auto a = perf::load_serving_measurements(perf::bundled_serving_measurements());
  const auto b = perf::load_serving_measurements(perf::bundled_serving_measurements());
  ASSERT_EQ(a.rows.size(), b.rows.size());
  std::map<std::string, bool> side;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].held_out, b.rows[i].held_out);
    auto [it, fresh] = side.emplace(a.rows[i].config_key(), a.rows[i].held_out);
    if (!fresh) {
      EXPECT_EQ(it->second, a.rows[i].held_out) << "a configuration straddles the split: " << a.rows[i].config_key();
    }
  }
}

TEST(ServingMeasurements, MalformedFilesNameTheLineAndColumn) {
  const std::string path = ::testing::TempDir() + "/silicon_bad.csv";
  {
    std::ofstream f(path);
    f << "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,gemm_quant_mode,"
         "batch_size,tp_size,pp_size,silicon_ttft_ms,silicon_tpot_ms\n"
      << "x,src,vllm,0.12.0,Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,,16,2,1,abc,10\n";
  }
  try {
    perf::load_serving_measurements(path);
    FAIL() << "expected a ConfigError";
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("silicon_ttft_ms"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}
