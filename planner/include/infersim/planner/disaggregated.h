#pragma once
// Disaggregated serving sized analytically: owns the sizing of a prefill pool on one chip and a decode
// pool on another, the prompt's KV cache moving between them over the network.
//
// The prefill layout is an input (callers take plan()'s choice for the prefill hardware); the rest is
// sized here, with the target utilisation u of the pricing:
//  - prefill step t_p = the prefill step of one prompt at batch 1 on that layout (perf::estimate_serving);
//    frontend = that estimate's TTFT - t_p (the client-side part: HTTP, tokenization).
//  - decode: the first of `decode_precisions` the decode chip computes and its default runtime serves;
//    the smallest layout whose memory fits 8 sequences (perf::auto_size), on SRAM-only chips also wider
//    stages (perf::sram_stage_widths). Per layout, the concurrency B (1, 2, 4, ... up to 1024) with the
//    highest request rate u x B / (O x t_d(B)) whose decode step t_d(B) (mean over the output,
//    micro-batches of B/pp) meets the TPOT SLO and whose KV cache fits; the layout with the fewest chips
//    per request/s wins. TPOT P99 = t_d (no prefill interference in a decode-only pool).
//  - KV transfer = prompt KV bytes / the slower per-chip network link of the two chips (scale-out, else
//    host link) + the larger scale-out latency (at least 10 us).
//  - replica counts: from ceil(load / decode capacity) decode and max(1, ceil(load x t_p / u)) prefill
//    replicas upwards, the cheapest pair (chips x $/chip-hour: the cloud tier's price, else owned all-in
//    at decode power) whose TTFT P99 = frontend + t_p + P99 prefill queue wait + KV transfer + P99 wait
//    for a decode slot (both p99_slot_wait_s) meets the SLO.
//  - cost and power of each pool: power_at / cost_at (prefill pool at prefill power, decode pool at
//    decode power); a pool with no price on the pricing's basis makes the result infeasible (no_price).
// "Cannot be sized" is a result with a reason, never an error; unknown model or hardware names are
// ConfigErrors. Uses the shipped catalogs; pure otherwise; thread-safe.
#include <string>
#include <vector>

#include "infersim/planner/plan.h"
#include "infersim/planner/pricing.h"

namespace infersim::planner {

struct DisaggregatedRequest {
  std::string model = "llama-3.1-70b";
  double input_tokens = 1024;  // mean prompt length
  double output_tokens = 256;  // mean generated length
  double requests_per_s = 10;  // the load both pools serve
  Slo slo;                     // TTFT P99 over the whole path, TPOT P99 for the decode pool (goodput unused)
  Pricing pricing;             // cost basis and target utilisation
  // The prefill layout: hardware, runtime, precision, tp, pp, chips_per_replica (e.g. plan()'s cheapest
  // candidate on the prefill hardware). The result's prefill pool is this candidate with the sizing filled in.
  Candidate prefill;
  std::string decode_hardware;
  std::vector<std::string> decode_precisions;  // weight precisions to try on the decode chip, first usable wins
};

struct DisaggregatedPlan {
  bool feasible = false;
  std::string reason;                     // why not, in words (empty when feasible)
  Rejection rejection = Rejection::none;  // why not, as a kind
  // The two pools: replicas, batch (concurrency per replica), replica_req_s (capacity per replica at the
  // target utilisation), latencies, utilisation, power and cost; ids end in "(prefill pool)" /
  // "(decode pool)". Set when feasible, and when only a price is missing (rejection no_price).
  Candidate prefill, decode;
  // How the figures were derived.
  double frontend_s = 0;           // TTFT outside the engine
  double prefill_step_s = 0;       // t_p
  double prefill_wait_p99_s = 0;   // P99 queue wait in the prefill pool
  double kv_bytes = 0;             // the prompt's KV cache, moved once per request
  double kv_link_bytes_per_s = 0;  // the slower per-chip link of the two pools
  double kv_latency_s = 0;
  double kv_transfer_s = 0;             // kv_bytes / kv_link_bytes_per_s + kv_latency_s
  double decode_wait_p99_s = 0;         // P99 wait for a decode slot
  std::string decode_min_layout;        // perf::auto_size's explanation of the smallest decode layout that fits
  int decode_min_tp = 0;                // its tp; decode.tp is larger when a wider SRAM stage won
  double decode_min_max_sequences = 0;  // sequences whose KV fits one replica of that smallest layout
};

DisaggregatedPlan size_disaggregated(const DisaggregatedRequest& req);

}  // namespace infersim::planner
