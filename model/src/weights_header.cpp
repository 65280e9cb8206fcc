#include "infersim/model/weights_header.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "infersim/common/errors.h"

namespace infersim::model {

using common::ConfigError;
using common::IoError;

namespace {

// Header lengths above this are not plausible for any checkpoint (HF's own reader caps at 100 MB).
constexpr std::uint64_t ST_MAX_HEADER = std::uint64_t(100) << 20;

[[noreturn]] void header_error(const std::string& file, const std::string& field, const std::string& what) {
  throw ConfigError(file, field, what);
}

// "[a, b, c]", as error messages quote a shape.
std::string weights_shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// ---------------- GGUF ----------------

struct GgmlType {
  std::uint32_t id;
  const char* name;
  std::uint32_t block;        // elements per block (along ne[0])
  std::uint32_t block_bytes;  // bytes per block
};

// ggml's type table (ggml.h, enum ggml_type); ids without an entry were removed from ggml.
constexpr std::array<GgmlType, 34> GGML_TYPES = {{
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
}};

const GgmlType* ggml_type(std::uint32_t id) {
  for (const auto& t : GGML_TYPES)
    if (t.id == id) return &t;
  return nullptr;
}

// GGUF metadata value types (gguf.h, enum gguf_type).
enum GgufValueType : std::uint32_t {
  GGUF_UINT8 = 0,
  GGUF_INT8 = 1,
  GGUF_UINT16 = 2,
  GGUF_INT16 = 3,
  GGUF_UINT32 = 4,
  GGUF_INT32 = 5,
  GGUF_FLOAT32 = 6,
  GGUF_BOOL = 7,
  GGUF_STRING = 8,
  GGUF_ARRAY = 9,
  GGUF_UINT64 = 10,
  GGUF_INT64 = 11,
  GGUF_FLOAT64 = 12,
};

const char* gguf_type_name(std::uint32_t t) {
  static const char* const names[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                      "bool",  "string", "array",  "uint64", "int64",  "float64"};
  return t <= GGUF_FLOAT64 ? names[t] : "unknown";
}

// Bytes of a fixed-size value type; 0 for string, array and unknown types.
std::uint64_t gguf_fixed_size(std::uint32_t t) {
  switch (t) {
    case GGUF_UINT8:
    case GGUF_INT8:
    case GGUF_BOOL: return 1;
    case GGUF_UINT16:
    case GGUF_INT16: return 2;
    case GGUF_UINT32:
    case GGUF_INT32:
    case GGUF_FLOAT32: return 4;
    case GGUF_UINT64:
    case GGUF_INT64:
    case GGUF_FLOAT64: return 8;
    default: return 0;
  }
}

constexpr std::uint32_t GGUF_DEFAULT_ALIGNMENT = 32;
constexpr std::uint32_t GGUF_MAX_DIMS = 4;
constexpr std::uint64_t GGUF_MIN_KV_BYTES = 8 + 4 + 1;               // empty key, type, 1-byte value
constexpr std::uint64_t GGUF_MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;  // empty name, n_dims 0, type, offset

// A little-endian cursor over a GGUF file read through a stream: every read is checked against the
// bytes left in the file first, so a corrupt length or count is a "truncated" error, not a huge
// allocation.
class GgufCursor {
 public:
  GgufCursor(std::ifstream& in, const std::string& path, std::uint64_t size) : in_(in), path_(path), size_(size) {}

  std::uint64_t pos() const { return pos_; }
  std::uint64_t left() const { return size_ - pos_; }

