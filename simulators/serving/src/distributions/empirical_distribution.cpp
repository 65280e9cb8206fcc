// Resamples a column of a trace (bootstrap): each sample is a uniformly chosen row's value, scaled.
#include <fmt/format.h>

#include <filesystem>

#include "distributions.h"

namespace infersim::serving::detail {
namespace {
class EmpiricalDistribution final : public Distribution {
 public:
  EmpiricalDistribution(std::shared_ptr<const AzureTrace> t, bool input, double scale, std::string name)
      : trace_(std::move(t)), input_(input), scale_(scale), name_(std::move(name)) {
    const auto& col = input_ ? trace_->input : trace_->output;
    double s = 0;
    for (auto v : col) s += v;
    mean_ = s / double(col.size()) * scale_;
  }
  double sample(engine::Rng& rng) const override {
    const auto& col = input_ ? trace_->input : trace_->output;
    const auto i = std::size_t(rng.uniform_int(0, std::int64_t(col.size()) - 1));
    return double(col[i]) * scale_;
  }
  double mean() const override { return mean_; }
  std::string describe() const override {
    return fmt::format("empirical {} column of {} ({} rows, mean {:.1f})", input_ ? "input" : "output", name_,
                       trace_->size(), mean_);
  }

 private:
  std::shared_ptr<const AzureTrace> trace_;
  bool input_;
  double scale_;
  std::string name_;
  double mean_ = 0;
};
}  // namespace
std::unique_ptr<Distribution> make_empirical(const ParamValues& p, BuildContext& ctx) {
  auto t = ctx.trace(p.string("trace"));
  return std::make_unique<EmpiricalDistribution>(t, p.string("column") == "input", p.number("scale"),
                                                 std::filesystem::path(t->path).filename().string());
}
}  // namespace infersim::serving::detail
