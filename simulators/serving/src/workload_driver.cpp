#include "infersim/serving/workload_driver.h"

#include <fmt/format.h>

#include <algorithm>

#include "infersim/serving/arrival_registry.h"
#include "infersim/serving/distribution_registry.h"

namespace infersim::serving {

WorkloadDriver::WorkloadDriver(const Scenario& s, BuildContext& ctx, engine::Simulator& sim, Cluster& cluster,
                               MetricsCollector& metrics)
    : s_(s),
      sim_(sim),
      cluster_(cluster),
      metrics_(metrics),
      rng_arrival_(engine::Rng::stream(s.simulation.seed, "arrivals")),
      rng_lengths_(engine::Rng::stream(s.simulation.seed, "lengths")),
      rng_agent_(engine::Rng::stream(s.simulation.seed, "agentic")),
      rng_think_(engine::Rng::stream(s.simulation.seed, "think")) {
  const auto& w = s.workload;
  arrival_ = make_arrival(w.arrival, ctx);
  input_ = make_distribution(w.input, ctx);
  output_ = make_distribution(w.output, ctx);
  agentic_ = w.agentic.enabled;
  if (agentic_) {
    calls_ = make_distribution(w.agentic.calls, ctx);
    tool_latency_ = make_distribution(w.agentic.tool_latency_s, ctx);
    tool_tokens_ = make_distribution(w.agentic.tool_output_tokens, ctx);
  }
  if (w.requests) max_jobs_ = *w.requests;
  if (w.duration_s) duration_s_ = *w.duration_s;
}

std::string WorkloadDriver::describe() const {
  std::string d = fmt::format("{}; input {}; output {}", arrival_->describe(), input_->describe(), output_->describe());
  if (agentic_)
    d += fmt::format("; agentic: calls {}, tool latency {} s, tool output {} tokens", calls_->describe(),
                     tool_latency_->describe(), tool_tokens_->describe());
  return d;
}

bool WorkloadDriver::may_start_job(double t) const {
  if (max_jobs_ >= 0 && std::int64_t(jobs_started_) >= max_jobs_) return false;
  if (duration_s_ >= 0 && t > duration_s_) return false;
  return true;
}

void WorkloadDriver::start() {
  if (arrival_->users() > 0) {
    users_active_ = arrival_->users();
    user_started_.assign(std::size_t(arrival_->users()), false);
    for (std::int64_t u = 0; u < arrival_->users(); ++u) {
      // Users start spread over one think time so that they do not arrive in lockstep.
      const double t0 = arrival_->think_time_s(rng_think_);
      sim_.schedule_at(engine::from_seconds(t0), this, USER_NEXT, std::uint64_t(u));
    }
    return;
  }
  schedule_next_arrival();
}

void WorkloadDriver::schedule_next_arrival() {
  open_more_ = false;
  auto a = arrival_->next(rng_arrival_);
  if (!a || !may_start_job(a->time_s)) return;
  next_ = *a;
  open_more_ = true;
  sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(a->time_s)), this, ARRIVAL);
}

std::uint32_t WorkloadDriver::alloc_job() {
  if (!free_jobs_.empty()) {
    const std::uint32_t j = free_jobs_.back();
    free_jobs_.pop_back();
    jobs_[j] = Job{};
    return j;
  }
  jobs_.emplace_back();
  return std::uint32_t(jobs_.size() - 1);
}

void WorkloadDriver::start_job(std::int64_t user, std::int64_t input, std::int64_t output) {
  ++jobs_started_;
  if (input < 0) input = sample_tokens(*input_, rng_lengths_);
  if (output < 0) output = sample_tokens(*output_, rng_lengths_);
  if (input < 1) input = 1;
  if (output < 1) output = 1;
  if (!agentic_ && user < 0) return submit(~0u, input, output);
  const std::uint32_t j = alloc_job();
  Job& job = jobs_[j];
  job.user = user;
  job.start_s = sim_.now_s();
  ++live_jobs_;
  if (agentic_) {
    job.task = true;
    job.calls = std::max<std::int64_t>(1, sample_tokens(*calls_, rng_agent_));
    job.session = next_session_++;
  }
  submit(j, input, output);
}

