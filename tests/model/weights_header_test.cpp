// Weights-header reader (model/weights_header.h) against the fixtures of tests/data/weights/, written by
// an independent script (make_weights.py): a tiny Llama as BF16 safetensors and as F16 / Q8_0 GGUF
// must match the card's parameter count, weight bytes and parameter breakdown exactly; sharded
// directories merge; every malformed file is a ConfigError naming the file and the field.
#include "infersim/model/weights_header.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "infersim/common/errors.h"
#include "infersim/model/model_spec_json.h"

namespace weights_header_test {

using infersim::common::ConfigError;
using infersim::common::DType;
using infersim::common::IoError;
namespace model = infersim::model;
namespace fs = std::filesystem;

std::string fixture(const std::string& f) { return std::string(INFERSIM_TEST_DATA) + "/weights/" + f; }
model::ModelSpec tiny_card() { return model::load_model_card(fixture("tiny-llama.json")); }

fs::path scratch_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("infersim_wh_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const model::WeightGroup* group_of(const std::vector<model::WeightGroup>& gs, const std::string& name) {
  for (const auto& g : gs)
    if (g.group == name) return &g;
  return nullptr;
}

std::vector<std::string> group_names(const std::vector<model::WeightGroup>& gs) {
  std::vector<std::string> out;
  for (const auto& g : gs) out.push_back(g.group);
  return out;
}

// Groups sum to the totals, and each group the card knows equals its ParamBreakdown field.
void expect_groups_match_card(const model::WeightsHeader& h, const model::ModelSpec& card) {
  const auto gs = model::group_weights(h);
  EXPECT_EQ(group_names(gs), (std::vector<std::string>{"embedding", "attention", "dense_mlp", "norms", "lm_head"}));
  double params = 0;
  std::uint64_t bytes = 0;
  for (const auto& g : gs) {
    params += g.params;
    bytes += g.bytes;
    double by_dtype = 0;
    for (const auto& [dt, p] : g.params_by_dtype) by_dtype += p;
    EXPECT_EQ(by_dtype, g.params) << g.group;
  }
  EXPECT_EQ(params, h.total_params());
  EXPECT_EQ(bytes, h.total_bytes());
  const auto b = model::param_breakdown(card);
  EXPECT_EQ(group_of(gs, "embedding")->params, b.embedding);
  EXPECT_EQ(group_of(gs, "attention")->params, b.attention);
  EXPECT_EQ(group_of(gs, "dense_mlp")->params, b.dense_mlp);
  EXPECT_EQ(group_of(gs, "norms")->params, b.norms);
  EXPECT_EQ(group_of(gs, "lm_head")->params, b.lm_head);
}

// The ConfigError thrown by reading `path`; fails the test if none.
ConfigError config_error(const std::string& path) {
  try {
    model::read_weights_header(path);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << path << ": expected a ConfigError";
  return ConfigError("");
}

// ---- byte builders for hand-made files ----

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, const std::string& s) {
  put_le(out, s.size(), 8);
  out += s;
}

void write_file(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

std::string safetensors_bytes(const std::string& header_json, std::size_t data_bytes) {
  std::string out;
  put_le(out, header_json.size(), 8);
  return out + header_json + std::string(data_bytes, '\0');
}

struct GgufTensor {
  std::string name;
  std::vector<std::uint64_t> ne;
  std::uint32_t type;
  std::uint64_t offset;
};

// A GGUF v3 file with the given pre-encoded KV pairs and tensor infos, padded to 32 and followed by
// `data_bytes` zero bytes.
std::string gguf_bytes(const std::vector<std::string>& kvs, const std::vector<GgufTensor>& tensors,
                       std::uint64_t data_bytes, std::uint32_t version = 3) {
  std::string out = "GGUF";
  put_le(out, version, 4);
  put_le(out, tensors.size(), 8);
  put_le(out, kvs.size(), 8);
  for (const auto& kv : kvs) out += kv;
  for (const auto& t : tensors) {
    put_str(out, t.name);
    put_le(out, t.ne.size(), 4);
    for (auto d : t.ne) put_le(out, d, 8);
    put_le(out, t.type, 4);
    put_le(out, t.offset, 8);
  }
  out.append((32 - out.size() % 32) % 32, '\0');
  return out + std::string(data_bytes, '\0');
}

std::string kv_u32(const std::string& key, std::uint32_t v) {
  std::string out;
  put_str(out, key);
  put_le(out, 4, 4);
  put_le(out, v, 4);
  return out;
}

TEST(WeightsHeader, SafetensorsFixtureMatchesTheCardExactly) {
  const auto card = tiny_card();
  const std::string path = fixture("tiny-llama-bf16.safetensors");
  const auto h = model::read_weights_header(path);
  EXPECT_EQ(h.format, "safetensors");
  EXPECT_EQ(h.path, path);
  EXPECT_EQ(h.gguf_version, 0);
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.file_size, fs::file_size(path));
  EXPECT_EQ(h.data_offset % 8, 0u);
  EXPECT_EQ(h.data_offset + h.total_bytes(), h.file_size);
  ASSERT_EQ(h.tensors.size(), 1 + 9 * 2 + 2u);
  EXPECT_EQ(h.tensors.front().name, "model.embed_tokens.weight");  // file order = data order
  EXPECT_EQ(h.tensors.front().shape, (std::vector<std::int64_t>{256, 64}));
  EXPECT_EQ(h.tensors.front().offset, 0u);
  EXPECT_EQ(h.tensors.back().name, "lm_head.weight");
  for (const auto& t : h.tensors) {
    EXPECT_EQ(t.dtype, "BF16") << t.name;
    EXPECT_EQ(model::bits_per_weight(t), 16.0) << t.name;
  }
  EXPECT_EQ(h.total_params(), model::param_count(card));
  EXPECT_EQ(double(h.total_bytes()), model::weight_bytes(card, DType::bf16));
  expect_groups_match_card(h, card);
}

TEST(WeightsHeader, F16GgufMatchesTheCardPlusF32Norms) {
  const auto card = tiny_card();
  const std::string path = fixture("tiny-llama-f16.gguf");
  const auto h = model::read_weights_header(path);
  EXPECT_EQ(h.format, "gguf");
  EXPECT_EQ(h.gguf_version, 3);
  EXPECT_EQ(h.file_size, fs::file_size(path));
  EXPECT_EQ(h.data_offset % 32, 0u);
  EXPECT_EQ(h.metadata.at("general.architecture"), "llama");
  EXPECT_EQ(h.metadata.at("general.name"), "tiny-llama");
  EXPECT_EQ(h.metadata.at("general.alignment"), "32");
  EXPECT_EQ(h.metadata.at("general.file_type"), "1");
  EXPECT_EQ(h.metadata.at("llama.block_count"), "2");
  EXPECT_EQ(h.metadata.at("llama.embedding_length"), "64");
  EXPECT_EQ(h.metadata.at("llama.attention.layer_norm_rms_epsilon"), "1e-05");
  EXPECT_EQ(h.metadata.at("tokenizer.ggml.tokens"), "[array of 256 string]");
  EXPECT_EQ(h.metadata.at("tokenizer.ggml.token_type"), "[array of 256 int32]");
  ASSERT_EQ(h.tensors.size(), 21u);
  EXPECT_EQ(h.tensors.front().name, "token_embd.weight");
  EXPECT_EQ(h.tensors.front().shape, (std::vector<std::int64_t>{64, 256}));  // GGUF order: ne[0] first
  for (const auto& t : h.tensors) {
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    EXPECT_EQ(t.dtype, model::tensor_group(t.name) == "norms" ? "F32" : "F16") << t.name;
  }
  EXPECT_EQ(h.total_params(), model::param_count(card));
  expect_groups_match_card(h, card);
  // F16 everywhere except the norms, which llama.cpp keeps in F32: 2 extra bytes per norm weight.
  const double norms = group_of(model::group_weights(h), "norms")->params;
  EXPECT_EQ(norms, model::param_breakdown(card).norms);
  EXPECT_EQ(double(h.total_bytes()), model::weight_bytes(card, DType::fp16) + norms * 2);
}

TEST(WeightsHeader, Q8_0GgufIsEightAndAHalfBitsPerWeight) {
  const auto card = tiny_card();
  const auto h = model::read_weights_header(fixture("tiny-llama-q8_0.gguf"));
  EXPECT_EQ(h.metadata.at("general.file_type"), "7");
  EXPECT_EQ(h.metadata.at("general.quantization_version"), "2");
  double matrix_params = 0, norm_params = 0;
  for (const auto& t : h.tensors) {
    if (model::tensor_group(t.name) == "norms") {
      EXPECT_EQ(t.dtype, "F32") << t.name;
      EXPECT_EQ(model::bits_per_weight(t), 32.0) << t.name;
      norm_params += double(t.numel());
    } else {
      EXPECT_EQ(t.dtype, "Q8_0") << t.name;
      EXPECT_EQ(model::bits_per_weight(t), 8.5) << t.name;
      EXPECT_EQ(t.bytes, std::uint64_t(t.numel()) / 32 * 34) << t.name;
      matrix_params += double(t.numel());
    }
  }
  EXPECT_EQ(h.total_params(), model::param_count(card));
  EXPECT_EQ(double(h.total_bytes()), matrix_params * 8.5 / 8 + norm_params * 4);
  expect_groups_match_card(h, card);
  const auto gs = model::group_weights(h);
  EXPECT_EQ(group_of(gs, "attention")->params_by_dtype, (std::map<std::string, double>{{"Q8_0", 24576}}));
}

TEST(WeightsHeader, MalformedFixturesNameTheFileAndTheField) {
  struct Case {
    const char* file;
    const char* field;  // ConfigError::pointer(); "" for whole-header problems
    const char* says;
  };
  const std::vector<Case> cases = {
      {"bad-truncated.safetensors", "", "header length 4000 runs past the end of the file"},
      {"bad-json.safetensors", "", "header is not valid JSON"},
      {"bad-magic-version.gguf", "header.version", "GGUF version 1 is not supported"},
      {"bad-truncated.gguf", "tensor_info[10].name", "truncated"},
      {"bad-type.gguf", "tensor_info[1].type", "tensor 'b.weight': unknown ggml type id 99"},
  };
  for (const auto& c : cases) {
    const std::string path = fixture(c.file);
    const ConfigError e = config_error(path);
    const std::string what = e.what();
    EXPECT_EQ(e.file(), path) << what;
    EXPECT_EQ(e.pointer(), c.field) << what;
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(c.field), std::string::npos) << what;
    EXPECT_NE(what.find(c.says), std::string::npos) << what;
  }
  EXPECT_THROW(model::read_weights_header(fixture("does-not-exist.safetensors")), IoError);
  // The fixture directory holds both formats.
  EXPECT_NE(std::string(config_error(fixture("")).what()).find("mixes formats"), std::string::npos);
}

