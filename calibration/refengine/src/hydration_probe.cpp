#include "infersim/refengine/hydration_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "infersim/common/errors.h"

namespace infersim::refengine {

namespace {

double read_all(const std::string& path, double& bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw common::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::vector<char> buf(std::size_t(16) << 20);
  const auto t0 = std::chrono::steady_clock::now();
  bytes = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      throw common::IoError(fmt::format("{}: read failed: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    bytes += double(n);
  }
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  return el;
}

// Fraction of the file's pages in the page cache (1.0 when it cannot be determined).
double resident_fraction(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1.0;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return 1.0;
  }
  void* p = ::mmap(nullptr, std::size_t(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return 1.0;
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t pages = (std::size_t(st.st_size) + std::size_t(page) - 1) / std::size_t(page);
  std::vector<unsigned char> vec(pages);
  double frac = 1.0;
  if (::mincore(p, std::size_t(st.st_size), vec.data()) == 0) {
    std::size_t in = 0;
    for (auto v : vec) in += v & 1u;
    frac = double(in) / double(pages);
  }
  ::munmap(p, std::size_t(st.st_size));
  return frac;
}

}  // namespace

HydrationResult measure_hydration(const std::string& path, bool try_cold) {
  HydrationResult r;
  r.path = path;
  double bytes = 0;
  read_all(path, bytes);  // warm the cache
  double best = 1e300;
  for (int i = 0; i < 2; ++i) best = std::min(best, read_all(path, bytes));
  r.bytes = bytes;
  r.warm_s = best;
  r.warm_bytes_per_s = bytes / std::max(best, 1e-9);
  if (!try_cold) {
    r.cold_note = "cold read not requested";
    return r;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw common::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  ::fdatasync(fd);  // dirty pages cannot be dropped
  const int rc = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  if (rc != 0) {
    r.cold_note = fmt::format("posix_fadvise(DONTNEED) failed: {}", std::strerror(rc));
    return r;
  }
  r.resident_after_drop = resident_fraction(path);
  if (r.resident_after_drop > 0.05) {
    r.cold_note = fmt::format("the OS kept {:.0f}% of the file cached after the drop request (tmpfs/overlay or a file "
                              "mapped elsewhere): cold read not measurable here",
                              100 * r.resident_after_drop);
    return r;
  }
  r.cold_s = read_all(path, bytes);
  r.cold_bytes_per_s = bytes / std::max(r.cold_s, 1e-9);
  r.cold_measured = true;
  r.cold_note =
      "page cache dropped for this file with posix_fadvise(DONTNEED); the device or hypervisor may still cache it";
  return r;
}

}  // namespace infersim::refengine
