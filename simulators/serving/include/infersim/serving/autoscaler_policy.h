#pragma once
// How many replicas a pool should have, given its recent load. The cluster evaluates the policy
// every `interval_s`, clamps the answer to [min_replicas, max_replicas], starts replicas (warm pool
// first, else a cold start) when it wants more, and releases replicas idle for scale_down_idle_s
// when it wants fewer. Implementations: target utilisation, queue length; see
// autoscaler_registry.h. Not thread-safe.
#include <cstdint>

namespace infersim::serving {

struct PoolLoad {
  int ready = 0;               // serving replicas
  int loading = 0;             // replicas hydrating (cold start or warm activation)
  std::int64_t queued = 0;     // requests waiting for a batch slot or for capacity
  std::int64_t in_flight = 0;  // requests on the pool's replicas or pending for it (queued included)
  double busy_replicas = 0;    // sum over ready replicas of the busy share of the last interval
};

class AutoscalerPolicy {
 public:
  virtual ~AutoscalerPolicy() = default;
  virtual const char* name() const = 0;
  virtual int desired_replicas(const PoolLoad& load) = 0;
};

}  // namespace infersim::serving
