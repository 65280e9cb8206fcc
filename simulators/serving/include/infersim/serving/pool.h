#pragma once
// A pool of identical replicas (one deployment: hardware, layout, runtime, scheduler), its role
// (mixed, or the prefill / decode side of a disaggregated cluster), its autoscaler and warm pool,
// and its accounting (cold starts, hydration time, standby time). Owned by the Cluster, which runs
// the lifecycle; not thread-safe.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "infersim/serving/autoscaler_policy.h"
#include "infersim/serving/hydration.h"
#include "infersim/serving/replica.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

struct Standby {
  double since_s = 0;  // billed from
  double ready_s = 0;  // hydrated into host memory from
};

struct Pool {
  int index = 0;
  PoolConfig config;
  std::shared_ptr<const ReplicaSpec> spec;
  hwprofiles::HardwareProfile hardware;
  std::string runtime;
  std::string layout;       // "tp=4 pp=1 (4 chips)"
  double weight_bytes = 0;  // one replica's weights (all chips)
  double usd_per_chip_hour = 0;
  std::string price_basis;
  ColdStartPhases phases;                          // engine phases of a cold start (runtime profile + scenario)
  double loader_bytes_per_s = 0;                   // checkpoint loader cap (0 = none)
  ColdStart first_cold_start;                      // what a cold start from `source` costs, alone on its tier
  std::vector<std::unique_ptr<Replica>> replicas;  // slots; released ones are reused
  std::unique_ptr<AutoscalerPolicy> policy;
  std::vector<Standby> standby;
  std::vector<double> busy_at_tick;  // per slot: busy_s at the previous evaluation

  // accounting
  bool loaded_once = false;
  int cold_starts = 0;
  int warm_starts = 0;
  double hydration_s = 0;
  // Seconds of all cold starts by phase ("provision", "image_pull", "engine_init", "restore", "weights",
  // "compile", "graph_capture", "warmup", "init"); they sum to hydration_s.
  std::map<std::string, double> hydration_phase_s;
  double shared_tier_wait_s = 0;  // part of "weights" spent waiting for a shared tier busy with other loads
  double standby_s = 0;           // closed standby intervals
  int peak_replicas = 0;
  int initial_replicas = 0;

  bool entry() const { return config.role != "decode"; }
  int count(Replica::Status s) const {
    int n = 0;
    for (const auto& r : replicas) n += r->status() == s;
    return n;
  }
};

}  // namespace infersim::serving
