#pragma once
// What a checkpoint on disk holds, read from its header only (no tensor data is read): the tensor
// names, dtypes, shapes and byte ranges of a safetensors file (Hugging Face) or a GGUF file
// (llama.cpp, versions 2 and 3), or of a directory of shards. Used to compare a checkpoint with a
// model card (parameters and bytes per tensor group, bits per weight) and by the reference engine,
// whose safetensors reader validates its header with parse_safetensors_header.
//
// Formats:
//  - safetensors: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
//    {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data section, which
//    starts at 8 + N) plus an optional "__metadata__" object of string -> string.
//  - GGUF: magic "GGUF", version u32, tensor count u64, KV count u64, the KV pairs, the tensor infos
//    (name, n_dims, dims ne[0..n) with ne[0] the fastest-varying, ggml type, offset), then the data
//    section at the next multiple of general.alignment (default 32). Little-endian files only.
//
// Errors: a file that cannot be opened is common::IoError; a malformed header is common::ConfigError
// naming the file and the field: a JSON pointer for safetensors ("/<tensor>/dtype"), a position for
// GGUF ("header.version", "kv[5].value", "tensor_info[3].type"). Lengths and counts are checked
// against the bytes left in the file before anything is allocated. All functions are thread-safe.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace infersim::model {

struct WeightTensor {
  std::string name;
  // As the file names it: "BF16", "F8_E4M3", ... for safetensors; "F16", "Q8_0", "Q4_K", ... for GGUF.
  std::string dtype;
  // As the file stores it: safetensors row-major ([out, in] for a linear layer); GGUF in ne order
  // (ne[0], the fastest-varying dim, first: [in, out] for a linear layer).
  std::vector<std::int64_t> shape;
  std::int64_t numel() const;
  std::uint64_t bytes = 0;
  std::uint64_t offset = 0;  // begin, relative to the data section (of its own shard for a directory)
};

struct WeightsHeader {
  std::string path;    // the file, or the directory of shards
  std::string format;  // "safetensors" | "gguf"
  int gguf_version = 0;
  std::vector<WeightTensor> tensors;  // file order (safetensors: by data offset); shards in sorted order
  // safetensors: __metadata__. GGUF: the KV pairs, scalars rendered as strings (numbers in shortest
  // round-trip form, bools "true"/"false"), arrays as "[array of N <type>]" (type: uint8, int8,
  // uint16, int16, uint32, int32, float32, bool, string, uint64, int64, float64). For a directory the
  // first shard that names a key wins.
  std::map<std::string, std::string> metadata;
  std::uint64_t data_offset = 0;  // where the data section starts in the file (0 for a directory)
  std::uint64_t file_size = 0;    // bytes of the file (for a directory: of all its shards)
  std::uint64_t total_bytes() const;
  double total_params() const;
};

// Bytes per element of a safetensors dtype string ("F32", "BF16", "F8_E4M3", ...), 0 if unknown.
std::size_t safetensors_dtype_size(const std::string& dtype);

// The header length N of a safetensors file from its first 8 bytes (may be null when file_size < 8),
// checked against the file size (at least 8 bytes, N > 0, N within the file, N <= 100 MiB).
// ConfigError naming `path`.
std::uint64_t safetensors_header_length(const std::string& path, const std::uint8_t* first_bytes,
                                        std::uint64_t file_size);

// Validates a safetensors JSON header (the N bytes after the length) whose data section is
// `data_size` bytes: only known keys, known dtypes, shapes of non-negative integers, data_offsets
// [begin, end] within the data section, byte size == dtype size x numel, no overlapping tensors,
// string __metadata__ values. Tensors come back sorted by offset; data_offset = 8 + header_len.
WeightsHeader parse_safetensors_header(const std::string& path, const std::uint8_t* header_json, std::size_t header_len,
                                       std::uint64_t data_size);

// Reads the header of a safetensors or GGUF file (dispatching on the "GGUF" magic), or merges the
// headers of every *.safetensors (or every *.gguf) file of a directory in sorted order. IoError for a
// missing file or a directory without weights files; ConfigError for a malformed header, a directory
// that mixes formats or a tensor name found in two shards.
WeightsHeader read_weights_header(const std::string& path);

// 8 x bytes / numel (0 for an empty tensor): 16 for BF16, 8.5 for Q8_0, 4.5 for Q4_K.
double bits_per_weight(const WeightTensor& t);

// The parameter group a tensor name belongs to, in the vocabulary of model::ParamBreakdown:
// "embedding", "attention", "dense_mlp", "router", "routed_experts", "shared_experts", "norms",
// "lm_head" or "other". Knows Hugging Face names (model.embed_tokens, *.self_attn.*, *.mlp.experts.*,
// *.mlp.gate, *.mlp.shared_expert(s).*, *.mlp.*, *norm*, lm_head) and llama.cpp GGUF names
// (token_embd, blk.N.attn_*, blk.N.ffn_*_exps, blk.N.ffn_*_shexp, blk.N.ffn_gate_inp, blk.N.ffn_*,
// *_norm, output). MLA's latent norms (q_a_layernorm, kv_a_layernorm; GGUF attn_q_a_norm,
// attn_kv_a_norm) count as attention, as the model card's attention parameters include them.
std::string tensor_group(const std::string& name);

struct WeightGroup {
  std::string group;
  std::map<std::string, double> params_by_dtype;
  std::uint64_t bytes = 0;
  double params = 0;
};
// One row per non-empty group, in the order embedding, attention, dense_mlp, router, routed_experts,
// shared_experts, norms, lm_head, other.
std::vector<WeightGroup> group_weights(const WeightsHeader& h);

}  // namespace infersim::model
