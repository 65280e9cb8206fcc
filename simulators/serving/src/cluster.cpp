#include "infersim/serving/cluster.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "infersim/common/errors.h"
#include "infersim/serving/activity_observer.h"
#include "infersim/serving/router_registry.h"
#include "infersim/serving/scheduler_registry.h"

namespace infersim::serving {

Cluster::Cluster(const Scenario& s, const model::ModelSpec& m, std::vector<Pool> pools, engine::Simulator& sim,
                 MetricsCollector& metrics, TraceWriter* trace, RequestCsvWriter* csv)
    : scenario_(s), model_(m), pools_(std::move(pools)), sim_(sim), metrics_(metrics), trace_(trace), csv_(csv) {
  router_ = make_router(s.router);
  decode_router_ = make_router(s.router);
  double prefill_bw = 0, decode_bw = 0;
  for (const auto& p : pools_) {
    if (p.config.role == "decode") disaggregated_ = true;
    const auto& hw = p.hardware;
    double link = hw.scale_out_bw_bytes_per_s > 0          ? hw.scale_out_bw_bytes_per_s
                  : hw.host_link_effective_bytes_per_s > 0 ? hw.host_link_effective_bytes_per_s
                                                           : hw.scale_up_bw_bytes_per_s;
    link *= p.spec->chips;
    if (p.config.role == "prefill") prefill_bw = prefill_bw > 0 ? std::min(prefill_bw, link) : link;
    if (p.config.role == "decode") decode_bw = decode_bw > 0 ? std::min(decode_bw, link) : link;
  }
  kv_bw_ = s.kv_transfer.bandwidth_bytes_per_s ? *s.kv_transfer.bandwidth_bytes_per_s
                                               : std::max(1.0, std::min(prefill_bw > 0 ? prefill_bw : decode_bw,
                                                                        decode_bw > 0 ? decode_bw : prefill_bw));
  if (trace_) {
    trace_->name_process(1000, "requests");
    for (const auto& p : pools_) trace_->name_process(p.index, "pool " + p.config.name + " (" + p.hardware.name + ")");
  }
}

Replica& Cluster::new_replica(Pool& p) {
  for (auto& r : p.replicas)
    if (r->status() == Replica::Status::off) return *r;
  const int id = int(replicas_by_id_.size());
  p.replicas.push_back(std::make_unique<Replica>(id, int(p.replicas.size()), p.spec, make_scheduler(p.config.scheduler),
                                                 *this, sim_, requests_));
  p.busy_at_tick.push_back(0);
  replicas_by_id_.push_back(p.replicas.back().get());
  if (trace_) trace_->name_thread(p.index, id, p.config.name + "/" + std::to_string(p.replicas.size() - 1));
  return *p.replicas.back();
}

void Cluster::start() {
  for (auto& p : pools_) {
    const auto& a = p.config.autoscaler;
    int n = p.config.replicas;
    if (a.enabled) n = std::clamp(n, a.min_replicas, a.max_replicas);
    p.initial_replicas = n;
    for (int i = 0; i < n; ++i) {
      Replica& r = new_replica(p);
      if (p.config.initial_state == "cold") {
        begin_cold_start(p, r);
      } else {
        p.loaded_once = true;
        r.start_loading(0.0);
      }
    }
    p.peak_replicas = n;
    if (a.enabled) {
      for (int i = 0; i < a.warm_pool; ++i) p.standby.push_back({0.0, 0.0});
      sim_.schedule_after(engine::from_seconds(a.interval_s), this, TICK, std::uint64_t(p.index));
    }
  }
}

// ---------------------------------------------------------------- routing

void Cluster::collect(bool entry, std::vector<RouteCandidate>& out) const {
  out.clear();
  for (const auto& p : pools_) {
    if (p.entry() != entry) continue;
    for (const auto& r : p.replicas)
      if (r->ready())
        out.push_back({r->id(), p.index, r->outstanding_requests(), r->outstanding_tokens(), p.spec->speed});
  }
}

void Cluster::arrive(RequestIndex r) {
  metrics_.on_arrival();
  note_time(requests_[r].arrival_s);
  route_entry(r);
}

void Cluster::end_session(std::uint64_t session) {
  router_->on_session_end(session);
  decode_router_->on_session_end(session);
}

void Cluster::route_entry(RequestIndex r) {
  collect(true, candidates_);
  Request& q = requests_[r];
  if (candidates_.empty()) {
    bool can_grow = false;
    for (auto& p : pools_) {
      if (!p.entry()) continue;
      const int live = p.count(Replica::Status::ready) + p.count(Replica::Status::loading);
      if (live > 0) can_grow = true;
      if (p.config.autoscaler.enabled && p.config.autoscaler.max_replicas > 0) {
        can_grow = true;
        if (live == 0) scale_up(p, 1);  // scale from zero at once (activator)
      }
    }
    if (!can_grow) {
      q.rejected = true;
      metrics_.on_request_rejected(q);
      if (csv_) csv_->write(q, "-");
      if (observer_) observer_->on_request_finished(q);
      if (listener_) listener_->on_request_finished(q);
      requests_.release(r);
      return;
    }
    q.phase = RequestPhase::pending;
    q.cold_wait = true;
    pending_.push_back(r);
    return;
  }
  const std::size_t i = router_->route(q, candidates_);
  replica_by_id(candidates_[i].replica).enqueue(r);
}

void Cluster::route_decode(RequestIndex r) {
  collect(false, candidates_);
  Request& q = requests_[r];
  if (candidates_.empty()) {
    for (auto& p : pools_)
      if (!p.entry() && p.config.autoscaler.enabled &&
          p.count(Replica::Status::ready) + p.count(Replica::Status::loading) == 0)
        scale_up(p, 1);
    q.phase = RequestPhase::pending;
    q.cold_wait = true;
    pending_decode_.push_back(r);
    return;
  }
  const std::size_t i = decode_router_->route(q, candidates_);
  replica_by_id(candidates_[i].replica).enqueue_prefilled(r);
}

// ---------------------------------------------------------------- replica reports

void Cluster::finish_request(RequestIndex r) {
  Request& q = requests_[r];
  if (csv_) {
    const std::string pool = q.pool >= 0 ? pools_[std::size_t(q.pool)].config.name : "-";
    csv_->write(q, pool);
  }
  if (observer_) observer_->on_request_finished(q);
  if (listener_) listener_->on_request_finished(q);
  requests_.release(r);
}

void Cluster::on_request_done(Replica&, RequestIndex r, double t) {
  Request& q = requests_[r];
  note_time(t);
  metrics_.on_request_done(q);
  if (trace_) trace_->request(q, 1000);
  finish_request(r);
}

void Cluster::on_request_rejected(Replica&, RequestIndex r, const char*) {
  Request& q = requests_[r];
  note_time(sim_.now_s());
  metrics_.on_request_rejected(q);
  finish_request(r);
}

void Cluster::on_prefill_handoff(Replica& rep, RequestIndex r, double t) {
  Request& q = requests_[r];
  const double bytes = double(q.prompt) * rep.spec().kv_bytes_per_token;
  const double dt = scenario_.kv_transfer.latency_s + bytes / kv_bw_;
  ++kv_transfers_;
  kv_transfer_s_ += dt;
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(t + dt)), this, TRANSFER_DONE, r);
}