TEST(WeightsHeader, DirectoryOfShardsMerges) {
  const auto dir = scratch_dir("shards");
  write_file(dir / "model-00001-of-00002.safetensors",
             safetensors_bytes(R"({"__metadata__":{"format":"pt"},)"
                               R"("model.embed_tokens.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[0,32]}})",
                               32));
  write_file(dir / "model-00002-of-00002.safetensors",
             safetensors_bytes(R"({"lm_head.weight":{"dtype":"BF16","shape":[4,2],"data_offsets":[0,16]},)"
                               R"("model.norm.weight":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
                               24));
  write_file(dir / "model.safetensors.index.json", "{}");  // not a shard
  const auto h = model::read_weights_header(dir.string());
  EXPECT_EQ(h.path, dir.string());
  EXPECT_EQ(h.format, "safetensors");
  ASSERT_EQ(h.tensors.size(), 3u);
  EXPECT_EQ(h.tensors[0].name, "model.embed_tokens.weight");  // shards in sorted order
  EXPECT_EQ(h.tensors[1].name, "lm_head.weight");
  EXPECT_EQ(h.tensors[2].name, "model.norm.weight");
  EXPECT_EQ(h.total_params(), 8 + 8 + 2);
  EXPECT_EQ(h.total_bytes(), 32u + 16 + 8);
  EXPECT_EQ(h.file_size, fs::file_size(dir / "model-00001-of-00002.safetensors") +
                             fs::file_size(dir / "model-00002-of-00002.safetensors"));
  EXPECT_EQ(h.metadata.at("format"), "pt");
  const auto gs = model::group_weights(h);
  EXPECT_EQ(group_names(gs), (std::vector<std::string>{"embedding", "norms", "lm_head"}));
  EXPECT_EQ(group_of(gs, "lm_head")->params_by_dtype.at("BF16"), 8);

  // The same tensor in two shards.
  write_file(dir / "model-00003-of-00003.safetensors",
             safetensors_bytes(R"({"lm_head.weight":{"dtype":"BF16","shape":[4,2],"data_offsets":[0,16]}})", 16));
  EXPECT_NE(std::string(config_error(dir.string()).what()).find("also in shard"), std::string::npos);
  fs::remove(dir / "model-00003-of-00003.safetensors");
  // Two formats in one directory.
  fs::copy_file(fixture("tiny-llama-q8_0.gguf"), dir / "model.gguf");
  EXPECT_NE(std::string(config_error(dir.string()).what()).find("mixes formats"), std::string::npos);
  // A directory of GGUF shards.
  const auto gdir = scratch_dir("gguf_shards");
  fs::copy_file(fixture("tiny-llama-f16.gguf"), gdir / "a.gguf");
  write_file(gdir / "b.gguf", gguf_bytes({}, {{"extra.weight", {32}, 0, 0}}, 128));
  const auto g = model::read_weights_header(gdir.string());
  EXPECT_EQ(g.format, "gguf");
  EXPECT_EQ(g.gguf_version, 3);
  EXPECT_EQ(g.tensors.size(), 22u);
  EXPECT_EQ(g.tensors.back().name, "extra.weight");
  EXPECT_THROW(model::read_weights_header(scratch_dir("empty").string()), IoError);
}

