#include "infersim/app/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/json_util.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"

namespace infersim::app {

// The planner's candidate as a serving scenario: its hardware, layout, runtime and precision with
// `replicas` replicas, continuous batching capped at the concurrency the analytic sizing chose,
// least-work routing, Poisson arrivals at the target rate with the request's lengths, and the SLOs.
// Enough requests for a stable P99 (>= 2,000), the first 10% of the time left out as warm-up.
// With a preset, the preset's workload block (distributions, agentic tasks) replaces the fixed lengths;
// arrivals stay Poisson at the target load (tasks per second for agentic presets) so every preset is
// judged at the load the planner sized for.
planner::Verifier make_plan_verifier(const std::string& workload_preset) {
  return [workload_preset](const planner::PlanRequest& req, const planner::Candidate& c, int replicas) {
    const double rate = req.requests_per_s;
    const double requests = std::clamp(std::round(rate * 240.0), 2000.0, 20000.0);
    const double duration = requests / rate;
    common::Json workload = {{"requests", requests},
                             {"arrival", {{"type", "poisson"}, {"rate_per_s", rate}}},
                             {"input", {{"type", "fixed"}, {"value", req.input_tokens}}},
                             {"output", {{"type", "fixed"}, {"value", req.output_tokens}}}};
    if (!workload_preset.empty()) {
      const double tasks = std::max(1.0, std::round(requests / std::max(1.0, req.calls_per_task)));
      workload = {{"preset", workload_preset},
                  {"requests", tasks},
                  {"duration_s", 2.0 * duration + 60.0},  // the preset's own end time would cut the run short
                  {"arrival", {{"type", "poisson"}, {"rate_per_s", rate / std::max(1.0, req.calls_per_task)}}}};
    }
    common::Json s = {{"name", fmt::format("verify {} x{}", c.id, replicas)},
                      {"model", req.model},
                      {"deployment",
                       {{"hardware", c.hardware},
                        {"tp", c.tp},
                        {"pp", c.pp},
                        {"precision", c.precision},
                        {"kv_precision", c.kv_precision},
                        {"runtime", c.runtime},
                        {"replicas", replicas}}},
                      {"scheduler", {{"type", "continuous"}, {"max_num_seqs", std::max(1, int(c.batch))}}},
                      {"router", {{"type", "least_work"}}},
                      {"workload", workload},
                      {"slo", {{"ttft_s", req.slo.ttft_p99_s}, {"tpot_s", req.slo.tpot_p99_s}}},
                      {"simulation", {{"seed", 1}, {"warmup_s", 0.1 * duration}}}};
    if (!c.state_precision.empty()) s["deployment"]["state_precision"] = c.state_precision;
    const auto scenario = serving::parse_scenario(s, "planner verification", "");
    const auto r = serving::simulate(scenario);
    planner::VerifyOutcome o;
    o.ttft_p50_s = r.ttft.p50;
    o.ttft_p99_s = r.ttft.p99;
    o.tpot_p50_s = r.tpot.p50;
    o.tpot_p99_s = r.tpot.p99;
    o.goodput = r.goodput;
    const bool drained = r.unfinished <= std::uint64_t(0.01 * double(r.arrived));
    o.meets = drained && o.ttft_p99_s <= req.slo.ttft_p99_s && o.tpot_p99_s <= req.slo.tpot_p99_s &&
              o.goodput >= req.slo.goodput;
    o.detail = fmt::format("{} replicas: TTFT P99 {:.3f} s, TPOT P99 {:.4f} s, goodput {:.3f}{}", replicas,
                           o.ttft_p99_s, o.tpot_p99_s, o.goodput, drained ? "" : ", queue not drained (overloaded)");
    return o;
  };
}

}  // namespace infersim::app