void Cluster::on_replica_ready(Replica& r) {
  Pool& p = pools_[std::size_t(r.spec().pool)];
  p.busy_at_tick[std::size_t(r.index_in_pool())] = r.busy_s();
  if (p.entry()) {
    while (!pending_.empty()) {
      const RequestIndex q = pending_.front();
      pending_.pop_front();
      route_entry(q);
    }
  } else {
    while (!pending_decode_.empty()) {
      const RequestIndex q = pending_decode_.front();
      pending_decode_.pop_front();
      route_decode(q);
    }
  }
}

void Cluster::on_replica_idle(Replica&) {}

// ---------------------------------------------------------------- lifecycle

const StorageTier& Cluster::next_tier(Pool& p) {
  const auto& h = p.config.hydration;
  std::string tier_name = h.source;
  if (h.peer_load && p.count(Replica::Status::ready) > 0)
    tier_name = "peer_device";
  else if (p.loaded_once && !h.cached_source.empty())
    tier_name = h.cached_source;
  const StorageTier* tier = h.tier(tier_name);
  INFERSIM_ASSERT(tier != nullptr);
  p.loaded_once = true;
  return *tier;
}

void Cluster::add_phases(Pool& p, const ColdStartPhases& ph, double weights_s, double ready_s) {
  auto& m = p.hydration_phase_s;
  const std::pair<const char*, double> parts[] = {{"provision", ph.provision_s},
                                                  {"image_pull", ph.image_pull_s},
                                                  {"engine_init", ph.engine_init_s},
                                                  {"restore", ph.restore_s},
                                                  {"weights", weights_s},
                                                  {"compile", ph.compile_s},
                                                  {"graph_capture", ph.graph_capture_s},
                                                  {"warmup", ph.warmup_s},
                                                  {"init", ph.init_s}};
  double sum = 0;
  for (const auto& [name, v] : parts) {
    if (v > 0) m[name] += v;
    sum += v;
  }
  // Streaming overlaps phases: the (negative) overlap keeps the phases summing to the time to ready.
  if (ready_s < sum) m["streaming_overlap"] += ready_s - sum;
  p.hydration_s += ready_s;
}

