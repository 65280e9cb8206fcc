#include "infersim/refengine/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace infersim::refengine {

float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      u = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

bool use_huge_pages() {
  static const bool on = [] {
    const char* e = std::getenv("INFERSIM_NO_HUGEPAGES");
    return e == nullptr || *e == '\0' || std::string(e) == "0";
  }();
  return on;
}

void AlignedBuffer::Free::operator()(void* p) const { std::free(p); }

void AlignedBuffer::resize(std::size_t bytes) {
  ptr_.reset();
  size_ = 0;
  if (bytes == 0) return;
  // Large buffers (weights, KV cache) are 2 MiB aligned and asked to be backed by transparent huge
  // pages: a decode step streams every weight byte once, and with 4 KiB pages that is a TLB miss (and
  // a page walk) every 4 KiB. Where THP is "madvise" (Debian's default) nothing else turns it on;
  // where it is "never" the advice is ignored. INFERSIM_NO_HUGEPAGES=1 turns it off (for A/B runs).
  const bool huge = bytes >= HUGE_MIN_BYTES && use_huge_pages();
  const std::size_t align = huge ? HUGE_PAGE_BYTES : 64;
  const std::size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
  if (huge) ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
  std::memset(p, 0, rounded);
  ptr_.reset(p);
  size_ = bytes;
}

}  // namespace infersim::refengine
