#include "infersim/serving/replica.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "infersim/common/errors.h"
#include "infersim/model/op_cost.h"
#include "infersim/serving/activity_observer.h"
#include "infersim/serving/metrics_collector.h"
#include "infersim/serving/step_recorder.h"
#include "infersim/serving/trace_writer.h"

namespace infersim::serving {

const char* pool_role_name(PoolRole r) {
  switch (r) {
    case PoolRole::mixed: return "mixed";
    case PoolRole::prefill: return "prefill";
    case PoolRole::decode: return "decode";
  }
  return "?";
}

Replica::Replica(int id, int index_in_pool, std::shared_ptr<const ReplicaSpec> spec,
                 std::unique_ptr<Scheduler> scheduler, ReplicaHost& host, engine::Simulator& sim, RequestPool& requests)
    : id_(id),
      index_(index_in_pool),
      spec_(std::move(spec)),
      scheduler_(std::move(scheduler)),
      limits_(scheduler_->limits()),
      host_(host),
      sim_(sim),
      requests_(requests),
      kv_(spec_->kv_blocks, scheduler_->limits().block_size),
      jitter_rng_(engine::Rng::stream(spec_->jitter_seed, "step-jitter/" + std::to_string(id))) {
  phase_count_.assign(std::size_t(limits_.block_size), 0);
  tokens_per_step_ = spec_->estimator->decode_tokens_per_step();
}

// ---------------------------------------------------------------- lifecycle

void Replica::start_loading(double seconds, double weights_done_in_s, int layers) {
  INFERSIM_ASSERT(status_ == Status::off);
  status_ = Status::loading;
  const double now = sim_.now_s();
  weights_done_s_ = weights_done_in_s > seconds ? now + weights_done_in_s : 0.0;
  stream_layers_ = std::max(1, layers);
  provisioned_since_s_ = now;
  loading_s_ += seconds;
  loading_until_s_ = now + seconds;
  clock_s_ = std::max(clock_s_, now);
  if (auto* tr = host_.trace()) tr->complete(spec_->pool, id_, "hydrating", now, seconds, 0, 0);
  if (auto* ob = host_.observer()) ob->on_span(spec_->pool, id_, "hydrating", now, seconds, 0);
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(loading_until_s_)), this, READY);
}

void Replica::start_loading_open() {
  INFERSIM_ASSERT(status_ == Status::off);
  status_ = Status::loading;
  const double now = sim_.now_s();
  provisioned_since_s_ = now;
  loading_started_s_ = now;
  loading_until_s_ = std::numeric_limits<double>::infinity();
  clock_s_ = std::max(clock_s_, now);
}

void Replica::finish_loading(double ready_at_s) {
  INFERSIM_ASSERT(status_ == Status::loading && std::isinf(loading_until_s_));
  const double seconds = ready_at_s - loading_started_s_;
  loading_s_ += seconds;
  loading_until_s_ = ready_at_s;
  if (auto* tr = host_.trace()) tr->complete(spec_->pool, id_, "hydrating", loading_started_s_, seconds, 0, 0);
  if (auto* ob = host_.observer()) ob->on_span(spec_->pool, id_, "hydrating", loading_started_s_, seconds, 0);
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(loading_until_s_)), this, READY);
}

void Replica::release() {
  INFERSIM_ASSERT(status_ == Status::ready && !holds_requests() && !busy_);
  release_padding();
  status_ = Status::off;
  provisioned_s_ += sim_.now_s() - provisioned_since_s_;
  provisioned_since_s_ = -1;
}

double Replica::provisioned_s(double now_s) const {
  return provisioned_s_ + (provisioned_since_s_ >= 0 ? std::max(0.0, now_s - provisioned_since_s_) : 0.0);
}

// ---------------------------------------------------------------- requests

double Replica::prefill_alone_s(std::int64_t input) {
  if (auto it = prefill_alone_.find(input); it != prefill_alone_.end()) return it->second;
  const auto& est = *spec_->estimator;
  const double t = est.cost(model::BatchShape::prefill(1, double(input))).time(est.params());
  prefill_alone_.emplace(input, t);
  return t;
}

