// Safetensors reader/writer: round trip, and every malformed-file case rejected with a message that
// names the file and says what is wrong. Also: random weights written to a file and loaded back are
// bit-identical to the same weights built in memory, for every weight dtype.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "infersim/common/errors.h"
#include "infersim/refengine/safetensors.h"
#include "infersim/refengine/weights.h"
#include "refengine_test_models.h"

namespace {

using namespace infersim::refengine;
using infersim::common::ConfigError;
using infersim::common::DType;
namespace fs = std::filesystem;

std::string tmp_path(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("infersim_st_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

void write_raw(const std::string& path, const std::string& header, const std::string& data,
               std::int64_t declared = -1) {
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t n = declared >= 0 ? std::uint64_t(declared) : header.size();
  for (int i = 0; i < 8; ++i) out.put(char((n >> (8 * i)) & 0xff));
  out << header << data;
}

// The message of the ConfigError thrown by opening `path` ("" if none).
std::string open_error(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, RoundTrip) {
  const std::string p = tmp_path("rt.safetensors");
  std::vector<TensorSpec> specs = {
      {"a", "F32", {2, 3}}, {"b", "BF16", {4}}, {"c", "I8", {5, 1}}, {"empty", "F32", {0}}};
  const std::uint64_t size = write_safetensors(
      p, specs, {{"format", "pt"}, {"note", "hello"}},
      [](std::size_t i, std::uint64_t off, std::uint8_t* out, std::size_t n) {
        for (std::size_t b = 0; b < n; ++b) out[b] = std::uint8_t(i * 31 + off + b);
      },
      /*chunk_bytes=*/5);
  EXPECT_EQ(size, fs::file_size(p));
  SafetensorsFile f(p);
  EXPECT_EQ(f.metadata().at("note"), "hello");
  EXPECT_EQ(f.data_offset() % 8, 0u);  // header padded like Hugging Face's writer
  ASSERT_EQ(f.tensors().size(), 4u);
  const auto& a = f.require("a", "test");
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a.bytes(), 24u);
  EXPECT_EQ(f.data(a)[5], std::uint8_t(0 * 31 + 5));
  const auto& c = f.require("c", "test");
  EXPECT_EQ(c.dtype, "I8");
  EXPECT_EQ(f.data(c)[4], std::uint8_t(2 * 31 + 4));
  EXPECT_EQ(f.find("nope"), nullptr);
}

TEST(Safetensors, RejectsMalformedFilesWithClearMessages) {
  struct Case {
    const char* name;
    std::string header, data;
    std::int64_t declared;
    const char* expect;
  };
  const std::string good = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  const std::vector<Case> cases = {
      {"truncated_header", good, "", 4000, "runs past the end of the file"},
      {"header_beyond_file", good, std::string(16, '\0'), 1 << 20, "runs past the end of the file"},
      {"bad_json", R"({"w":{"dtype":"F32",)", std::string(16, '\0'), -1, "not valid JSON"},
      {"not_object", "[1,2,3]", "", -1, "must be a JSON object"},
      {"dtype_mismatch", R"({"w":{"dtype":"F32","shape":[4,4],"data_offsets":[0,16]}})", std::string(16, '\0'), -1,
       "does not match the data"},
      {"unknown_dtype", R"({"w":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0'), -1,
       "unknown dtype"},
      {"out_of_bounds", R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", std::string(16, '\0'), -1,
       "run past the end of the data section"},
      {"overlap",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       std::string(12, '\0'), -1, "overlap"},
      {"bad_offsets", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", std::string(8, '\0'), -1,
       "data_offsets"},
      {"unknown_key", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", std::string(4, '\0'), -1,
       "unknown key"},
  };
  for (const auto& c : cases) {
    const std::string p = tmp_path(std::string(c.name) + ".safetensors");
    write_raw(p, c.header, c.data, c.declared);
    const std::string msg = open_error(p);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": got '" << msg << "'";
    EXPECT_NE(msg.find(p), std::string::npos) << c.name << ": the message must name the file: '" << msg << "'";
  }
  {  // shorter than the 8-byte length prefix
    const std::string p = tmp_path("tiny.safetensors");
    std::ofstream(p, std::ios::binary) << "abc";
    EXPECT_NE(open_error(p).find("too short"), std::string::npos) << open_error(p);
  }
  EXPECT_THROW(SafetensorsFile(tmp_path("does-not-exist.safetensors")), infersim::common::IoError);
}

TEST(Weights, FileRoundTripIsBitIdenticalToInMemoryWeights) {
  ThreadPool pool(2);
  const auto m = test_models::tiny_model(/*tie=*/true, /*bias=*/true);
  for (DType dt : {DType::fp32, DType::bf16, DType::int8}) {
    const std::string p = tmp_path(std::string("w_") + infersim::common::dtype_name(dt) + ".safetensors");
    const auto made = make_random_weights_file(m, dt, 42, p, &pool);
    EXPECT_EQ(made.bytes, fs::file_size(p));
    SafetensorsFile f(p);
    EXPECT_EQ(layers_in_file(f), 2);
    EXPECT_EQ(f.find("lm_head.weight"), nullptr);  // tied
    if (dt == DType::int8) {
      EXPECT_NE(f.find("model.layers.0.mlp.down_proj.weight_scale"), nullptr);
    }
    LoadReport rep;
    const auto a = load_weights(f, m, dt, 0, pool, &rep);
    const auto b = make_random_weights(m, dt, 42, &pool);
    EXPECT_EQ(rep.layers, 2);
    EXPECT_GT(rep.file_bytes, 0);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    auto same = [](const PackedWeight& x, const PackedWeight& y) {
      return x.dtype == y.dtype && x.n == y.n && x.k == y.k && x.data.size() == y.data.size() &&
             std::memcmp(x.data.data(), y.data.data(), x.data.size()) == 0 && x.scale == y.scale;
    };
    EXPECT_TRUE(same(a.embed, b.embed));
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
      EXPECT_TRUE(same(a.layers[l].qkv, b.layers[l].qkv)) << l;
      EXPECT_TRUE(same(a.layers[l].o, b.layers[l].o)) << l;
      EXPECT_TRUE(same(a.layers[l].gate_up, b.layers[l].gate_up)) << l;
      EXPECT_TRUE(same(a.layers[l].down, b.layers[l].down)) << l;
      EXPECT_EQ(a.layers[l].qkv_bias, b.layers[l].qkv_bias);
      EXPECT_EQ(a.layers[l].input_norm, b.layers[l].input_norm);
    }
    EXPECT_EQ(a.final_norm, b.final_norm);
    // A bf16 file can be loaded into any engine dtype (converted at load time).
    if (dt == DType::bf16) {
      const auto q = load_weights(f, m, DType::int8, 1, pool);
      EXPECT_EQ(q.layers.size(), 1u);
      EXPECT_EQ(q.embed.dtype, DType::int8);
    }
  }
}

TEST(Weights, LoaderRejectsMissingTensorsWrongShapesAndDtypes) {
  ThreadPool pool(1);
  const auto m = test_models::tiny_model();
  const std::string p = tmp_path("partial.safetensors");
  // A file with every tensor except model.norm.weight.
  auto specs = weight_tensor_specs(m, DType::fp32);
  std::vector<TensorSpec> keep;
  for (auto& s : specs)
    if (s.name != "model.norm.weight") keep.push_back(s);
  write_safetensors(p, keep, {},
                    [](std::size_t, std::uint64_t, std::uint8_t* out, std::size_t n) { std::memset(out, 0, n); });
  SafetensorsFile f(p);
  try {
    load_weights(f, m, DType::fp32, 0, pool);
    FAIL() << "expected a missing-tensor error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor 'model.norm.weight'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
  // Wrong shape: the card says hidden 256, the file has a different embedding width.
  auto wide = m;
  wide.hidden_size = 128;
  wide.intermediate_size = 256;
  const std::string p2 = tmp_path("wide.safetensors");
  make_random_weights_file(wide, DType::fp32, 1, p2);
  try {
    load_weights(SafetensorsFile(p2), m, DType::fp32, 0, pool);
    FAIL() << "expected a shape error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has shape [1000, 128]"), std::string::npos) << e.what();
  }
  // A weight stored as I32: a dtype the engine cannot use.
  std::vector<TensorSpec> ints = weight_tensor_specs(m, DType::fp32);
  for (auto& s : ints)
    if (s.name == "model.layers.0.mlp.up_proj.weight") s.dtype = "I32";
  const std::string p3 = tmp_path("ints.safetensors");
  write_safetensors(p3, ints, {},
                    [](std::size_t, std::uint64_t, std::uint8_t* out, std::size_t n) { std::memset(out, 0, n); });
  try {
    load_weights(SafetensorsFile(p3), m, DType::fp32, 0, pool);
    FAIL() << "expected a dtype error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has dtype I32"), std::string::npos) << e.what();
  }
  // More layers than the file has.
  EXPECT_THROW(load_weights(SafetensorsFile(p2), wide, DType::fp32, 5, pool), ConfigError);
  // Models the engine cannot run say why.
  auto moe = m;
  moe.moe.num_experts = 8;
  moe.moe.top_k = 2;
  EXPECT_NE(engine_support_problem(moe).find("mixture-of-experts"), std::string::npos);
}

}  // namespace
