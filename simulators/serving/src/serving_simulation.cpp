#include "infersim/serving/serving_simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/engine/simulator.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/serving/autoscaler_registry.h"
#include "infersim/serving/cluster.h"
#include "infersim/serving/distribution_registry.h"
#include "infersim/serving/metrics_collector.h"
#include "infersim/serving/param_json.h"
#include "infersim/serving/scheduler_registry.h"
#include "infersim/serving/workload_driver.h"

namespace infersim::serving {

using common::ConfigError;
using common::DType;

namespace {

std::string pool_pointer(const Scenario& s, int i) {
  return s.single_pool_form ? "/deployment" : fmt::format("/pools/{}", i);
}

using perf::price_per_chip_hour;

DType parse_dtype_at(const Scenario& s, const std::string& ptr, const std::string& v) {
  auto d = common::parse_dtype(v);
  if (!d || *d == DType::tf32)
    throw ConfigError(s.file, ptr,
                      fmt::format("'{}' is not a precision (bf16, fp16, fp8, int8, int4, fp4, fp32){}", v,
                                  common::suggest_suffix(v, common::dtype_names())));
  return *d;
}

Pool build_pool(const Scenario& s, const model::ModelSpec& m, const PoolConfig& pc, int index, double mean_in,
                double mean_out) {
  const std::string ptr = pool_pointer(s, index);
  Pool p;
  p.index = index;
  p.config = pc;
  perf::Deployment d;
  if (pc.resolved_deployment) {
    d = *pc.resolved_deployment;
  } else {
    try {
      d.hardware = hwprofiles::HardwareCatalog::shipped().resolve(pc.hardware);
    } catch (const ConfigError& e) {
      throw ConfigError(s.file, ptr + "/hardware", e.reason());
    }
  }
  const auto& hw = d.hardware;
  const DType w = pc.precision.empty() ? (hw.supports(DType::bf16) ? DType::bf16 : DType::fp16)
                                       : parse_dtype_at(s, ptr + "/precision", pc.precision);
  std::optional<DType> kv;
  if (!pc.kv_precision.empty()) kv = parse_dtype_at(s, ptr + "/kv_precision", pc.kv_precision);
  DType state = model::Precision{}.state;
  try {
    state = perf::state_precision_for(m, pc.state_precision);
  } catch (const ConfigError& e) {
    throw ConfigError(s.file, ptr + "/state_precision", e.reason());
  }
  if (pc.resolved_deployment) {
    p.runtime = d.runtime_version.empty() ? d.runtime : d.runtime + "@" + d.runtime_version;
  } else {
    d.runtime = pc.runtime;
    d.ep = pc.ep;
    d.memory_reserve_fraction = pc.memory_reserve_fraction;
    try {
      d.precision = perf::default_precision(hw, w, kv, d.runtime);
      d.precision.state = state;
      const auto rt = perf::apply_runtime(m, d);
      p.runtime = rt.version.empty() ? rt.runtime : rt.runtime + "@" + rt.version;
    } catch (const ConfigError& e) {
      throw ConfigError(s.file, ptr + (pc.runtime.empty() ? "/hardware" : "/runtime"), e.reason());
    }
  }
  auto probe = make_scheduler(pc.scheduler);
  const SchedulerLimits lim = probe->limits();
  // Activation buffers are sized for the largest step; SRAM-only dataflow chips stream prompts in
  // 128-token chunks (as perf::max_step_tokens assumes).
  const double step_tokens = hw.sram_only() ? std::max(128.0, std::min(256.0, double(lim.max_num_seqs)))
                             : pc.scheduler.type == "static"
                                 ? std::min(65536.0, double(lim.max_num_seqs) * std::max(1.0, mean_in))
                                 : std::min(double(lim.max_num_batched_tokens),
                                            std::max(8192.0, double(lim.max_num_seqs)));
  if (pc.resolved_deployment) {
    // layout as resolved
  } else if (!pc.tp && !pc.pp && !pc.chips) {
    const double kv_tokens = 32.0 * (mean_in + mean_out);
    auto sized = perf::auto_size(m, d, kv_tokens, step_tokens, 32);
    if (!sized.fits) throw ConfigError(s.file, ptr, sized.explanation);
    d = sized.deployment;
  } else {
    int t = pc.tp.value_or(0), q = pc.pp.value_or(0);
    const int n = pc.chips.value_or(0);
    if (n > 0 && t == 0 && q == 0) {
      t = perf::tp_for_chips(m, hw, n);
      q = n / t;
    }
    if (t == 0) t = n > 0 && q > 0 ? n / q : 1;
    if (q == 0) q = n > 0 ? n / t : 1;
    if (n > 0 && t * q != n)
      throw ConfigError(s.file, ptr + "/chips", fmt::format("chips {} must equal tp x pp = {} x {}", n, t, q));
    d.tp = t;
    d.pp = q;
    perf::place_weights(m, d, 32.0 * (mean_in + mean_out), step_tokens, 32);  // DDR-tier chips (SN40L)
  }
  std::shared_ptr<perf::StepEstimator> est;
  try {
    est = std::make_shared<perf::StepEstimator>(m, d);
  } catch (const ConfigError& e) {
    throw ConfigError(s.file, ptr, e.reason());
  }
  const auto fit = est->memory_fit(0, step_tokens);
  if (fit.max_kv_tokens < std::max(double(lim.block_size), 1.0))
    throw ConfigError(s.file, ptr,
                      fmt::format("{} on {} x {} (tp={}, pp={}) leaves no room for KV cache: {}", m.name, d.chips(),
                                  hw.name, d.tp, d.pp,
                                  fit.message.empty() ? "weights and activations fill the memory" : fit.message));
  auto spec = std::make_shared<ReplicaSpec>();
  spec->pool = index;
  spec->pool_name = pc.name;
  spec->role = pc.role == "prefill" ? PoolRole::prefill : pc.role == "decode" ? PoolRole::decode : PoolRole::mixed;
  spec->chips = d.chips();
  spec->idle_w = hw.idle_w;
  spec->prefill_w = hw.prefill_w;
  spec->decode_w = hw.decode_w;
  if (perf::PowerModel::shipped().applies(hw)) spec->power_model = &perf::PowerModel::shipped();
  spec->power_cap_w = pc.power_cap_w;
  // Step-time jitter: "auto" is the profile's [EST] CV by execution model and kind.
  if (pc.step_jitter == "cv")
    spec->jitter_cv = pc.step_jitter_cv;
  else if (pc.step_jitter == "auto")
    spec->jitter_cv = hw.step_jitter_cv_est();
  spec->jitter_seed = s.simulation.seed;
  spec->kv_bytes_per_token = model::kv_bytes_per_token(m, d.precision.kv);
  spec->swap_bytes_per_s = hw.host_link_effective_bytes_per_s * d.chips();
  // Hybrid linear-attention models: no more sequences run than their recurrent states fit, and a pool
  // shared with the KV cache loses their states' room (perf::cap_state_slots).
  double kv_tokens = fit.max_kv_tokens;
  if (fit.state_bytes_per_sequence > 0) {
    int slots = int(std::min<std::int64_t>(lim.max_num_seqs, 1 << 30));
    kv_tokens = perf::cap_state_slots(fit, slots, mean_in + mean_out);
    if (slots < lim.max_num_seqs) {
      ParamValue v;
      v.type = ParamType::integer;
      v.number = slots;
      p.config.scheduler.params.set("max_num_seqs", v);
    }
  }
  spec->kv_blocks = std::int64_t(std::floor(kv_tokens / double(lim.block_size)));
  spec->max_context = m.max_context;
  spec->speed = 16.0 / est->pipelined_time(model::BatchShape::decode(16, 1024), 16);
  spec->estimator = est;
  p.spec = spec;
  p.hardware = hw;
  p.layout = fmt::format("tp={} pp={} ({} chips), {} weights / {} KV", d.tp, d.pp, d.chips(),
                         common::dtype_name(d.precision.weight), common::dtype_name(d.precision.kv));
  p.weight_bytes = model::weight_bytes(m, d.precision.weight) *
                   (d.weight_sparsity > 0 ? (1 - d.weight_sparsity) * 1.125 : 1.0);
  p.usd_per_chip_hour = price_per_chip_hour(hw, p.price_basis);
  // The engine phases of a cold start come from the runtime profile (its sourced cold_start block).
  const auto& runtimes = hwprofiles::RuntimeCatalog::shipped();
  const hwprofiles::RuntimeProfile* rp = runtimes.contains(d.runtime) ? &runtimes.get(d.runtime) : nullptr;
  const auto& hy = pc.hydration;
  if (hy.restore == "snapshot" && !hy.runtime_init_s &&
      !(rp && rp->cold_start.present && rp->cold_start.snapshot_restore_s >= 0))
    throw ConfigError(s.file, ptr + "/hydration/restore",
                      fmt::format("runtime '{}' offers no snapshot restore of an initialised engine (its profile has "
                                  "no cold_start.snapshot_restore_s); use \"none\"",
                                  d.runtime));
  p.phases = cold_start_phases(hy, rp, d.chips());
  p.loader_bytes_per_s = hy.loader_bytes_per_s          ? *hy.loader_bytes_per_s
                         : rp && rp->cold_start.present ? rp->cold_start.loader_gb_s * 1e9
                                                        : 0.0;
  const StorageTier* tier = hy.tier(hy.source);
  p.first_cold_start = cold_start_time(p.weight_bytes, *tier, hw, d.chips(), p.phases, p.loader_bytes_per_s,
                                       hy.streaming, m.num_layers);
  if (pc.autoscaler.enabled) p.policy = make_autoscaler_policy(pc.autoscaler.policy);
  return p;
}

Quantiles quantiles(const engine::LogHistogram& h) {
  Quantiles q;
  q.count = h.count();
  q.mean = h.mean();
  q.p50 = h.quantile(0.5);
  q.p90 = h.quantile(0.9);
  q.p99 = h.quantile(0.99);
  q.p999 = h.quantile(0.999);
  q.max = h.max();
  return q;
}

}  // namespace

SimResult simulate(const Scenario& s, const SimOptions& options) {
  model::ModelSpec m;
  try {
    m = model::ModelCatalog::shipped().resolve(s.model);
  } catch (const ConfigError& e) {
    throw ConfigError(s.file, "/model", e.reason());
  }
  BuildContext ctx(s.base_dir);
  double mean_in = 1024, mean_out = 256;
  {
    auto in = make_distribution(s.workload.input, ctx);
    auto out = make_distribution(s.workload.output, ctx);
    mean_in = in->mean();
    mean_out = out->mean();
  }
  std::vector<Pool> pools;
  bool has_prefill = false, has_decode = false, has_mixed = false;
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const auto& pc = s.pools[i];
    has_prefill |= pc.role == "prefill";
    has_decode |= pc.role == "decode";
    has_mixed |= pc.role == "mixed";
    with_component(fmt::format("pool '{}'", pc.name),
                   [&] { pools.push_back(build_pool(s, m, pc, int(i), mean_in, mean_out)); });
  }
  if (has_prefill != has_decode)
    throw ConfigError(s.file, "/pools", "a disaggregated cluster needs both a prefill pool and a decode pool");
  if (has_prefill && has_mixed)
    throw ConfigError(s.file, "/pools", "mixing disaggregated (prefill/decode) and mixed pools is not supported");

