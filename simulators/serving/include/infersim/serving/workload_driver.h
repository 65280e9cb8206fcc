#pragma once
// Turns the workload configuration into requests over simulated time: open-loop arrivals (one
// pending arrival event at a time, so memory does not depend on the number of requests), closed-loop
// users (submit, wait, think, submit again) and agentic tasks (K model calls with tool latency
// between them; each call's prompt is the previous call's prompt and answer plus the tool's output,
// so the context grows and the same session's prefix can be reused from the prefix cache).
// Separate Rng streams for arrivals, lengths and agentic behaviour, so changing the cluster never
// changes the offered load. Simulation thread only.
#include <cstdint>
#include <memory>
#include <vector>

#include "infersim/engine/event_handler.h"
#include "infersim/engine/rng.h"
#include "infersim/engine/simulator.h"
#include "infersim/serving/arrival_process.h"
#include "infersim/serving/build_context.h"
#include "infersim/serving/cluster.h"
#include "infersim/serving/distribution.h"
#include "infersim/serving/request_listener.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

class WorkloadDriver final : public engine::EventHandler, public RequestListener {
 public:
  WorkloadDriver(const Scenario& s, BuildContext& ctx, engine::Simulator& sim, Cluster& cluster,
                 MetricsCollector& metrics);
  void start();
  std::string describe() const;
  std::uint64_t jobs_started() const { return jobs_started_; }

  void on_request_finished(const Request& q) override;
  bool workload_active() const override { return open_more_ || live_jobs_ > 0 || users_active_ > 0; }
  void on_event(engine::Simulator& sim, const engine::Event& e) override;

 private:
  enum EventKind : std::uint32_t { ARRIVAL = 1, USER_NEXT = 2, TOOL_DONE = 3 };
  struct Job {
    std::int64_t user = -1;  // closed-loop user, -1 = open loop
    bool task = false;       // agentic task
    std::int64_t calls = 1;
    std::int64_t done_calls = 0;
    std::int64_t context = 0;  // prompt of the next call
    std::uint64_t session = 0;
    double start_s = 0;
  };
  bool may_start_job(double t) const;
  void schedule_next_arrival();
  void start_job(std::int64_t user, std::int64_t input, std::int64_t output);
  void submit(std::uint32_t job, std::int64_t input, std::int64_t output);
  std::uint32_t alloc_job();

  const Scenario& s_;
  engine::Simulator& sim_;
  Cluster& cluster_;
  MetricsCollector& metrics_;
  std::unique_ptr<ArrivalProcess> arrival_;
  std::unique_ptr<Distribution> input_, output_, calls_, tool_latency_, tool_tokens_;
  engine::Rng rng_arrival_, rng_lengths_, rng_agent_, rng_think_;
  bool agentic_ = false;
  std::int64_t max_jobs_ = -1;
  double duration_s_ = -1;
  bool open_more_ = false;
  Arrival next_{};
  std::uint64_t jobs_started_ = 0;
  std::uint64_t next_request_id_ = 0;
  std::uint64_t next_session_ = 1;
  std::int64_t live_jobs_ = 0;
  std::int64_t users_active_ = 0;
  std::vector<bool> user_started_;  // closed loop: first request submitted (stagger)
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_jobs_;
};

}  // namespace infersim::serving