void Replica::enqueue(RequestIndex r) {
  Request& q = requests_[r];
  q.replica = id_;
  q.pool = spec_->pool;
  q.phase = RequestPhase::waiting;
  q.prompt = q.input;
  q.prefilled = 0;
  q.cached = 0;
  ++outstanding_requests_;
  outstanding_tokens_ += double(q.prompt + q.output - q.generated);
  q.eligible_step = std::max<std::uint64_t>(steps_ + std::uint64_t(limits_.join_delay_steps), q.min_step);
  {
    const auto& p = spec_->estimator->params();
    q.frontend_s = p.ttft_request_s + p.ttft_token_s * double(q.input) +
                   p.ttft_stream_s * double(outstanding_requests_ - 1);
    if (p.ttft_prefill_fraction > 0) q.frontend_s += p.ttft_prefill_fraction * prefill_alone_s(q.input);
  }
  if (auto* rec = host_.recorder()) rec->on_arrival(q, double(outstanding_requests_ - 1));
  const std::int64_t need = kv_.blocks_for(q.input + q.output);
  if (need > kv_.total()) return reject(r, "prompt + output exceed the replica's KV cache");
  if (spec_->max_context > 0 && q.input + q.output > spec_->max_context)
    return reject(r, "prompt + output exceed the model's context length");
  waiting_.push_back(r);
  kick();
}

void Replica::enqueue_prefilled(RequestIndex r) {
  Request& q = requests_[r];
  q.replica = id_;
  q.pool = spec_->pool;
  q.phase = RequestPhase::waiting;
  q.prompt = q.input;
  q.prefilled = q.input;
  q.cached = 0;
  ++outstanding_requests_;
  outstanding_tokens_ += double(q.output - q.generated);
  if (kv_.blocks_for(q.input + q.output) > kv_.total())
    return reject(r, "prompt + output exceed the replica's KV cache");
  waiting_.push_back(r);
  kick();
}

void Replica::kick() {
  if (busy_ || kicked_ || status_ != Status::ready) return;
  kicked_ = true;
  sim_.schedule_at(sim_.now(), this, KICK);
}

void Replica::reject(RequestIndex r, const char* why) {
  Request& q = requests_[r];
  --outstanding_requests_;
  outstanding_tokens_ = std::max(0.0, outstanding_tokens_ - double(q.prompt - q.prefilled + q.output - q.generated));
  q.rejected = true;
  q.phase = RequestPhase::done;
  if (outstanding_requests_ == 0) idle_since_s_ = start_time();
  host_.on_request_rejected(*this, r, why);
}

// ---------------------------------------------------------------- scheduling API

bool Replica::is_prefilled(RequestIndex r) const {
  const Request& q = requests_[r];
  return q.generated > 0 && q.prefilled >= q.prompt && q.phase == RequestPhase::waiting;
}

std::int64_t Replica::admission_blocks(RequestIndex r, std::int64_t tokens) const {
  const Request& q = requests_[r];
  return reserves() ? kv_.blocks_for(q.input + q.output) : kv_.blocks_for(tokens);
}

std::int64_t Replica::chunk_blocks(RequestIndex r, std::int64_t tokens) const {
  const Request& q = requests_[r];
  return reserves() ? 0 : kv_.blocks_for(q.prefilled + tokens) - kv_.blocks_for(q.prefilled);
}

bool Replica::front_eligible() const {
  if (waiting_.empty()) return false;
  // An idle engine takes a request at once; a busy one prepares the next step while this one runs.
  return running() == 0 || steps_ >= requests_[waiting_.front()].eligible_step;
}

std::int64_t Replica::eligible_waiting_tokens() const {
  std::int64_t n = 0;
  for (RequestIndex r : waiting_) {
    const Request& q = requests_[r];
    if (running() > 0 && steps_ < q.eligible_step) break;
    n += q.prompt - q.prefilled;
  }
  return n;
}

