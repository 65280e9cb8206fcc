// Offline batch: every request is submitted at the same instant (an overnight job's queue). The
// number of requests is the workload's `requests`.
#include <fmt/format.h>

#include "arrivals.h"

namespace infersim::serving::detail {
namespace {
class BatchArrival final : public ArrivalProcess {
 public:
  explicit BatchArrival(double at) : at_(at) {}
  std::optional<Arrival> next(engine::Rng&) override { return Arrival{at_}; }
  double mean_rate_per_s() const override { return 0; }
  std::string describe() const override { return fmt::format("offline batch submitted at {:g} s", at_); }

 private:
  double at_;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_batch(const ParamValues& p) {
  return std::make_unique<BatchArrival>(p.number("at_s"));
}
}  // namespace infersim::serving::detail
