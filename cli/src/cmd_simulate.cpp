// `infersim simulate`, `infersim workloads`, `infersim components`: the serving simulator's front end.
#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/app/simulate.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/serving/arrival_registry.h"
#include "infersim/serving/autoscaler_registry.h"
#include "infersim/serving/distribution_registry.h"
#include "infersim/serving/router_registry.h"
#include "infersim/serving/scenario_json.h"
#include "infersim/serving/scheduler_registry.h"
#include "infersim/serving/serving_simulation.h"
#include "infersim/serving/sim_result_json.h"
#include "infersim/serving/workload_presets.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::format_seconds;
using common::Json;

namespace {

std::string q_row(const serving::Quantiles& q) {
  return fmt::format("{:>10} {:>10} {:>10} {:>10} {:>10} {:>10}", format_seconds(q.mean), format_seconds(q.p50),
                     format_seconds(q.p90), format_seconds(q.p99), format_seconds(q.p999), format_seconds(q.max));
}

std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }

void print_text(const serving::Scenario& s, const serving::SimResult& r) {
  fmt::print("scenario {}: {}{}\n", s.name, s.model, s.description.empty() ? "" : " — " + s.description);
  for (const auto& p : r.pools)
    fmt::print("  pool {} ({}): {} x {} {}, runtime {}, scheduler {}; KV {:.0f} tokens per replica; cold start {}\n",
               p.name, p.role, p.replicas_initial, p.hardware, p.layout, p.runtime, p.scheduler, p.kv_capacity_tokens,
               format_seconds(p.cold_start_s));
  fmt::print("workload: {}\n", r.workload_description);
  fmt::print("requests: {} completed, {} rejected, {} unfinished of {} arrived, over {} ({:.2f} req/s)\n", r.completed,
             r.rejected, r.unfinished, r.arrived, format_seconds(r.duration_s()), r.requests_per_s);
  fmt::print("{:<8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "", "mean", "p50", "p90", "p99", "p99.9", "max");
  fmt::print("{:<8} {}\n", "TTFT", q_row(r.ttft));
  fmt::print("{:<8} {}\n", "TPOT", q_row(r.tpot));
  fmt::print("{:<8} {}\n", "ITL", q_row(r.itl));
  fmt::print("{:<8} {}\n", "E2E", q_row(r.e2e));
  fmt::print("{:<8} {}\n", "queue", q_row(r.queue));
  if (r.tasks_completed > 0)
    fmt::print("{:<8} {}   ({} agentic tasks)\n", "task", q_row(r.task_e2e), r.tasks_completed);
  std::vector<std::string> slos;
  if (s.slo.ttft_s)
    slos.push_back(fmt::format("TTFT <= {} ({} met)", format_seconds(*s.slo.ttft_s), pct(r.ttft_attainment)));
  if (s.slo.tpot_s)
    slos.push_back(fmt::format("TPOT <= {} ({} met)", format_seconds(*s.slo.tpot_s), pct(r.tpot_attainment)));
  if (s.slo.e2e_s)
    slos.push_back(fmt::format("E2E <= {} ({} met)", format_seconds(*s.slo.e2e_s), pct(r.e2e_attainment)));
  fmt::print("throughput {:.1f} output tok/s ({:.1f} input tok/s); goodput {} of requests{}\n", r.throughput_tok_s,
             r.input_tok_s, pct(r.goodput), slos.empty() ? " (no request SLOs)" : " meet " + common::join(slos, ", "));
  if (s.slo.task_e2e_s) fmt::print("tasks: {} within {}\n", pct(r.task_attainment), format_seconds(*s.slo.task_e2e_s));
  if (!r.tail_slos.empty()) {
    std::vector<std::string> t;
    for (const auto& x : r.tail_slos)
      t.push_back(fmt::format("{} <= {}: {} {}", x.name, format_seconds(x.target_s), format_seconds(x.measured_s),
                              x.met ? "met" : "MISSED"));
    fmt::print("tail SLOs: {}\n", common::join(t, "; "));
  }
  fmt::print("batch: mean {:.1f} sequences per step (time-weighted {:.1f}), p99 {:.0f}; KV utilisation mean {}, p99 "
             "{}; "
             "preemptions {}\n",
             r.batch_size.mean, r.time_weighted_batch, r.batch_size.p99, pct(r.kv_utilization.mean),
             pct(r.kv_utilization.p99), r.preemptions);
  if (r.prefix_hit_tokens > 0)
    fmt::print("prefix cache: {} prompt tokens reused ({} of prompt tokens)\n", r.prefix_hit_tokens,
               pct(r.prefix_hit_fraction));
  if (r.kv_transfers > 0)
    fmt::print("KV transfers prefill -> decode: {} (mean {})\n", r.kv_transfers, format_seconds(r.kv_transfer_mean_s));
  fmt::print("cold starts {} ({} hydrating), warm-pool activations {}; {} requests waited for loading capacity",
             r.cold_starts, format_seconds(r.hydration_s), r.warm_starts, r.cold_wait_requests);
  if (r.cold_wait_requests > 0)
    fmt::print(" (their TTFT p50 {}, p99 {}, max {})", format_seconds(r.ttft_cold_wait.p50),
               format_seconds(r.ttft_cold_wait.p99), format_seconds(r.ttft_cold_wait.max));
  fmt::print("\n");
  fmt::print("energy {:.3g} J ({:.3f} J per output token, average {:.0f} W, {:.1f} W per replica{})\n", r.energy_j,
             r.joules_per_token, r.avg_power_w, r.avg_power_per_replica_w,
             s.slo.avg_power_w
                 ? fmt::format(", budget {:.1f} W {}", *s.slo.avg_power_w, r.power_budget_met ? "met" : "EXCEEDED")
                 : "");
  fmt::print("cost ${:.2f} (${:.2f}/hour) -> ${:.5f} per 1K output tokens; warm pool ${:.2f}\n", r.cost_usd,
             r.usd_per_hour, r.usd_per_1k_tokens, r.warm_pool_usd);
  Table t({"pool", "replicas", "peak", "replica-h", "util", "steps", "cold", "warm", "hydrating", "standby-h", "$",
           "$/chip-h"});
  for (const auto& p : r.pools)
    t.add({p.name, std::to_string(p.replicas_initial), std::to_string(p.replicas_peak),
           fmt::format("{:.2f}", p.replica_hours), pct(p.utilization), std::to_string(p.steps),
           std::to_string(p.cold_starts), std::to_string(p.warm_starts), format_seconds(p.hydration_s),
           fmt::format("{:.2f}", p.standby_hours), fmt::format("{:.2f}", p.cost_usd),
           fmt::format("{:.2f} ({})", p.usd_per_chip_hour, p.price_basis)});
  fmt::print("{}", t.render());
  for (const auto& p : r.pools) fmt::print("  {} cold start {}\n", p.name, p.cold_start_detail);
  fmt::print("latency quantiles from a streaming sketch with {} relative error; {} events\n",
             pct(r.sketch_relative_accuracy), r.events);
  for (const auto& n : r.notes) fmt::print("note: {}\n", n);
}

Json component_list_json(const std::vector<serving::ComponentInfo>& list) {
  Json a = Json::array();
  for (const auto& c : list) {
    Json params = Json::array();
    for (const auto& p : c.params)
      params.push_back({{"key", p.key},
                        {"type", serving::param_type_name(p.type)},
                        {"unit", p.unit},
                        {"default", p.default_json.empty() ? "required" : p.default_json},
                        {"description", p.description}});
    a.push_back({{"name", c.name}, {"description", c.description}, {"params", params}});
  }
  return a;
}

}  // namespace

