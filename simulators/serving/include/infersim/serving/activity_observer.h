#pragma once
// Observes a simulation's activity in memory, as it happens: every replica span (a step named
// "prefill" / "decode" / "mixed", or a cold start "hydrating") and every finished or rejected request.
// The same events the Perfetto trace and the per-request CSV stream to files, for callers that want
// them as values (the application layer's per-request samples and binned timeline). Called on the
// simulation's thread; must not throw.
#include <cstdint>

#include "infersim/serving/request.h"

namespace infersim::serving {

class ActivityObserver {
 public:
  virtual ~ActivityObserver() = default;
  virtual void on_span(int pool, int replica, const char* name, double start_s, double dur_s, std::int64_t seqs) = 0;
  virtual void on_request_finished(const Request& q) = 0;  // q.rejected tells which
};

}  // namespace infersim::serving
