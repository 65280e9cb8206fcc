// Round robin over the ready replicas in id order (continues after the last replica chosen, so
// replicas joining or leaving do not reset the rotation).
#include "routers.h"

namespace infersim::serving::detail {
namespace {
class RoundRobinRouter final : public Router {
 public:
  const char* name() const override { return "round_robin"; }
  std::size_t route(const Request&, const std::vector<RouteCandidate>& c) override {
    std::size_t pick = 0;
    for (std::size_t i = 0; i < c.size(); ++i)
      if (c[i].replica > last_) {
        pick = i;
        break;
      }
    last_ = c[pick].replica;
    return pick;
  }

 private:
  int last_ = -1;
};
}  // namespace
std::unique_ptr<Router> make_round_robin(const ParamValues&) { return std::make_unique<RoundRobinRouter>(); }
}  // namespace infersim::serving::detail