int cmd_simulate(const ArgList& argv) {
  Args a(argv, {"set", "seed", "requests-csv", "trace"}, {"json", "format-doc", "resolve"});
  if (a.flag("format-doc")) {
    fmt::print("{}", serving::scenario_format_markdown());
    return 0;
  }
  if (a.positional().size() != 1)
    throw ConfigError("", "simulate", "needs exactly one SCENARIO.json (examples in examples/scenarios/)");
  std::optional<std::uint64_t> seed;
  if (auto sd = a.value("seed")) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(sd->c_str(), &end, 10);
    if (sd->empty() || *end != '\0')
      throw ConfigError("", "--seed", fmt::format("'{}' is not a non-negative integer", *sd));
    seed = v;
  }
  const auto scenario = serving::load_scenario(a.positional()[0], a.values("set"), seed);
  if (a.flag("resolve")) {
    fmt::print("{}\n", Json::parse(scenario.resolved_json).dump(2));
    return 0;
  }
  app::SimulateOptions opt;
  opt.request_samples = false;
  opt.requests_csv = a.value_or("requests-csv", "");
  opt.trace_file = a.value_or("trace", "");
  const auto result = app::simulate(scenario, opt).result;
  if (a.flag("json")) {
    fmt::print("{}\n", serving::sim_result_to_json(result).dump(2));
    return 0;
  }
  print_text(scenario, result);
  return 0;
}