  void need(std::uint64_t n, const std::string& field, const char* what) const {
    if (n > left())
      header_error(path_, field,
                   fmt::format("the file ends at byte {} while reading {} ({} more bytes needed at byte {}): the file "
                               "is truncated",
                               size_, what, n, pos_));
  }
  void read(void* out, std::uint64_t n, const std::string& field, const char* what) {
    need(n, field, what);
    in_.read(static_cast<char*>(out), std::streamsize(n));
    if (!in_) throw IoError(fmt::format("{}: read failed at byte {}: {}", path_, pos_, std::strerror(errno)));
    pos_ += n;
  }
  void skip(std::uint64_t n, const std::string& field, const char* what) {
    need(n, field, what);
    in_.seekg(std::streamoff(n), std::ios::cur);
    if (!in_) throw IoError(fmt::format("{}: seek failed at byte {}: {}", path_, pos_, std::strerror(errno)));
    pos_ += n;
  }
  std::uint64_t uint(int bytes, const std::string& field, const char* what) {
    std::uint8_t b[8] = {};
    read(b, std::uint64_t(bytes), field, what);
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[i];  // little-endian on any host
    return v;
  }
  std::uint32_t u32(const std::string& field, const char* what) { return std::uint32_t(uint(4, field, what)); }
  std::uint64_t u64(const std::string& field, const char* what) { return uint(8, field, what); }
  // A GGUF string: u64 length + bytes (not NUL-terminated).
  std::string string(const std::string& field, const char* what) {
    const std::uint64_t n = u64(field, what);
    if (n > left())
      header_error(path_, field,
                   fmt::format("{} has length {}, but only {} bytes are left in the file: the file is truncated or "
                               "not a GGUF file",
                               what, n, left()));
    std::string s(std::size_t(n), '\0');
    if (n > 0) read(s.data(), n, field, what);
    return s;
  }