bool Replica::can_allocate(std::int64_t n, bool watermark) const {
  const std::int64_t reserve = watermark && running() > 0
                                   ? std::int64_t(std::ceil(limits_.watermark * double(kv_.total())))
                                   : 0;
  return kv_.available() - n >= reserve;
}

std::int64_t Replica::prefix_hit(RequestIndex r) const {
  const Request& q = requests_[r];
  if (!limits_.prefix_caching || q.session == 0 || q.prefilled > 0) return 0;
  const std::int64_t bs = limits_.block_size;
  return std::min(kv_.peek(q.session), (q.prompt - 1) / bs * bs);
}

void Replica::admit(RequestIndex r) {
  INFERSIM_ASSERT(!waiting_.empty() && waiting_.front() == r);
  waiting_.pop_front();
  Request& q = requests_[r];
  const double start = start_time();
  if (q.scheduled_s < 0) q.scheduled_s = start;
  if (is_prefilled(r)) {
    if (reserves()) {
      q.reserved_blocks = kv_.blocks_for(q.input + q.output);
      kv_.allocate(q.reserved_blocks);
    } else {
      kv_.allocate(kv_.blocks_for(q.prompt));
    }
    join_decode(r, q.prompt);
    return;
  }
  if (reserves()) {
    q.reserved_blocks = kv_.blocks_for(q.input + q.output);
    kv_.allocate(q.reserved_blocks);
  } else {
    const std::int64_t hit = prefix_hit(r);
    if (hit > 0) {
      const std::int64_t entry_tokens = kv_.take(q.session);
      // The entry's blocks are now ours; keep the hit's whole blocks, free the rest.
      kv_.release(kv_.blocks_for(entry_tokens) - hit / limits_.block_size);
      q.prefilled = hit;
      q.cached = hit;
      outstanding_tokens_ -= double(hit);
      host_.metrics().on_prefix_hit(hit);
    } else if (q.session != 0 && limits_.prefix_caching) {
      kv_.drop(q.session);  // a stale prefix of this session (context moved on): free it
    }
  }
  q.phase = RequestPhase::prefilling;
  prefilling_.push_back(r);
}

void Replica::plan_chunk(RequestIndex r, std::int64_t tokens) {
  Request& q = requests_[r];
  INFERSIM_ASSERT(tokens > 0 && q.prefilled + tokens <= q.prompt);
  if (!reserves()) {
    const std::int64_t need = kv_.blocks_for(q.prefilled + tokens) - kv_.blocks_for(q.prefilled);
    const bool ok = kv_.allocate(need);
    INFERSIM_ASSERT(ok);
  }
  plan_.chunks.push_back({r, tokens, q.prefilled, q.prefilled + tokens == q.prompt});
}

void Replica::swap_in_front() {
  const RequestIndex r = swapped_.front();
  swapped_.pop_front();
  Request& q = requests_[r];
  kv_.allocate(kv_.blocks_for(q.prefilled));
  if (spec_->swap_bytes_per_s > 0)
    plan_.extra_s += double(q.prefilled) * spec_->kv_bytes_per_token / spec_->swap_bytes_per_s;
  join_decode(r, q.prefilled);
}

std::int64_t Replica::decode_blocks_needed() const {
  if (reserves() || n_dec_ == 0) return 0;
  if (tokens_per_step_ > 1.0) {
    // Multi-token prediction: a sequence's cache grows by E tokens a step (the accepted ones), so the
    // blocks it crosses into are counted one sequence at a time (join order, live entries only).
    std::int64_t need = 0;
    for (const auto& [r, g] : lifo_) {
      const Request& q = requests_[r];
      if (q.gen != g || q.phase != RequestPhase::decoding) continue;
      need += kv_.blocks_for(q.kv_at_join + decoded_since_join(q, counter_ + 1)) - kv_.blocks_for(kv_now(q));
    }
    return need;
  }
  const std::int64_t bs = limits_.block_size;
  return phase_count_[std::size_t(((-counter_) % bs + bs) % bs)];
}

