#include "infersim/refengine/safetensors.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "infersim/common/errors.h"
#include "shape_str.h"

namespace infersim::refengine {

using common::ConfigError;
using common::IoError;

namespace {

// Header lengths above this are not plausible for any checkpoint (HF's own reader caps at 100 MB).
constexpr std::uint64_t MAX_HEADER = std::uint64_t(100) << 20;

[[noreturn]] void bad(const std::string& file, const std::string& pointer, const std::string& what) {
  throw ConfigError(file, pointer, what);
}

using detail::shape_str;

}  // namespace

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t safetensors_dtype_size(const std::string& d) {
  static const std::map<std::string, std::size_t> sizes = {{"F64", 8},  {"F32", 4},     {"F16", 2},    {"BF16", 2},
                                                           {"I64", 8},  {"I32", 4},     {"I16", 2},    {"I8", 1},
                                                           {"U64", 8},  {"U32", 4},     {"U16", 2},    {"U8", 1},
                                                           {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open weights file: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw IoError(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  size_ = std::uint64_t(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    bad(path, "", fmt::format("not a safetensors file: {} bytes, too short for the 8-byte header length", size_));
  }
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw IoError(fmt::format("{}: cannot map: {}", path, std::strerror(errno)));
  base_ = static_cast<const std::uint8_t*>(p);
  try {
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | base_[i];  // little-endian on any host
    if (n == 0) bad(path, "", "header length is 0 (expected a JSON header)");
    if (n > size_ - 8)
      bad(path, "",
          fmt::format("header length {} runs past the end of the file ({} bytes): truncated or not a "
                      "safetensors file",
                      n, size_));
    if (n > MAX_HEADER) bad(path, "", fmt::format("header length {} is implausibly large (> {} bytes)", n, MAX_HEADER));
    data_offset_ = 8 + n;
    const std::uint64_t data_size = size_ - data_offset_;
    nlohmann::json h;
    try {
      h = nlohmann::json::parse(reinterpret_cast<const char*>(base_ + 8), reinterpret_cast<const char*>(base_ + 8 + n));
    } catch (const nlohmann::json::exception& e) {
      bad(path, "", fmt::format("header is not valid JSON: {}", e.what()));
    }
    if (!h.is_object()) bad(path, "", "header must be a JSON object of tensor name -> {dtype, shape, data_offsets}");
    for (auto it = h.begin(); it != h.end(); ++it) {
      const std::string& name = it.key();
      const std::string ptr = "/" + name;
      const auto& v = it.value();
      if (name == "__metadata__") {
        if (!v.is_object()) bad(path, ptr, "__metadata__ must be an object of string values");
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (!m.value().is_string()) bad(path, ptr + "/" + m.key(), "__metadata__ values must be strings");
          metadata_[m.key()] = m.value().get<std::string>();
        }
        continue;
      }
      if (!v.is_object()) bad(path, ptr, fmt::format("tensor '{}': entry must be an object", name));
      for (auto k = v.begin(); k != v.end(); ++k)
        if (k.key() != "dtype" && k.key() != "shape" && k.key() != "data_offsets")
          bad(path, ptr + "/" + k.key(),
              fmt::format("tensor '{}': unknown key '{}' (expected dtype, shape, data_offsets)", name, k.key()));
      TensorInfo t;
      t.name = name;
      if (!v.contains("dtype") || !v["dtype"].is_string())
        bad(path, ptr + "/dtype", fmt::format("tensor '{}': missing dtype", name));
      t.dtype = v["dtype"].get<std::string>();
      const std::size_t esz = safetensors_dtype_size(t.dtype);
      if (esz == 0)
        bad(path, ptr + "/dtype",
            fmt::format("tensor '{}': unknown dtype '{}' (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, F8_*)",
                        name, t.dtype));
      if (!v.contains("shape") || !v["shape"].is_array())
        bad(path, ptr + "/shape", fmt::format("tensor '{}': missing shape", name));
      for (const auto& d : v["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
          bad(path, ptr + "/shape", fmt::format("tensor '{}': shape entries must be non-negative integers", name));
        t.shape.push_back(d.get<std::int64_t>());
      }
      const auto& off = v.contains("data_offsets") ? v["data_offsets"] : nlohmann::json();
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        bad(path, ptr + "/data_offsets",
            fmt::format("tensor '{}': data_offsets must be [begin, end] byte offsets", name));
      t.begin = off[0].get<std::uint64_t>();
      t.end = off[1].get<std::uint64_t>();
      if (t.end < t.begin) bad(path, ptr + "/data_offsets", fmt::format("tensor '{}': data_offsets end < begin", name));
      double numel = 1;
      for (auto d : t.shape) numel *= double(d);
      if (numel * double(esz) != double(t.end - t.begin))
        bad(path, ptr,
            fmt::format("tensor '{}': dtype {} x shape {} = {:.0f} bytes, but data_offsets span {} bytes (dtype or "
                        "shape does not match the data)",
                        name, t.dtype, shape_str(t.shape), numel * double(esz), t.end - t.begin));
      if (t.end > data_size)
        bad(path, ptr + "/data_offsets",
            fmt::format("tensor '{}': data_offsets [{}, {}] run past the end of the data section ({} bytes): the file "
                        "is "
                        "truncated or the header is wrong",
                        name, t.begin, t.end, data_size));
      tensors_.push_back(std::move(t));
    }
    std::vector<const TensorInfo*> by_offset;
    for (const auto& t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    for (std::size_t i = 1; i < by_offset.size(); ++i)
      if (by_offset[i]->begin < by_offset[i - 1]->end)
        bad(path, "/" + by_offset[i]->name,
            fmt::format("tensors '{}' and '{}' overlap in the data section", by_offset[i - 1]->name,
                        by_offset[i]->name));
    std::sort(tensors_.begin(), tensors_.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (std::size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
  } catch (...) {
    ::munmap(const_cast<std::uint8_t*>(base_), size_);
    base_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (base_ != nullptr) ::munmap(const_cast<std::uint8_t*>(base_), size_);
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      base_(o.base_),
      size_(o.size_),
      data_offset_(o.data_offset_),
      tensors_(std::move(o.tensors_)),
      index_(std::move(o.index_)),
      metadata_(std::move(o.metadata_)) {
  o.base_ = nullptr;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsFile::require(const std::string& name, const std::string& why) const {
  if (const auto* t = find(name)) return *t;
  throw ConfigError(path_, "/" + name, fmt::format("missing tensor '{}' ({})", name, why));
}

std::uint64_t write_safetensors(const std::string& path, const std::vector<TensorSpec>& tensors,
                                const std::map<std::string, std::string>& metadata,
                                const std::function<void(std::size_t, std::uint64_t, std::uint8_t*, std::size_t)>& fill,
                                std::size_t chunk_bytes) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  std::vector<std::uint64_t> sizes;
  std::uint64_t off = 0;
  for (const auto& t : tensors) {
    const std::size_t esz = safetensors_dtype_size(t.dtype);
    if (esz == 0) throw common::InternalError("write_safetensors: unknown dtype " + t.dtype);
    std::uint64_t n = esz;
    for (auto d : t.shape) n *= std::uint64_t(d);
    h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + n}}};
    sizes.push_back(n);
    off += n;
  }
  std::string header = h.dump();
  header.append((8 - header.size() % 8) % 8, ' ');  // pad so the data section starts 8-byte aligned
  const std::string tmp = path + ".tmp-infersim";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!f) throw IoError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  std::uint8_t len[8];
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) len[i] = std::uint8_t(n >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, f.get()) == 8 &&
            std::fwrite(header.data(), 1, header.size(), f.get()) == header.size();
  std::vector<std::uint8_t> buf(std::min<std::uint64_t>(chunk_bytes, std::max<std::uint64_t>(off, 1)));
  for (std::size_t i = 0; i < tensors.size() && ok; ++i)
    for (std::uint64_t o = 0; o < sizes[i] && ok; o += buf.size()) {
      const std::size_t b = std::size_t(std::min<std::uint64_t>(buf.size(), sizes[i] - o));
      fill(i, o, buf.data(), b);
      ok = std::fwrite(buf.data(), 1, b, f.get()) == b;
    }
  ok = ok && std::fflush(f.get()) == 0;
  f.reset();
  if (!ok) {
    std::remove(tmp.c_str());
    throw IoError(fmt::format("{}: write failed: {}", path, std::strerror(errno)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename {} into place: {}", path, tmp, ec.message()));
  return 8 + header.size() + off;
}

}  // namespace infersim::refengine
