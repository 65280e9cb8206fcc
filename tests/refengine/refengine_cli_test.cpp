// `infersim refengine` and `infersim calibrate` from the outside: exit codes and messages.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "infersim/model/model_spec_json.h"
#include "refengine_test_models.h"

namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out;
};

Run run(const std::string& args) {
  Run r;
  const std::string cmd = std::string(INFERSIM_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), int(buf.size()), p) != nullptr) r.out += buf.data();
  const int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class RefengineCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("infersim_recli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto m = infersim::refengine::test_models::tiny_model(/*tie=*/true);
    m.hf_id = "test/tiny-llama";
    m.source = "[EST] test card";
    m.published_params = 1e6;
    m.published_params_source = "[EST] test card";
    card_ = (dir_ / "tiny.json").string();
    std::ofstream(card_) << infersim::model::model_to_json(m).dump(2);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string card_;
};

TEST_F(RefengineCli, MakeWeightsThenRunWithCheckAndPerf) {
  const std::string w = (dir_ / "w.safetensors").string();
  auto mk = run("refengine make-weights --model " + card_ + " --dtype int8 --out " + w);
  ASSERT_EQ(mk.code, 0) << mk.out;
  EXPECT_TRUE(fs::exists(w));
  auto r = run("refengine run --model " + card_ + " --weights " + w +
               " --dtype bf16 --batch 2 --prompt 5 --gen 3 --check --perf");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("hydration"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GFLOP/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check: max"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sequence 0 generated:"), std::string::npos) << r.out;
}

TEST_F(RefengineCli, BadInputExitsWithTwoAndSaysWhy) {
  const std::string bad = (dir_ / "bad.safetensors").string();
  std::ofstream(bad) << "not a checkpoint at all";
  auto r = run("refengine run --model " + card_ + " --weights " + bad);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(bad), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("runs past the end of the file"), std::string::npos) << r.out;
  auto d = run("refengine make-weights --model " + card_ + " --dtype fp8 --out " + (dir_ / "x.safetensors").string());
  EXPECT_EQ(d.code, 2) << d.out;
  EXPECT_NE(d.out.find("--dtype"), std::string::npos) << d.out;
  auto moe = run("refengine make-weights --model mixtral-8x7b --layers 1 --out " + (dir_ / "m.safetensors").string());
  EXPECT_EQ(moe.code, 2) << moe.out;
  EXPECT_NE(moe.out.find("mixture-of-experts"), std::string::npos) << moe.out;
  EXPECT_EQ(run("refengine frobnicate").code, 2);
  EXPECT_EQ(run("calibrate --dtypes fp8").code, 2);
  EXPECT_EQ(run("calibrate some.csv").code, 2);
}

// The report also lands in a results store, and the generated weights file is deleted unless
// --keep-weights. A tiny model and one repetition: this checks the outputs, not the accuracy.
TEST_F(RefengineCli, CalibrateWritesTheStoreAndDeletesWeightsUnlessKept) {
  const std::string out = (dir_ / "cal").string();
  const std::string common = "calibrate --quick --model " + card_ +
                             " --dtypes bf16 --repeats 1 --threads 1 --quiet --out ";
  auto r = run(common + out);
  ASSERT_EQ(r.code, 0) << r.out;
  const fs::path db = fs::path(out) / "calibration.sqlite";
  EXPECT_TRUE(fs::exists(db)) << r.out;
  EXPECT_NE(r.out.find("calibration.sqlite"), std::string::npos) << r.out;
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_NE(e.path().extension(), ".safetensors") << e.path() << " should have been deleted";
  auto ls = run("results list --db " + db.string());
  ASSERT_EQ(ls.code, 0) << ls.out;
  EXPECT_NE(ls.out.find("calibrate-host-"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("measured_s"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("held_out_median_abs"), std::string::npos) << ls.out;

  const std::string kept = (dir_ / "kept").string();
  auto k = run(common + kept + " --keep-weights --db " + (dir_ / "other.sqlite").string());
  ASSERT_EQ(k.code, 0) << k.out;
  EXPECT_TRUE(fs::exists(dir_ / "other.sqlite")) << k.out;
  EXPECT_FALSE(fs::exists(fs::path(kept) / "calibration.sqlite")) << k.out;
  int weights = 0;
  for (const auto& e : fs::directory_iterator(kept)) weights += e.path().extension() == ".safetensors";
  EXPECT_EQ(weights, 1) << k.out;

  // `infersim estimate --hardware DIR/host.json --runtime infersim-refengine` predicts with the fitted
  // entry of the calibrations.json beside the profile (not a borrowed default).
  auto est = run("estimate --model " + card_ + " --hardware " + (fs::path(kept) / "host.json").string() +
                 " --runtime infersim-refengine --batch 2 --input 64 --output 8");
  ASSERT_EQ(est.code, 0) << est.out;
  EXPECT_NE(est.out.find("[FIT] infersim calibrate"), std::string::npos) << est.out;
  EXPECT_NE(est.out.find("calibration fitted"), std::string::npos) << est.out;

  // --refit fits the saved measurements again without measuring: the same build gives byte-identical
  // profile and calibration files, and the earlier run's weights file is left alone.
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string host_before = slurp(fs::path(kept) / "host.json"),
                    cal_before = slurp(fs::path(kept) / "calibrations.json");
  auto rf = run("calibrate --refit " + kept + " --model " + card_ + " --db " + (dir_ / "refit.sqlite").string());
  ASSERT_EQ(rf.code, 0) << rf.out;
  EXPECT_NE(rf.out.find("refit of"), std::string::npos) << rf.out;
  EXPECT_EQ(slurp(fs::path(kept) / "host.json"), host_before);
  EXPECT_EQ(slurp(fs::path(kept) / "calibrations.json"), cal_before);
  weights = 0;
  for (const auto& e : fs::directory_iterator(kept)) weights += e.path().extension() == ".safetensors";
  EXPECT_EQ(weights, 1) << rf.out;
  EXPECT_EQ(run("calibrate --refit " + kept + " --quick").code, 2);
  auto missing = run("calibrate --refit " + (dir_ / "nowhere").string());
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_NE(missing.out.find("nowhere"), std::string::npos) << missing.out;
  // A damaged report names the file and the field.
  std::string rep = slurp(fs::path(kept) / "report.json");
  const auto at = rep.find("\"measured_s\"");
  ASSERT_NE(at, std::string::npos);
  rep.replace(at, std::string("\"measured_s\"").size(), "\"measured\"");
  std::ofstream(dir_ / "broken.json") << rep;
  auto br = run("calibrate --refit " + (dir_ / "broken.json").string() + " --model " + card_ + " --out " +
                (dir_ / "br").string());
  EXPECT_EQ(br.code, 2) << br.out;
  EXPECT_NE(br.out.find("broken.json"), std::string::npos) << br.out;
  EXPECT_NE(br.out.find("/points/0/measured_s"), std::string::npos) << br.out;
  EXPECT_FALSE(fs::exists(dir_ / "br")) << "nothing written for a bad report";
}

}  // namespace
