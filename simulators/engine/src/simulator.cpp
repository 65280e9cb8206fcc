#include "infersim/engine/simulator.h"

#include <utility>

#include "infersim/common/errors.h"

namespace infersim::engine {

Simulator::Simulator() { closure_handler_.owner = this; }

EventId Simulator::schedule_at(SimTime t, EventHandler* h, std::uint32_t kind, std::uint64_t data) {
  INFERSIM_ASSERT(t >= now_);
  INFERSIM_ASSERT(h != nullptr);
  const EventId id = next_seq_++;
  queue_.push(Event{t, id, h, kind, data});
  return id;
}

EventId Simulator::call_at(SimTime t, std::function<void()> fn) {
  std::uint64_t slot;
  if (!free_closures_.empty()) {
    slot = free_closures_.back();
    free_closures_.pop_back();
    closures_[slot] = std::move(fn);
  } else {
    slot = closures_.size();
    closures_.push_back(std::move(fn));
  }
  return schedule_at(t, &closure_handler_, 0, slot);
}

void Simulator::ClosureHandler::on_event(Simulator&, const Event& e) {
  auto fn = std::move(owner->closures_[e.data]);
  owner->closures_[e.data] = nullptr;
  owner->free_closures_.push_back(e.data);
  fn();
}

void Simulator::cancel(EventId id) {
  if (id < next_seq_) cancelled_.insert(id);
}

bool Simulator::step_one() {
  const Event e = queue_.pop();
  if (!cancelled_.empty()) {
    auto it = cancelled_.find(e.seq);
    if (it != cancelled_.end()) {
      cancelled_.erase(it);
      if (e.handler == &closure_handler_) {
        closures_[e.data] = nullptr;
        free_closures_.push_back(e.data);
      }
      return false;
    }
  }
  now_ = e.time;
  ++processed_;
  e.handler->on_event(*this, e);
  return true;
}

void Simulator::run() {
  stopped_ = false;
  while (!stopped_ && !queue_.empty()) step_one();
}

void Simulator::run_until(SimTime t) {
  stopped_ = false;
  while (!stopped_ && !queue_.empty() && queue_.top().time <= t) step_one();
  if (!stopped_ && now_ < t) now_ = t;
}

}  // namespace infersim::engine
