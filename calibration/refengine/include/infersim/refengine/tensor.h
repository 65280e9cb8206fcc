#pragma once
// Storage and explicit strided views for the reference engine (ggml's habit: a view is a pointer, a
// shape and strides; kernels never assume contiguity they did not check). Element types are f32,
// bf16 (stored as uint16_t bit patterns) and int8. Strides are in elements, innermost dimension
// last; a view does not own memory. AlignedBuffer owns 64-byte aligned, zero-initialised storage.
// Plain values; not synchronised.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "infersim/common/dtype.h"
#include "infersim/common/errors.h"

namespace infersim::refengine {

using bf16_t = std::uint16_t;

// Round-to-nearest-even f32 -> bf16 (NaN stays NaN) and the exact widening back.
inline bf16_t f32_to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bf16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return bf16_t(u >> 16);
}
inline float bf16_to_f32(bf16_t b) {
  const std::uint32_t u = std::uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// IEEE half -> f32 (for loading F16 checkpoints).
float f16_to_f32(std::uint16_t h);

// Zero-initialised, 64-byte aligned storage. Buffers of HUGE_MIN_BYTES or more are 2 MiB aligned and
// advised to use transparent huge pages (see use_huge_pages()).
inline constexpr std::size_t HUGE_PAGE_BYTES = std::size_t(2) << 20;
inline constexpr std::size_t HUGE_MIN_BYTES = std::size_t(4) << 20;
// False when the environment sets INFERSIM_NO_HUGEPAGES to anything but "" or "0" (read once).
bool use_huge_pages();

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes) { resize(bytes); }
  void resize(std::size_t bytes);             // discards contents; new storage is zeroed
  void reserve_at_least(std::size_t bytes) {  // grows only; contents not kept
    if (bytes > size_) resize(bytes);
  }
  std::size_t size() const { return size_; }
  void* data() { return ptr_.get(); }
  const void* data() const { return ptr_.get(); }
  template <class T>
  T* as() {
    return static_cast<T*>(data());
  }
  template <class T>
  const T* as() const {
    return static_cast<const T*>(data());
  }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> ptr_;
  std::size_t size_ = 0;
};

// A strided view of up to 3 dimensions; shape[i] elements along dimension i, stride[i] elements
// between neighbours along it. Unused leading dimensions have shape 1.
template <class T>
struct View {
  T* data = nullptr;
  std::array<std::int64_t, 3> shape{1, 1, 1};
  std::array<std::int64_t, 3> stride{0, 0, 1};

  static View matrix(T* p, std::int64_t rows, std::int64_t cols, std::int64_t row_stride) {
    View v;
    v.data = p;
    v.shape = {1, rows, cols};
    v.stride = {rows * row_stride, row_stride, 1};
    return v;
  }
  static View tensor3(T* p, std::int64_t d0, std::int64_t d1, std::int64_t d2, std::int64_t s0, std::int64_t s1) {
    View v;
    v.data = p;
    v.shape = {d0, d1, d2};
    v.stride = {s0, s1, 1};
    return v;
  }
  std::int64_t rows() const { return shape[1]; }
  std::int64_t cols() const { return shape[2]; }
  std::int64_t ld() const { return stride[1]; }
  bool inner_contiguous() const { return stride[2] == 1; }
  T* row(std::int64_t r) const { return data + r * stride[1]; }
  T* at(std::int64_t i, std::int64_t j, std::int64_t k) const {
    return data + i * stride[0] + j * stride[1] + k * stride[2];
  }
  // Columns [c0, c0 + n) of a matrix view (same rows, same row stride).
  View col_slice(std::int64_t c0, std::int64_t n) const {
    INFERSIM_ASSERT(c0 >= 0 && c0 + n <= shape[2]);
    View v = *this;
    v.data = data + c0 * stride[2];
    v.shape[2] = n;
    return v;
  }
  View row_slice(std::int64_t r0, std::int64_t n) const {
    INFERSIM_ASSERT(r0 >= 0 && r0 + n <= shape[1]);
    View v = *this;
    v.data = data + r0 * stride[1];
    v.shape[1] = n;
    return v;
  }
};

using ViewF = View<float>;
using CViewF = View<const float>;

}  // namespace infersim::refengine
