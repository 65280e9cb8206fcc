// Bursty renewal process: Gamma inter-arrival times with mean 1/rate and coefficient of variation cv
// (cv = 1 is Poisson; cv > 1 bunches requests into bursts). shape = 1/cv^2, scale = cv^2/rate.
#include <fmt/format.h>

#include "arrivals.h"

namespace infersim::serving::detail {
namespace {
class GammaArrival final : public ArrivalProcess {
 public:
  GammaArrival(double rate, double cv) : rate_(rate), cv_(cv), shape_(1.0 / (cv * cv)), scale_(cv * cv / rate) {}
  std::optional<Arrival> next(engine::Rng& rng) override {
    t_ += rng.gamma(shape_, scale_);
    return Arrival{t_};
  }
  double mean_rate_per_s() const override { return rate_; }
  std::string describe() const override { return fmt::format("gamma {:g} req/s, cv {:g}", rate_, cv_); }

 private:
  double rate_, cv_, shape_, scale_;
  double t_ = 0;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_gamma(const ParamValues& p) {
  return std::make_unique<GammaArrival>(p.number("rate_per_s"), p.number("cv"));
}
}  // namespace infersim::serving::detail
