// Non-homogeneous Poisson process over a daily rate curve: `rates_per_s` are evenly spaced points over
// one day (e.g. 24 hourly values), linearly interpolated and wrapping around midnight. Sampled by
// thinning (Lewis-Shedler) against the curve's maximum, so it is exact for any curve.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arrivals.h"
#include "infersim/common/errors.h"

namespace infersim::serving::detail {
namespace {
class DiurnalArrival final : public ArrivalProcess {
 public:
  DiurnalArrival(std::vector<double> rates, double day_s, double start_hour)
      : rates_(std::move(rates)), day_s_(day_s), offset_s_(start_hour / 24.0 * day_s) {
    max_ = *std::max_element(rates_.begin(), rates_.end());
    double s = 0;
    for (double r : rates_) s += r;
    mean_ = s / double(rates_.size());
  }
  double rate_at(double t) const {
    const double x = std::fmod(t + offset_s_, day_s_) / day_s_ * double(rates_.size());
    const auto i = std::size_t(x) % rates_.size();
    const double f = x - std::floor(x);
    return rates_[i] * (1 - f) + rates_[(i + 1) % rates_.size()] * f;
  }
  std::optional<Arrival> next(engine::Rng& rng) override {
    for (;;) {
      t_ += rng.exponential(max_);
      if (rng.uniform() * max_ <= rate_at(t_)) return Arrival{t_};
    }
  }
  double mean_rate_per_s() const override { return mean_; }
  std::string describe() const override {
    return fmt::format("diurnal {} points over {:g} s, mean {:.3g} req/s, peak {:.3g} req/s", rates_.size(), day_s_,
                       mean_, max_);
  }

 private:
  std::vector<double> rates_;
  double day_s_, offset_s_;
  double max_ = 0, mean_ = 0;
  double t_ = 0;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_diurnal(const ParamValues& p) {
  auto rates = p.list("rates_per_s");
  if (rates.size() < 2) throw common::ConfigError("diurnal: rates_per_s needs at least 2 points");
  if (*std::max_element(rates.begin(), rates.end()) <= 0)
    throw common::ConfigError("diurnal: rates_per_s needs a positive rate somewhere");
  return std::make_unique<DiurnalArrival>(std::move(rates), p.number("day_s"), p.number("start_hour"));
}
}  // namespace infersim::serving::detail
