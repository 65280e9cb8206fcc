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
#include "infersim/model/weights_header.h"

namespace infersim::refengine {

using common::ConfigError;
using common::IoError;

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
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
    model::safetensors_header_length(path, nullptr, size_);  // throws: too short
  }
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw IoError(fmt::format("{}: cannot map: {}", path, std::strerror(errno)));
  base_ = static_cast<const std::uint8_t*>(p);
  try {
    // The header checks live in model/weights_header.h, shared with the header-only reader.
    const std::uint64_t n = model::safetensors_header_length(path, base_, size_);
    data_offset_ = 8 + n;
    model::WeightsHeader h = model::parse_safetensors_header(path, base_ + 8, std::size_t(n), size_ - data_offset_);
    tensors_.reserve(h.tensors.size());
    for (auto& t : h.tensors) {  // sorted by offset
      TensorInfo info;
      info.name = std::move(t.name);
      info.dtype = std::move(t.dtype);
      info.shape = std::move(t.shape);
      info.begin = t.offset;
      info.end = t.offset + t.bytes;
      tensors_.push_back(std::move(info));
    }
    metadata_ = std::move(h.metadata);
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
