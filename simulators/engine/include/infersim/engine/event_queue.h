#pragma once
// The pending-event set: a binary min-heap on (time, seq). push/pop are O(log n), top is O(1);
// no allocation per event once the vector has grown. Deterministic: ties in time are broken by the
// scheduling sequence number, never by addresses. Not thread-safe.
#include <cstddef>
#include <vector>

#include "infersim/engine/event.h"

namespace infersim::engine {

class EventQueue {
 public:
  void push(const Event& e);
  const Event& top() const { return heap_.front(); }
  Event pop();
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  void clear() { heap_.clear(); }

 private:
  std::vector<Event> heap_;
};

}  // namespace infersim::engine