TEST(WeightsHeader, GgufHeadersAreCheckedFieldByField) {
  const auto dir = scratch_dir("gguf_bad");
  struct Case {
    const char* name;
    std::string bytes;
    const char* field;
    const char* says;
  };
  std::string huge_string = "GGUF";
  put_le(huge_string, 3, 4);
  put_le(huge_string, 0, 8);
  put_le(huge_string, 1, 8);
  put_le(huge_string, std::uint64_t(1) << 60, 8);  // key length 2^60
  huge_string += std::string(16, 'x');
  std::string big_endian = "GGUF";
  big_endian += std::string("\0\0\0\3", 4);
  big_endian += std::string(16, '\0');
  std::string bad_array = "GGUF";
  put_le(bad_array, 3, 4);
  put_le(bad_array, 0, 8);
  put_le(bad_array, 1, 8);
  put_str(bad_array, "tokens");
  put_le(bad_array, 9, 4);                       // array
  put_le(bad_array, 8, 4);                       // of strings
  put_le(bad_array, std::uint64_t(1) << 40, 8);  // 2^40 of them
  bad_array += std::string(64, '\0');
  std::string bad_kv_type;
  put_str(bad_kv_type, "x");
  put_le(bad_kv_type, 13, 4);
  bad_kv_type += std::string(8, '\0');
  const std::vector<Case> cases = {
      {"huge_string", huge_string, "kv[0].key", "truncated"},
      {"big_endian", big_endian, "header.version", "big-endian GGUF is not supported"},
      {"version_4", gguf_bytes({}, {}, 0, 4), "header.version", "unsupported GGUF version 4 (expected 2 or 3)"},
      {"huge_array", bad_array, "kv[0].value", "truncated"},
      {"kv_type", gguf_bytes({bad_kv_type}, {}, 0), "kv[0].type", "unknown value type 13"},
      {"alignment", gguf_bytes({kv_u32("general.alignment", 24)}, {}, 0), "kv[0].value", "power of two"},
      {"n_dims", gguf_bytes({}, {{"t", {1, 1, 1, 1, 1}, 0, 0}}, 32), "tensor_info[0].n_dims", "at most 4"},
      {"block", gguf_bytes({}, {{"t", {48, 2}, 8, 0}}, 128), "tensor_info[0].dims",
       "ne[0] = 48 is not a multiple of the block size 32 of type Q8_0"},
      {"misaligned", gguf_bytes({}, {{"a", {4}, 0, 0}, {"b", {4}, 0, 16}}, 64), "tensor_info[1].offset",
       "not a multiple of the alignment 32"},
      {"past_end", gguf_bytes({}, {{"a", {64}, 0, 0}}, 128), "tensor_info[0].offset",
       "run past the end of the data section (128 bytes)"},
      {"overlap", gguf_bytes({}, {{"a", {16}, 0, 0}, {"b", {16}, 0, 32}}, 96), "tensor_info[1].offset", "overlap"},
      {"duplicate", gguf_bytes({}, {{"a", {8}, 0, 0}, {"a", {8}, 0, 32}}, 64), "tensor_info[1].name", "duplicate"},
      {"no_data", gguf_bytes({}, {{"a", {8}, 0, 0}}, 0).substr(0, 57), "data", "before its data section"},
  };
  for (const auto& c : cases) {
    const auto path = (dir / (std::string(c.name) + ".gguf")).string();
    write_file(path, c.bytes);
    const ConfigError e = config_error(path);
    EXPECT_EQ(e.pointer(), c.field) << c.name << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.name << ": " << e.what();
  }
  // A well-formed hand-made file: every ggml type's block arithmetic on one row.
  const auto ok = (dir / "ok.gguf").string();
  write_file(ok, gguf_bytes({kv_u32("general.alignment", 64)}, {{"q4k", {512, 2}, 12, 0}, {"mx", {64}, 39, 640}},
                            640 + 128));
  const auto h = model::read_weights_header(ok);
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.data_offset % 64, 0u);
  EXPECT_EQ(h.tensors[0].dtype, "Q4_K");
  EXPECT_EQ(h.tensors[0].bytes, 2u * 2 * 144);
  EXPECT_EQ(model::bits_per_weight(h.tensors[0]), 4.5);
  EXPECT_EQ(h.tensors[1].dtype, "MXFP4");
  EXPECT_EQ(h.tensors[1].bytes, 2u * 17);
}

