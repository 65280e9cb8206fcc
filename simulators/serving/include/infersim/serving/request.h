#pragma once
// One model call in flight: its shape, where it is in its life (queued, prefilling, decoding,
// swapped out, transferring KV, done) and the few scalars its metrics need. No per-token history:
// decoding progress is derived from the replica's decode-step counter (join_counter), so a step
// costs O(1) per batch, not per sequence. Requests live in a recycled RequestPool slab (memory is
// bounded by requests in flight, not by requests simulated; see request_pool.h). Plain values; not
// thread-safe.
#include <cstdint>

namespace infersim::serving {

using RequestIndex = std::uint32_t;
inline constexpr RequestIndex NO_REQUEST = ~RequestIndex(0);

enum class RequestPhase : std::uint8_t { pending, waiting, prefilling, decoding, swapped, transferring, done };

struct Request {
  std::uint64_t id = 0;  // arrival order, from 0
  double arrival_s = 0;
  std::int64_t input = 0;     // prompt tokens of this call (cached prefix included)
  std::int64_t output = 1;    // tokens to generate (>= 1)
  std::uint64_t session = 0;  // agentic task or closed-loop user (0 = none)
  std::int32_t call = 0;      // call index within an agentic task
  bool last_call = true;      // no later call of the session will reuse this prefix
  std::uint32_t job = ~0u;    // workload driver's job (agentic task / closed-loop user); ~0 = none

  // ---- scheduling state on the current replica ----
  RequestPhase phase = RequestPhase::pending;
  std::int32_t pool = -1;
  std::int32_t replica = -1;         // global replica id
  std::int64_t prompt = 0;           // tokens that must be in KV before the next token is sampled
  std::int64_t prefilled = 0;        // tokens of `prompt` in KV (swapped: KV tokens held on the host)
  std::int64_t cached = 0;           // prefix tokens reused from the prefix cache (this call)
  std::int64_t generated = 0;        // tokens emitted so far (updated at join/leave, not per step)
  std::int64_t reserved_blocks = 0;  // static batching: KV reserved for prompt + output
  std::int64_t join_counter = 0;     // replica decode-step counter when it joined the decode set
  std::int64_t kv_at_join = 0;       // KV tokens when it joined
  std::uint32_t gen = 0;             // bumped on leave: invalidates stale heap entries
  std::uint64_t eligible_step = 0;   // replica step count from which it may join a running batch
  std::uint64_t min_step = 0;        // benchmark stagger: not before this replica step (first request of a user)
  bool warmup = false;               // excluded from the measured metrics (a staggered user's first request)

  // ---- metrics ----
  double scheduled_s = -1;  // first admitted to a batch (queueing ends)
  double first_token_s = -1;
  double last_token_s = -1;
  double done_s = -1;
  double frontend_s = 0;  // client-side time outside the engine (HTTP, tokenization), added to TTFT and E2E
  std::int32_t preemptions = 0;
  bool cold_wait = false;  // waited for capacity that was still loading (cold start)
  bool rejected = false;
};

}  // namespace infersim::serving
