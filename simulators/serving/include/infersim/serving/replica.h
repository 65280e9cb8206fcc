#pragma once
// One replica of a deployment (a model instance on `chips` chips) serving requests in forward steps.
// Each step's duration is StepEstimator::time(BatchShape) for the step's aggregate shape: prompt
// chunks added with BatchShape::prefill_chunk, decoding sequences as (count, sum of contexts). The
// decode set is kept as aggregates (count, context sum, KV-block phase counts) plus a heap of finish
// steps, so a step costs O(1 + finishing x log n), never O(batch).
//
// Time: steps run back to back on an exact double-precision clock (seconds); the engine event that
// ends a step is scheduled at that time rounded to the nanosecond, and request timestamps use the
// exact clock, so one request at zero load reproduces the analytic estimate to ~1e-15.
//
// Lifecycle (driven by the cluster): off -> loading (cold start or warm activation) -> ready -> off.
// Owned by its Pool; the scheduler is owned by the replica. Not thread-safe.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "infersim/engine/event_handler.h"
#include "infersim/engine/rng.h"
#include "infersim/engine/simulator.h"
#include "infersim/serving/kv_block_manager.h"
#include "infersim/serving/replica_host.h"
#include "infersim/serving/replica_spec.h"
#include "infersim/serving/request_pool.h"
#include "infersim/serving/scheduler.h"
#include "infersim/serving/step_plan.h"

namespace infersim::serving {

class Replica final : public engine::EventHandler {
 public:
  enum class Status { off, loading, ready };

  Replica(int id, int index_in_pool, std::shared_ptr<const ReplicaSpec> spec, std::unique_ptr<Scheduler> scheduler,
          ReplicaHost& host, engine::Simulator& sim, RequestPool& requests);

  int id() const { return id_; }
  int index_in_pool() const { return index_; }
  const ReplicaSpec& spec() const { return *spec_; }
  Status status() const { return status_; }
  bool ready() const { return status_ == Status::ready; }

  // ---- lifecycle ----
  // Ready after `seconds`, billed from now. Streamed weights (weights_done_in_s > seconds): until they are
  // all in, no step ends before weights_done + its time / layers (the last layer's share of it).
  void start_loading(double seconds, double weights_done_in_s = 0, int layers = 1);
  // A load whose length is not known yet (a shared storage tier): billed from now, ready only after
  // finish_loading(ready_at_s).
  void start_loading_open();
  void finish_loading(double ready_at_s);
  void release();  // back to off; must hold no requests
  double loading_until_s() const { return loading_until_s_; }

  // ---- requests ----
  void enqueue(RequestIndex r);            // needs a prefill here
  void enqueue_prefilled(RequestIndex r);  // KV arrived from a prefill pool: decode only
  std::int64_t outstanding_requests() const { return outstanding_requests_; }
  double outstanding_tokens() const { return outstanding_tokens_; }
  std::int64_t queued() const { return std::int64_t(waiting_.size() + swapped_.size()); }
  bool holds_requests() const { return outstanding_requests_ > 0; }
  double idle_since_s() const { return idle_since_s_; }

  // ---- scheduling API (used by Scheduler implementations) ----
  Request& request(RequestIndex r) { return requests_[r]; }
  std::size_t waiting_count() const { return waiting_.size(); }
  RequestIndex waiting_front() const { return waiting_.front(); }
  std::size_t swapped_count() const { return swapped_.size(); }
  RequestIndex swapped_front() const { return swapped_.front(); }
  const std::vector<RequestIndex>& prefilling() const { return prefilling_; }
  std::int64_t decoding() const { return n_dec_; }
  std::int64_t running() const { return n_dec_ + std::int64_t(prefilling_.size()); }
  bool is_prefilled(RequestIndex r) const;  // KV complete (decode-pool arrival): admit joins decoding
  // Whether the waiting front may join now (overlap schedulers: one step after it arrived while busy).
  bool front_eligible() const;
  // Prompt tokens of the waiting requests that may join now (in queue order, up to the first that may not).
  std::int64_t eligible_waiting_tokens() const;
  // KV blocks admitting r with `tokens` of prompt needs now (the whole prompt + output when the
  // scheduler reserves at admission), and blocks a further chunk of r needs.
  std::int64_t admission_blocks(RequestIndex r, std::int64_t tokens) const;
  std::int64_t chunk_blocks(RequestIndex r, std::int64_t tokens) const;
  std::int64_t blocks_for(std::int64_t tokens) const { return kv_.blocks_for(tokens); }
  std::int64_t available_blocks() const { return kv_.available(); }
  // Whether n more blocks can be taken; with `watermark`, keeps the scheduler's reserve free while
  // other sequences run (vLLM's admission watermark).
  bool can_allocate(std::int64_t n, bool watermark) const;
  std::int64_t prefix_hit(RequestIndex r) const;  // cached prefix tokens usable by the waiting front
  // Admits the waiting front: claims its cached prefix (or reserves full length under static
  // batching); a prefilled request joins the decode set directly.
  void admit(RequestIndex r);
  void plan_chunk(RequestIndex r, std::int64_t tokens);  // allocates the chunk's KV blocks
  void swap_in_front();
  std::int64_t decode_blocks_needed() const;  // new KV blocks the next decode step needs
  bool preempt_last();                        // newest running sequence (recompute or swap); false if none
  void plan_decode();                         // every decoding sequence advances one token
  void release_padding();                     // static batching: free a finished batch's KV
  const StepPlan& plan() const { return plan_; }

