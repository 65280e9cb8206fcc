#include "workers/sim_calls.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "infersim/app/simulate.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"
#include "infersim/serving/workload_presets.h"
#include "infersim/serving/workload_summary.h"
#include "workers/core_calls.h"

namespace infersim::gui {

using common::Json;

namespace {

// Lengths, load and SLOs a resolved scenario implies, as the GUI's workload fields: the same summary
// the CLI's `workloads compare` and sweep kind "plan" size with (serving::summarize_workload).
WorkloadInput workload_of(const serving::Scenario& s, const WorkloadInput& fallback) {
  WorkloadInput w = fallback;
  const auto sum = serving::summarize_workload(s);
  w.preset = sum.name;
  w.input_tokens = std::max(1.0, std::round(sum.input_tokens));
  w.output_tokens = std::max(1.0, std::round(sum.output_tokens));
  w.calls_per_task = sum.calls_per_task;
  // The load and SLOs the planner sizes this preset for (app::plan_request_for_workload): offline
  // batches without an arrival rate at 10 requests/s; SLOs as summarize_workload derives them.
  w.requests_per_s = sum.requests_per_s.value_or(10.0);
  if (sum.closed_loop_users) w.concurrency = std::min(w.concurrency, *sum.closed_loop_users);
  w.ttft_p99_s = sum.ttft_p99_s;
  w.tpot_p99_s = sum.tpot_p99_s;
  if (s.workload.requests)
    w.sim_requests = std::max<std::int64_t>(10, *s.workload.requests * std::int64_t(std::ceil(w.calls_per_task)));
  return w;
}

std::string minimal_scenario(const std::string& preset) {
  return Json{{"model", "llama-3.1-70b"},
              {"deployment", {{"hardware", "h100-sxm"}}},
              {"workload", {{"preset", preset}}}}
      .dump();
}

}  // namespace

std::vector<WorkloadType> simulator_workload_types() {
  std::vector<WorkloadType> out;
  try {
    for (const auto& name : serving::workload_preset_names()) {
      try {
        const auto p = serving::load_workload_preset(name);
        const auto s = serving::parse_scenario_text(minimal_scenario(name));
        WorkloadType t;
        t.name = name;
        t.description = p.description;
        t.source = "serving preset " + p.file;
        // The serving presets are the one table of workload types (CLI and GUI); the GUI adds only its
        // generic fields (analytic concurrency, simulated requests) from WorkloadInput's defaults.
        const WorkloadInput base;
        t.defaults = workload_of(s, base);
        t.defaults.sim_requests = base.sim_requests;
        out.push_back(t);
      } catch (const std::exception&) {
        // A preset the simulator cannot read is left out here; `infersim workloads list` shows the error.
      }
    }
  } catch (const std::exception&) {
  }
  return out;
}

ScenarioInput scenario_input_from_simulate_file(const std::string& path) {
  const auto s = serving::load_scenario(path);
  ScenarioInput in = default_scenario();
  in.model = s.model;
  in.hardware.clear();
  for (const auto& p : s.pools)
    if (std::find(in.hardware.begin(), in.hardware.end(), p.hardware) == in.hardware.end())
      in.hardware.push_back(p.hardware);
  if (!s.pools.empty()) in.precision = s.pools.front().precision;
  const auto types = workload_types();
  const auto* t = find_workload_type(types, s.workload.preset);
  in.workload = workload_of(s, t ? t->defaults : WorkloadInput{});
  return in;
}

std::string simulate_scenario_text(const ScenarioInput& s, const std::string& hardware) {
  // The discrete-event run checks the planner's layout for this hardware at the workload's load: the
  // same tp / pp / precision / replica count the "at load" columns show.
  const LoadRow load = plan_at_load(s, hardware, s.workload);
  if (!load.feasible) throw common::ConfigError("", "/deployment", "no feasible layout at this load: " + load.reason);
  const auto& c = load.best;
  const auto& w = s.workload;
  Json dep = {{"hardware", hardware},
              {"tp", c.tp},
              {"pp", c.pp},
              {"precision", c.precision},
              {"replicas", std::max(1, int(std::lround(c.replicas)))}};
  if (!c.runtime.empty()) dep["runtime"] = c.runtime;
  if (s.autoscale) {
    const int planned = std::max(1, int(std::lround(c.replicas)));
    dep["autoscaler"] = {{"type", "target_utilization"},
                         {"target", 0.6},
                         {"min_replicas", 1},
                         {"max_replicas", std::max(2, 2 * planned)},
                         {"interval_s", 5},
                         {"scale_down_idle_s", 60}};
    dep["hydration"] = {{"source", "object_store"}, {"cached_source", "local_nvme"}};
  }
  Json wl;
  const auto types = workload_types();
  const auto* t = find_workload_type(types, w.preset);
  const bool preset = t && t->source.rfind("serving preset", 0) == 0;
  if (preset) wl["preset"] = w.preset;
  // Lengths: the preset's distributions while the fields keep its means; edited values become fixed lengths.
  if (!preset || std::abs(w.input_tokens - t->defaults.input_tokens) > 0.5)
    wl["input"] = {{"type", "fixed"}, {"value", w.input_tokens}};
  if (!preset || std::abs(w.output_tokens - t->defaults.output_tokens) > 0.5)
    wl["output"] = {{"type", "fixed"}, {"value", w.output_tokens}};
  const bool agentic = w.calls_per_task > 1.0;
  if (agentic && (!preset || std::abs(w.calls_per_task - t->defaults.calls_per_task) > 1e-9))
    wl["agentic"] = {{"calls", {{"type", "fixed"}, {"value", std::round(w.calls_per_task)}}}};
  // Poisson arrivals at the load field (tasks per second for agentic work).
  wl["arrival"] = {{"type", "poisson"}, {"rate_per_s", w.requests_per_s / std::max(1.0, w.calls_per_task)}};
  wl["requests"] =
      std::max<std::int64_t>(1, std::int64_t(std::llround(double(w.sim_requests) / std::max(1.0, w.calls_per_task))));
  wl["duration_s"] = 1e6;
  Json j = {{"schema_version", 1},
            {"name", fmt::format("gui-{}-{}", w.preset, hardware)},
            {"description", "written by infersim-gui: the planner's layout for this hardware at the workload's load"},
            {"model", s.model},
            {"deployment", dep},
            {"workload", wl},
            {"slo", {{"ttft_s", w.ttft_p99_s}, {"tpot_s", w.tpot_p99_s}}},
            {"simulation", {{"seed", 1}, {"max_sim_s", 36000}, {"trace_max_events", 400000}}}};
  return j.dump(2);
}

SimRow simulate_hardware(const ScenarioInput& s, const std::string& hardware, Timeline* timeline) {
  SimRow r;
  r.hardware = hardware;
  if (timeline) timeline->hardware = hardware;
  try {
    r.scenario_json = simulate_scenario_text(s, hardware);
    const auto scenario = serving::parse_scenario_text(r.scenario_json);
    app::SimulateOptions opt;
    opt.request_samples = true;
    opt.timeline_bins = timeline ? 240 : 0;
    const auto out = app::simulate(scenario, opt);
    const auto& res = out.result;
    r.completed = res.completed;
    r.rejected = res.rejected;
    r.ttft_p50_s = res.ttft.p50;
    r.ttft_p99_s = res.ttft.p99;
    r.tpot_p50_s = res.tpot.p50;
    r.tpot_p99_s = res.tpot.p99;
    r.goodput = res.goodput;
    r.throughput_tok_s = res.throughput_tok_s;
    r.usd_per_1k_tokens = res.usd_per_1k_tokens;
    r.joules_per_token = res.joules_per_token;
    r.avg_power_w = res.avg_power_w;
    r.cold_starts = res.cold_starts;
    // Per-request values for the CDFs.
    for (const auto& q : out.requests) {
      if (q.rejected) continue;
      r.ttft_s.push_back(q.ttft_s);
      if (q.output > 1) r.tpot_s.push_back(q.tpot_s);
    }
    std::sort(r.ttft_s.begin(), r.ttft_s.end());
    std::sort(r.tpot_s.begin(), r.tpot_s.end());
    if (timeline && out.timeline) {
      const auto& b = *out.timeline;
      timeline->bin_s = b.bin_s;
      timeline->t_s = b.t_s;
      timeline->queue = b.queue;
      timeline->batch = b.batch;
      timeline->replicas = b.replicas;
      timeline->cold_start_s = b.cold_start_s;
    }
  } catch (const common::ConfigError& e) {
    r.error = e.reason().empty() ? e.what() : e.reason();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  if (timeline && !r.error.empty()) timeline->error = r.error;
  return r;
}

}  // namespace infersim::gui
