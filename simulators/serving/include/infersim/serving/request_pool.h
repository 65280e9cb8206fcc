#pragma once
// The slab that holds every request in flight: indices stay valid while a request lives, released
// slots are reused, so memory is bounded by the peak number of requests in the system, not by how
// many were simulated. Not thread-safe.
#include <cstddef>
#include <vector>

#include "infersim/serving/request.h"

namespace infersim::serving {

class RequestPool {
 public:
  RequestIndex alloc() {
    if (!free_.empty()) {
      const RequestIndex i = free_.back();
      free_.pop_back();
      // The generation carries over, so entries that still name the slot's previous request (the
      // replica's preemption order, its finish heap) never match the new one.
      const std::uint32_t gen = items_[i].gen + 1;
      items_[i] = Request{};
      items_[i].gen = gen;
      return i;
    }
    items_.emplace_back();
    return RequestIndex(items_.size() - 1);
  }
  void release(RequestIndex i) { free_.push_back(i); }
  Request& operator[](RequestIndex i) { return items_[i]; }
  const Request& operator[](RequestIndex i) const { return items_[i]; }
  std::size_t live() const { return items_.size() - free_.size(); }
  std::size_t capacity() const { return items_.size(); }

 private:
  std::vector<Request> items_;
  std::vector<RequestIndex> free_;
};

}  // namespace infersim::serving