  engine::Simulator sim;
  MetricsCollector metrics(s.slo, s.simulation.warmup_s);
  std::unique_ptr<TraceWriter> trace;
  std::unique_ptr<RequestCsvWriter> csv;
  if (!options.trace_file.empty())
    trace = std::make_unique<TraceWriter>(options.trace_file, s.simulation.trace_max_events);
  if (!options.requests_csv.empty()) csv = std::make_unique<RequestCsvWriter>(options.requests_csv);

  Cluster cluster(s, m, std::move(pools), sim, metrics, trace.get(), csv.get());
  WorkloadDriver driver(s, ctx, sim, cluster, metrics);
  cluster.set_listener(&driver);
  cluster.set_recorder(options.recorder);
  cluster.set_observer(options.observer);
  cluster.start();
  driver.start();
  const engine::SimTime horizon = engine::from_seconds(s.simulation.max_sim_s);
  sim.run_until(horizon);
  const bool cut = sim.pending() > 0;

  SimResult r;
  r.scenario_name = s.name;
  r.scenario_json = s.resolved_json;
  r.workload_description = driver.describe();
  const auto& c = metrics.counters();
  r.arrived = c.arrived;
  r.completed = c.completed;
  r.rejected = c.rejected;
  r.unfinished = cluster.requests().live();
  r.start_s = s.simulation.warmup_s;
  r.end_s = cut ? s.simulation.max_sim_s : std::max(cluster.last_activity_s(), r.start_s);
  const double dur = std::max(1e-12, r.duration_s());
  r.ttft = quantiles(metrics.ttft());
  r.tpot = quantiles(metrics.tpot());
  r.itl = quantiles(metrics.itl());
  r.e2e = quantiles(metrics.e2e());
  r.queue = quantiles(metrics.queue());
  r.ttft_cold_wait = quantiles(metrics.ttft_cold());
  r.task_e2e = quantiles(metrics.task_e2e());
  r.batch_size = quantiles(metrics.batch_size());
  r.step_tokens = quantiles(metrics.step_tokens());
  r.kv_utilization = quantiles(metrics.kv_utilization());
  r.time_weighted_batch = metrics.time_weighted_batch();
  r.sketch_relative_accuracy = metrics.ttft().relative_accuracy();
  r.throughput_tok_s = double(metrics.emitted_tokens_window()) / dur;
  r.input_tok_s = double(metrics.prefill_tokens_window()) / dur;
  r.requests_per_s = double(c.completed) / dur;
  const double measured = double(c.completed + c.rejected + r.unfinished);
  r.goodput = measured > 0 ? double(c.met_slo) / measured : 0.0;
  r.goodput_req_s = double(c.met_slo) / dur;
  r.ttft_attainment = measured > 0 ? double(c.met_ttft) / measured : 0.0;
  r.tpot_attainment = measured > 0 ? double(c.met_tpot) / measured : 0.0;
  r.e2e_attainment = measured > 0 ? double(c.met_e2e) / measured : 0.0;
  auto tail = [&](const char* name, const std::optional<double>& target, double measured_s) {
    if (target) r.tail_slos.push_back({name, *target, measured_s, measured_s <= *target});
  };
  tail("TTFT P99", s.slo.ttft_p99_s, r.ttft.p99);
  tail("TPOT P99", s.slo.tpot_p99_s, r.tpot.p99);
  tail("ITL P99.9", s.slo.itl_p999_s, r.itl.p999);
  r.tasks_completed = c.tasks_completed;
  r.task_attainment = c.tasks_completed ? double(c.tasks_met_slo) / double(c.tasks_completed) : 0.0;
  r.preemptions = c.preemptions;
  r.prefix_hit_tokens = c.prefix_hit_tokens;
  r.prefix_hit_fraction = c.input_tokens ? double(c.prefix_hit_tokens) / double(c.input_tokens) : 0.0;
  r.kv_transfers = cluster.kv_transfers();
  r.kv_transfer_mean_s = r.kv_transfers ? cluster.kv_transfer_s() / double(r.kv_transfers) : 0.0;
  r.cold_wait_requests = c.cold_wait;

