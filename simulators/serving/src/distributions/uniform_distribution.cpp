// Uniform on [low, high].
#include <fmt/format.h>

#include "distributions.h"
#include "infersim/common/errors.h"

namespace infersim::serving::detail {
namespace {
class UniformDistribution final : public Distribution {
 public:
  UniformDistribution(double lo, double hi) : lo_(lo), hi_(hi) {}
  double sample(engine::Rng& rng) const override { return rng.uniform(lo_, hi_); }
  double mean() const override { return 0.5 * (lo_ + hi_); }
  std::string describe() const override { return fmt::format("uniform [{:g}, {:g}]", lo_, hi_); }

 private:
  double lo_, hi_;
};
}  // namespace
std::unique_ptr<Distribution> make_uniform(const ParamValues& p) {
  if (p.number("high") < p.number("low")) throw common::ConfigError("uniform: high must be >= low");
  return std::make_unique<UniformDistribution>(p.number("low"), p.number("high"));
}
}  // namespace infersim::serving::detail