bool Replica::preempt_last() {
  INFERSIM_ASSERT(plan_.chunks.empty());
  while (!lifo_.empty()) {
    const auto [r, g] = lifo_.back();
    lifo_.pop_back();
    Request& q = requests_[r];
    if (q.gen != g || q.phase != RequestPhase::decoding) continue;
    const std::int64_t kv = kv_now(q);
    const std::int64_t generated = q.generated + decoded_since_join(q, counter_);
    const double last_token = q.join_counter < counter_ ? last_decode_end_s_ : q.last_token_s;
    leave_decode(q);
    q.generated = generated;
    q.last_token_s = last_token;
    ++q.preemptions;
    host_.metrics().on_preemption();
    kv_.release(reserves() ? q.reserved_blocks : kv_.blocks_for(kv));
    if (limits_.preempt_swap) {
      q.phase = RequestPhase::swapped;
      q.prefilled = kv;
      if (spec_->swap_bytes_per_s > 0)
        plan_.extra_s += double(kv) * spec_->kv_bytes_per_token / spec_->swap_bytes_per_s;
      swapped_.push_back(r);
    } else {
      q.phase = RequestPhase::waiting;
      q.prompt = q.input + generated;  // recompute: prompt plus everything generated so far
      q.prefilled = 0;
      q.cached = 0;
      outstanding_tokens_ += double(q.prompt);
      waiting_.push_front(r);
    }
    return true;
  }
  if (!prefilling_.empty()) {
    const RequestIndex r = prefilling_.back();
    prefilling_.pop_back();
    Request& q = requests_[r];
    kv_.release(reserves() ? q.reserved_blocks : kv_.blocks_for(q.prefilled));
    outstanding_tokens_ += double(q.prefilled);
    q.prefilled = 0;
    q.cached = 0;
    q.phase = RequestPhase::waiting;
    ++q.preemptions;
    host_.metrics().on_preemption();
    waiting_.push_front(r);
    return true;
  }
  return false;
}

void Replica::plan_decode() {
  if (n_dec_ + pad_n_ == 0) return;
  const bool ok = kv_.allocate(decode_blocks_needed());
  INFERSIM_ASSERT(ok);
  plan_.decode = true;
}

void Replica::release_padding() {
  if (pad_n_ == 0 && pad_blocks_ == 0) return;
  kv_.release(pad_blocks_);
  pad_n_ = pad_ctx_ = pad_blocks_ = 0;
}

// ---------------------------------------------------------------- decode set

void Replica::join_decode(RequestIndex r, std::int64_t kv) {
  Request& q = requests_[r];
  INFERSIM_ASSERT(q.output > q.generated);
  q.phase = RequestPhase::decoding;
  q.join_counter = counter_;
  q.kv_at_join = kv;
  ++n_dec_;
  ctx_sum_ += kv;
  const std::int64_t bs = limits_.block_size;
  ++phase_count_[std::size_t(((kv - counter_) % bs + bs) % bs)];
  // Multi-token prediction gains E tokens a step on average: the steps the rest of the output takes.
  const std::int64_t left = q.output - q.generated;
  const std::int64_t steps = tokens_per_step_ > 1.0 ? std::int64_t(std::ceil(double(left) / tokens_per_step_ - 1e-9))
                                                    : left;
  finish_heap_.push_back({counter_ + std::max<std::int64_t>(1, steps), r, q.gen});
  join_kv_sum_ += kv;
  std::push_heap(finish_heap_.begin(), finish_heap_.end(),
                 [this](const FinishEntry& a, const FinishEntry& b) { return heap_less(a, b); });
  lifo_.emplace_back(r, q.gen);
  if (lifo_.size() > 64 && lifo_.size() > 4 * std::size_t(n_dec_)) {
    // Drop entries of sequences that already left (amortised O(1)).
    std::vector<std::pair<RequestIndex, std::uint32_t>> keep;
    keep.reserve(std::size_t(n_dec_));
    for (const auto& e : lifo_)
      if (requests_[e.first].gen == e.second && requests_[e.first].phase == RequestPhase::decoding) keep.push_back(e);
    lifo_.swap(keep);
  }
  if (!join_groups_.empty() && join_groups_.back().last_token_s == q.last_token_s)
    ++join_groups_.back().count;
  else
    join_groups_.push_back({q.last_token_s, 1});
}