  double replica_seconds = 0;
  for (const auto& p : cluster.pools()) {
    PoolResult pr;
    pr.name = p.config.name;
    pr.role = p.config.role;
    pr.hardware = p.hardware.name;
    pr.runtime = p.runtime;
    pr.layout = p.layout;
    pr.scheduler = p.config.scheduler.type;
    pr.chips_per_replica = p.spec->chips;
    pr.replicas_initial = p.initial_replicas;
    pr.replicas_peak = p.peak_replicas;
    pr.cold_starts = p.cold_starts;
    pr.warm_starts = p.warm_starts;
    pr.hydration_s = p.hydration_s;
    pr.cold_start_s = p.first_cold_start.total_s();
    pr.cold_start_detail = p.first_cold_start.describe(p.weight_bytes);
    pr.hydration_phase_s = p.hydration_phase_s;
    pr.shared_tier_wait_s = p.shared_tier_wait_s;
    double prov = 0, busy = 0, energy = 0;
    std::uint64_t steps = 0;
    for (const auto& rep : p.replicas) {
      const double ps = std::min(rep->provisioned_s(r.end_s), std::max(0.0, r.end_s));
      prov += ps;
      busy += rep->busy_s();
      steps += rep->steps();
      energy += ps * p.spec->idle_w * p.spec->chips + rep->step_energy_j();
    }
    double standby = p.standby_s;
    for (const auto& sb : p.standby) standby += std::max(0.0, r.end_s - sb.since_s);
    energy += standby * p.spec->idle_w * p.spec->chips;
    pr.replica_hours = prov / 3600.0;
    pr.busy_s = busy;
    pr.utilization = prov > 0 ? busy / prov : 0.0;
    pr.steps = steps;
    pr.energy_j = energy;
    pr.usd_per_chip_hour = p.usd_per_chip_hour;
    pr.price_basis = p.price_basis;
    pr.standby_hours = standby / 3600.0;
    pr.warm_pool_usd = pr.standby_hours * p.spec->chips * p.usd_per_chip_hour * p.config.hydration.warm_cost_fraction;
    pr.cost_usd = pr.replica_hours * p.spec->chips * p.usd_per_chip_hour + pr.warm_pool_usd;
    pr.kv_blocks = p.spec->kv_blocks;
    pr.block_size = p.config.scheduler.params.integer("block_size");
    pr.kv_capacity_tokens = double(pr.kv_blocks * pr.block_size);
    pr.max_num_seqs = p.config.scheduler.params.integer("max_num_seqs");
    r.cold_starts += pr.cold_starts;
    r.warm_starts += pr.warm_starts;
    r.hydration_s += pr.hydration_s;
    r.energy_j += pr.energy_j;
    r.cost_usd += pr.cost_usd;
    r.warm_pool_usd += pr.warm_pool_usd;
    replica_seconds += prov;
    if (p.config.power_cap_w > 0 && std::max(p.spec->prefill_w, p.spec->decode_w) > p.config.power_cap_w)
      r.notes.push_back(
          fmt::format("pool '{}': steps slowed by the {:.1f} W per-chip power cap (phase power up to {:.1f} W)",
                      p.config.name, p.config.power_cap_w, std::max(p.spec->prefill_w, p.spec->decode_w)));
    if (p.usd_per_chip_hour <= 0)
      r.notes.push_back(fmt::format("pool '{}': {} has no price; cost counted as 0", p.config.name, p.hardware.name));
    r.pools.push_back(pr);
  }
  const double tokens_all = double(metrics.emitted_tokens());
  r.joules_per_token = tokens_all > 0 ? r.energy_j / tokens_all : 0.0;
  const double whole = std::max(1e-12, r.end_s);  // energy and cost cover the whole run from time 0
  r.avg_power_w = r.energy_j / whole;
  r.avg_power_per_replica_w = replica_seconds > 0 ? r.energy_j / replica_seconds : 0.0;
  if (s.slo.avg_power_w) r.power_budget_met = r.avg_power_per_replica_w <= *s.slo.avg_power_w;
  r.usd_per_hour = r.cost_usd / whole * 3600.0;
  r.usd_per_1k_tokens = tokens_all > 0 ? r.cost_usd / tokens_all * 1000.0 : 0.0;
  r.events = sim.events_processed();
  if (trace) {
    r.trace_truncated = trace->truncated();
    trace->finish();
  }
  if (csv) csv->finish();
  if (cut)
    r.notes.push_back(fmt::format("stopped at simulation.max_sim_s = {:g} s with {} requests unfinished",
                                  s.simulation.max_sim_s, r.unfinished));
  if (r.rejected > 0)
    r.notes.push_back(fmt::format("{} requests rejected (do not fit the KV cache or context)", r.rejected));
  if (r.trace_truncated) r.notes.push_back("trace file truncated at simulation.trace_max_events");
  return r;
}

}  // namespace infersim::serving