 private:
  std::ifstream& in_;
  const std::string& path_;
  std::uint64_t size_;
  std::uint64_t pos_ = 0;
};

// Reads one metadata value of type `type` and renders it as a string (arrays: a summary).
std::string read_gguf_value(GgufCursor& c, const std::string& path, std::uint32_t type, const std::string& field,
                            const std::string& key) {
  switch (type) {
    case GGUF_UINT8:
    case GGUF_UINT16:
    case GGUF_UINT32:
    case GGUF_UINT64: return std::to_string(c.uint(int(gguf_fixed_size(type)), field, "a metadata value"));
    case GGUF_INT8: return std::to_string(std::int8_t(c.uint(1, field, "a metadata value")));
    case GGUF_INT16: return std::to_string(std::int16_t(c.uint(2, field, "a metadata value")));
    case GGUF_INT32: return std::to_string(std::int32_t(c.uint(4, field, "a metadata value")));
    case GGUF_INT64: return std::to_string(std::int64_t(c.uint(8, field, "a metadata value")));
    case GGUF_FLOAT32: {
      const std::uint32_t bits = std::uint32_t(c.uint(4, field, "a metadata value"));
      float f = 0;
      std::memcpy(&f, &bits, 4);
      return fmt::format("{}", f);
    }
    case GGUF_FLOAT64: {
      const std::uint64_t bits = c.uint(8, field, "a metadata value");
      double d = 0;
      std::memcpy(&d, &bits, 8);
      return fmt::format("{}", d);
    }
    case GGUF_BOOL: return c.uint(1, field, "a metadata value") != 0 ? "true" : "false";
    case GGUF_STRING: return c.string(field, "a metadata string");
    case GGUF_ARRAY: {
      const std::uint32_t elem = c.u32(field, "an array's element type");
      if (elem == GGUF_ARRAY)
        header_error(path, field, fmt::format("key '{}': arrays of arrays are not supported", key));
      if (elem > GGUF_FLOAT64)
        header_error(path, field,
                     fmt::format("key '{}': unknown array element type {} (expected 0..12: uint8 ... float64)", key,
                                 elem));
      const std::uint64_t count = c.u64(field, "an array's length");
      const std::uint64_t fixed = gguf_fixed_size(elem);
      const std::uint64_t min_each = fixed > 0 ? fixed : 8;  // a string is at least its u64 length
      if (count > c.left() / min_each)
        header_error(path, field,
                     fmt::format("key '{}': array of {} {} values needs at least {} bytes, but only {} are left in the "
                                 "file: the file is truncated",
                                 key, count, gguf_type_name(elem), count * min_each, c.left()));
      if (fixed > 0) {
        c.skip(count * fixed, field, "an array");
      } else {
        for (std::uint64_t i = 0; i < count; ++i) {
          const std::uint64_t n = c.u64(field, "an array string's length");
          if (n > c.left())
            header_error(path, field,
                         fmt::format("key '{}': string {} of the array has length {}, but only {} bytes are left in "
                                     "the file: the file is truncated",
                                     key, i, n, c.left()));
          c.skip(n, field, "an array string");
        }
      }
      return fmt::format("[array of {} {}]", count, gguf_type_name(elem));
    }
    default:
      header_error(path, field,
                   fmt::format("key '{}': unknown value type {} (expected 0..12: uint8, int8, uint16, int16, uint32, "
                               "int32, float32, bool, string, array, uint64, int64, float64)",
                               key, type));
  }
}

WeightsHeader read_gguf(std::ifstream& in, const std::string& path, std::uint64_t size) {
  GgufCursor c(in, path, size);
  WeightsHeader h;
  h.path = path;
  h.format = "gguf";
  h.file_size = size;
  c.u32("header.magic", "the magic");
  const std::uint32_t version = c.u32("header.version", "the version");
  if ((version & 0xffffu) == 0 && version != 0)
    header_error(path, "header.version",
                 fmt::format("version field reads {:#010x}, a byte-swapped {}: big-endian GGUF is not supported "
                             "(convert the file to little-endian)",
                             version, ((version >> 24) & 0xff) | ((version >> 8) & 0xff00)));
  if (version == 1)
    header_error(path, "header.version",
                 "GGUF version 1 is not supported (expected version 2 or 3; re-convert the file with a current "
                 "llama.cpp)");
  if (version != 2 && version != 3)
    header_error(path, "header.version", fmt::format("unsupported GGUF version {} (expected 2 or 3)", version));
  h.gguf_version = int(version);
  const std::uint64_t tensor_count = c.u64("header.tensor_count", "the tensor count");
  const std::uint64_t kv_count = c.u64("header.metadata_kv_count", "the metadata KV count");
  if (kv_count > c.left() / GGUF_MIN_KV_BYTES)
    header_error(path, "header.metadata_kv_count",
                 fmt::format("{} metadata KV pairs need at least {} bytes each, but only {} bytes are left in the "
                             "file: the file is truncated or not a GGUF file",
                             kv_count, GGUF_MIN_KV_BYTES, c.left()));
  if (tensor_count > c.left() / GGUF_MIN_TENSOR_INFO_BYTES)
    header_error(path, "header.tensor_count",
                 fmt::format("{} tensor infos need at least {} bytes each, but only {} bytes are left in the file: "
                             "the file is truncated or not a GGUF file",
                             tensor_count, GGUF_MIN_TENSOR_INFO_BYTES, c.left()));

  std::uint64_t alignment = GGUF_DEFAULT_ALIGNMENT;
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    const std::string at = fmt::format("kv[{}]", i);
    const std::string key = c.string(at + ".key", "a metadata key");
    if (h.metadata.count(key) != 0) header_error(path, at + ".key", fmt::format("duplicate metadata key '{}'", key));
    const std::uint32_t type = c.u32(at + ".type", "a metadata value type");
    if (type > GGUF_FLOAT64)
      header_error(path, at + ".type",
                   fmt::format("key '{}': unknown value type {} (expected 0..12: uint8, int8, uint16, int16, uint32, "
                               "int32, float32, bool, string, array, uint64, int64, float64)",
                               key, type));
    std::string value = read_gguf_value(c, path, type, at + ".value", key);
    if (key == "general.alignment") {
      if (type != GGUF_UINT32)
        header_error(path, at + ".type",
                     fmt::format("general.alignment must be a uint32, got a {}", gguf_type_name(type)));
      alignment = std::stoull(value);
      if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        header_error(path, at + ".value",
                     fmt::format("general.alignment is {}, expected a power of two (default 32)", alignment));
    }
    h.metadata.emplace(key, std::move(value));
  }