void Replica::leave_decode(Request& q) {
  --n_dec_;
  ctx_sum_ -= q.kv_at_join + (counter_ - q.join_counter);  // one token a step (MTP: corrected in try_start)
  join_kv_sum_ -= q.kv_at_join;
  const std::int64_t bs = limits_.block_size;
  --phase_count_[std::size_t(((q.kv_at_join - q.join_counter) % bs + bs) % bs)];
  if (q.join_counter == counter_) {
    // Joined since the last decode step: it sits in a join group.
    for (auto& g : join_groups_)
      if (g.last_token_s == q.last_token_s && g.count > 0) {
        --g.count;
        break;
      }
  }
  ++q.gen;
}

void Replica::advance_decode(double t) {
  const std::int64_t n = n_dec_;
  if (n > 0) {
    auto& m = host_.metrics();
    std::int64_t grouped = 0;
    for (const auto& g : join_groups_) {
      if (g.count > 0) m.on_token_gaps(t, t - g.last_token_s, std::uint64_t(g.count));
      grouped += g.count;
    }
    if (n - grouped > 0) m.on_token_gaps(t, t - last_decode_end_s_, std::uint64_t(n - grouped));
  }
  join_groups_.clear();
  last_decode_end_s_ = t;
  ctx_sum_ += n;
  pad_ctx_ += pad_n_;
  ++counter_;
  outstanding_tokens_ -= double(n);
  auto cmp = [this](const FinishEntry& a, const FinishEntry& b) { return heap_less(a, b); };
  while (!finish_heap_.empty() && finish_heap_.front().finish <= counter_) {
    std::pop_heap(finish_heap_.begin(), finish_heap_.end(), cmp);
    const FinishEntry e = finish_heap_.back();
    finish_heap_.pop_back();
    Request& q = requests_[e.req];
    if (q.gen != e.gen || q.phase != RequestPhase::decoding) continue;
    const std::int64_t kv = kv_now(q);
    leave_decode(q);
    q.generated = q.output;
    q.last_token_s = t;
    if (limits_.reserve_full_length) {
      ++pad_n_;
      pad_ctx_ += kv;
      pad_blocks_ += q.reserved_blocks;
    } else if (limits_.reserve_output) {
      kv_.release(q.reserved_blocks);
    } else {
      release_kv(q, kv);
    }
    complete(e.req, t);
  }
}

void Replica::release_kv(Request& q, std::int64_t kv_tokens) {
  const std::int64_t held = kv_.blocks_for(kv_tokens);
  if (limits_.prefix_caching && q.session != 0 && !q.last_call) {
    const std::int64_t keep = kv_tokens / limits_.block_size;
    kv_.release(held - keep);
    kv_.put(q.session, keep * limits_.block_size, keep);
  } else {
    kv_.release(held);
  }
}

void Replica::remove_prefilling(RequestIndex r) {
  auto it = std::find(prefilling_.begin(), prefilling_.end(), r);
  INFERSIM_ASSERT(it != prefilling_.end());
  prefilling_.erase(it);
}

void Replica::on_prefill_complete(RequestIndex r, double t) {
  Request& q = requests_[r];
  remove_prefilling(r);
  ++q.generated;
  outstanding_tokens_ -= 1.0;
  if (q.first_token_s < 0) {
    q.first_token_s = t;
    if (auto* rec = host_.recorder()) rec->on_first_token(q);
  } else
    host_.metrics().on_token_gaps(t, t - q.last_token_s, 1);
  q.last_token_s = t;
  if (q.generated >= q.output) {
    if (limits_.reserve_full_length) {
      ++pad_n_;
      pad_ctx_ += q.prompt;
      pad_blocks_ += q.reserved_blocks;
    } else if (limits_.reserve_output) {
      kv_.release(q.reserved_blocks);
    } else {
      release_kv(q, q.prompt);
    }
    return complete(r, t);
  }
  if (spec_->role == PoolRole::prefill) {
    // KV leaves for the decode pool (blocks are freed at hand-off; the transfer is timed by the cluster).
    kv_.release(reserves() ? q.reserved_blocks : kv_.blocks_for(q.prompt));
    q.phase = RequestPhase::transferring;
    --outstanding_requests_;
    outstanding_tokens_ = std::max(0.0, outstanding_tokens_ - double(q.output - q.generated));
    if (outstanding_requests_ == 0) idle_since_s_ = t;
    host_.on_prefill_handoff(*this, r, t);
    return;
  }
  join_decode(r, q.prompt);
}

