#pragma once
// Picks the replica that serves a request among the ready replicas of the eligible pools. The view
// of each candidate is a small value (outstanding requests and tokens, relative speed), built by the
// cluster. Implementations: round robin, least outstanding requests, least outstanding work,
// session affinity (agentic prefix reuse); see router_registry.h. Deterministic: ties go to the
// lowest replica id. One instance per cluster stage; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "infersim/serving/request.h"

namespace infersim::serving {

struct RouteCandidate {
  int replica = 0;  // global replica id
  int pool = 0;
  std::int64_t outstanding_requests = 0;
  double outstanding_tokens = 0;  // prompt tokens still to compute + output tokens still to emit
  double speed = 1;               // relative throughput of the replica's pool
};

class Router {
 public:
  virtual ~Router() = default;
  virtual const char* name() const = 0;
  // Index into `candidates` (never empty).
  virtual std::size_t route(const Request& q, const std::vector<RouteCandidate>& candidates) = 0;
  virtual void on_session_end(std::uint64_t /*session*/) {}
};

}  // namespace infersim::serving