  std::set<std::string> names;
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    const std::string at = fmt::format("tensor_info[{}]", i);
    WeightTensor t;
    t.name = c.string(at + ".name", "a tensor name");
    if (!names.insert(t.name).second)
      header_error(path, at + ".name", fmt::format("duplicate tensor name '{}'", t.name));
    const std::uint32_t n_dims = c.u32(at + ".n_dims", "a tensor's number of dims");
    if (n_dims > GGUF_MAX_DIMS)
      header_error(path, at + ".n_dims",
                   fmt::format("tensor '{}': {} dims, expected at most {}", t.name, n_dims, GGUF_MAX_DIMS));
    std::int64_t numel = 1;
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const std::uint64_t ne = c.u64(at + ".dims", "a tensor dim");
      constexpr auto MAX = std::uint64_t(std::numeric_limits<std::int64_t>::max());
      if (ne > MAX || (ne != 0 && std::uint64_t(numel) > MAX / ne))
        header_error(path, at + ".dims",
                     fmt::format("tensor '{}': dim {} = {} makes the element count overflow 64 bits", t.name, d, ne));
      t.shape.push_back(std::int64_t(ne));
      numel *= std::int64_t(ne);
    }
    const std::uint32_t type_id = c.u32(at + ".type", "a tensor type");
    const GgmlType* type = ggml_type(type_id);
    if (type == nullptr)
      header_error(path, at + ".type",
                   fmt::format("tensor '{}': unknown ggml type id {} (this reader knows F32, F16, BF16, Q4_0 ... Q8_K, "
                               "the IQ and TQ types and MXFP4)",
                               t.name, type_id));
    t.dtype = type->name;
    const std::int64_t row = t.shape.empty() ? 1 : t.shape[0];
    if (row % std::int64_t(type->block) != 0)
      header_error(path, at + ".dims",
                   fmt::format("tensor '{}': ne[0] = {} is not a multiple of the block size {} of type {}", t.name, row,
                               type->block, type->name));
    const std::uint64_t blocks = std::uint64_t(numel) / type->block;
    if (blocks > std::numeric_limits<std::uint64_t>::max() / type->block_bytes)
      header_error(path, at + ".dims", fmt::format("tensor '{}': byte size overflows 64 bits", t.name));
    t.bytes = blocks * type->block_bytes;
    t.offset = c.u64(at + ".offset", "a tensor offset");
    if (t.offset % alignment != 0)
      header_error(path, at + ".offset",
                   fmt::format("tensor '{}': offset {} is not a multiple of the alignment {} (general.alignment)",
                               t.name, t.offset, alignment));
    h.tensors.push_back(std::move(t));
  }

  h.data_offset = (c.pos() + alignment - 1) / alignment * alignment;
  if (h.tensors.empty()) return h;
  if (h.data_offset > size)
    header_error(path, "data",
                 fmt::format("the file ends at byte {}, before its data section (which starts at byte {}): the file "
                             "is truncated",
                             size, h.data_offset));
  const std::uint64_t data_size = size - h.data_offset;
  for (std::size_t i = 0; i < h.tensors.size(); ++i) {
    const auto& t = h.tensors[i];
    if (t.offset > data_size || t.bytes > data_size - t.offset)
      header_error(path, fmt::format("tensor_info[{}].offset", i),
                   fmt::format("tensor '{}': bytes [{}, {}) run past the end of the data section ({} bytes): the file "
                               "is truncated or the offset is wrong",
                               t.name, t.offset, t.offset + t.bytes, data_size));
  }
  std::vector<std::size_t> by_offset(h.tensors.size());
  for (std::size_t i = 0; i < by_offset.size(); ++i) by_offset[i] = i;
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [&](std::size_t a, std::size_t b) { return h.tensors[a].offset < h.tensors[b].offset; });
  for (std::size_t k = 1; k < by_offset.size(); ++k) {
    const auto& prev = h.tensors[by_offset[k - 1]];
    const auto& cur = h.tensors[by_offset[k]];
    if (cur.offset < prev.offset + prev.bytes)
      header_error(path, fmt::format("tensor_info[{}].offset", by_offset[k]),
                   fmt::format("tensors '{}' and '{}' overlap in the data section", prev.name, cur.name));
  }
  return h;
}

