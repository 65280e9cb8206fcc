#pragma once
// A replica's batch scheduler: called whenever the replica is free, it admits waiting requests,
// picks prompt chunks and decides whether the decoding sequences advance, through the Replica's
// scheduling API (replica.h), which enforces the mechanics (KV blocks, preemption, step shape).
// Implementations: static batching, continuous batching (vLLM style), chunked prefill (Sarathi
// style); see scheduler_registry.h. One instance per replica; not thread-safe.
#include <cstdint>

namespace infersim::serving {

class Replica;

struct SchedulerLimits {
  std::int64_t max_num_seqs = 256;             // sequences in a batch (running)
  std::int64_t max_num_batched_tokens = 8192;  // tokens in one step
  std::int64_t block_size = 16;                // KV block size (tokens)
  bool preempt_swap = false;                   // false: recompute; true: swap KV to host memory
  double watermark = 0.01;                     // share of KV blocks kept free when admitting
  bool prefix_caching = true;                  // reuse a session's cached prefix on the same replica
  bool reserve_full_length = false;            // reserve KV for prompt + output at admission (static)
  std::int64_t join_delay_steps = 0;           // a new request joins a running batch this many steps late
  bool chunk_prompts = true;                   // chunked scheduler: prompts may span steps
  std::int64_t decode_budget_tokens = 1;       // chunked scheduler: budget tokens a running decode takes
                                               // (1 + MTP draft tokens where the runtime counts them)
  bool reserve_output = false;                 // admit only with KV for prompt + output free, reserved at once
                                               // (TensorRT-LLM GUARANTEED_NO_EVICT); no preemption
  // Chunked scheduler, batch waiting (TensorRT-LLM batch_wait_timeout_iters / batch_wait_max_tokens_ratio):
  // while sequences decode, new prompts wait until their tokens plus one per decode reach
  // ratio x max_num_batched_tokens, at most this many steps; off unless both are set.
  std::int64_t batch_wait_timeout_iters = 0;
  double batch_wait_max_tokens_ratio = 0.0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual const char* name() const = 0;
  virtual const SchedulerLimits& limits() const = 0;
  // Fill the replica's step plan (replica.plan_*); leaving it empty means nothing to do now.
  virtual void plan_step(Replica& r) = 0;
};

}  // namespace infersim::serving
