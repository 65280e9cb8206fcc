// Poisson process: exponential inter-arrival times at a constant rate.
#include <fmt/format.h>

#include "arrivals.h"

namespace infersim::serving::detail {
namespace {
class PoissonArrival final : public ArrivalProcess {
 public:
  explicit PoissonArrival(double rate) : rate_(rate) {}
  std::optional<Arrival> next(engine::Rng& rng) override {
    t_ += rng.exponential(rate_);
    return Arrival{t_};
  }
  double mean_rate_per_s() const override { return rate_; }
  std::string describe() const override { return fmt::format("poisson {:g} req/s", rate_); }

 private:
  double rate_;
  double t_ = 0;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_poisson(const ParamValues& p) {
  return std::make_unique<PoissonArrival>(p.number("rate_per_s"));
}
}  // namespace infersim::serving::detail
