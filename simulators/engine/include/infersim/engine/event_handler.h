#pragma once
// Whatever reacts to events implements EventHandler. A handler is owned by the model code, not by
// the simulator; it must outlive the events scheduled for it (or cancel them). Called on the
// simulation thread only.
#include "infersim/engine/event.h"

namespace infersim::engine {

class Simulator;

class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void on_event(Simulator& sim, const Event& e) = 0;
};

}  // namespace infersim::engine
