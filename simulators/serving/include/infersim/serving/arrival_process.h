#pragma once
// When requests (or agentic tasks) arrive. Open-loop processes return successive absolute arrival
// times; a trace replay also carries the row's lengths. A closed-loop process instead declares N
// users that each submit, wait for the answer, think, and submit again (the workload driver runs
// them). Implementations and their parameters are listed in arrival_registry.h. Randomness only from
// the Rng passed in. Stateful (position in the stream); not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "infersim/engine/rng.h"

namespace infersim::serving {

struct Arrival {
  double time_s = 0;
  std::int64_t input = -1;  // tokens from a trace row; -1 = draw from the length distribution
  std::int64_t output = -1;
};

class ArrivalProcess {
 public:
  virtual ~ArrivalProcess() = default;
  // The next arrival (times non-decreasing), or nullopt when the process has no more.
  virtual std::optional<Arrival> next(engine::Rng& rng) = 0;
  // Closed loop: number of users (0 = open loop) and one think time between answer and next request.
  virtual int users() const { return 0; }
  // Closed loop: engine steps over which the users' first requests are spread (0 = none).
  virtual double stagger_steps() const { return 0; }
  // Closed loop: the first requests submitted that are warm-up, left out of the statistics.
  virtual std::int64_t warmup_requests() const { return 0; }
  virtual double think_time_s(engine::Rng&) { return 0.0; }
  // Long-run mean rate (requests/s), 0 when it depends on the system (closed loop).
  virtual double mean_rate_per_s() const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace infersim::serving
