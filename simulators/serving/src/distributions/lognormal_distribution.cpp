// Lognormal given by its mean and coefficient of variation (what people know about their traffic):
// sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2.
#include <fmt/format.h>

#include <cmath>

#include "distributions.h"

namespace infersim::serving::detail {
namespace {
class LognormalDistribution final : public Distribution {
 public:
  LognormalDistribution(double mean, double cv) : mean_(mean), cv_(cv) {
    const double s2 = std::log1p(cv * cv);
    sigma_ = std::sqrt(s2);
    mu_ = std::log(mean) - 0.5 * s2;
  }
  double sample(engine::Rng& rng) const override { return cv_ == 0 ? mean_ : rng.lognormal(mu_, sigma_); }
  double mean() const override { return mean_; }
  std::string describe() const override { return fmt::format("lognormal mean {:g} cv {:g}", mean_, cv_); }

 private:
  double mean_, cv_, mu_ = 0, sigma_ = 0;
};
}  // namespace
std::unique_ptr<Distribution> make_lognormal(const ParamValues& p) {
  return std::make_unique<LognormalDistribution>(p.number("mean"), p.number("cv"));
}
}  // namespace infersim::serving::detail
