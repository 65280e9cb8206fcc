#pragma once
// Observes a simulation's forward steps (their cost terms and duration) and each request's
// milestones (arrival at a replica, first token, completion). A closed-loop benchmark with zero think
// time schedules by step counts only, so its mean TTFT and TPOT are sums of step costs; recording
// those sums (benchmark.h) lets calibration refit the overheads linearly without re-simulating.
// Called on the simulation thread only.
#include "infersim/perf/step_estimator.h"
#include "infersim/serving/request.h"

namespace infersim::serving {

class StepRecorder {
 public:
  virtual ~StepRecorder() = default;
  // `in_flight`: requests on the replica, this one excluded.
  virtual void on_arrival(const Request& q, double in_flight) = 0;
  virtual void on_step(const perf::StepCost& cost, double seconds) = 0;  // at the step's end
  virtual void on_first_token(const Request& q) = 0;
  virtual void on_done(const Request& q) = 0;
};

}  // namespace infersim::serving
