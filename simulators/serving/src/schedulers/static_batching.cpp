// Static batching (request-level, as HF generate / FasterTransformer without in-flight batching):
// when the replica is free, take up to max_num_seqs waiting requests whose full-length KV
// (prompt + output) can be reserved, prefill them together in one step, then decode until the
// longest finishes. Finished sequences keep their slot (padding) until the batch ends; nothing
// joins a running batch.
#include "infersim/serving/replica.h"
#include "schedulers.h"

namespace infersim::serving::detail {
namespace {
class StaticBatching final : public Scheduler {
 public:
  explicit StaticBatching(SchedulerLimits l) : limits_(l) { limits_.reserve_full_length = true; }
  const char* name() const override { return "static"; }
  const SchedulerLimits& limits() const override { return limits_; }
  void plan_step(Replica& r) override {
    if (r.decoding() > 0) return r.plan_decode();
    r.release_padding();  // the previous batch is over
    std::int64_t n = 0;
    while (r.waiting_count() > 0 && n < limits_.max_num_seqs) {
      const RequestIndex i = r.waiting_front();
      const Request& q = r.request(i);
      if (!r.can_allocate(r.blocks_for(q.input + q.output), false)) break;
      const bool prefilled = r.is_prefilled(i);
      r.admit(i);
      if (!prefilled) r.plan_chunk(i, q.prompt - q.prefilled);
      ++n;
    }
    if (r.plan().chunks.empty() && r.decoding() > 0) r.plan_decode();
  }

 private:
  SchedulerLimits limits_;
};
}  // namespace
std::unique_ptr<Scheduler> make_static_batching(const ParamValues& p) {
  return std::make_unique<StaticBatching>(limits_from(p));
}
}  // namespace infersim::serving::detail