void Cluster::begin_cold_start(Pool& p, Replica& r) {
  const StorageTier& tier = next_tier(p);
  const ColdStart c = cold_start_time(p.weight_bytes, tier, p.hardware, p.spec->chips, p.phases, p.loader_bytes_per_s,
                                      p.config.hydration.streaming, model_.num_layers);
  ++p.cold_starts;
  if (!tier.shared || tier.bandwidth_bytes_per_s <= 0) {
    add_phases(p, c.phases, c.weights_s(), c.total_s());
    r.start_loading(c.total_s(), c.streaming ? c.weights_done_s() : 0.0, c.layers);
    return;
  }
  // A shared tier: the weights join the tier's loads in flight once the engine is up (and the tier's
  // first-byte latency has passed); their share of its bandwidth is known only as loads come and go.
  r.start_loading_open();
  ColdLoad l;
  l.replica = r.id();
  l.pool = p.index;
  l.start_s = sim_.now_s();
  l.cold = c;
  auto it = std::find_if(shared_tiers_.begin(), shared_tiers_.end(),
                         [&](const TierLoads& t) { return t.name == tier.name; });
  if (it == shared_tiers_.end()) {
    shared_tiers_.push_back({tier.name, SharedTier(tier.bandwidth_bytes_per_s), 0});
    it = shared_tiers_.end() - 1;
  }
  l.tier = std::size_t(it - shared_tiers_.begin());
  // The load's own path without the tier: loader, host link, device write.
  StorageTier unbounded = tier;
  unbounded.bandwidth_bytes_per_s = std::numeric_limits<double>::infinity();
  l.cap = load_bandwidth(unbounded, p.hardware, p.spec->chips, p.loader_bytes_per_s).first;
  cold_loads_.push_back(l);
  const double join = l.start_s + c.phases.before_weights_s() + c.latency_s;
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(join)), this, LOAD_JOIN, cold_loads_.size() - 1);
}

// A TIER_FINISH event carries the tier index in its top bits and the tier's version in the low 40.
constexpr std::uint64_t TIER_EVENT_VERSION_MASK = (std::uint64_t(1) << 40) - 1;

void Cluster::reschedule_tier(std::size_t t) {
  TierLoads& tl = shared_tiers_[t];
  ++tl.version;
  const double next = tl.tier.next_finish_s();
  if (std::isinf(next)) return;
  // The finish event is rounded up to the clock's nanosecond so the load is complete when it fires.
  const auto at = std::max(sim_.now(), engine::from_seconds(next) + 1);
  sim_.schedule_at(at, this, TIER_FINISH, (std::uint64_t(t) << 40) | (tl.version & TIER_EVENT_VERSION_MASK));
}

void Cluster::on_tier_finish(std::size_t t, std::uint64_t version) {
  TierLoads& tl = shared_tiers_[t];
  if ((tl.version & TIER_EVENT_VERSION_MASK) != version) return;  // superseded by a later join or finish
  const double now = sim_.now_s();
  for (std::uint64_t id : tl.tier.advance(now)) {
    ColdLoad& l = cold_loads_[std::size_t(id)];
    Pool& p = pools_[std::size_t(l.pool)];
    const ColdStart& c = l.cold;
    const double weights_s = now - (l.start_s + c.phases.before_weights_s());
    p.shared_tier_wait_s += std::max(0.0, weights_s - c.weights_s());
    // Streaming on a shared tier overlaps the engine phases with the transfer, but the replica waits for
    // the last byte (its share of the tier was not known when the first layer arrived).
    const double after = c.streaming ? std::max(0.0, c.phases.after_weights_s() - weights_s)
                                     : c.phases.after_weights_s();
    const double ready = now + after;
    add_phases(p, c.phases, weights_s, ready - l.start_s);
    replica_by_id(l.replica).finish_loading(ready);
  }
  reschedule_tier(t);
}

