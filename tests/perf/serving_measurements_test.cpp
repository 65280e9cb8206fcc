// The aiconfigurator silicon rows: mapped onto catalog names with the modelled subset kept and every
// skipped row counted with its reason; the held-out split is deterministic by configuration.
#include "infersim/perf/serving_measurements.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "infersim/common/errors.h"

using namespace infersim;

namespace {
// Loading `path` fails with a ConfigError whose message names every one of `parts`.
void expect_load_error(const std::string& path, std::initializer_list<const char*> parts) {
  try {
    perf::load_serving_measurements(path);
    FAIL() << "expected a ConfigError";
  } catch (const common::ConfigError& e) {
    for (const char* p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}
}  // namespace

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
  EXPECT_GE(set.rows.size(), 1650u);
  EXPECT_GE(dense, 600u) << "the dense Llama / Qwen3-32B rows";
  const double share = double(held) / double(set.rows.size());
  EXPECT_NEAR(share, perf::SERVING_HELD_OUT_SHARE, 0.05);
  int disagg = 0, repeats = 0;
  for (const auto& [why, n] : set.skipped) {
    if (why.find("disaggregated (prefill/decode pools)") != std::string::npos) disagg = n;
    if (why.find("same measurement") != std::string::npos) repeats = n;
  }
  EXPECT_EQ(disagg, 1418) << "data/aiconfigurator/README.md: 1,418 disagg rows";
  EXPECT_GE(repeats, 300) << "runs exported twice count once (docs/calibration.md, layout repairs)";
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
  expect_load_error(path, {"line 2", "silicon_ttft_ms"});
  std::remove(path.c_str());
}

namespace {
const char* kHeader =
    "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,gemm_quant_mode,"
    "moe_quant_mode,batch_size,tp_size,pp_size,attention_dp_size,moe_tp_size,moe_ep_size,silicon_ttft_ms,"
    "silicon_tpot_ms\n";
}

TEST(ServingMeasurements, LayoutsWrittenAsGxGGpusAreRepaired) {
  const std::string path = ::testing::TempDir() + "/silicon_layouts.csv";
  {
    std::ofstream f(path);
    f << kHeader
      // id names the layout (8 GPUs); columns say attention-DP 64, MoE-TP 8, EP 8, batch 64 / 64.
      << "ds_b200_trtllm_fp4_agg_1024x1024_c64_tp8_ep8_937,silicon_concurrency=64,trtllm,1.2.0,"
         "deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,nvfp4,nvfp4,1,1,1,64,8,8,1085.5,12.29\n"
      // the same run from another export, written right: once repaired, the first is its duplicate
      << "ds_b200_trtllm_fp4_agg_1024x1024_c64_tp8_0_ep8_0_976,silicon_concurrency=64,trtllm,1.2.0,"
         "deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,nvfp4,nvfp4,8,1,1,8,1,8,1085.5,12.29\n"
      // the same layout and load measured again (another TTFT): a measurement of its own
      << "ds_b200_trtllm_fp4_agg_1024x1024_c64_tp8_0_ep8_0_977,silicon_concurrency=64,trtllm,1.2.0,"
         "deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,nvfp4,nvfp4,8,1,1,8,1,8,1090.0,12.29\n"
      // that re-measurement again, from an export that rounds to 0.01 ms: the same run
      << "ds_gap_analysis_b200_trtllm_fp4_agg_1024x1024_c64_tp8_ep8_21,silicon_concurrency=64,trtllm,1.2.0,"
         "deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,nvfp4,nvfp4,8,1,1,8,1,8,1089.996,12.2851\n"
      // no layout in the id: TP 64 with MoE-TP = EP = 8 (G x G) -> TP 8
      << "ds_b200_trtllm_fp8_agg_1024x1024_c4_cfg177,silicon_concurrency=4,trtllm,1.1.0,deepseek-ai/DeepSeek-V3,"
         "b200_sxm,fp8,agg,1024,1024,fp8,fp8,4,64,1,1,8,8,213.5,14.59\n"
      // vLLM TP x EP written as attention-DP = TP, EP = TP^2
      << "mm_b200_vllm_fp8_agg_1024x1024_c8_cfg690,silicon_concurrency=8,vllm,0.19.0,MiniMaxAI/MiniMax-M2.5,"
         "b200_sxm,fp8,agg,1024,1024,fp8,fp8,4,2,1,2,1,4,82.8,11.07\n"
      // a genuine layout (attention-DP 4 over 4 GPUs, EP 4): untouched
      << "ds_b200_trtllm_fp4_agg_1024x1024_c256_tp4_0_ep4_0_990,silicon_concurrency=256,trtllm,1.2.0,"
         "deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,nvfp4,nvfp4,64,1,1,4,1,4,1228.6,23.23\n";
  }
  const auto set = perf::load_serving_measurements(path);
  ASSERT_EQ(set.rows.size(), 5u) << "the second export of the first run counts once";
  int repeats = 0;
  for (const auto& [why, n] : set.skipped)
    if (why.find("same measurement") != std::string::npos) repeats += n;
  EXPECT_EQ(repeats, 2) << "an exact copy and a copy rounded to 0.01 ms";
  const auto& a = set.rows[0];
  EXPECT_EQ(a.tp, 1);
  EXPECT_EQ(a.attention_dp, 8);
  EXPECT_EQ(a.ep, 8);
  EXPECT_DOUBLE_EQ(a.concurrency, 8.0) << "64 clients over 8 ranks";
  EXPECT_EQ(a.config_key(), set.rows[1].config_key()) << "a re-measurement shares the run's side of the split";
  EXPECT_EQ(a.held_out, set.rows[1].held_out);
  EXPECT_DOUBLE_EQ(set.rows[1].ttft_s, 1.090);
  const auto& c = set.rows[2];
  EXPECT_EQ(c.tp, 8);
  EXPECT_EQ(c.attention_dp, 1);
  EXPECT_EQ(c.ep, 8);
  EXPECT_DOUBLE_EQ(c.concurrency, 4.0);
  const auto& d = set.rows[3];
  EXPECT_EQ(d.tp, 2);
  EXPECT_EQ(d.attention_dp, 1);
  EXPECT_EQ(d.ep, 2);
  EXPECT_DOUBLE_EQ(d.concurrency, 8.0) << "one engine takes all 8 clients";
  const auto& e = set.rows[4];
  EXPECT_EQ(e.attention_dp, 4);
  EXPECT_EQ(e.ep, 4);
  EXPECT_DOUBLE_EQ(e.concurrency, 64.0);
  int repaired = 0;
  for (const auto& [why, n] : set.relabelled) repaired += n;
  EXPECT_EQ(repaired, 3);
}

TEST(ServingMeasurements, BundledRepairsLeaveNoGxGLayouts) {
  const auto set = perf::load_serving_measurements(perf::bundled_serving_measurements());
  int repaired = 0;
  for (const auto& [why, n] : set.relabelled) repaired += n;
  EXPECT_GE(repaired, 200) << "docs/calibration.md, layout repairs";
  for (const auto& r : set.rows) {
    const int gpus = r.tp * r.attention_dp;
    EXPECT_FALSE(r.ep > 1 && gpus == r.ep * r.ep) << r.id << " still written as " << gpus << " GPUs";
    EXPECT_FALSE(r.runtime == "vllm" && r.attention_dp > 1) << r.id << ": vLLM rows have no attention DP";
  }
}

// Rows from a developer's own results file ran the frameworks' server defaults; the pipeline's exports
// (source dumps, dated CSVs) ran aiconfigurator's generated engine configs (docs/calibration.md).
TEST(ServingMeasurements, RowsFromALocalResultsFileRanTheServerDefaults) {
  const std::string path = ::testing::TempDir() + "/silicon_sources.csv";
  {
    std::ofstream f(path);
    f << kHeader
      << "a,source_file=/Users/someone/results.csv,sglang,0.5.1.post1,Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,,,16,2,"
         "1,1,1,1,841,16.5\n"
      << "b,db-dump/2026-04-27; config_id=1; measured=2026-03-01,sglang,0.5.9,Qwen/Qwen3-32B,h100_sxm,,agg,1024,"
         "128,,,16,4,1,1,1,1,500,10\n"
      << "d,source_file=/Users/someone/1.3.0rc1/q.csv; image=nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0,"
         "trtllm,1.3.0rc1,Qwen/Qwen3-32B,gb200,,agg,1024,128,,,16,4,1,1,1,1,400,9\n"
      << "c,source_file=2026-04-06.csv; measured=2025-11-02,sglang,,Qwen/Qwen3-32B,h100_sxm,,agg,1024,256,,,16,8,"
         "1,1,1,1,300,8\n";
  }
  const auto set = perf::load_serving_measurements(path);
  ASSERT_EQ(set.rows.size(), 4u);
  EXPECT_TRUE(set.rows[0].framework_defaults);
  EXPECT_FALSE(set.rows[1].framework_defaults);
  EXPECT_FALSE(set.rows[2].framework_defaults) << "a Dynamo runtime image: the pipeline's generated config";
  EXPECT_FALSE(set.rows[3].framework_defaults);
  EXPECT_EQ(set.rows[2].image, "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0") << "the server image as recorded";
  EXPECT_EQ(set.rows[1].image, "") << "no image recorded";
  std::size_t local = 0;
  for (const auto& r : perf::load_serving_measurements(perf::bundled_serving_measurements()).rows)
    local += r.framework_defaults;
  EXPECT_GE(local, 400u) << "the 2025 H100 collection (TensorRT-LLM, vLLM, SGLang)";
  std::remove(path.c_str());
}

// Rows on InferenceX's three workloads, outside the 2025 H100 collection, ran its client, which draws each
// request's lengths from 0.8 x to 1 x the nominal ones; the rest ran at fixed lengths.
TEST(ServingMeasurements, InferenceXWorkloadsDrawTheirLengths) {
  const std::string path = ::testing::TempDir() + "/silicon_lengths.csv";
  {
    std::ofstream f(path);
    f << kHeader
      << "a,db-dump/2026-04-27; config_id=1; measured=2026-03-01,vllm,0.19.0,Qwen/Qwen3-32B,b200_sxm,,agg,8192,"
         "1024,,,16,4,1,1,1,1,500,10\n"
      << "b,source_file=2026-04-06.csv; measured=2025-11-02,sglang,,Qwen/Qwen3-32B,b200_sxm,,agg,1024,8192,,,16,8,"
         "1,1,1,1,300,8\n"
      << "c,source_file=2026-04-06.csv; measured=2025-11-02,sglang,,Qwen/Qwen3-32B,b200_sxm,,agg,1024,1024,,,16,8,"
         "1,1,1,1,300,8\n"
      << "d,source_file=/Users/someone/results.csv,sglang,0.5.1.post1,Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,,,16,2,"
         "1,1,1,1,841,16.5\n"
      << "e,source_file=/Users/someone/1.3.0rc1/q.csv; image=nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0,"
         "trtllm,1.3.0rc1,Qwen/Qwen3-32B,gb200,,agg,4000,1000,,,16,4,1,1,1,1,400,9\n";
  }
  const auto set = perf::load_serving_measurements(path);
  ASSERT_EQ(set.rows.size(), 5u);
  EXPECT_EQ(set.rows[0].length_range_ratio, 0.8);
  EXPECT_EQ(set.rows[1].length_range_ratio, 0.8);
  EXPECT_EQ(set.rows[2].length_range_ratio, 0.8);
  EXPECT_EQ(set.rows[3].length_range_ratio, 1.0) << "aiconfigurator's own collection: fixed lengths";
  EXPECT_EQ(set.rows[4].length_range_ratio, 1.0) << "a Dynamo pipeline run at 4000 / 1000";
  std::remove(path.c_str());
}

// A dated export holds disaggregated runs a second time under mode "agg" (InferenceX's GB200 Dynamo
// deployments in source_file=2026-04-06.csv): the agg row's id repeats a disagg row's of the same source
// file and its TTFT and TPOT match. Such rows are skipped with the disaggregated ones, whichever comes
// first in the file; an agg row whose twin measured something else, or from another source file, stays.
TEST(ServingMeasurements, AggRowsThatRepeatADisaggregatedRunAreSkipped) {
  const std::string path = ::testing::TempDir() + "/silicon_disagg_twins.csv";
  const std::string src = "source_file=2026-04-06.csv; model=DeepSeek-R1; measured=2025-11-17";
  {
    std::ofstream f(path);
    f << kHeader
      // the same run twice: agg (TTFT +6%) and disagg
      << "x_gb200_trtllm_fp4_agg_8192x1024_c538_tp64_ep1_113," << src
      << ",trtllm,,Qwen/Qwen3-32B,gb200,,agg,8192,1024,,,538,64,1,1,64,1,1388.7,10.07\n"
      // a twin id whose TPOT differs by 50%: another run, kept
      << "x_gb200_trtllm_fp4_agg_1024x1024_c32_tp8_ep1_7," << src
      << ",trtllm,,Qwen/Qwen3-32B,gb200,,agg,1024,1024,,,32,8,1,1,8,1,200,15\n"
      << "x_gb200_trtllm_fp4_disagg_8192x1024_c538_tp64_ep1_1105," << src
      << ",trtllm,,Qwen/Qwen3-32B,gb200,,disagg,8192,1024,,,,,,,,,1310.0,10.07\n"
      << "x_gb200_trtllm_fp4_disagg_1024x1024_c32_tp8_ep1_1106," << src
      << ",trtllm,,Qwen/Qwen3-32B,gb200,,disagg,1024,1024,,,,,,,,,200,10\n"
      // the same id stem and times in another source file: not the same export, kept
      << "x_gb200_trtllm_fp4_agg_8192x1024_c538_tp64_ep1_9,source_file=2026-05-01.csv"
      << ",trtllm,,Qwen/Qwen3-32B,gb200,,agg,8192,1024,,,538,64,1,1,64,1,1388.7,10.07\n";
  }
  const auto set = perf::load_serving_measurements(path);
  std::set<std::string> ids;
  for (const auto& r : set.rows) ids.insert(r.id);
  EXPECT_EQ(ids, (std::set<std::string>{"x_gb200_trtllm_fp4_agg_1024x1024_c32_tp8_ep1_7",
                                        "x_gb200_trtllm_fp4_agg_8192x1024_c538_tp64_ep1_9"}));
  int twins = 0;
  for (const auto& [why, n] : set.skipped)
    if (why.find("the same run as a disaggregated row") != std::string::npos) twins = n;
  EXPECT_EQ(twins, 1);
  std::remove(path.c_str());

  // The bundled file: the 41 GB200 rows (TensorRT-LLM 30, SGLang 11), none elsewhere.
  const auto bundled = perf::load_serving_measurements(perf::bundled_serving_measurements());
  int bundled_twins = 0;
  for (const auto& [why, n] : bundled.skipped)
    if (why.find("the same run as a disaggregated row") != std::string::npos) bundled_twins = n;
  EXPECT_EQ(bundled_twins, 41);
  for (const auto& r : bundled.rows) {
    EXPECT_NE(r.id, "2026_04_06_deepseek_r1_gb200_trtllm_fp4_agg_8192x1024_c538_tp64_ep1_113");
    EXPECT_NE(r.id, "2026_04_06_deepseek_r1_gb200_trtllm_fp4_agg_8192x1024_c2150_tp32_ep1_121");
  }
}

// A fit_exclusions.json beside the CSV keeps rows of a named server image out of every fit; the rows
// are still loaded (and predicted); a malformed rule names the file.
TEST(ServingMeasurements, FitExclusionsBesideTheCsvMarkRowsByImageOrId) {
  const std::string dir = ::testing::TempDir() + "/fit_exclusions_test";
  std::filesystem::create_directories(dir);
  const std::string csv = dir + "/rows.csv";
  {
    std::ofstream f(csv);
    f << kHeader
      << "a,measured=2026-03-17; image=nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0,trtllm,1.3.0rc1,"
         "Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,,,16,2,1,1,1,1,200,40\n"
      << "b,measured=2026-03-17; image=nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.8.1,trtllm,1.3.0rc5,"
         "Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,,,16,2,1,1,1,1,200,12\n";
  }
  const std::string rules = dir + "/fit_exclusions.json";
  {
    std::ofstream f(rules);
    f << R"({"about": "test", "rules": [{"image": "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0",
            "reason": "TPOT does not follow the load", "evidence": ["x"]}]})";
  }
  const auto set = perf::load_serving_measurements(csv);
  ASSERT_EQ(set.rows.size(), 2u);
  EXPECT_EQ(set.rows[0].fit_excluded, "TPOT does not follow the load");
  EXPECT_FALSE(set.rows[0].fitted());
  EXPECT_TRUE(set.rows[1].fit_excluded.empty());
  EXPECT_EQ(set.rows[1].fitted(), !set.rows[1].held_out);
  EXPECT_EQ(set.fit_excluded.at("TPOT does not follow the load"), 1);
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"image": "x", "reason": "y", "colour": "red"}]})";
  }
  expect_load_error(csv, {"fit_exclusions.json", "colour"});
  // A rule may name the rows themselves (runs that recorded no image); an id that is no row is an error.
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"ids": ["b"], "reason": "512 users served like 100"}]})";
  }
  const auto by_id = perf::load_serving_measurements(csv);
  EXPECT_TRUE(by_id.rows[0].fit_excluded.empty());
  EXPECT_EQ(by_id.rows[1].fit_excluded, "512 users served like 100");
  EXPECT_EQ(by_id.fit_excluded.at("512 users served like 100"), 1);
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"ids": ["b", "c"], "reason": "r"}]})";
  }
  expect_load_error(csv, {"fit_exclusions.json", "rules.ids", "'c'"});
  // "metrics": ["ttft"] keeps only the rows' TTFT out: they stay fit rows for TPOT.
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"ids": ["b"], "metrics": ["ttft"], "reason": "TTFT does not follow the load"}]})";
  }
  const auto ttft_only = perf::load_serving_measurements(csv);
  EXPECT_TRUE(ttft_only.rows[1].fit_excluded.empty());
  EXPECT_EQ(ttft_only.rows[1].ttft_fit_excluded, "TTFT does not follow the load");
  EXPECT_EQ(ttft_only.rows[1].fitted(), !ttft_only.rows[1].held_out);
  EXPECT_FALSE(ttft_only.rows[1].ttft_fitted());
  EXPECT_TRUE(ttft_only.rows[0].ttft_fit_excluded.empty());
  EXPECT_EQ(ttft_only.fit_excluded.at("TTFT does not follow the load"), 1);
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"ids": ["b"], "metrics": ["itl"], "reason": "r"}]})";
  }
  expect_load_error(csv, {"fit_exclusions.json", "rules.metrics", "'itl'"});
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"ids": ["b"], "metrics": ["tpot"], "reason": "r"}]})";
  }
  expect_load_error(csv, {"fit_exclusions.json", "rules.metrics"});
  std::filesystem::remove(rules);
  // A row_recipes.json beside the CSV records a run's recipe by row id: the MTP draft tokens and the
  // recurrent states' precision.
  const std::string recipes = dir + "/row_recipes.json";
  {
    std::ofstream f(recipes);
    f << R"({"about": "test", "rules": [{"ids": ["a"], "mtp_draft_tokens": 2, "state_precision": "bf16",
            "reason": "EAGLE recipe", "evidence": ["x"]}]})";
  }
  const auto rec = perf::load_serving_measurements(csv);
  EXPECT_EQ(rec.rows[0].mtp_draft_tokens, 2);
  EXPECT_EQ(rec.rows[0].state_precision, common::DType::bf16);
  EXPECT_EQ(rec.rows[0].recipe, "EAGLE recipe");
  EXPECT_EQ(rec.rows[1].mtp_draft_tokens, -1) << "not recorded";
  EXPECT_FALSE(rec.rows[1].state_precision.has_value()) << "not recorded";
  {
    std::ofstream f(recipes);
    f << R"({"rules": [{"ids": ["a"], "state_precision": "fp8", "reason": "r"}]})";
  }
  expect_load_error(csv, {"row_recipes.json", "state_precision", "'fp8'"});
  {
    std::ofstream f(recipes);
    f << R"({"rules": [{"ids": ["a"], "reason": "r"}]})";
  }
  expect_load_error(csv, {"row_recipes.json", "mtp_draft_tokens, state_precision or both"});
  {
    std::ofstream f(recipes);
    f << R"({"rules": [{"ids": ["z"], "mtp_draft_tokens": 2, "reason": "r"}]})";
  }
  expect_load_error(csv, {"row_recipes.json", "rules.ids", "'z'"});
  {
    std::ofstream f(recipes);
    f << R"({"rules": [{"ids": ["a"], "mtp_draft_tokens": 40, "reason": "r"}]})";
  }
  expect_load_error(csv, {"row_recipes.json", "mtp_draft_tokens"});
  {
    std::ofstream f(recipes);
    f << R"({"rules": [{"ids": ["a"], "mtp_draft_tokens": 2}]})";
  }
  expect_load_error(csv, {"row_recipes.json", "reason"});
  std::filesystem::remove(recipes);
  {
    std::ofstream f(rules);
    f << R"({"rules": [{"reason": "r"}]})";
  }
  expect_load_error(csv, {"fit_exclusions.json", "image or a list of row ids"});
  std::filesystem::remove_all(dir);
}

