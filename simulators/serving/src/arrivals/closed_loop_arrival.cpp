// Closed loop: N users, each submits a request, waits for the whole answer, thinks for a random
// time (exponential with the given mean, or fixed), and submits again. Load adapts to the system's
// speed, as in interactive benchmarks with a fixed number of users.
#include <fmt/format.h>

#include "arrivals.h"

namespace infersim::serving::detail {
namespace {
class ClosedLoopArrival final : public ArrivalProcess {
 public:
  ClosedLoopArrival(int users, double think, bool fixed, double stagger, std::int64_t warmup)
      : users_(users), think_(think), fixed_(fixed), stagger_(stagger), warmup_(warmup) {}
  double stagger_steps() const override { return stagger_; }
  std::int64_t warmup_requests() const override { return warmup_; }
  std::optional<Arrival> next(engine::Rng&) override { return std::nullopt; }
  int users() const override { return users_; }
  double think_time_s(engine::Rng& rng) override {
    if (fixed_ || think_ <= 0) return think_;
    return rng.exponential(1.0 / think_);
  }
  double mean_rate_per_s() const override { return 0; }
  std::string describe() const override {
    return fmt::format("closed loop: {} users, {} think time mean {:g} s", users_, fixed_ ? "fixed" : "exponential",
                       think_);
  }

 private:
  int users_;
  double think_;
  bool fixed_;
  double stagger_;
  std::int64_t warmup_;
};
}  // namespace
std::unique_ptr<ArrivalProcess> make_closed_loop(const ParamValues& p) {
  return std::make_unique<ClosedLoopArrival>(int(p.integer("users")), p.number("think_time_s"),
                                             p.string("think_distribution") == "fixed", p.number_or("stagger_steps", 0),
                                             p.has("warmup_requests") ? p.integer("warmup_requests") : 0);
}
}  // namespace infersim::serving::detail
