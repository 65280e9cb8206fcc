#include "infersim/serving/benchmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"
#include "infersim/serving/step_recorder.h"

namespace infersim::serving {

namespace {

// Running sums of step costs; each request's milestones add a snapshot of the running sum, so a
// metric's mean cost is a difference of two snapshot sums (O(1) memory per milestone).
class CostSums final : public StepRecorder {
 public:
  void on_arrival(const Request& q, double in_flight) override {
    if (q.warmup) return;
    arrivals_ += running_;
    for (std::size_t j = 0; j < G; ++j) arrivals_x_[j] += running_x_[j];
    frontend_requests_ += 1;
    frontend_streams_ += in_flight;
  }
  void on_step(const perf::StepCost& c, double) override {
    running_ += c;
    if (c.eager_layers > 0)
      for (std::size_t j = 0; j < G; ++j) running_x_[j] += perf::eager_floor_extra_s(c, EAGER_LAYER_GRID_S[j]);
  }
  void on_first_token(const Request& q) override {
    if (q.warmup) return;
    firsts_ += running_;
    firsts_per_token_ += running_.scaled(1.0 / tpot_tokens(q));
    frontend_tokens_ += double(q.input);
    for (std::size_t j = 0; j < G; ++j) {
      firsts_x_[j] += running_x_[j];
      firsts_per_token_x_[j] += running_x_[j] / tpot_tokens(q);
    }
  }
  void on_done(const Request& q) override {
    if (q.warmup) return;
    dones_per_token_ += running_.scaled(1.0 / tpot_tokens(q));
    for (std::size_t j = 0; j < G; ++j) dones_per_token_x_[j] += running_x_[j] / tpot_tokens(q);
    ++done_;
  }
  // The eager prompt steps' extra at each grid host time, as mean_ttft / mean_tpot sum the costs.
  std::vector<double> mean_ttft_eager(double n) const {
    std::vector<double> v(G);
    for (std::size_t j = 0; j < G; ++j) v[j] = (firsts_x_[j] - arrivals_x_[j]) / n;
    return v;
  }
  std::vector<double> mean_tpot_eager(double n) const {
    std::vector<double> v(G);
    for (std::size_t j = 0; j < G; ++j) v[j] = (dones_per_token_x_[j] - firsts_per_token_x_[j]) / n;
    return v;
  }
  // TTFT: first - arrival per request, plus the frontend terms; TPOT: (done - first) / (output - 1).
  perf::StepCost mean_ttft(double n) const {
    perf::StepCost c = firsts_;
    c += arrivals_.scaled(-1.0);
    c = c.scaled(1.0 / n);
    c.frontend_requests = frontend_requests_ / n;
    c.frontend_tokens = frontend_tokens_ / n;
    c.frontend_streams = frontend_streams_ / n;
    return c;
  }
  // TPOT: each request's (done - first) / (its output - 1), averaged over the requests (as a client does).
  perf::StepCost mean_tpot(double n) const {
    perf::StepCost c = dones_per_token_;
    c += firsts_per_token_.scaled(-1.0);
    return c.scaled(1.0 / n);
  }
  std::uint64_t done() const { return done_; }

