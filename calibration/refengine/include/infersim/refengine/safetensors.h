#pragma once
// Safetensors, the checkpoint format of Hugging Face: an 8-byte little-endian header length N, N
// bytes of JSON header, then the raw tensor bytes (row-major, little-endian). The header maps each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the start of
// the data section) and may hold a "__metadata__" object of string -> string.
//
// SafetensorsFile memory-maps a file read-only and validates the whole header up front with
// model::safetensors_header_length and model::parse_safetensors_header (model/weights_header.h): every
// problem (file shorter than 8 bytes, header length beyond the file, malformed JSON, unknown dtype,
// byte size that does not match dtype x shape, offsets outside the data section, overlapping
// tensors) is a common::ConfigError naming the file and the tensor. write_safetensors() streams a
// file of any size (header first, tensor bytes from a callback) through a temporary file + rename.
// A SafetensorsFile is immutable after opening and safe to read from several threads.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "infersim/model/weights_header.h"

namespace infersim::refengine {

struct TensorInfo {
  std::string name;
  std::string dtype;  // "F32", "BF16", "F16", "I8", ... as in the file
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // byte offsets in the data section
  std::int64_t numel() const;
  std::uint64_t bytes() const { return end - begin; }
};

// Bytes per element of a safetensors dtype string, 0 if unknown (defined in model/weights_header.h).
using model::safetensors_dtype_size;

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);  // ConfigError / IoError
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& o) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) = delete;
  SafetensorsFile(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t file_size() const { return size_; }
  std::uint64_t data_offset() const { return data_offset_; }           // 8 + header length
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* find(const std::string& name) const;
  // ConfigError "<file>: missing tensor '<name>' (<why>)" when absent.
  const TensorInfo& require(const std::string& name, const std::string& why) const;
  // Raw bytes of a tensor (not necessarily aligned: read with memcpy).
  const std::uint8_t* data(const TensorInfo& t) const { return base_ + data_offset_ + t.begin; }

 private:
  std::string path_;
  const std::uint8_t* base_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
};

struct TensorSpec {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
};

// Writes tensors in the given order. fill(i, offset, out, bytes) must produce bytes [offset,
// offset + bytes) of tensor i; it is called in order, in chunks of at most `chunk_bytes`.
// Returns the file size. IoError when the file cannot be written.
std::uint64_t write_safetensors(const std::string& path, const std::vector<TensorSpec>& tensors,
                                const std::map<std::string, std::string>& metadata,
                                const std::function<void(std::size_t, std::uint64_t, std::uint8_t*, std::size_t)>& fill,
                                std::size_t chunk_bytes = std::size_t(64) << 20);

}  // namespace infersim::refengine