// ---------------- files and directories ----------------

std::uint64_t weights_file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot open weights file: {}", path, ec.message()));
  return std::uint64_t(n);
}

WeightsHeader read_weights_file(const std::string& path) {
  const std::uint64_t size = weights_file_size(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open weights file: {}", path, std::strerror(errno)));
  std::uint8_t first[8] = {};
  const std::size_t n_first = std::size_t(std::min<std::uint64_t>(size, 8));
  in.read(reinterpret_cast<char*>(first), std::streamsize(n_first));
  if (!in) throw IoError(fmt::format("{}: read failed: {}", path, std::strerror(errno)));
  if (n_first >= 4 && std::memcmp(first, "GGUF", 4) == 0) {
    in.seekg(0);
    return read_gguf(in, path, size);
  }
  const std::uint64_t n = safetensors_header_length(path, first, size);
  std::vector<std::uint8_t> json(std::size_t(n), 0);
  in.read(reinterpret_cast<char*>(json.data()), std::streamsize(n));
  if (!in) throw IoError(fmt::format("{}: read failed: {}", path, std::strerror(errno)));
  return parse_safetensors_header(path, json.data(), json.size(), size - 8 - n);
}

bool has_extension(const std::filesystem::path& p, const char* ext) { return p.extension() == ext; }

WeightsHeader read_weights_dir(const std::string& dir) {
  std::vector<std::string> st, gguf;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    if (has_extension(it->path(), ".safetensors")) st.push_back(it->path().string());
    if (has_extension(it->path(), ".gguf")) gguf.push_back(it->path().string());
  }
  if (ec) throw IoError(fmt::format("{}: cannot list directory: {}", dir, ec.message()));
  if (!st.empty() && !gguf.empty())
    header_error(dir, "",
                 fmt::format("the directory mixes formats ({} .safetensors and {} .gguf files): expected the shards of "
                             "one checkpoint in one format",
                             st.size(), gguf.size()));
  if (st.empty() && gguf.empty())
    throw IoError(fmt::format("{}: no *.safetensors or *.gguf weights files in this directory", dir));
  auto& files = st.empty() ? gguf : st;
  std::sort(files.begin(), files.end());
  WeightsHeader all;
  all.path = dir;
  all.format = st.empty() ? "gguf" : "safetensors";
  std::map<std::string, std::string> seen;  // tensor name -> shard
  for (const auto& f : files) {
    WeightsHeader h = read_weights_file(f);
    if (h.format != all.format)
      header_error(f, "",
                   fmt::format("file is {} although its name says {}: the directory must hold one format", h.format,
                               all.format));
    if (all.gguf_version == 0) all.gguf_version = h.gguf_version;
    for (auto& t : h.tensors) {
      const auto [it, fresh] = seen.emplace(t.name, f);
      if (!fresh)
        header_error(f, h.format == "gguf" ? t.name : "/" + t.name,
                     fmt::format("tensor '{}' is also in shard {}: shards must not repeat tensors", t.name,
                                 it->second));
      all.tensors.push_back(std::move(t));
    }
    for (auto& [k, v] : h.metadata) all.metadata.emplace(k, std::move(v));
    all.file_size += h.file_size;
  }
  return all;
}

// ---------------- tensor groups ----------------

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const char* p) {
  const std::size_t n = std::strlen(p);
  return s.size() >= n && s.compare(s.size() - n, n, p) == 0;
}

}  // namespace

std::int64_t WeightTensor::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::uint64_t WeightsHeader::total_bytes() const {
  std::uint64_t b = 0;
  for (const auto& t : tensors) b += t.bytes;
  return b;
}

double WeightsHeader::total_params() const {
  double p = 0;
  for (const auto& t : tensors) p += double(t.numel());
  return p;
}