 private:
  static double tpot_tokens(const Request& q) { return std::max(1.0, double(q.output) - 1.0); }
  perf::StepCost running_ = perf::StepCost::zero(), arrivals_ = perf::StepCost::zero(),
                 firsts_ = perf::StepCost::zero(), firsts_per_token_ = perf::StepCost::zero(),
                 dones_per_token_ = perf::StepCost::zero();
  double frontend_requests_ = 0, frontend_tokens_ = 0, frontend_streams_ = 0;
  std::uint64_t done_ = 0;
  static constexpr std::size_t G = EAGER_LAYER_GRID_S.size();
  std::array<double, G> running_x_{}, arrivals_x_{}, firsts_x_{}, firsts_per_token_x_{}, dones_per_token_x_{};
};

std::string scheduler_type(const hwprofiles::SchedulerDefaults& s) {
  return s.policy == "prefill_first" ? "continuous" : "chunked";
}

}  // namespace

hwprofiles::SchedulerDefaults benchmark_scheduler(const perf::Deployment& d, const BenchmarkSpec& spec) {
  hwprofiles::SchedulerDefaults s = d.scheduler;
  s.decode_budget_tokens = perf::decode_budget_tokens(d);
  if (spec.max_num_tokens) s.max_num_tokens = *spec.max_num_tokens;
  if (spec.max_batch) s.max_batch = *spec.max_batch;
  if (spec.chunked_prefill) s.chunked_prefill = *spec.chunked_prefill;
  if (spec.eager_prompt_steps) s.eager_prompt_steps = *spec.eager_prompt_steps;
  if (spec.policy) {
    if (*spec.policy != "mixed" && *spec.policy != "prefill_first")
      throw common::ConfigError("", "policy",
                                fmt::format("'{}' is not a scheduling policy (mixed, prefill_first)", *spec.policy));
    s.policy = *spec.policy;
  }
  return s;
}

BenchmarkResult simulate_benchmark(const model::ModelSpec& m, const perf::Deployment& d, const BenchmarkSpec& spec) {
  if (spec.concurrency < 1) throw common::ConfigError("", "--batch", "concurrency must be >= 1");
  if (!(spec.input >= 1) || !(spec.output >= 1))
    throw common::ConfigError("", "--input/--output", "lengths must be >= 1");
  if (spec.rounds < 1) throw common::ConfigError("", "rounds", "must be >= 1");
  if (!(spec.length_range_ratio > 0 && spec.length_range_ratio <= 1))
    throw common::ConfigError("", "length_range_ratio", "must be in (0, 1]");
  // Mean lengths for the analytic parts (equal to the lengths when they are fixed).
  const double in_mean = spec.mean_input(), out_mean = spec.mean_output();
  const auto sc = benchmark_scheduler(d, spec);
  // Attention-DP balancing holds each new prompt until every rank has one: its expected wait
  // (perf::adp_balance_delay_steps, the same the analytic estimate uses) joins the join delay.
  const int adp_wait = perf::adp_balance_delay_steps(m, d, sc, spec.concurrency, in_mean, out_mean);
  // Batch waiting (TensorRT-LLM batch_wait_*) is simulated by the chunked scheduler itself (not under
  // attention DP, where TensorRT-LLM does not batch-wait); the analytic estimate uses its expected wait
  // (perf::batch_wait_delay_steps).
  const bool batch_waits = perf::batch_waits(m, d, sc) && scheduler_type(sc) == "chunked";
  // SGLang's receive interval: the scheduler takes new requests in every few decode iterations
  // (perf::recv_interval_delay_steps, the same the analytic estimate uses).
  const int recv_wait = perf::recv_interval_delay_steps(sc);
  const int join_delay = sc.join_delay_steps + adp_wait + recv_wait;
  common::Json sched = {{"type", scheduler_type(sc)},
                        {"max_num_seqs", std::max(sc.max_batch, 1)},
                        {"max_num_batched_tokens", std::max(sc.max_num_tokens, 1)},
                        {"join_delay_steps", join_delay},
                        {"reserve_output", sc.reserve_output},
                        {"prefix_caching", false}};
  if (scheduler_type(sc) == "chunked") {
    sched["chunk_prompts"] = sc.chunked_prefill;
    sched["decode_budget_tokens"] = sc.decode_budget_tokens;
  }
  if (batch_waits) {
    sched["batch_wait_timeout_iters"] = sc.batch_wait_timeout_iters;
    sched["batch_wait_max_tokens_ratio"] = sc.batch_wait_max_tokens_ratio;
  }
  // Under mixed steps a benchmark's users are out of phase by the time it measures (its warm-up requests
  // and timing noise spread them): the first requests are spread over one request's length in engine
  // steps. Under prefill-first steps they all start at once and stay in lockstep, and the client's
  // warm-up rounds are simulated and left out (BenchmarkSpec::stagger).
  const bool staggered = spec.stagger.value_or(sc.policy != "prefill_first");
  // (Under multi-token prediction a request's decode spans output / E steps.)
  const double decode_steps = d.mtp ? std::ceil(out_mean / d.mtp->expected_tokens()) : out_mean;
  const double stagger = staggered ? decode_steps + join_delay + std::ceil(in_mean / std::max(1, sc.max_num_tokens))
                                   : 0.0;
  // Fixed lengths, or InferenceX-style uniform ones (BenchmarkSpec::length_range_ratio).
  const auto lengths = [&](double l) -> common::Json {
    if (spec.length_range_ratio >= 1) return {{"type", "fixed"}, {"value", l}};
    return {{"type", "uniform"}, {"low", std::floor(l * spec.length_range_ratio)}, {"high", l}};
  };
  common::Json j = {
      {"name", "benchmark"},
      {"model", m.name},
      {"deployment", {{"hardware", d.hardware.name}, {"tp", d.tp}, {"pp", d.pp}, {"replicas", 1}}},
      {"scheduler", sched},
      {"workload",
       {{"arrival",
         {{"type", "closed_loop"},
          {"users", spec.concurrency},
          {"think_time_s", 0},
          {"think_distribution", "fixed"},
          {"stagger_steps", stagger},
          {"warmup_requests", std::int64_t(staggered ? 0 : spec.warmup_rounds) * spec.concurrency}}},
        {"input", lengths(spec.input)},
        {"output", lengths(spec.output)},
        {"requests", std::int64_t(spec.rounds + (staggered ? 1 : spec.warmup_rounds)) * spec.concurrency}}},
  };
  Scenario s = parse_scenario(j, "", "");
  s.model = m.name;
  s.pools.front().resolved_deployment = std::make_shared<const perf::Deployment>(d);
  CostSums sums;
  SimOptions opt;
  opt.recorder = &sums;
  const SimResult r = simulate(s, opt);
  if (r.completed == 0)
    throw common::ConfigError("", "benchmark", "no request completed (the prompt does not fit the KV cache)");
  BenchmarkResult b;
  b.ttft_s = r.ttft.mean;
  b.tpot_s = r.tpot.mean;
  b.e2e_s = r.e2e.mean;
  b.ttft_p99_s = r.ttft.p99;
  b.tpot_p99_s = r.tpot.p99;
  b.throughput_tok_s = r.throughput_tok_s;
  b.mean_running = r.time_weighted_batch;
  b.kv_capacity_tokens = r.pools.empty() ? 0.0 : r.pools.front().kv_capacity_tokens;
  b.max_running = r.pools.empty() ? 0 : r.pools.front().max_num_seqs;
  b.steps = r.pools.empty() ? 0 : r.pools.front().steps;
  b.requests = r.completed;
  b.preemptions = r.preemptions;
  // Prefill-first steps run whole prompts (the continuous scheduler); a wave in lockstep is noted.
  b.scheduler = fmt::format(
      "{} steps, token budget {}, max batch {}, {}{}{}{}{}{}", sc.policy, sc.max_num_tokens, sc.max_batch,
      sc.chunked_prefill && scheduler_type(sc) == "chunked" ? "chunked prompts" : "whole prompts",
      sc.join_delay_steps > 0 ? fmt::format(", new requests join {} step late", sc.join_delay_steps) : "",
      adp_wait > 0
          ? fmt::format(", attention-DP balancing holds each new prompt {} steps (until all {} ranks have one, "
                        "timeout {} iterations)",
                        adp_wait, d.attention_dp, sc.adp_timeout_iters)
          : "",
      batch_waits ? fmt::format(", batch waiting (new prompts held until they reach {:g} of the budget, at most {} "
                                "steps)",
                                sc.batch_wait_max_tokens_ratio, sc.batch_wait_timeout_iters)
                  : "",
      recv_wait > 0 ? fmt::format(", new requests taken in every {} decode iterations (each waits {} on average)",
                                  sc.recv_interval_iters, recv_wait)
                    : "",
      staggered ? "" : fmt::format(", users in lockstep waves ({} warm-up rounds left out)", spec.warmup_rounds));
  const double n = double(sums.done());
  b.mean_ttft_cost = sums.mean_ttft(n);
  b.mean_tpot_cost = sums.mean_tpot(n);
  b.ttft_eager_grid_s = sums.mean_ttft_eager(n);
  b.tpot_eager_grid_s = sums.mean_tpot_eager(n);
  b.lockstep = !staggered;
  // Random arrivals queue behind each other's prefills, which the simulation's evenly staggered users
  // do not see. Users in lockstep queue in the simulation itself.
  const perf::StepEstimator est(m, d);
  b.prefill_one_cost = est.cost(model::BatchShape::prefill(1, in_mean));
  // Every request's own prompt alone (the frontend's prefill-share term; the simulation added it).
  b.mean_ttft_cost.frontend_prefill_s = b.prefill_one_cost.time(est.params());
  if (staggered) {
    // The other users running at once, counted as the analytic estimate counts them.
    // (A hybrid model's recurrent states may hold the batch below the scheduler's max batch.)
    auto held = sc;
    if (b.max_running > 0) held.max_batch = int(std::min<std::int64_t>(held.max_batch, b.max_running));
    b.queue_others = perf::running_at_once(spec.concurrency, held, b.kv_capacity_tokens, in_mean, out_mean) - 1.0;
    b.mean_ttft_cost.queue_s = benchmark_queue_s(b.prefill_one_cost, b.queue_others, est.params());
    const double q = est.params().ttft_queue_factor * b.mean_ttft_cost.queue_s;
    b.ttft_s += q;
    b.e2e_s += q;
  }
  return b;
}

double benchmark_queue_s(const perf::StepCost& prefill_one, double others, const hwprofiles::CalibrationParams& p) {
  return std::max(0.0, others) * prefill_one.time(p);
}

}  // namespace infersim::serving