  // ---- statistics ----
  double busy_s() const { return busy_s_; }
  double step_energy_j() const { return step_energy_j_; }  // energy above idle, summed over steps
  double provisioned_s(double now_s) const;
  double loading_s() const { return loading_s_; }
  std::uint64_t steps() const { return steps_; }
  std::int64_t kv_used_blocks() const { return kv_.used(); }
  std::int64_t kv_total_blocks() const { return kv_.total(); }

  void on_event(engine::Simulator& sim, const engine::Event& e) override;

 private:
  enum EventKind : std::uint32_t { STEP_END = 1, READY = 2, KICK = 3 };
  struct FinishEntry {
    std::int64_t finish;
    RequestIndex req;
    std::uint32_t gen;
  };
  struct JoinGroup {
    double last_token_s;
    std::int64_t count;
  };
  bool reserves() const { return limits_.reserve_full_length || limits_.reserve_output; }
  // The modelled time of one prompt of `input` tokens prefilled alone (the frontend's prefill-share
  // term), memoised by length.
  double prefill_alone_s(std::int64_t input);
  void try_start();
  void kick();  // start a step after the current event (all simultaneous arrivals are queued by then)
  // When the next step can start: the exact end of the last step if the engine clock is (within its
  // nanosecond rounding) still there, else now.
  double start_time() const { return sim_.now() <= engine::from_seconds(clock_s_) ? clock_s_ : sim_.now_s(); }
  void finish_step();
  void advance_decode(double t);
  void join_decode(RequestIndex r, std::int64_t kv);
  void leave_decode(Request& q);
  // Tokens a decoding sequence has gained since it joined, by decode step `counter`: one a step, or E a
  // step under multi-token prediction (at most the rest of its output).
  std::int64_t decoded_since_join(const Request& q, std::int64_t counter) const {
    const std::int64_t steps = counter - q.join_counter;
    if (tokens_per_step_ <= 1.0) return steps;
    return std::min(q.output - q.generated, std::int64_t(std::floor(tokens_per_step_ * double(steps) + 1e-9)));
  }
  std::int64_t kv_now(const Request& q) const { return q.kv_at_join + decoded_since_join(q, counter_); }
  void on_prefill_complete(RequestIndex r, double t);
  void release_kv(Request& q, std::int64_t kv_tokens);
  void complete(RequestIndex r, double t);
  void reject(RequestIndex r, const char* why);
  void remove_prefilling(RequestIndex r);
  bool heap_less(const FinishEntry& a, const FinishEntry& b) const {
    return a.finish > b.finish || (a.finish == b.finish && a.req > b.req);
  }

  int id_, index_;
  std::shared_ptr<const ReplicaSpec> spec_;
  std::unique_ptr<Scheduler> scheduler_;
  SchedulerLimits limits_;
  ReplicaHost& host_;
  engine::Simulator& sim_;
  RequestPool& requests_;
  KvBlockManager kv_;
  Status status_ = Status::off;

  std::deque<RequestIndex> waiting_;
  std::deque<RequestIndex> swapped_;
  std::vector<RequestIndex> prefilling_;

  // decode set aggregates
  std::int64_t n_dec_ = 0;
  std::int64_t ctx_sum_ = 0;               // sum of KV tokens of decoding sequences (before the next step)
  double emit_carry_ = 0;                  // multi-token prediction: tokens emitted, fraction not yet counted
  std::int64_t join_kv_sum_ = 0;           // sum of their KV tokens when they joined (steps since = the rest)
  std::int64_t counter_ = 0;               // decode steps executed
  double tokens_per_step_ = 1;             // E under multi-token prediction (StepEstimator::decode_tokens_per_step)
  std::vector<std::int64_t> phase_count_;  // decoding sequences by (kv - counter) mod block_size
  std::vector<FinishEntry> finish_heap_;
  std::vector<std::pair<RequestIndex, std::uint32_t>> lifo_;  // join order, for preemption
  std::vector<JoinGroup> join_groups_;                        // joined since the last decode step, by last token time
  double last_decode_end_s_ = 0;
  // static batching: finished sequences still occupying the batch
  std::int64_t pad_n_ = 0, pad_ctx_ = 0, pad_blocks_ = 0;

  StepPlan plan_;
  perf::StepCost plan_cost_;  // the running step's cost (kept only when a recorder listens)
  double plan_cost_s_ = 0;
  bool busy_ = false;
  bool kicked_ = false;
  engine::Rng jitter_rng_;      // step-time jitter (spec_->jitter_cv > 0), one stream per replica
  bool pipeline_empty_ = true;  // no step ran since the replica went idle (a pipelined step pays the fill)
  double clock_s_ = 0;          // exact end of the last step
  double step_start_s_ = 0, step_end_s_ = 0;
  double step_kv_start_ = 0;

  std::int64_t outstanding_requests_ = 0;
  double outstanding_tokens_ = 0;
  double idle_since_s_ = 0;

  double busy_s_ = 0;
  double step_energy_j_ = 0;
  double provisioned_s_ = 0, provisioned_since_s_ = -1;
  double loading_s_ = 0, loading_until_s_ = 0, loading_started_s_ = 0;
  double weights_done_s_ = 0;  // streamed cold start: when the last layer is in
  int stream_layers_ = 1;
  std::uint64_t steps_ = 0;
  std::map<std::int64_t, double> prefill_alone_;
};

}  // namespace infersim::serving
