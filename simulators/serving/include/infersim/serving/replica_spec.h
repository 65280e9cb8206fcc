#pragma once
// What every replica of a pool shares and never changes: its role, step-time estimator, chip count,
// per-chip power figures and cap, KV capacity and bytes per token, swap bandwidth and relative speed.
// Built once per pool by the simulation; shared (const) by its replicas. Thread-safe to read.
#include <cstdint>
#include <memory>
#include <string>

#include "infersim/perf/power_model.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::serving {

enum class PoolRole { mixed, prefill, decode };
const char* pool_role_name(PoolRole r);

// Immutable facts shared by the replicas of one pool.
struct ReplicaSpec {
  int pool = 0;
  std::string pool_name;
  PoolRole role = PoolRole::mixed;
  std::shared_ptr<const perf::StepEstimator> estimator;
  int chips = 1;
  double idle_w = 0, prefill_w = 0, decode_w = 0;  // per chip
  // Measured-power model (perf/power_model.h) where it applies to the chip: a step's power follows its
  // utilisation; nullptr: the phase constants above, mixed by the step's prefill share of tokens.
  const perf::PowerModel* power_model = nullptr;
  double power_cap_w = 0;         // per chip, 0 = none
  double kv_bytes_per_token = 0;  // whole replica
  double swap_bytes_per_s = 0;    // host link x chips (swap preemption)
  std::int64_t kv_blocks = 0;
  std::int64_t max_context = 0;  // model limit (0 = none)
  double speed = 1;              // relative throughput (routing on mixed pools)
  // Step-time jitter: each step's time is multiplied by a lognormal factor of mean 1 and this
  // coefficient of variation (0 = exact step times), drawn from the replica's own seeded stream.
  double jitter_cv = 0;
  std::uint64_t jitter_seed = 1;
};

}  // namespace infersim::serving
