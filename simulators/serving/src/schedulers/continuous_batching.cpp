// Continuous (iteration-level) batching in the style of vLLM's original scheduler: sequences join
// and leave the batch at every step. Swapped-out sequences come back first; otherwise waiting
// prompts are admitted in FIFO order while the running count stays within max_num_seqs, the step
// within max_num_batched_tokens and KV blocks (with the watermark) can hold the whole prompt; any
// admitted prompt makes this a prefill-only step (decodes pause). Otherwise all running sequences
// decode one token; when their next KV blocks do not fit, the newest running sequence is preempted
// (recompute: back to the head of the queue; swap: KV copied to host memory).
#include "infersim/serving/replica.h"
#include "schedulers.h"

namespace infersim::serving::detail {
namespace {
class ContinuousBatching final : public Scheduler {
 public:
  explicit ContinuousBatching(SchedulerLimits l) : limits_(l) {}
  const char* name() const override { return "continuous"; }
  const SchedulerLimits& limits() const override { return limits_; }
  void plan_step(Replica& r) override {
    if (r.swapped_count() > 0) {
      while (r.swapped_count() > 0 && r.running() < limits_.max_num_seqs &&
             r.can_allocate(r.blocks_for(r.request(r.swapped_front()).prefilled) + 1, false))
        r.swap_in_front();
    } else {
      std::int64_t budget = limits_.max_num_batched_tokens;
      bool prefill = false;
      while (r.front_eligible() && r.running() < limits_.max_num_seqs) {
        const RequestIndex i = r.waiting_front();
        const Request& q = r.request(i);
        if (r.is_prefilled(i)) {
          if (!r.can_allocate(r.blocks_for(q.prompt) + 1, true)) break;
          r.admit(i);
          continue;
        }
        const std::int64_t tokens = q.prompt - r.prefix_hit(i);
        if (prefill && tokens > budget) break;  // a longer prompt than the budget still runs alone
        if (!r.can_allocate(r.admission_blocks(i, q.prompt), true)) break;
        r.admit(i);
        r.plan_chunk(i, tokens);
        budget -= tokens;
        prefill = true;
      }
      if (prefill) return;
    }
    while (r.decode_blocks_needed() > r.available_blocks())
      if (!r.preempt_last()) break;
    r.plan_decode();
  }

 private:
  SchedulerLimits limits_;
};
}  // namespace
std::unique_ptr<Scheduler> make_continuous_batching(const ParamValues& p) {
  return std::make_unique<ContinuousBatching>(limits_from(p));
}
}  // namespace infersim::serving::detail
