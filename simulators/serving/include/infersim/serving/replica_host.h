#pragma once
// What a replica reports to the cluster that owns it: finished requests, prompts handed off to a
// decode pool, rejections, idleness, readiness; and where step-level metrics and the trace go.
// Implemented by Cluster. Called on the simulation thread only.
#include <cstdint>

#include "infersim/serving/request.h"

namespace infersim::serving {

class Replica;
class MetricsCollector;
class TraceWriter;
class StepRecorder;
class ActivityObserver;

class ReplicaHost {
 public:
  virtual ~ReplicaHost() = default;
  virtual void on_request_done(Replica& r, RequestIndex req, double t) = 0;
  virtual void on_prefill_handoff(Replica& r, RequestIndex req, double t) = 0;
  virtual void on_request_rejected(Replica& r, RequestIndex req, const char* why) = 0;
  virtual void on_replica_ready(Replica& r) = 0;
  virtual void on_replica_idle(Replica& r) = 0;
  virtual MetricsCollector& metrics() = 0;
  virtual TraceWriter* trace() = 0;
  virtual StepRecorder* recorder() { return nullptr; }
  virtual ActivityObserver* observer() { return nullptr; }
};

}  // namespace infersim::serving
