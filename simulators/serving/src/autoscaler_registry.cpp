#include "infersim/serving/autoscaler_registry.h"

#include "autoscalers/autoscalers.h"
#include "infersim/common/errors.h"

namespace infersim::serving {

using PT = ParamType;

const std::vector<ComponentInfo>& autoscaler_policies() {
  static const std::vector<ComponentInfo> list = {
      {"target_utilization",
       "keep the replicas' busy share near a target (desired = busy replica-equivalents / target)",
       {{"target", PT::number, "", "0.7", "target busy share of a replica", 0.05, 1.0}}},
      {"queue_length",
       "keep in-flight requests per replica at most a threshold (concurrency-based, like Knative)",
       {{"max_outstanding_per_replica", PT::number, "requests", "32",
         "in-flight (running + queued) requests one replica should carry", 0.1, 1e6}}},
  };
  return list;
}

const std::vector<ParamSpec>& autoscaler_common_params() {
  static const std::vector<ParamSpec> list = {
      {"min_replicas", PT::integer, "replicas", "0", "never fewer serving-or-loading replicas (0 = scale to zero)", 0,
       1e5},
      {"max_replicas", PT::integer, "replicas", "", "never more", 1, 1e5},
      {"interval_s", PT::number, "s", "5", "how often the policy is evaluated", 0.001, 1e6},
      {"scale_down_idle_s", PT::number, "s", "60", "a replica idle (no requests) this long may be released", 0, 1e9},
      {"warm_pool", PT::integer, "instances", "0",
       "standby instances kept hydrated in host memory (billed; activate in seconds instead of a cold start)", 0, 1e5},
  };
  return list;
}

std::unique_ptr<AutoscalerPolicy> make_autoscaler_policy(const ComponentConfig& c) {
  if (c.type == "target_utilization") return detail::make_target_utilization(c.params);
  if (c.type == "queue_length") return detail::make_queue_length(c.params);
  throw common::InternalError("unknown autoscaler policy " + c.type);
}

}  // namespace infersim::serving