TEST(WeightsHeader, ParseSafetensorsHeaderPointsAtTheTensorField) {
  const std::string json = R"({"model.layers.0.mlp.up_proj.weight":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}})";
  try {
    model::parse_safetensors_header("x.safetensors", reinterpret_cast<const std::uint8_t*>(json.data()), json.size(),
                                    4);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.pointer(), "/model.layers.0.mlp.up_proj.weight/dtype");
    EXPECT_NE(std::string(e.what()).find("unknown dtype 'F12'"), std::string::npos) << e.what();
  }
  const std::string good = R"({"b":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[4,7]},)"
                           R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  const auto h = model::parse_safetensors_header("y.safetensors", reinterpret_cast<const std::uint8_t*>(good.data()),
                                                 good.size(), 7);
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "a");  // by offset
  EXPECT_EQ(h.tensors[1].bytes, 3u);
  EXPECT_EQ(h.data_offset, 8 + good.size());
  EXPECT_EQ(h.file_size, 8 + good.size() + 7);
  EXPECT_EQ(model::safetensors_dtype_size("F8_E4M3"), 1u);
  EXPECT_EQ(model::safetensors_dtype_size("Q8_0"), 0u);
}

TEST(WeightsHeader, TensorGroupsCoverHuggingFaceAndLlamaCppNames) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"model.embed_tokens.weight", "embedding"},
      {"lm_head.weight", "lm_head"},
      {"model.norm.weight", "norms"},
      {"model.layers.3.input_layernorm.weight", "norms"},
      {"model.layers.3.post_attention_layernorm.weight", "norms"},
      {"model.layers.3.self_attn.q_proj.weight", "attention"},
      {"model.layers.3.self_attn.o_proj.bias", "attention"},
      {"model.layers.3.self_attn.kv_a_layernorm.weight", "attention"},  // MLA latent norm: card's attention
      {"model.layers.3.mlp.gate_proj.weight", "dense_mlp"},
      {"model.layers.3.mlp.down_proj.weight", "dense_mlp"},
      {"model.layers.3.mlp.gate.weight", "router"},
      {"model.layers.3.mlp.gate.e_score_correction_bias", "router"},
      {"model.layers.3.block_sparse_moe.gate.weight", "router"},
      {"model.layers.3.mlp.router.weight", "router"},
      {"model.layers.3.mlp.experts.7.up_proj.weight", "routed_experts"},
      {"model.layers.3.block_sparse_moe.experts.0.w1.weight", "routed_experts"},
      {"model.layers.3.mlp.experts.gate_up_proj", "routed_experts"},
      {"model.layers.3.mlp.shared_experts.down_proj.weight", "shared_experts"},
      {"model.layers.3.mlp.shared_expert.up_proj.weight", "shared_experts"},
      {"model.layers.3.mlp.shared_expert_gate.weight", "shared_experts"},
      {"token_embd.weight", "embedding"},
      {"output.weight", "lm_head"},
      {"output_norm.weight", "norms"},
      {"blk.0.attn_q.weight", "attention"},
      {"blk.0.attn_output.weight", "attention"},
      {"blk.0.attn_kv_a_norm.weight", "attention"},
      {"blk.0.attn_norm.weight", "norms"},
      {"blk.0.ffn_norm.weight", "norms"},
      {"blk.0.ffn_gate.weight", "dense_mlp"},
      {"blk.0.ffn_down.weight", "dense_mlp"},
      {"blk.0.ffn_gate_exps.weight", "routed_experts"},
      {"blk.0.ffn_down_exps.weight", "routed_experts"},
      {"blk.0.ffn_up_shexp.weight", "shared_experts"},
      {"blk.0.ffn_gate_inp.weight", "router"},
      {"blk.0.exp_probs_b.bias", "router"},
      {"rope_freqs.weight", "other"},
  };
  for (const auto& [name, group] : cases) EXPECT_EQ(model::tensor_group(name), group) << name;
}

}  // namespace weights_header_test
