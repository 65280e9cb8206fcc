// Queue length (concurrency): enough replicas that each has at most `max_outstanding_per_replica`
// requests in flight: desired = ceil(in-flight requests / max_outstanding_per_replica).
#include <cmath>

#include "autoscalers.h"

namespace infersim::serving::detail {
namespace {
class QueueLength final : public AutoscalerPolicy {
 public:
  explicit QueueLength(double per) : per_(per) {}
  const char* name() const override { return "queue_length"; }
  int desired_replicas(const PoolLoad& l) override { return int(std::ceil(double(l.in_flight) / per_ - 1e-9)); }

 private:
  double per_;
};
}  // namespace
std::unique_ptr<AutoscalerPolicy> make_queue_length(const ParamValues& p) {
  return std::make_unique<QueueLength>(p.number("max_outstanding_per_replica"));
}
}  // namespace infersim::serving::detail
