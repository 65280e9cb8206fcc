// Target utilisation: enough replicas that the busy share of the last interval, spread over them,
// would be `target`: desired = ceil(sum of busy shares / target); at least one while requests wait.
#include <cmath>

#include "autoscalers.h"

namespace infersim::serving::detail {
namespace {
class TargetUtilization final : public AutoscalerPolicy {
 public:
  explicit TargetUtilization(double target) : target_(target) {}
  const char* name() const override { return "target_utilization"; }
  int desired_replicas(const PoolLoad& l) override {
    int d = int(std::ceil(l.busy_replicas / target_ - 1e-9));
    if (l.in_flight > 0 && d < 1) d = 1;
    // Requests queue while every serving replica is saturated: the busy share cannot show more
    // than 100%, so add one replica per interval until the queue drains.
    if (l.queued > 0 && l.ready > 0 && l.busy_replicas >= 0.95 * l.ready) d = std::max(d, l.ready + l.loading + 1);
    return d;
  }

 private:
  double target_;
};
}  // namespace
std::unique_ptr<AutoscalerPolicy> make_target_utilization(const ParamValues& p) {
  return std::make_unique<TargetUtilization>(p.number("target"));
}
}  // namespace infersim::serving::detail
