#pragma once
// Streaming metrics of a serving simulation: per-request TTFT, TPOT (mean per request), per-token
// gaps (inter-token latency, recorded with weights: all sequences of a decode step share one gap),
// E2E and queueing time; agentic task times; batch-size and KV-utilisation distributions per step;
// SLO attainment and goodput; token and event counters. Distributions are LogHistogram quantile
// sketches (0.5% relative error), so memory does not grow with the number of requests or tokens.
// Requests that arrived before `warmup_s` are left out of the request statistics.
// Owned by the cluster; not thread-safe.
#include <cstdint>

#include "infersim/engine/log_histogram.h"
#include "infersim/serving/request.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

struct RequestCounters {
  std::uint64_t arrived = 0;
  std::uint64_t completed = 0;      // measured (arrived after warm-up)
  std::uint64_t completed_all = 0;  // including warm-up
  std::uint64_t rejected = 0;
  std::uint64_t met_slo = 0;
  std::uint64_t met_ttft = 0, met_tpot = 0, met_e2e = 0;
  std::uint64_t cold_wait = 0;  // waited for a replica that was still loading
  std::uint64_t preemptions = 0;
  std::uint64_t prefix_hit_tokens = 0;
  std::uint64_t input_tokens = 0;  // prompt tokens of completed requests (cached prefix included)
  std::uint64_t output_tokens = 0;
  std::uint64_t tasks_completed = 0;
  std::uint64_t tasks_met_slo = 0;
};

class MetricsCollector {
 public:
  MetricsCollector(const SloConfig& slo, double warmup_s);

  void on_arrival() { ++c_.arrived; }
  // One finished step: `prefill_tokens` prompt tokens computed, `emitted` tokens generated.
  void on_step(double t_end, double dt, std::int64_t seqs, std::int64_t prefill_tokens, std::int64_t emitted,
               double kv_util) {
    batch_.add(double(seqs));
    step_tokens_.add(double(prefill_tokens + emitted));
    kv_util_.add(kv_util);
    busy_weighted_seqs_ += double(seqs) * dt;
    busy_time_ += dt;
    emitted_all_ += std::uint64_t(emitted);
    if (t_end >= warmup_s_) {
      emitted_window_ += std::uint64_t(emitted);
      prefill_window_ += std::uint64_t(prefill_tokens);
    }
  }
  void on_token_gaps(double t, double gap_s, std::uint64_t count) {
    if (t >= warmup_s_) itl_.add(gap_s, count);
  }
  void on_preemption() { ++c_.preemptions; }
  void on_prefix_hit(std::int64_t tokens) { c_.prefix_hit_tokens += std::uint64_t(tokens); }
  void on_request_done(const Request& q);
  void on_request_rejected(const Request& q);
  void on_task_done(double start_s, double end_s);

  const RequestCounters& counters() const { return c_; }
  const engine::LogHistogram& ttft() const { return ttft_; }
  const engine::LogHistogram& ttft_cold() const { return ttft_cold_; }
  const engine::LogHistogram& tpot() const { return tpot_; }
  const engine::LogHistogram& itl() const { return itl_; }
  const engine::LogHistogram& e2e() const { return e2e_; }
  const engine::LogHistogram& queue() const { return queue_; }
  const engine::LogHistogram& task_e2e() const { return task_e2e_; }
  const engine::LogHistogram& batch_size() const { return batch_; }
  const engine::LogHistogram& step_tokens() const { return step_tokens_; }
  const engine::LogHistogram& kv_utilization() const { return kv_util_; }
  double time_weighted_batch() const { return busy_time_ > 0 ? busy_weighted_seqs_ / busy_time_ : 0.0; }
  double first_measured_arrival_s() const { return first_arrival_s_; }
  std::uint64_t emitted_tokens() const { return emitted_all_; }            // whole run
  std::uint64_t emitted_tokens_window() const { return emitted_window_; }  // steps ending after warm-up
  std::uint64_t prefill_tokens_window() const { return prefill_window_; }
  double last_completion_s() const { return last_done_s_; }

 private:
  SloConfig slo_;
  double warmup_s_;
  RequestCounters c_;
  engine::LogHistogram ttft_, ttft_cold_, tpot_, itl_, e2e_, queue_, task_e2e_, batch_, step_tokens_, kv_util_;
  double busy_weighted_seqs_ = 0, busy_time_ = 0;
  std::uint64_t emitted_all_ = 0, emitted_window_ = 0, prefill_window_ = 0;
  double first_arrival_s_ = -1, last_done_s_ = 0;
};

}  // namespace infersim::serving
