// Least outstanding work: fewest outstanding tokens (prompt tokens to compute + output tokens to
// emit) divided by the replica's relative speed, so a faster pool takes proportionally more.
#include "routers.h"

namespace infersim::serving::detail {
std::size_t least_work_index(const std::vector<RouteCandidate>& c) {
  std::size_t best = 0;
  double best_w = c[0].outstanding_tokens / c[0].speed;
  for (std::size_t i = 1; i < c.size(); ++i) {
    const double w = c[i].outstanding_tokens / c[i].speed;
    if (w < best_w || (w == best_w && c[i].outstanding_requests < c[best].outstanding_requests)) {
      best = i;
      best_w = w;
    }
  }
  return best;
}
namespace {
class LeastWorkRouter final : public Router {
 public:
  const char* name() const override { return "least_work"; }
  std::size_t route(const Request&, const std::vector<RouteCandidate>& c) override { return least_work_index(c); }
};
}  // namespace
std::unique_ptr<Router> make_least_work(const ParamValues&) { return std::make_unique<LeastWorkRouter>(); }
}  // namespace infersim::serving::detail
