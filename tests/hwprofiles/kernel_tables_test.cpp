// The bundled kernel tables load with the constant columns the bundling moved to the manifest,
// curves interpolate and extrapolate as documented, and malformed tables name the file and line.
#include "infersim/hwprofiles/kernel_tables.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"

using namespace infersim;
namespace fs = std::filesystem;

TEST(KernelTables, CurveIsLinearInsideFloorBelowProportionalAbove) {
  hwprofiles::Curve c{{1, 3, 5}, {10, 20, 40}};
  EXPECT_DOUBLE_EQ(c.at(0.5), 10) << "below the first point the first latency is a floor";
  EXPECT_DOUBLE_EQ(c.at(2), 15);
  EXPECT_DOUBLE_EQ(c.at(4), 30);
  EXPECT_DOUBLE_EQ(c.at(10), 80) << "past the grid the work grows linearly with x";
}

TEST(KernelTables, LoadsAFolderAndFillsManifestConstants) {
  // a100_sxm/vllm-0.14.0: gemm_dtype, head_dim and the attention dtypes are constants in the manifest.
  const auto t = hwprofiles::KernelTableCatalog::shipped().get("a100_sxm/vllm-0.14.0");
  EXPECT_EQ(t->system, "a100_sxm");
  EXPECT_EQ(t->framework, "vllm");
  EXPECT_EQ(t->version, "0.14.0");
  EXPECT_EQ(t->device, "NVIDIA A100-SXM4-80GB");
  EXPECT_TRUE(t->gemm.has_dtype("bfloat16"));
  ASSERT_FALSE(t->context.empty());
  for (const auto& [k, g] : t->context) EXPECT_EQ(k.head_dim, 128);
  // Every curve ascends in m with positive latencies; grids are batch x length with holes as NaN.
  for (const auto& [key, c] : t->gemm.curves) {
    ASSERT_FALSE(c.x.empty());
    for (std::size_t i = 1; i < c.x.size(); ++i) EXPECT_LT(c.x[i - 1], c.x[i]);
    for (double y : c.y) EXPECT_GT(y, 0);
  }
  EXPECT_EQ(t->allreduce.count(8), 1u);
  EXPECT_GT(t->rows, 10000u);
  // Loaded once per process.
  EXPECT_EQ(t.get(), hwprofiles::KernelTableCatalog::shipped().get("a100_sxm/vllm-0.14.0").get());
}

TEST(KernelTables, ExactMeasurementIsKeptInSeconds) {
  // h100_sxm/trtllm-1.3.0rc20 gemm_perf.csv: bfloat16, m=32, n=4096, k=4096, 0.0152427 ms.
  const auto t = hwprofiles::KernelTableCatalog::shipped().get("h100_sxm/trtllm-1.3.0rc20");
  const auto* c = t->gemm.find("bfloat16", 4096, 4096);
  ASSERT_NE(c, nullptr);
  EXPECT_NEAR(c->at(32), 0.0152427e-3, 1e-12);
}

TEST(KernelTables, GemmSamplesSlowerThanTheNextFiveTakeTheirMedian) {
  // b200_sxm/vllm-0.24.0 gemm_perf.csv, fp8, n 2560, k 8192: 0.0323547 ms at m = 4 between 0.0129316 at
  // m = 3 and 0.0127822 / 0.0125769 / 0.0129822 at m = 5 / 6 / 7. A GEMM of 4 rows can run as one of 5,
  // padded; the serving runs show no such step (docs/calibration.md).
  const auto t = hwprofiles::KernelTableCatalog::shipped().get("b200_sxm/vllm-0.24.0");
  const auto* c = t->gemm.find("fp8", 2560, 8192);
  ASSERT_NE(c, nullptr);
  EXPECT_NEAR(c->at(4), 0.0127822e-3, 1e-12);
  // In a flat stretch a sample moves by its noise at most: m = 5 takes the next five's median, 0.0127493.
  EXPECT_NEAR(c->at(5), 0.0127493e-3, 1e-12);
  // A sample at or below the next ones is kept as measured: m = 4096 (0.131233 ms, then 0.143333 at 4097).
  EXPECT_NEAR(c->at(4096), 0.131233e-3, 1e-12);
  // m = 1 and 2 (0.0271742, 0.0325316 ms) sit above the samples after them too, m = 4 among them.
  EXPECT_LT(c->at(1), 0.014e-3);
  EXPECT_LT(c->at(2), 0.014e-3);
  // The samples as measured stay beside them for the efficiency-model fit (infersim kernels fit).
  ASSERT_EQ(c->y_measured.size(), c->y.size());
  EXPECT_NEAR(c->y_measured[3], 0.0323547e-3, 1e-12) << "m = " << c->x[3];
}

TEST(KernelTables, MalformedTablesNameTheFileAndLine) {
  const fs::path root = fs::temp_directory_path() / "infersim_kt_test";
  fs::remove_all(root);
  fs::create_directories(root / "x_sys" / "trtllm-1.0");
  {
    std::ofstream(root / "x_sys" / "trtllm-1.0" / "gemm_perf.csv")
        << "gemm_dtype,m,n,k,latency\nbfloat16,1,32,32,0.01\nbfloat16,2,32,32,oops\n";
  }
  try {
    hwprofiles::load_kernel_tables(root.string(), "x_sys/trtllm-1.0");
    FAIL() << "expected a ConfigError";
  } catch (const common::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("gemm_perf.csv"), std::string::npos) << what;
    EXPECT_NE(what.find("line 3"), std::string::npos) << what;
    EXPECT_NE(what.find("latency"), std::string::npos) << what;
  }
  EXPECT_THROW(hwprofiles::load_kernel_tables(root.string(), "x_sys/missing-1.0"), common::IoError);
  fs::remove_all(root);
}
