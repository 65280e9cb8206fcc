#pragma once
// The generic discrete-event core: a clock in integer nanoseconds and a queue of pending events,
// processed strictly in (time, seq) order. Knows nothing about what is simulated. Time never goes
// backwards: scheduling in the past is a bug (INFERSIM_ASSERT). Randomness is not here: models take
// an engine::Rng explicitly; there is no wall clock anywhere in a run, so the same inputs and seed
// always give the same event sequence.
//
// Handlers are EventHandler objects owned by the caller (cheapest: no allocation per event), or
// closures (call_at), stored in a recycled slot pool. cancel() marks an event so it is skipped when
// it reaches the head of the queue. Not thread-safe: one simulation runs on one thread.
#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "infersim/engine/event.h"
#include "infersim/engine/event_handler.h"
#include "infersim/engine/event_queue.h"
#include "infersim/engine/sim_time.h"

namespace infersim::engine {

class Simulator {
 public:
  Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  SimTime now() const { return now_; }
  double now_s() const { return to_seconds(now_); }

  EventId schedule_at(SimTime t, EventHandler* h, std::uint32_t kind = 0, std::uint64_t data = 0);
  EventId schedule_after(SimTime dt, EventHandler* h, std::uint32_t kind = 0, std::uint64_t data = 0) {
    return schedule_at(now_ + dt, h, kind, data);
  }
  EventId call_at(SimTime t, std::function<void()> fn);
  EventId call_after(SimTime dt, std::function<void()> fn) { return call_at(now_ + dt, std::move(fn)); }
  // Skips a pending event when its turn comes. Only cancel events that have not run yet.
  void cancel(EventId id);

  // Processes events until none are left or stop() is called.
  void run();
  // Processes events with time <= t; afterwards now() == t unless stopped earlier.
  void run_until(SimTime t);
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending() const { return queue_.size(); }

 private:
  bool step_one();
  EventQueue queue_;
  SimTime now_ = 0;
  EventId next_seq_ = 0;
  std::uint64_t processed_ = 0;
  bool stopped_ = false;
  std::unordered_set<EventId> cancelled_;  // looked up only, never iterated: order stays deterministic
  // Closure slots (call_at): a handler that runs and frees slot `data`.
  struct ClosureHandler : EventHandler {
    Simulator* owner = nullptr;
    void on_event(Simulator& sim, const Event& e) override;
  };
  ClosureHandler closure_handler_;
  std::vector<std::function<void()>> closures_;
  std::vector<std::uint64_t> free_closures_;
};

}  // namespace infersim::engine
