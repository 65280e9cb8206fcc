// Session affinity: every call of an agentic task (or request of a closed-loop user) goes to the
// replica that served the session's previous call, where its prompt prefix is likely still cached;
// new sessions, and sessions whose replica is gone, go to the least-work replica. An overloaded
// home replica (more than `max_imbalance` x the least-loaded one's work plus slack) is abandoned.
#include <unordered_map>

#include "routers.h"

namespace infersim::serving::detail {
namespace {
class SessionAffinityRouter final : public Router {
 public:
  explicit SessionAffinityRouter(double imbalance) : imbalance_(imbalance) {}
  const char* name() const override { return "session_affinity"; }
  std::size_t route(const Request& q, const std::vector<RouteCandidate>& c) override {
    const std::size_t fallback = least_work_index(c);
    if (q.session == 0) return fallback;
    auto it = home_.find(q.session);
    if (it != home_.end()) {
      for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i].replica != it->second) continue;
        const double w = c[i].outstanding_tokens / c[i].speed;
        const double w0 = c[fallback].outstanding_tokens / c[fallback].speed;
        if (imbalance_ <= 0 || w <= imbalance_ * w0 + double(q.input)) return i;
        break;
      }
    }
    home_[q.session] = c[fallback].replica;
    return fallback;
  }
  void on_session_end(std::uint64_t session) override { home_.erase(session); }

 private:
  double imbalance_;
  std::unordered_map<std::uint64_t, int> home_;  // looked up only, never iterated
};
}  // namespace
std::unique_ptr<Router> make_session_affinity(const ParamValues& p) {
  return std::make_unique<SessionAffinityRouter>(p.number("max_imbalance"));
}
}  // namespace infersim::serving::detail
