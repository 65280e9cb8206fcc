#include "infersim/serving/router_registry.h"

#include "infersim/common/errors.h"
#include "routers/routers.h"

namespace infersim::serving {

using PT = ParamType;

const std::vector<ComponentInfo>& router_types() {
  static const std::vector<ComponentInfo> list = {
      {"round_robin", "round robin over the ready replicas", {}},
      {"least_outstanding", "fewest outstanding requests (join the shortest queue)", {}},
      {"least_work", "least outstanding work: prompt + output tokens still to process, divided by replica speed", {}},
      {"session_affinity",
       "send every call of a session to the replica that served its previous call (prefix-cache reuse); else least "
       "work",
       {{"max_imbalance", PT::number, "", "4.0",
         "leave the home replica when its work exceeds this x the least-loaded replica's (0 = never leave)", 0, 1e6}}},
  };
  return list;
}

std::unique_ptr<Router> make_router(const ComponentConfig& c) {
  if (c.type == "round_robin") return detail::make_round_robin(c.params);
  if (c.type == "least_outstanding") return detail::make_least_outstanding(c.params);
  if (c.type == "least_work") return detail::make_least_work(c.params);
  if (c.type == "session_affinity") return detail::make_session_affinity(c.params);
  throw common::InternalError("unknown router " + c.type);
}

}  // namespace infersim::serving
