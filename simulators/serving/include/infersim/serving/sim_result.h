#pragma once
// What a serving simulation reports: latency distributions (quantiles from the streaming sketch),
// goodput against the SLOs, throughput, batch and KV-utilisation distributions, cold starts and the
// TTFT tail they cause, energy from the phase-aware power model and cost from the profile's price,
// per pool; plus the fully resolved scenario (JSON text) it came from. Plain copyable value.
// Units: seconds, tokens, joules, watts, USD.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace infersim::serving {

struct Quantiles {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // p999 = P99.9
};

// A tail-latency SLO of the scenario (slo.ttft_p99_s, tpot_p99_s, itl_p999_s) against the measured
// quantile: met when measured <= target.
struct TailSlo {
  std::string name;  // "TTFT P99", "TPOT P99", "ITL P99.9"
  double target_s = 0, measured_s = 0;
  bool met = false;
};

struct PoolResult {
  std::string name, role, hardware, runtime, layout, scheduler;
  int chips_per_replica = 1;
  int replicas_initial = 0, replicas_peak = 0;
  int cold_starts = 0, warm_starts = 0;
  double hydration_s = 0;                           // total seconds spent in cold starts
  double cold_start_s = 0;                          // one cold start from the configured source tier
  std::string cold_start_detail;                    // tier, bound and parts
  std::map<std::string, double> hydration_phase_s;  // all cold starts by phase; sums to hydration_s
  double shared_tier_wait_s = 0;                    // weight-load seconds lost to other loads on a shared tier
  double replica_hours = 0;                         // provisioned (loading + serving)
  double busy_s = 0;
  double utilization = 0;  // busy / provisioned
  std::uint64_t steps = 0;
  double energy_j = 0;
  double usd_per_chip_hour = 0;
  std::string price_basis;
  double cost_usd = 0;       // replicas + standbys
  double warm_pool_usd = 0;  // standbys only
  double standby_hours = 0;
  std::int64_t kv_blocks = 0, block_size = 0;
  double kv_capacity_tokens = 0;
  // Most sequences a replica runs at once: the scheduler's max_num_seqs, lowered for a hybrid model to
  // the sequences whose recurrent states fit (perf::cap_state_slots).
  std::int64_t max_num_seqs = 0;
};

struct SimResult {
  std::string scenario_name;
  std::string scenario_json;  // fully resolved scenario
  std::string workload_description;

  std::uint64_t arrived = 0, completed = 0, rejected = 0, unfinished = 0;
  double start_s = 0, end_s = 0;  // measured window
  double duration_s() const { return end_s - start_s; }

  Quantiles ttft, tpot, itl, e2e, queue, ttft_cold_wait, task_e2e, batch_size, step_tokens, kv_utilization;
  double time_weighted_batch = 0;
  double sketch_relative_accuracy = 0.005;

  double throughput_tok_s = 0;  // output tokens / s
  double input_tok_s = 0;
  double requests_per_s = 0;
  double goodput = 0;  // share of measured requests meeting every request SLO
  double goodput_req_s = 0;
  double ttft_attainment = 0, tpot_attainment = 0, e2e_attainment = 0;
  std::vector<TailSlo> tail_slos;  // in the order TTFT P99, TPOT P99, ITL P99.9 (those the scenario sets)
  bool tail_slos_met() const {
    for (const auto& t : tail_slos)
      if (!t.met) return false;
    return true;
  }
  std::uint64_t tasks_completed = 0;
  double task_attainment = 0;

  std::uint64_t preemptions = 0;
  std::uint64_t prefix_hit_tokens = 0;
  double prefix_hit_fraction = 0;  // of prompt tokens
  std::uint64_t kv_transfers = 0;
  double kv_transfer_mean_s = 0;

  int cold_starts = 0, warm_starts = 0;
  double hydration_s = 0;
  std::uint64_t cold_wait_requests = 0;

  double energy_j = 0;
  double joules_per_token = 0;  // per output token
  double avg_power_w = 0;
  double avg_power_per_replica_w = 0;
  bool power_budget_met = true;

  double cost_usd = 0;
  double usd_per_hour = 0;
  double usd_per_1k_tokens = 0;  // per 1K output tokens
  double warm_pool_usd = 0;

  std::vector<PoolResult> pools;
  std::uint64_t events = 0;
  bool trace_truncated = false;
  std::vector<std::string> notes;
};

}  // namespace infersim::serving
