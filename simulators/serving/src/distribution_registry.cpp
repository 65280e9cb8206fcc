#include "infersim/serving/distribution_registry.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "distributions/distributions.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::serving {

using PT = ParamType;

const std::vector<ComponentInfo>& distribution_types() {
  static const std::vector<ComponentInfo> list = {
      {"fixed", "always the same value", {{"value", PT::number, "(same as the quantity)", "", "the value", 0, 1e12}}},
      {"uniform",
       "uniform between low and high",
       {{"low", PT::number, "(same as the quantity)", "", "smallest value", 0, 1e12},
        {"high", PT::number, "(same as the quantity)", "", "largest value", 0, 1e12}}},
      {"lognormal",
       "lognormal given by its mean and coefficient of variation (heavy right tail, like real prompt lengths)",
       {{"mean", PT::number, "(same as the quantity)", "", "mean of the distribution", 1e-9, 1e12},
        {"cv", PT::number, "", "1.0", "coefficient of variation (stddev / mean); 0 = fixed", 0, 100}}},
      {"exponential",
       "exponential with the given mean (memoryless waits)",
       {{"mean", PT::number, "(same as the quantity)", "", "mean", 0, 1e12}}},
      {"empirical",
       "resample a column of an Azure-format trace (bootstrap of real lengths)",
       {{"trace", PT::string, "", "", "trace file (path, or alias azure-conv / azure-code)"},
        {"column",
         PT::string,
         "",
         "",
         "which column: input (ContextTokens) or output (GeneratedTokens)",
         -1e300,
         1e300,
         {"input", "output"}},
        {"scale", PT::number, "", "1.0", "multiply every sample by this", 1e-6, 1e6}}},
  };
  return list;
}

const std::vector<ParamSpec>& distribution_common_params() {
  static const std::vector<ParamSpec> list = {
      {"clamp_min", PT::number, "(same as the quantity)", "null", "samples below are raised to this", 0, 1e12},
      {"clamp_max", PT::number, "(same as the quantity)", "null", "samples above are lowered to this", 0, 1e12},
  };
  return list;
}

namespace {
class Clamped final : public Distribution {
 public:
  Clamped(std::unique_ptr<Distribution> d, double lo, double hi) : d_(std::move(d)), lo_(lo), hi_(hi) {}
  double sample(engine::Rng& rng) const override { return std::clamp(d_->sample(rng), lo_, hi_); }
  double mean() const override { return std::clamp(d_->mean(), lo_, hi_); }  // approximate
  std::string describe() const override {
    if (hi_ >= 1e299) return fmt::format("{}, at least {:g}", d_->describe(), lo_);
    if (lo_ <= 0) return fmt::format("{}, at most {:g}", d_->describe(), hi_);
    return fmt::format("{} clamped to [{:g}, {:g}]", d_->describe(), lo_, hi_);
  }

 private:
  std::unique_ptr<Distribution> d_;
  double lo_, hi_;
};
}  // namespace

std::unique_ptr<Distribution> make_distribution(const ComponentConfig& c, BuildContext& ctx) {
  std::unique_ptr<Distribution> d;
  const auto& p = c.params;
  if (c.type == "fixed")
    d = detail::make_fixed(p);
  else if (c.type == "uniform")
    d = detail::make_uniform(p);
  else if (c.type == "lognormal")
    d = detail::make_lognormal(p);
  else if (c.type == "exponential")
    d = detail::make_exponential(p);
  else if (c.type == "empirical")
    d = detail::make_empirical(p, ctx);
  else
    throw common::InternalError("unknown distribution type " + c.type);
  if (p.has("clamp_min") || p.has("clamp_max"))
    d = std::make_unique<Clamped>(std::move(d), p.number_or("clamp_min", 0.0), p.number_or("clamp_max", 1e300));
  return d;
}

std::int64_t sample_tokens(const Distribution& d, engine::Rng& rng, std::int64_t min_tokens) {
  const double x = d.sample(rng);
  const auto t = std::int64_t(std::llround(std::min(x, 1e12)));
  return std::max(min_tokens, t);
}

}  // namespace infersim::serving
