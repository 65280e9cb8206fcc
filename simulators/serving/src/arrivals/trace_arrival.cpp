// Replay of an Azure-format trace: arrival times divided by `rate_multiplier` (10 = ten times the
// recorded rate), each row carrying its prompt and output lengths. With `repeat`, the trace is
// replayed back to back (shifted by its span plus one mean gap) until the workload's duration or
// request count ends the run.
#include <fmt/format.h>

#include <filesystem>

#include "arrivals.h"

namespace infersim::serving::detail {
namespace {
class TraceArrival final : public ArrivalProcess {
 public:
  TraceArrival(std::shared_ptr<const AzureTrace> t, double mult, bool repeat, bool lengths)
      : t_(std::move(t)), mult_(mult), repeat_(repeat), lengths_(lengths) {
    const double n = double(t_->size());
    period_s_ = t_->span_s() + (n > 1 ? t_->span_s() / (n - 1) : 1.0);
  }
  std::optional<Arrival> next(engine::Rng&) override {
    if (i_ >= t_->size()) {
      if (!repeat_) return std::nullopt;
      i_ = 0;
      offset_s_ += period_s_;
    }
    Arrival a;
    a.time_s = (offset_s_ + t_->time_s[i_]) / mult_;
    if (lengths_) {
      a.input = t_->input[i_];
      a.output = t_->output[i_];
    }
    ++i_;
    return a;
  }
  double mean_rate_per_s() const override { return double(t_->size()) / period_s_ * mult_; }
  std::string describe() const override {
    return fmt::format("trace {} ({} rows over {:.0f} s) at {:g}x{}",
                       std::filesystem::path(t_->path).filename().string(), t_->size(), t_->span_s(), mult_,
                       repeat_ ? ", repeated" : "");
  }

 private:
  std::shared_ptr<const AzureTrace> t_;
  double mult_;
  bool repeat_, lengths_;
  double period_s_ = 0;
  double offset_s_ = 0;
  std::size_t i_ = 0;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_trace(const ParamValues& p, BuildContext& ctx) {
  return std::make_unique<TraceArrival>(ctx.trace(p.string("file")), p.number("rate_multiplier"), p.boolean("repeat"),
                                        p.boolean("use_lengths"));
}
}  // namespace infersim::serving::detail
