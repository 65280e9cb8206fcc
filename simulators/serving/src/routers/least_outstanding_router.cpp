// Fewest outstanding requests (join-shortest-queue); ties by outstanding tokens, then replica id.
#include "routers.h"

namespace infersim::serving::detail {
namespace {
class LeastOutstandingRouter final : public Router {
 public:
  const char* name() const override { return "least_outstanding"; }
  std::size_t route(const Request&, const std::vector<RouteCandidate>& c) override {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
      const auto& a = c[i];
      const auto& b = c[best];
      if (a.outstanding_requests < b.outstanding_requests ||
          (a.outstanding_requests == b.outstanding_requests && a.outstanding_tokens < b.outstanding_tokens))
        best = i;
    }
    return best;
  }
};
}  // namespace
std::unique_ptr<Router> make_least_outstanding(const ParamValues&) {
  return std::make_unique<LeastOutstandingRouter>();
}
}  // namespace infersim::serving::detail
