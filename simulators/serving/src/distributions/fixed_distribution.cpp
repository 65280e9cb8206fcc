// Always the same value.
#include <fmt/format.h>

#include "distributions.h"

namespace infersim::serving::detail {
namespace {
class FixedDistribution final : public Distribution {
 public:
  explicit FixedDistribution(double v) : v_(v) {}
  double sample(engine::Rng&) const override { return v_; }
  double mean() const override { return v_; }
  std::string describe() const override { return fmt::format("fixed {:g}", v_); }

 private:
  double v_;
};
}  // namespace
std::unique_ptr<Distribution> make_fixed(const ParamValues& p) {
  return std::make_unique<FixedDistribution>(p.number("value"));
}
}  // namespace infersim::serving::detail
