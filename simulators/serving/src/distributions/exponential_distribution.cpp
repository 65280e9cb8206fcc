// Exponential with the given mean (memoryless waits, e.g. think or tool times).
#include <fmt/format.h>

#include "distributions.h"

namespace infersim::serving::detail {
namespace {
class ExponentialDistribution final : public Distribution {
 public:
  explicit ExponentialDistribution(double mean) : mean_(mean) {}
  double sample(engine::Rng& rng) const override { return mean_ > 0 ? rng.exponential(1.0 / mean_) : 0.0; }
  double mean() const override { return mean_; }
  std::string describe() const override { return fmt::format("exponential mean {:g}", mean_); }

 private:
  double mean_;
};
}  // namespace
std::unique_ptr<Distribution> make_exponential(const ParamValues& p) {
  return std::make_unique<ExponentialDistribution>(p.number("mean"));
}
}  // namespace infersim::serving::detail
