#pragma once
// The serving cluster: pools of replicas, the routers in front of them, prefill/decode
// disaggregation (KV transfer between pools over a link), and each pool's lifecycle: cold starts
// (hydration from storage tiers), warm-pool activations, autoscaling evaluations and scale-down of
// idle replicas. Requests that arrive while no replica of an entry pool is ready wait in a pending
// queue (and a pool scaled to zero starts one at once). Reports completions to the metrics, the
// optional per-request CSV and trace, and the workload driver. Owns pools and routers; the
// simulator, metrics and sinks are the caller's. Simulation thread only.
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "infersim/engine/event_handler.h"
#include "infersim/engine/simulator.h"
#include "infersim/model/model_spec.h"
#include "infersim/serving/metrics_collector.h"
#include "infersim/serving/pool.h"
#include "infersim/serving/replica_host.h"
#include "infersim/serving/request.h"
#include "infersim/serving/request_csv_writer.h"
#include "infersim/serving/request_listener.h"
#include "infersim/serving/request_pool.h"
#include "infersim/serving/router.h"
#include "infersim/serving/scenario.h"
#include "infersim/serving/shared_tier.h"
#include "infersim/serving/trace_writer.h"

namespace infersim::serving {

class Cluster final : public ReplicaHost, public engine::EventHandler {
 public:
  // `pools` come built (spec, hardware, price, cold-start figures); the cluster creates replicas.
  Cluster(const Scenario& s, const model::ModelSpec& m, std::vector<Pool> pools, engine::Simulator& sim,
          MetricsCollector& metrics, TraceWriter* trace, RequestCsvWriter* csv);

  void set_listener(RequestListener* l) { listener_ = l; }
  void start();  // initial replicas, warm pools, autoscaler ticks
  RequestPool& requests() { return requests_; }
  void arrive(RequestIndex r);              // a new request enters the cluster
  void end_session(std::uint64_t session);  // an agentic task is over: routers forget it

  std::vector<Pool>& pools() { return pools_; }
  const std::vector<Pool>& pools() const { return pools_; }
  std::int64_t in_flight() const { return std::int64_t(requests_.live()); }
  std::int64_t pending() const { return std::int64_t(pending_.size() + pending_decode_.size()); }
  double kv_transfer_bytes_per_s() const { return kv_bw_; }
  std::uint64_t kv_transfers() const { return kv_transfers_; }
  double kv_transfer_s() const { return kv_transfer_s_; }
  void note_time(double t) { last_activity_s_ = std::max(last_activity_s_, t); }
  double last_activity_s() const { return last_activity_s_; }

  // ReplicaHost
  void on_request_done(Replica& r, RequestIndex req, double t) override;
  void on_prefill_handoff(Replica& r, RequestIndex req, double t) override;
  void on_request_rejected(Replica& r, RequestIndex req, const char* why) override;
  void on_replica_ready(Replica& r) override;
  void on_replica_idle(Replica& r) override;
  MetricsCollector& metrics() override { return metrics_; }
  TraceWriter* trace() override { return trace_; }
  StepRecorder* recorder() override { return recorder_; }
  ActivityObserver* observer() override { return observer_; }
  void set_observer(ActivityObserver* o) { observer_ = o; }
  void set_recorder(StepRecorder* r) { recorder_ = r; }

  void on_event(engine::Simulator& sim, const engine::Event& e) override;

 private:
  enum EventKind : std::uint32_t { TRANSFER_DONE = 1, TICK = 2, LOAD_JOIN = 3, TIER_FINISH = 4 };
  // A cold start whose weights come through a shared tier.
  struct ColdLoad {
    int replica = 0, pool = 0;
    std::size_t tier = 0;  // index in shared_tiers_
    double start_s = 0;
    double cap = 0;  // the load's own path (loader, host link, device write), bytes/s
    ColdStart cold;  // the same cold start alone on the tier
  };
  struct TierLoads {
    std::string name;
    SharedTier tier;
    std::uint64_t version = 0;  // the finish event carries it; older events are ignored
  };
  Replica& replica_by_id(int id) { return *replicas_by_id_[std::size_t(id)]; }
  Replica& new_replica(Pool& p);
  void route_entry(RequestIndex r);
  void route_decode(RequestIndex r);
  void collect(bool entry, std::vector<RouteCandidate>& out) const;
  void scale_up(Pool& p, int n);
  void scale_down(Pool& p, int keep);
  void refill_standby(Pool& p);
  void tick(Pool& p);
  const StorageTier& next_tier(Pool& p);
  void begin_cold_start(Pool& p, Replica& r);
  void add_phases(Pool& p, const ColdStartPhases& ph, double weights_s, double ready_s);
  void reschedule_tier(std::size_t t);
  void on_tier_finish(std::size_t t, std::uint64_t version);
  void finish_request(RequestIndex r);

  const Scenario& scenario_;
  model::ModelSpec model_;
  std::vector<Pool> pools_;
  engine::Simulator& sim_;
  MetricsCollector& metrics_;
  TraceWriter* trace_;
  StepRecorder* recorder_ = nullptr;
  RequestCsvWriter* csv_;
  RequestListener* listener_ = nullptr;
  ActivityObserver* observer_ = nullptr;
  RequestPool requests_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Router> decode_router_;
  std::vector<Replica*> replicas_by_id_;
  std::deque<RequestIndex> pending_;         // waiting for any ready entry replica
  std::deque<RequestIndex> pending_decode_;  // KV arrived, waiting for a ready decode replica
  std::vector<RouteCandidate> candidates_;
  bool disaggregated_ = false;
  double kv_bw_ = 0;
  std::uint64_t kv_transfers_ = 0;
  double kv_transfer_s_ = 0;
  double last_activity_s_ = 0;
  std::vector<ColdLoad> cold_loads_;
  std::vector<TierLoads> shared_tiers_;
};

}  // namespace infersim::serving
