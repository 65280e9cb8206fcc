#pragma once
// One scheduled occurrence in a discrete-event simulation: when it happens, who handles it, and two
// small integers the handler interprets (an event kind and a payload such as an index or a
// generation counter). Events are ordered by (time, seq): seq is the scheduling order, so
// simultaneous events run first-scheduled-first and the order never depends on memory addresses.
// Plain value; thread-safe to copy.
#include <cstdint>

#include "infersim/engine/sim_time.h"

namespace infersim::engine {

class EventHandler;

using EventId = std::uint64_t;  // == the event's seq; unique within one Simulator

struct Event {
  SimTime time = 0;
  EventId seq = 0;
  EventHandler* handler = nullptr;
  std::uint32_t kind = 0;
  std::uint64_t data = 0;
};

// Strict weak order: earlier time first, then earlier scheduling.
inline bool event_before(const Event& a, const Event& b) {
  return a.time < b.time || (a.time == b.time && a.seq < b.seq);
}

}  // namespace infersim::engine