std::size_t safetensors_dtype_size(const std::string& d) {
  static const std::map<std::string, std::size_t> sizes = {{"F64", 8},  {"F32", 4},     {"F16", 2},    {"BF16", 2},
                                                           {"I64", 8},  {"I32", 4},     {"I16", 2},    {"I8", 1},
                                                           {"U64", 8},  {"U32", 4},     {"U16", 2},    {"U8", 1},
                                                           {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

std::uint64_t safetensors_header_length(const std::string& path, const std::uint8_t* first_bytes,
                                        std::uint64_t file_size) {
  if (file_size < 8)
    header_error(path, "",
                 fmt::format("not a safetensors file: {} bytes, too short for the 8-byte header length", file_size));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first_bytes[i];  // little-endian on any host
  if (n == 0) header_error(path, "", "header length is 0 (expected a JSON header)");
  if (n > file_size - 8)
    header_error(path, "",
                 fmt::format("header length {} runs past the end of the file ({} bytes): truncated or not a "
                             "safetensors file",
                             n, file_size));
  if (n > ST_MAX_HEADER)
    header_error(path, "", fmt::format("header length {} is implausibly large (> {} bytes)", n, ST_MAX_HEADER));
  return n;
}

WeightsHeader parse_safetensors_header(const std::string& path, const std::uint8_t* header_json, std::size_t header_len,
                                       std::uint64_t data_size) {
  WeightsHeader out;
  out.path = path;
  out.format = "safetensors";
  out.data_offset = 8 + header_len;
  out.file_size = out.data_offset + data_size;
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(reinterpret_cast<const char*>(header_json),
                              reinterpret_cast<const char*>(header_json + header_len));
  } catch (const nlohmann::json::exception& e) {
    header_error(path, "", fmt::format("header is not valid JSON: {}", e.what()));
  }
  if (!h.is_object())
    header_error(path, "", "header must be a JSON object of tensor name -> {dtype, shape, data_offsets}");
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const std::string ptr = "/" + name;
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) header_error(path, ptr, "__metadata__ must be an object of string values");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) header_error(path, ptr + "/" + m.key(), "__metadata__ values must be strings");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) header_error(path, ptr, fmt::format("tensor '{}': entry must be an object", name));
    for (auto k = v.begin(); k != v.end(); ++k)
      if (k.key() != "dtype" && k.key() != "shape" && k.key() != "data_offsets")
        header_error(path, ptr + "/" + k.key(),
                     fmt::format("tensor '{}': unknown key '{}' (expected dtype, shape, data_offsets)", name, k.key()));
    WeightTensor t;
    t.name = name;
    if (!v.contains("dtype") || !v["dtype"].is_string())
      header_error(path, ptr + "/dtype", fmt::format("tensor '{}': missing dtype", name));
    t.dtype = v["dtype"].get<std::string>();
    const std::size_t esz = safetensors_dtype_size(t.dtype);
    if (esz == 0)
      header_error(path, ptr + "/dtype",
                   fmt::format("tensor '{}': unknown dtype '{}' (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, "
                               "F8_*)",
                               name, t.dtype));
    if (!v.contains("shape") || !v["shape"].is_array())
      header_error(path, ptr + "/shape", fmt::format("tensor '{}': missing shape", name));
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        header_error(path, ptr + "/shape",
                     fmt::format("tensor '{}': shape entries must be non-negative integers", name));
      t.shape.push_back(d.get<std::int64_t>());
    }
    const auto& off = v.contains("data_offsets") ? v["data_offsets"] : nlohmann::json();
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      header_error(path, ptr + "/data_offsets",
                   fmt::format("tensor '{}': data_offsets must be [begin, end] byte offsets", name));
    const auto begin = off[0].get<std::uint64_t>();
    const auto end = off[1].get<std::uint64_t>();
    if (end < begin)
      header_error(path, ptr + "/data_offsets", fmt::format("tensor '{}': data_offsets end < begin", name));
    double numel = 1;
    for (auto d : t.shape) numel *= double(d);
    if (numel * double(esz) != double(end - begin))
      header_error(path, ptr,
                   fmt::format("tensor '{}': dtype {} x shape {} = {:.0f} bytes, but data_offsets span {} bytes (dtype "
                               "or shape does not match the data)",
                               name, t.dtype, weights_shape_str(t.shape), numel * double(esz), end - begin));
    if (end > data_size)
      header_error(path, ptr + "/data_offsets",
                   fmt::format("tensor '{}': data_offsets [{}, {}] run past the end of the data section ({} bytes): "
                               "the file is truncated or the header is wrong",
                               name, begin, end, data_size));
    t.offset = begin;
    t.bytes = end - begin;
    out.tensors.push_back(std::move(t));
  }
  // File order: by data offset (ties, only possible for empty tensors, by name).
  std::stable_sort(out.tensors.begin(), out.tensors.end(),
                   [](const auto& a, const auto& b) { return a.offset < b.offset; });
  for (std::size_t i = 1; i < out.tensors.size(); ++i) {
    const auto& prev = out.tensors[i - 1];
    const auto& cur = out.tensors[i];
    if (cur.offset < prev.offset + prev.bytes)
      header_error(path, "/" + cur.name,
                   fmt::format("tensors '{}' and '{}' overlap in the data section", prev.name, cur.name));
  }
  return out;
}