void Replica::complete(RequestIndex r, double t) {
  Request& q = requests_[r];
  q.done_s = t;
  q.phase = RequestPhase::done;
  if (auto* rec = host_.recorder()) rec->on_done(q);
  --outstanding_requests_;
  if (outstanding_requests_ == 0) {
    idle_since_s_ = t;
    outstanding_tokens_ = 0;  // clear rounding residue
  }
  host_.on_request_done(*this, r, t);
}

// ---------------------------------------------------------------- steps

void Replica::try_start() {
  if (busy_ || status_ != Status::ready) return;
  plan_.clear();
  scheduler_->plan_step(*this);
  if (plan_.empty()) {
    if (!waiting_.empty() && running() == 0 && swapped_.empty()) {
      // Nothing runs and the head still cannot be admitted: it can never be. Reject it and go on.
      const RequestIndex r = waiting_.front();
      waiting_.pop_front();
      reject(r, "cannot be scheduled on this replica (KV cache)");
      return try_start();
    }
    pipeline_empty_ = true;
    if (!holds_requests()) host_.on_replica_idle(*this);
    return;
  }
  model::BatchShape b, heaviest;
  std::int64_t prefill_tokens = 0, heaviest_tokens = 0;
  for (const auto& c : plan_.chunks) {
    const auto chunk = model::BatchShape::prefill_chunk(double(c.tokens), double(c.cached_before), c.finishing);
    b += chunk;
    prefill_tokens += c.tokens;
    if (c.tokens > heaviest_tokens) {
      heaviest_tokens = c.tokens;
      heaviest = chunk;
    }
  }
  std::int64_t dec = 0;
  if (plan_.decode) {
    dec = n_dec_ + pad_n_;
    b.decode_seqs = double(dec);
    b.decode_ctx_sum = double(ctx_sum_ + n_dec_ + pad_ctx_ + pad_n_);
    // Under multi-token prediction each step adds E tokens of context, not the one ctx_sum_ counts.
    if (tokens_per_step_ > 1.0) b.decode_ctx_sum += (tokens_per_step_ - 1.0) * double(ctx_sum_ - join_kv_sum_);
  }
  // Pipeline parallelism: the step's sequences and chunks flow through the stages as micro-batches;
  // the step lasts one micro-batch traversal (see StepEstimator::pipelined_cost), plus the fill of an
  // empty pipeline when the replica was idle.
  const auto& est = *spec_->estimator;
  const double units = double(plan_.chunks.size() + std::size_t(dec));
  const double micro = est.micro_batches(units);
  perf::StepCost cost = est.pipelined_cost(b, units, heaviest_tokens > 1 ? &heaviest : nullptr);
  if (pipeline_empty_ && est.fill_fraction(micro) > 0) cost = cost.scaled(1.0 + est.fill_fraction(micro));
  pipeline_empty_ = false;
  double dt = cost.time(est.params());
  const double f = double(prefill_tokens) / double(prefill_tokens + dec);
  double p_chip = f * spec_->prefill_w + (1.0 - f) * spec_->decode_w;
  if (spec_->power_model != nullptr && dt > 0) {
    // Utilisation of a busy chip: the step's roofline work over the time its stage is busy (a
    // pipelined step keeps min(pp, m) of the pp stages busy for its traversal).
    const auto w = est.roofline_work(b);
    const double busy = dt * est.deployment().pp * est.stage_occupancy(micro);
    const auto& hw = est.deployment().hardware;
    p_chip = hw.tdp_w * spec_->power_model->tdp_fraction(hw, w.compute_s / busy, w.memory_s / busy);
  }
  if (spec_->power_cap_w > 0 && p_chip > spec_->power_cap_w) {
    dt *= p_chip / spec_->power_cap_w;  // DVFS: speed scales with the power allowed (pessimistic, linear)
    p_chip = spec_->power_cap_w;
  }
  dt += plan_.extra_s;
  if (spec_->jitter_cv > 0) {
    // Lognormal of mean 1: sigma^2 = ln(1 + cv^2), mu = -sigma^2 / 2.
    const double s2 = std::log1p(spec_->jitter_cv * spec_->jitter_cv);
    dt *= jitter_rng_.lognormal(-0.5 * s2, std::sqrt(s2));
  }
  if (host_.recorder() != nullptr) {
    plan_cost_ = cost;
    plan_cost_s_ = dt;
  }
  const double start = start_time();
  step_start_s_ = start;
  step_end_s_ = start + dt;
  // Streamed weights: the step's last layer cannot run before that layer has arrived.
  if (start < weights_done_s_) step_end_s_ = std::max(step_end_s_, weights_done_s_ + dt / double(stream_layers_));
  busy_ = true;
  busy_s_ += dt;
  step_energy_j_ += dt * std::max(0.0, p_chip - spec_->idle_w) * spec_->chips * est.stage_occupancy(micro);
  ++steps_;
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(step_end_s_)), this, STEP_END);
}