void WorkloadDriver::submit(std::uint32_t job, std::int64_t input, std::int64_t output) {
  RequestPool& pool = cluster_.requests();
  const RequestIndex r = pool.alloc();
  Request& q = pool[r];
  q.id = next_request_id_++;
  q.arrival_s = sim_.now_s();
  q.input = input;
  q.output = output;
  q.job = job;
  if (q.id < std::uint64_t(arrival_->warmup_requests())) q.warmup = true;  // the client's warm-up requests
  if (job != ~0u) {
    const Job& jb = jobs_[job];
    if (jb.user >= 0 && arrival_->stagger_steps() > 0 && std::size_t(jb.user) < user_started_.size() &&
        !user_started_[std::size_t(jb.user)]) {
      user_started_[std::size_t(jb.user)] = true;
      q.min_step = std::uint64_t(std::floor(double(jb.user) * arrival_->stagger_steps() / double(arrival_->users())));
      q.warmup = true;  // it waited for its phase: a warm-up request, not measured
    }
    if (jb.task) {
      q.session = jb.session;
      q.call = std::int32_t(jb.done_calls);
      q.last_call = jb.done_calls + 1 >= jb.calls;
    }
  }
  cluster_.arrive(r);
}

void WorkloadDriver::on_request_finished(const Request& q) {
  if (q.job == ~0u) return;
  Job& job = jobs_[q.job];
  ++job.done_calls;
  if (job.task && !q.rejected && job.done_calls < job.calls) {
    // The next call's prompt: everything so far plus the tool's output.
    job.context = q.input + q.output + sample_tokens(*tool_tokens_, rng_agent_, 0);
    const double wait = std::max(0.0, tool_latency_->sample(rng_agent_));
    sim_.schedule_after(engine::from_seconds(wait), this, TOOL_DONE, q.job);
    return;
  }
  // Job over.
  const double now = std::max(sim_.now_s(), q.done_s);
  if (job.task) {
    if (!q.rejected) metrics_.on_task_done(job.start_s, now);
    cluster_.end_session(job.session);
  }
  const std::int64_t user = job.user;
  free_jobs_.push_back(q.job);
  --live_jobs_;
  if (user >= 0) {
    const double think = arrival_->think_time_s(rng_think_);
    if (may_start_job(now + think))
      sim_.schedule_at(std::max(sim_.now(), engine::from_seconds(now + think)), this, USER_NEXT, std::uint64_t(user));
    else
      --users_active_;
  }
}

void WorkloadDriver::on_event(engine::Simulator&, const engine::Event& e) {
  switch (e.kind) {
    case ARRIVAL: {
      // Everything that arrives at this very nanosecond is submitted in this one event, so that an idle
      // replica sees the whole burst (an offline batch, equal trace timestamps) when it plans its step.
      const engine::SimTime now = sim_.now();
      for (;;) {
        const Arrival a = next_;
        start_job(-1, a.input, a.output);
        open_more_ = false;
        auto nx = arrival_->next(rng_arrival_);
        if (!nx || !may_start_job(nx->time_s)) break;
        next_ = *nx;
        open_more_ = true;
        if (engine::from_seconds(nx->time_s) > now) {
          sim_.schedule_at(engine::from_seconds(nx->time_s), this, ARRIVAL);
          break;
        }
      }
      break;
    }
    case USER_NEXT:
      if (!may_start_job(sim_.now_s())) {
        --users_active_;
        break;
      }
      start_job(std::int64_t(e.data), -1, -1);
      break;
    case TOOL_DONE: {
      Job& job = jobs_[e.data];
      submit(std::uint32_t(e.data), job.context, sample_tokens(*output_, rng_lengths_));
      break;
    }
    default: break;
  }
}

}  // namespace infersim::serving
