#include "workers/sim_calls.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/planner/pricing_json.h"
#include "workers/core_calls.h"

#ifdef INFERSIM_GUI_HAVE_SERVING
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/serving_simulation.h"
#include "infersim/serving/workload_presets.h"
#include "infersim/serving/workload_summary.h"
#endif

namespace infersim::gui {

#ifndef INFERSIM_GUI_HAVE_SERVING

bool simulator_available() { return false; }
std::vector<WorkloadType> simulator_workload_types() { return {}; }
ScenarioInput scenario_input_from_simulate_file(const std::string& path) {
  throw common::ConfigError(path, "", "not a GUI scenario, and this build has no serving simulator to read `infersim simulate` scenarios");
}
std::string simulate_scenario_text(const ScenarioInput&, const std::string&) { return {}; }
SimRow simulate_hardware(const ScenarioInput&, const std::string& hardware, Timeline* timeline, const std::string&) {
  SimRow r;
  r.hardware = hardware;
  r.error = "the serving simulator is not built into this infersim";
  if (timeline) {
    timeline->hardware = hardware;
    timeline->error = r.error;
  }
  return r;
}

#else

using common::Json;

bool simulator_available() { return true; }

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
  if (sum.requests_per_s) w.requests_per_s = *sum.requests_per_s;
  if (sum.closed_loop_users) w.concurrency = std::min(w.concurrency, *sum.closed_loop_users);
  if (s.slo.ttft_s || s.slo.tpot_s || s.slo.e2e_s) {
    w.ttft_p99_s = sum.ttft_p99_s;
    w.tpot_p99_s = sum.tpot_p99_s;
  }
  if (s.workload.requests) w.sim_requests = std::max<std::int64_t>(10, *s.workload.requests * std::int64_t(std::ceil(w.calls_per_task)));
  return w;
}

std::string minimal_scenario(const std::string& preset) {
  return Json{{"model", "llama-3.1-70b"}, {"deployment", {{"hardware", "h100-sxm"}}}, {"workload", {{"preset", preset}}}}.dump();
}

}  // namespace