void Replica::finish_step() {
  busy_ = false;
  const double t = step_end_s_;
  // Recorded at the step's end, before its tokens: a request that arrives now has not waited for it.
  if (auto* rec = host_.recorder()) rec->on_step(plan_cost_, plan_cost_s_);
  clock_s_ = t;
  const std::int64_t dec = plan_.decode ? n_dec_ : 0;  // padding (static batching) emits nothing
  const std::int64_t seqs = std::int64_t(plan_.chunks.size()) + (plan_.decode ? n_dec_ + pad_n_ : 0);
  std::int64_t prefill = 0, emitted = dec;
  if (tokens_per_step_ > 1.0 && dec > 0) {
    // Multi-token prediction: E tokens a sequence on average (the fractions carried to the next step).
    emit_carry_ += double(dec) * tokens_per_step_;
    emitted = std::int64_t(std::floor(emit_carry_));
    emit_carry_ -= double(emitted);
  }
  for (const auto& c : plan_.chunks) {
    prefill += c.tokens;
    emitted += c.finishing ? 1 : 0;
  }
  if (auto* tr = host_.trace()) {
    const char* name = plan_.chunks.empty() ? "decode" : (plan_.decode ? "mixed" : "prefill");
    tr->complete(spec_->pool, id_, name, step_start_s_, t - step_start_s_, seqs, prefill + dec);
  }
  if (auto* ob = host_.observer()) {
    const char* name = plan_.chunks.empty() ? "decode" : (plan_.decode ? "mixed" : "prefill");
    ob->on_span(spec_->pool, id_, name, step_start_s_, t - step_start_s_, seqs);
  }
  if (plan_.decode) advance_decode(t);
  for (const auto& c : plan_.chunks) {
    Request& q = requests_[c.req];
    q.prefilled += c.tokens;
    outstanding_tokens_ -= double(c.tokens);
    if (c.finishing) on_prefill_complete(c.req, t);
  }
  host_.metrics().on_step(t, t - step_start_s_, seqs, prefill, emitted,
                          kv_.total() > 0 ? double(kv_.used()) / double(kv_.total()) : 0.0);
  try_start();
}

void Replica::on_event(engine::Simulator&, const engine::Event& e) {
  if (e.kind == STEP_END) return finish_step();
  if (e.kind == KICK) {
    kicked_ = false;
    return try_start();
  }
  if (e.kind == READY) {
    status_ = Status::ready;
    clock_s_ = std::max(clock_s_, loading_until_s_);
    idle_since_s_ = clock_s_;
    host_.on_replica_ready(*this);
    try_start();
  }
}

}  // namespace infersim::serving
