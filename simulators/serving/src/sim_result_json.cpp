#include "infersim/serving/sim_result_json.h"

namespace infersim::serving {

using common::Json;

Json quantiles_to_json(const Quantiles& q) {
  Json j;
  j["count"] = q.count;
  j["mean"] = q.mean;
  j["p50"] = q.p50;
  j["p90"] = q.p90;
  j["p99"] = q.p99;
  j["p999"] = q.p999;
  j["max"] = q.max;
  return j;
}

Json sim_result_to_json(const SimResult& r) {
  Json j;
  j["scenario"] = r.scenario_json.empty() ? Json::object() : Json::parse(r.scenario_json);
  j["workload"] = r.workload_description;
  j["requests"] = r.completed;
  j["requests_arrived"] = r.arrived;
  j["requests_rejected"] = r.rejected;
  j["requests_unfinished"] = r.unfinished;
  j["simulated_s"] = r.duration_s();
  j["ttft_s"] = quantiles_to_json(r.ttft);
  j["tpot_s"] = quantiles_to_json(r.tpot);
  j["itl_s"] = quantiles_to_json(r.itl);
  j["e2e_s"] = quantiles_to_json(r.e2e);
  j["queue_s"] = quantiles_to_json(r.queue);
  j["throughput_tok_s"] = r.throughput_tok_s;
  j["input_tok_s"] = r.input_tok_s;
  j["requests_per_s"] = r.requests_per_s;
  j["goodput"] = r.goodput;
  j["goodput_req_s"] = r.goodput_req_s;
  j["slo_attainment"] = {{"ttft", r.ttft_attainment}, {"tpot", r.tpot_attainment}, {"e2e", r.e2e_attainment}};
  if (!r.tail_slos.empty()) {
    Json t = Json::array();
    for (const auto& x : r.tail_slos)
      t.push_back({{"slo", x.name}, {"target_s", x.target_s}, {"measured_s", x.measured_s}, {"met", x.met}});
    j["tail_slos"] = t;
  }
  if (r.tasks_completed > 0) {
    j["tasks"] = {{"completed", r.tasks_completed},
                  {"e2e_s", quantiles_to_json(r.task_e2e)},
                  {"slo_attainment", r.task_attainment}};
  }
  j["batch_size"] = quantiles_to_json(r.batch_size);
  j["batch_size"]["time_weighted_mean"] = r.time_weighted_batch;
  j["step_tokens"] = quantiles_to_json(r.step_tokens);
  j["kv_utilization"] = quantiles_to_json(r.kv_utilization);
  j["preemptions"] = r.preemptions;
  j["prefix_cache"] = {{"hit_tokens", r.prefix_hit_tokens}, {"hit_fraction_of_prompt_tokens", r.prefix_hit_fraction}};
  if (r.kv_transfers > 0) j["kv_transfer"] = {{"transfers", r.kv_transfers}, {"mean_s", r.kv_transfer_mean_s}};
  j["cold_starts"] = r.cold_starts;
  j["warm_starts"] = r.warm_starts;
  j["hydration_s"] = r.hydration_s;
  j["cold_start_wait"] = {{"requests", r.cold_wait_requests}, {"ttft_s", quantiles_to_json(r.ttft_cold_wait)}};
  j["energy_j"] = r.energy_j;
  j["joules_per_token"] = r.joules_per_token;
  j["avg_power_w"] = r.avg_power_w;
  j["avg_power_per_replica_w"] = r.avg_power_per_replica_w;
  j["power_budget_met"] = r.power_budget_met;
  j["cost_usd"] = r.cost_usd;
  j["usd_per_hour"] = r.usd_per_hour;
  j["usd_per_1k_tokens"] = r.usd_per_1k_tokens;
  j["warm_pool_usd"] = r.warm_pool_usd;
  Json pools = Json::array();
  for (const auto& p : r.pools) {
    Json o;
    o["name"] = p.name;
    o["role"] = p.role;
    o["hardware"] = p.hardware;
    o["runtime"] = p.runtime;
    o["layout"] = p.layout;
    o["scheduler"] = p.scheduler;
    o["chips_per_replica"] = p.chips_per_replica;
    o["replicas_initial"] = p.replicas_initial;
    o["replicas_peak"] = p.replicas_peak;
    o["replica_hours"] = p.replica_hours;
    o["busy_s"] = p.busy_s;
    o["utilization"] = p.utilization;
    o["steps"] = p.steps;
    o["kv_capacity_tokens"] = p.kv_capacity_tokens;
    o["cold_starts"] = p.cold_starts;
    o["warm_starts"] = p.warm_starts;
    o["hydration_s"] = p.hydration_s;
    o["cold_start_s"] = p.cold_start_s;
    o["cold_start"] = p.cold_start_detail;
    common::Json phases = common::Json::object();
    for (const auto& [k, v] : p.hydration_phase_s) phases[k] = v;
    o["hydration_phase_s"] = phases;
    o["shared_tier_wait_s"] = p.shared_tier_wait_s;
    o["energy_j"] = p.energy_j;
    o["usd_per_chip_hour"] = p.usd_per_chip_hour;
    o["price_basis"] = p.price_basis;
    o["standby_hours"] = p.standby_hours;
    o["warm_pool_usd"] = p.warm_pool_usd;
    o["cost_usd"] = p.cost_usd;
    pools.push_back(o);
  }
  j["pools"] = pools;
  j["sketch_relative_accuracy"] = r.sketch_relative_accuracy;
  j["events"] = r.events;
  j["notes"] = r.notes;
  return j;
}

}  // namespace infersim::serving