std::vector<WorkloadType> simulator_workload_types() {
  std::vector<WorkloadType> out;
  const auto builtin = builtin_workload_types();
  try {
    for (const auto& name : serving::workload_preset_names()) {
      try {
        const auto p = serving::load_workload_preset(name);
        const auto s = serving::parse_scenario_text(minimal_scenario(name));
        WorkloadType t;
        t.name = name;
        t.description = p.description;
        t.source = "serving preset " + p.file;
        const auto* b = find_workload_type(builtin, name);
        WorkloadInput base = b ? b->defaults : WorkloadInput{};
        // Presets without a rate (closed-loop users, offline batches) keep the GUI's default load;
        // presets without latency SLOs keep relaxed ones.
        if (!b) {
          base.ttft_p99_s = 10.0;
          base.tpot_p99_s = 0.2;
        }
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
    if (std::find(in.hardware.begin(), in.hardware.end(), p.hardware) == in.hardware.end()) in.hardware.push_back(p.hardware);
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
  Json dep = {{"hardware", hardware}, {"tp", c.tp}, {"pp", c.pp}, {"precision", c.precision},
              {"replicas", std::max(1, int(std::lround(c.replicas)))}};
  if (!c.runtime.empty()) dep["runtime"] = c.runtime;
  if (s.autoscale) {
    const int planned = std::max(1, int(std::lround(c.replicas)));
    dep["autoscaler"] = {{"type", "target_utilization"}, {"target", 0.6},      {"min_replicas", 1},
                         {"max_replicas", std::max(2, 2 * planned)},           {"interval_s", 5},
                         {"scale_down_idle_s", 60}};
    dep["hydration"] = {{"source", "object_store"}, {"cached_source", "local_nvme"}};
  }
  Json wl;
  const auto types = workload_types();
  const auto* t = find_workload_type(types, w.preset);
  const bool preset = t && t->source.rfind("serving preset", 0) == 0;
  if (preset) wl["preset"] = w.preset;
  // Lengths: the preset's distributions while the fields keep its means; edited values become fixed lengths.
  if (!preset || std::abs(w.input_tokens - t->defaults.input_tokens) > 0.5) wl["input"] = {{"type", "fixed"}, {"value", w.input_tokens}};
  if (!preset || std::abs(w.output_tokens - t->defaults.output_tokens) > 0.5) wl["output"] = {{"type", "fixed"}, {"value", w.output_tokens}};
  const bool agentic = w.calls_per_task > 1.0;
  if (agentic && (!preset || std::abs(w.calls_per_task - t->defaults.calls_per_task) > 1e-9))
    wl["agentic"] = {{"calls", {{"type", "fixed"}, {"value", std::round(w.calls_per_task)}}}};
  // Poisson arrivals at the load field (tasks per second for agentic work).
  wl["arrival"] = {{"type", "poisson"}, {"rate_per_s", w.requests_per_s / std::max(1.0, w.calls_per_task)}};
  wl["requests"] = std::max<std::int64_t>(1, std::int64_t(std::llround(double(w.sim_requests) / std::max(1.0, w.calls_per_task))));
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

namespace {

std::vector<std::string> split_csv_line(const std::string& line) { return common::split(line, ','); }

// Samples the cluster state on a regular grid from the trace (steps, cold starts) and the
// per-request CSV (queueing intervals).
void build_timeline(Timeline& tl, const std::string& trace_path, const std::vector<std::pair<double, double>>& queued,
                    double end_s) {
  const int BINS = 240;
  tl.bin_s = std::max(1e-3, end_s / BINS);
  const int n = int(std::ceil(end_s / tl.bin_s)) + 1;
  tl.t_s.resize(std::size_t(n));
  tl.queue.assign(std::size_t(n), 0.0);
  tl.batch.assign(std::size_t(n), 0.0);
  tl.replicas.assign(std::size_t(n), 0.0);
  for (int i = 0; i < n; ++i) tl.t_s[std::size_t(i)] = i * tl.bin_s;
  auto spread = [&](double a, double b, double weight, std::vector<double>& into) {
    // Time-weighted average over each bin of a quantity `weight` present on [a, b).
    if (!(b > a)) return;
    int i0 = std::max(0, int(a / tl.bin_s)), i1 = std::min(n - 1, int(b / tl.bin_s));
    for (int i = i0; i <= i1; ++i) {
      const double lo = std::max(a, i * tl.bin_s), hi = std::min(b, (i + 1) * tl.bin_s);
      if (hi > lo) into[std::size_t(i)] += weight * (hi - lo) / tl.bin_s;
    }
  };
  for (const auto& [a, b] : queued) spread(a, b, 1.0, tl.queue);
  const Json trace = common::load_json_file(trace_path);
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> active;  // replica -> busy/loading spans
  for (const auto& e : trace.at("traceEvents")) {
    if (e.value("ph", "") != "X") continue;
    const std::string name = e.value("name", "");
    const double t0 = e.value("ts", 0.0) / 1e6, dur = e.value("dur", 0.0) / 1e6;
    const auto key = std::make_pair(e.value("pid", 0), e.value("tid", 0));
    if (dur > 0) active[key].push_back({t0, t0 + dur});
    if (name == "hydrating") {
      if (dur > 0) tl.cold_start_s.push_back(t0);  // ready-at-start replicas log a zero-length load
    } else {
      const auto& args = e.contains("args") ? e.at("args") : Json::object();
      spread(t0, t0 + dur, args.value("seqs", 0.0), tl.batch);
    }
  }
  for (const auto& [key, spans] : active) {
    std::vector<char> seen(std::size_t(n), 0);
    for (const auto& [a, b] : spans) {
      const int i0 = std::max(0, int(a / tl.bin_s)), i1 = std::min(n - 1, int(b / tl.bin_s));
      for (int i = i0; i <= i1; ++i) seen[std::size_t(i)] = 1;
    }
    for (int i = 0; i < n; ++i) tl.replicas[std::size_t(i)] += seen[std::size_t(i)];
  }
  std::sort(tl.cold_start_s.begin(), tl.cold_start_s.end());
}

}  // namespace

SimRow simulate_hardware(const ScenarioInput& s, const std::string& hardware, Timeline* timeline,
                         const std::string& scratch_dir) {
  SimRow r;
  r.hardware = hardware;
  if (timeline) timeline->hardware = hardware;
  namespace fs = std::filesystem;
  std::string csv, trace;
  try {
    r.scenario_json = simulate_scenario_text(s, hardware);
    const auto scenario = serving::parse_scenario_text(r.scenario_json);
    fs::create_directories(scratch_dir);
    std::string stem = hardware;
    for (char& ch : stem)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    csv = (fs::path(scratch_dir) / (stem + "-requests.csv")).string();
    trace = timeline ? (fs::path(scratch_dir) / (stem + "-trace.json")).string() : std::string();
    serving::SimOptions opt;
    opt.requests_csv = csv;
    opt.trace_file = trace;
    const auto res = serving::simulate(scenario, opt);
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
    // Per-request values for the CDFs (and queueing spans for the timeline).
    std::ifstream in(csv);
    std::string line;
    std::getline(in, line);
    const auto head = split_csv_line(line);
    auto col = [&](const char* name) {
      const auto it = std::find(head.begin(), head.end(), name);
      return it == head.end() ? -1 : int(it - head.begin());
    };
    const int c_arr = col("arrival_s"), c_status = col("status"), c_queue = col("queue_s"), c_ttft = col("ttft_s"),
              c_tpot = col("tpot_s"), c_out = col("output_tokens");
    std::vector<std::pair<double, double>> queued;
    double end_s = 0;
    while (std::getline(in, line)) {
      const auto f = split_csv_line(line);
      if (int(f.size()) != int(head.size()) || f[std::size_t(c_status)] != "done") continue;
      const double arr = std::stod(f[std::size_t(c_arr)]);
      const double ttft = std::stod(f[std::size_t(c_ttft)]);
      r.ttft_s.push_back(ttft);
      if (std::stod(f[std::size_t(c_out)]) > 1) r.tpot_s.push_back(std::stod(f[std::size_t(c_tpot)]));
      queued.push_back({arr, arr + std::stod(f[std::size_t(c_queue)])});
      end_s = std::max(end_s, arr + ttft);
    }
    std::sort(r.ttft_s.begin(), r.ttft_s.end());
    std::sort(r.tpot_s.begin(), r.tpot_s.end());
    if (timeline) build_timeline(*timeline, trace, queued, std::max(end_s, res.end_s));
  } catch (const common::ConfigError& e) {
    r.error = e.reason().empty() ? e.what() : e.reason();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  if (timeline && !r.error.empty()) timeline->error = r.error;
  std::error_code ec;
  if (!csv.empty()) fs::remove(csv, ec);
  if (!trace.empty()) fs::remove(trace, ec);
  return r;
}

#endif

}  // namespace infersim::gui