WeightsHeader read_weights_header(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw IoError(fmt::format("{}: cannot open weights file: {}", path,
                              ec ? ec.message() : std::string("no such file or directory")));
  if (std::filesystem::is_directory(st)) return read_weights_dir(path);
  return read_weights_file(path);
}

double bits_per_weight(const WeightTensor& t) {
  const std::int64_t n = t.numel();
  return n > 0 ? 8.0 * double(t.bytes) / double(n) : 0.0;
}

std::string tensor_group(const std::string& name) {
  std::vector<std::string> parts;
  for (std::size_t b = 0;;) {
    const std::size_t e = name.find('.', b);
    parts.push_back(name.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  auto any = [&](auto pred) { return std::any_of(parts.begin(), parts.end(), pred); };
  auto is = [&](std::initializer_list<const char*> names) {
    return any([&](const std::string& p) {
      return std::any_of(names.begin(), names.end(), [&](const char* n) { return p == n; });
    });
  };
  if (is({"embed_tokens", "tok_embeddings", "word_embeddings", "wte", "token_embd"})) return "embedding";
  if (is({"lm_head"}) || parts.front() == "output") return "lm_head";
  // MLA's latent norms: the model card counts them with the attention parameters.
  if (is({"q_a_layernorm", "kv_a_layernorm", "attn_q_a_norm", "attn_kv_a_norm"})) return "attention";
  if (any([](const std::string& p) { return p.find("norm") != std::string::npos; }) || is({"ln_f", "ln_1", "ln_2"}))
    return "norms";
  if (any([](const std::string& p) { return p.find("shared_expert") != std::string::npos || ends_with(p, "_shexp"); }))
    return "shared_experts";
  if (any([](const std::string& p) { return p == "experts" || ends_with(p, "_exps"); })) return "routed_experts";
  if (is({"gate", "router", "ffn_gate_inp", "exp_probs_b"})) return "router";
  if (is({"self_attn", "attn", "attention", "self_attention", "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj"}) ||
      any([](const std::string& p) { return starts_with(p, "attn_"); }))
    return "attention";
  if (is({"mlp", "feed_forward", "ffn", "gate_proj", "up_proj", "down_proj", "gate_up_proj"}) ||
      any([](const std::string& p) { return starts_with(p, "ffn_"); }))
    return "dense_mlp";
  return "other";
}

std::vector<WeightGroup> group_weights(const WeightsHeader& h) {
  static const char* const order[] = {"embedding",      "attention", "dense_mlp", "router", "routed_experts",
                                      "shared_experts", "norms",     "lm_head",   "other"};
  std::map<std::string, WeightGroup> by;
  for (const auto& t : h.tensors) {
    auto& g = by[tensor_group(t.name)];
    const double n = double(t.numel());
    g.params_by_dtype[t.dtype] += n;
    g.params += n;
    g.bytes += t.bytes;
  }
  std::vector<WeightGroup> out;
  for (const char* name : order) {
    auto it = by.find(name);
    if (it == by.end()) continue;
    it->second.group = name;
    out.push_back(std::move(it->second));
  }
  return out;
}

}  // namespace infersim::model