void Cluster::scale_up(Pool& p, int n) {
  const auto& h = p.config.hydration;
  const double now = sim_.now_s();
  for (int i = 0; i < n; ++i) {
    Replica& r = new_replica(p);
    // The earliest standby that is already hydrated into host memory.
    std::size_t best = p.standby.size();
    for (std::size_t k = 0; k < p.standby.size(); ++k)
      if (p.standby[k].ready_s <= now && (best == p.standby.size() || p.standby[k].ready_s < p.standby[best].ready_s))
        best = k;
    if (best < p.standby.size()) {
      p.standby_s += now - p.standby[best].since_s;
      p.standby.erase(p.standby.begin() + std::ptrdiff_t(best));
      const StorageTier* tier = h.tier(h.warm_source);
      INFERSIM_ASSERT(tier != nullptr);
      ColdStartPhases warm;
      warm.init_s = h.warm_init_s;
      const ColdStart c = cold_start_time(p.weight_bytes, *tier, p.hardware, p.spec->chips, warm, 0.0);
      ++p.warm_starts;
      r.start_loading(c.total_s());
    } else {
      begin_cold_start(p, r);
    }
    const int live = p.count(Replica::Status::ready) + p.count(Replica::Status::loading);
    p.peak_replicas = std::max(p.peak_replicas, live);
  }
  refill_standby(p);
}

void Cluster::refill_standby(Pool& p) {
  const auto& a = p.config.autoscaler;
  if (!a.enabled) return;
  const auto& h = p.config.hydration;
  const double now = sim_.now_s();
  while (int(p.standby.size()) < a.warm_pool) {
    // A new standby streams the weights from storage into host memory (no host-link crossing yet).
    const StorageTier* tier = h.tier(p.loaded_once && !h.cached_source.empty() ? h.cached_source : h.source);
    const double t = h.provision_s + tier->latency_s + p.weight_bytes / std::max(1.0, tier->bandwidth_bytes_per_s);
    p.standby.push_back({now, now + t});
  }
}

void Cluster::scale_down(Pool& p, int keep) {
  const auto& a = p.config.autoscaler;
  const double now = sim_.now_s();
  int live = p.count(Replica::Status::ready) + p.count(Replica::Status::loading);
  for (auto it = p.replicas.rbegin(); it != p.replicas.rend() && live > keep; ++it) {
    Replica& r = **it;
    if (!r.ready() || r.holds_requests() || now - r.idle_since_s() < a.scale_down_idle_s) continue;
    r.release();
    --live;
    // Scale down into the warm pool when it is short (the weights are still in host memory).
    if (int(p.standby.size()) < a.warm_pool) p.standby.push_back({now, now});
  }
}

void Cluster::tick(Pool& p) {
  const auto& a = p.config.autoscaler;
  PoolLoad load;
  for (std::size_t i = 0; i < p.replicas.size(); ++i) {
    Replica& r = *p.replicas[i];
    if (r.status() == Replica::Status::loading) ++load.loading;
    if (!r.ready()) continue;
    ++load.ready;
    load.queued += r.queued();
    load.in_flight += r.outstanding_requests();
    load.busy_replicas += std::min(1.0, (r.busy_s() - p.busy_at_tick[i]) / a.interval_s);
    p.busy_at_tick[i] = r.busy_s();
  }
  const auto& pend = p.entry() ? pending_ : pending_decode_;
  load.queued += std::int64_t(pend.size());
  load.in_flight += std::int64_t(pend.size());
  const int desired = std::clamp(p.policy->desired_replicas(load), a.min_replicas, a.max_replicas);
  const int have = load.ready + load.loading;
  if (desired > have)
    scale_up(p, desired - have);
  else if (desired < have)
    scale_down(p, std::max(desired, a.min_replicas));
  refill_standby(p);
  const bool active = (listener_ && listener_->workload_active()) || requests_.live() > 0;
  if (active) sim_.schedule_after(engine::from_seconds(a.interval_s), this, TICK, std::uint64_t(p.index));
}

void Cluster::on_event(engine::Simulator&, const engine::Event& e) {
  if (e.kind == TRANSFER_DONE) return route_decode(RequestIndex(e.data));
  if (e.kind == TICK) return tick(pools_[std::size_t(e.data)]);
  if (e.kind == LOAD_JOIN) {
    const ColdLoad& l = cold_loads_[std::size_t(e.data)];
    shared_tiers_[l.tier].tier.add(sim_.now_s(), e.data, pools_[std::size_t(l.pool)].weight_bytes, l.cap);
    return reschedule_tier(l.tier);
  }
  if (e.kind == TIER_FINISH) return on_tier_finish(std::size_t(e.data >> 40), e.data & TIER_EVENT_VERSION_MASK);
}

}  // namespace infersim::serving