int cmd_workloads(const ArgList& argv) {
  if (!argv.empty() && argv[0] == "compare") return workloads_compare(ArgList(argv.begin() + 1, argv.end()));
  Args a(argv, {}, {"json"});
  const auto& pos = a.positional();
  const std::string sub = pos.empty() ? "list" : pos[0];
  if (sub == "list") {
    Json arr = Json::array();
    Table t({"preset", "arrival", "input", "output", "SLOs", "description"});
    for (const auto& name : serving::workload_preset_names()) {
      const auto p = serving::load_workload_preset(name);
      arr.push_back({{"name", p.name}, {"description", p.description}, {"workload", p.workload}, {"slo", p.slo}});
      auto brief = [](const Json& c) {
        if (!c.is_object() || !c.contains("type")) return std::string("-");
        std::string s = c["type"].get<std::string>();
        for (const auto& [k, v] : c.items())
          if (k != "type") s += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
        return s;
      };
      std::vector<std::string> slos;
      for (const auto& [k, v] : p.slo.items()) slos.push_back(k + "=" + v.dump());
      std::string arrival = brief(p.workload.value("arrival", Json()));
      if (p.workload.contains("agentic")) arrival += " (agentic tasks)";
      t.add({p.name, arrival, brief(p.workload.value("input", Json())), brief(p.workload.value("output", Json())),
             common::join(slos, " "), p.description});
    }
    if (a.flag("json")) {
      fmt::print("{}\n", arr.dump(2));
      return 0;
    }
    fmt::print("{}", t.render());
    fmt::print("use in a scenario: \"workload\": {{\"preset\": \"chat\", ...overrides}}; files in {}\n",
               serving::workload_presets_dir());
    return 0;
  }
  if (sub == "show") {
    if (pos.size() != 2) throw ConfigError("", "workloads show", "needs a preset name");
    const auto p = serving::load_workload_preset(pos[1]);
    fmt::print("{}\n", common::load_json_file(p.file).dump(2));
    return 0;
  }
  throw ConfigError("", "workloads",
                    fmt::format("unknown subcommand '{}' (list, show NAME, compare){}", sub,
                                common::suggest_suffix(sub, {"list", "show", "compare"})));
}

int cmd_components(const ArgList& argv) {
  Args a(argv, {}, {"json"});
  const std::vector<std::pair<std::string, const std::vector<serving::ComponentInfo>*>> kinds = {
      {"schedulers", &serving::scheduler_types()},
      {"routers", &serving::router_types()},
      {"arrivals", &serving::arrival_types()},
      {"autoscalers", &serving::autoscaler_policies()},
      {"distributions", &serving::distribution_types()}};
  std::vector<std::string> names;
  for (const auto& k : kinds) names.push_back(k.first);
  std::vector<std::string> want;
  for (const auto& p : a.positional()) {
    if (p == "list") continue;
    if (std::find(names.begin(), names.end(), p) == names.end())
      throw ConfigError("", "components",
                        fmt::format("unknown kind '{}' ({}){}", p, common::join(names, ", "),
                                    common::suggest_suffix(p, names)));
    want.push_back(p);
  }
  if (want.empty()) want = names;
  if (a.flag("json")) {
    Json j = Json::object();
    for (const auto& k : kinds)
      if (std::find(want.begin(), want.end(), k.first) != want.end()) j[k.first] = component_list_json(*k.second);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  for (const auto& k : kinds) {
    if (std::find(want.begin(), want.end(), k.first) == want.end()) continue;
    fmt::print("{}:\n", k.first);
    for (const auto& c : *k.second) {
      std::vector<std::string> ps;
      for (const auto& p : c.params) ps.push_back(p.key + (p.default_json.empty() ? "" : "=" + p.default_json));
      fmt::print("  {:<20} {}{}\n", c.name, c.description, ps.empty() ? "" : " [" + common::join(ps, ", ") + "]");
    }
  }
  fmt::print("parameters with units: infersim simulate --format-doc (docs/scenario-format.md)\n");
  return 0;
}

}  // namespace infersim::cli
