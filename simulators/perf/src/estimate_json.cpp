#include "infersim/perf/estimate_json.h"

#include <cmath>

namespace infersim::perf {

using common::Json;

namespace {
double r6(double x) {  // stable, readable numbers: 6 significant digits
  if (x == 0 || !std::isfinite(x)) return x;
  const double mag = std::pow(10.0, 5 - int(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * mag) / mag;
}
}  // namespace

Json step_time_to_json(const StepTime& t) {
  Json j;
  j["step_s"] = r6(t.total_s);
  j["bound"] = bound_name(t.bound);
  Json ops = Json::object();
  for (std::size_t i = 0; i < model::OP_CLASS_COUNT; ++i) {
    if (t.op_s[i] <= 0) continue;
    ops[model::op_class_name(static_cast<model::OpClass>(i))] = {
        {"s", r6(t.op_s[i])}, {"bound", t.op_compute_bound[i] ? "compute" : "memory"}};
  }
  j["ops"] = ops;
  j["compute_bound_s"] = r6(t.compute_bound_s);
  j["memory_bound_s"] = r6(t.memory_bound_s);
  j["interconnect_s"] = r6(t.comm_s);
  j["overhead_s"] = r6(t.overhead_s);
  j["flops_per_chip"] = r6(t.flops);
  j["bytes_per_chip"] = r6(t.bytes);
  return j;
}

Json estimate_to_json(const Estimate& e) {
  Json j;
  j["model"] = e.model;
  j["hardware"] = e.hardware;
  j["runtime"] = e.runtime;
  j["runtime_version"] = e.runtime_version;
  j["step_model"] = e.step_model;
  j["calibration_source"] = e.calibration_source;
  j["chips"] = e.chips;
  j["tp"] = e.tp;
  j["pp"] = e.pp;
  j["ep"] = e.ep;
  j["precision"] = e.precision;
  j["kv_precision"] = e.kv_precision;
  j["batch"] = e.workload.batch;
  j["input"] = e.workload.input;
  j["output"] = e.workload.output;
  j["ttft_s"] = r6(e.ttft_s);
  j["tpot_s"] = r6(e.tpot_s);
  j["e2e_s"] = r6(e.e2e_s);
  j["throughput_tok_s"] = r6(e.throughput_tok_s);
  j["per_user_tok_s"] = r6(e.per_user_tok_s);
  j["fits"] = e.fits;
  j["max_concurrency"] = e.max_concurrency;
  j["memory"] = {{"per_chip",
                  {{"weights_bytes", r6(e.memory.weights_bytes)},
                   {"kv_bytes", r6(e.memory.kv_bytes)},
                   {"activations_bytes", r6(e.memory.activation_bytes)},
                   {"reserve_bytes", r6(e.memory.reserve_bytes)},
                   {"used_bytes", r6(e.memory.used_bytes())},
                   {"capacity_bytes", r6(e.memory.capacity_bytes)}}},
                 {"max_kv_tokens", r6(e.memory.max_kv_tokens)},
                 {"message", e.memory.message}};
  if (e.memory.state_bytes_per_sequence > 0) {
    // A hybrid linear-attention model's recurrent states (perf::MemoryFit): per sequence and, under
    // SGLang, the pool they live in (0 = shared with the KV cache).
    j["memory"]["per_chip"]["recurrent_state_bytes_per_sequence"] = r6(e.memory.state_bytes_per_sequence);
    j["memory"]["per_chip"]["recurrent_state_pool_bytes"] = r6(e.memory.state_pool_bytes);
    j["memory"]["per_chip"]["recurrent_states_bytes"] = r6(e.memory.state_bytes);  // counted in used_bytes
    j["memory"]["per_chip"]["recurrent_state_precision"] = e.state_precision;
  }
  j["bound"] = {{"prefill", bound_name(e.prefill.bound)}, {"decode", bound_name(e.decode.bound)}};
  j["power_w"] = r6(e.power_w);
  j["chip_power_w"] = {{"prefill", r6(e.prefill_chip_w)}, {"decode", r6(e.decode_chip_w)}, {"idle", r6(e.idle_chip_w)}};
  if (!e.power_model.empty()) j["power_model"] = e.power_model;
  j["joules_per_token"] = r6(e.joules_per_token);
  j["usd_per_hour"] = r6(e.usd_per_hour);
  j["price_basis"] = e.price_basis;
  if (e.usd_per_hour > 0)
    j["usd_per_1k_tokens"] = r6(e.usd_per_1k_tokens);
  else
    j["usd_per_1k_tokens"] = nullptr;
  j["spec_tokens_per_step"] = r6(e.spec_tokens_per_step);
  Json br;
  br["prefill"] = step_time_to_json(e.prefill.detail);
  br["decode"] = step_time_to_json(e.decode.detail);
  br["decode"]["effective_tpot_s"] = r6(e.tpot_s);
  j["breakdown"] = br;
  j["notes"] = e.notes;
  return j;
}

Json error_stats_to_json(const ErrorStats& s) {
  return {{"n", s.n},
          {"median_abs_pct", r6(100 * s.median_abs)},
          {"p90_abs_pct", r6(100 * s.p90_abs)},
          {"mean_signed_pct", r6(100 * s.mean_signed)}};
}

}  // namespace infersim::perf
