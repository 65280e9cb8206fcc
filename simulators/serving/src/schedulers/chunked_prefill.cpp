// Chunked prefill with stall-free batching (Sarathi-Serve; vLLM's V1 scheduler): every step first
// carries one token for each running decode (1 + its draft tokens under multi-token prediction), then fills the rest of
// the max_num_batched_tokens budget with prompt chunks, continuing partially prefilled prompts before admitting new
// ones. Decodes never pause for prefills; long prompts are spread over several steps. Preemption as in continuous
// batching when the decodes' next KV blocks do not fit.
#include <algorithm>

#include "infersim/serving/replica.h"
#include "schedulers.h"

namespace infersim::serving::detail {
namespace {
class ChunkedPrefill final : public Scheduler {
 public:
  explicit ChunkedPrefill(SchedulerLimits l) : limits_(l) {}
  const char* name() const override { return "chunked"; }
  const SchedulerLimits& limits() const override { return limits_; }
  void plan_step(Replica& r) override {
    while (r.swapped_count() > 0 && r.running() < limits_.max_num_seqs &&
           r.can_allocate(r.blocks_for(r.request(r.swapped_front()).prefilled) + 1, false))
      r.swap_in_front();
    // Sequences whose KV arrived from a prefill pool join the decodes directly.
    while (r.swapped_count() == 0 && r.front_eligible() && r.running() < limits_.max_num_seqs &&
           r.is_prefilled(r.waiting_front()) &&
           r.can_allocate(r.blocks_for(r.request(r.waiting_front()).prompt) + 1, true))
      r.admit(r.waiting_front());
    while (r.decode_blocks_needed() > r.available_blocks())
      if (!r.preempt_last()) break;
    std::int64_t budget = limits_.max_num_batched_tokens;
    if (r.decoding() > 0) {
      r.plan_decode();
      budget -= r.decoding() * limits_.decode_budget_tokens;
    }
    scratch_ = r.prefilling();
    for (RequestIndex i : scratch_) {
      if (budget <= 0) break;
      const Request& q = r.request(i);
      const std::int64_t tokens = std::min(q.prompt - q.prefilled, budget);
      if (tokens <= 0) continue;
      if (!limits_.chunk_prompts && tokens < q.prompt - q.prefilled) break;
      if (!r.can_allocate(r.chunk_blocks(i, tokens), false)) break;
      r.plan_chunk(i, tokens);
      budget -= tokens;
    }
    if (holds_new_prompts(r)) return;
    while (budget > 0 && r.swapped_count() == 0 && r.front_eligible() && r.running() < limits_.max_num_seqs) {
      const RequestIndex i = r.waiting_front();
      if (r.is_prefilled(i)) break;  // joins at the next step (decodes are already planned)
      const Request& q = r.request(i);
      const std::int64_t hit = r.prefix_hit(i);
      std::int64_t tokens = std::min(q.prompt - hit, budget);
      // Without chunking a whole prompt must fit; a prompt longer than the whole budget runs alone.
      if (!limits_.chunk_prompts && tokens < q.prompt - hit) {
        if (r.running() > 0 || budget < limits_.max_num_batched_tokens) break;
        tokens = q.prompt - hit;
      }
      if (!r.can_allocate(r.admission_blocks(i, hit + tokens), true)) break;
      r.admit(i);
      r.plan_chunk(i, tokens);
      budget -= tokens;
    }
  }

 private:
  // Batch waiting (TensorRT-LLM PyExecutor._waiting_requests): with decodes running and new prompts ready,
  // hold them while their tokens plus one per decode stay below ratio x budget, for at most `timeout`
  // steps counted since the last release.
  bool holds_new_prompts(Replica& r) {
    if (limits_.batch_wait_timeout_iters <= 0 || !(limits_.batch_wait_max_tokens_ratio > 0)) return false;
    if (r.decoding() == 0 || r.swapped_count() > 0 || !r.front_eligible() || r.is_prefilled(r.waiting_front()))
      return false;
    const double pending = double(r.eligible_waiting_tokens() + r.decoding() * limits_.decode_budget_tokens);
    if (wait_steps_ >= limits_.batch_wait_timeout_iters ||
        pending >= limits_.batch_wait_max_tokens_ratio * double(limits_.max_num_batched_tokens)) {
      wait_steps_ = 0;
      return false;
    }
    ++wait_steps_;
    return true;
  }
  SchedulerLimits limits_;
  std::int64_t wait_steps_ = 0;
  std::vector<RequestIndex> scratch_;
};
}  // namespace
std::unique_ptr<Scheduler> make_chunked_prefill(const ParamValues& p) {
  return std::make_unique<ChunkedPrefill>(limits_from(p));
}
}  // namespace infersim::serving::detail
