#pragma once
// Told when a request leaves the system (completed or rejected) and asked whether more work will
// come; implemented by the workload driver (closed-loop users, agentic tasks). Simulation thread only.
#include "infersim/serving/request.h"

namespace infersim::serving {

class RequestListener {
 public:
  virtual ~RequestListener() = default;
  virtual void on_request_finished(const Request& q) = 0;
  virtual bool workload_active() const = 0;  // arrivals still to come or jobs in progress
};

}  // namespace infersim::serving