// The bundled rules (data/aiconfigurator/fit_exclusions.json; docs/calibration.md, "Rows kept out of the
// fit"): every row of the Dynamo 0.9.0 image (TensorRT-LLM 1.3.0rc1, on H100, B200 and GB200), the nine
// vLLM gpt-oss-120b H100 runs at 512 users, SGLang 0.5.10.post1 on B300, and no other.
TEST(ServingMeasurements, BundledFitExclusionsAreTheDynamo090VllmAt512AndSglang0510B300Runs) {
  const auto set = perf::load_serving_measurements(perf::bundled_serving_measurements());
  int excluded = 0, vllm512 = 0, sglang0510 = 0, b300 = 0, ttft_only = 0;
  std::set<std::string> systems;
  for (const auto& r : set.rows) {
    const bool dyn = r.image == "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0";
    const bool c512 = r.runtime == "vllm" && r.model == "gpt-oss-120b" && r.hardware == "h100-sxm" &&
                      r.client_concurrency == 512;
    const bool s510 = r.image == "lmsysorg/sglang:v0.5.10.post1-cu130";
    vllm512 += c512;
    b300 += r.hardware == "b300";
    EXPECT_EQ(!r.fit_excluded.empty(), dyn || c512 || s510) << r.id;
    // TTFT alone: SGLang DeepSeek-R1 NVFP4 on B200, configurations 88 and 99 as measured on 2025-11-10.
    const bool nov10 = r.runtime == "sglang" && r.hardware == "b200" && r.model == "deepseek-v3" &&
                       r.weight == common::DType::fp4 && r.measured_on == "2025-11-10" &&
                       (r.id.ends_with("_cfg88") || r.id.ends_with("_cfg99"));
    EXPECT_EQ(!r.ttft_fit_excluded.empty(), nov10) << r.id;
    ttft_only += nov10;
    if (dyn) {
      ++excluded;
      EXPECT_EQ(r.runtime_version, "1.3.0rc1") << r.id;
      systems.insert(r.hardware);
    }
    if (s510) {
      ++sglang0510;
      EXPECT_EQ(r.hardware, "b300") << r.id;
      EXPECT_EQ(r.runtime_version, "0.5.10.post1") << r.id;
    }
  }
  EXPECT_GE(excluded, 20);
  EXPECT_EQ(vllm512, 9);
  EXPECT_EQ(ttft_only, 33);  // the 3 configuration-99 rows of 2025-11-02 (2-3 s at 32-128 users) stay in
  EXPECT_EQ(systems, (std::set<std::string>{"b200", "gb200", "h100-sxm"}));
  EXPECT_GE(sglang0510, 31);  // DeepSeek (31 aggregated rows) and Qwen3.5
  // The B300 rows load onto the b300 profile (no kernel tables of its own: B200's, transferred).
  EXPECT_GE(b300, 170);
  // The run date is read from "measured=YYYY-MM-DD..." wherever it sits in silicon_data_source.
  std::map<std::string, int> days;
  for (const auto& r : set.rows)
    if (r.runtime_version == "1.1.0rc2.post2") ++days[r.measured_on];
  EXPECT_GT(days["2026-01-14"], 20);
  EXPECT_GT(days["2025-12-15"], 10);
  EXPECT_EQ(days.count(""), 0u);
}
