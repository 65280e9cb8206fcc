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
