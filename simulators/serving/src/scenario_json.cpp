#include "infersim/serving/scenario_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/serving/arrival_registry.h"
#include "infersim/serving/autoscaler_registry.h"
#include "infersim/serving/distribution_registry.h"
#include "infersim/serving/hydration.h"
#include "infersim/serving/param_json.h"
#include "infersim/serving/router_registry.h"
#include "infersim/serving/scheduler_registry.h"
#include "infersim/serving/workload_presets.h"

namespace infersim::serving {

using common::ConfigError;
using common::Json;
using common::JsonReader;
using PT = ParamType;

namespace {

// ------------------------------------------------------------------ declarations

const std::vector<ParamSpec>& top_params() {
  static const std::vector<ParamSpec> p = {
      {"schema_version", PT::integer, "", "1", "scenario format version", 1, 1},
      {"name", PT::string, "", "null", "scenario name (default: the file name)"},
      {"description", PT::string, "", "\"\"", "free text"},
      {"model", PT::string, "", "", "model: catalog name (infersim models list) or a model-card / HF config.json path"},
  };
  return p;
}

const std::vector<ParamSpec>& pool_params() {
  static const std::vector<ParamSpec> p = {
      {"name", PT::string, "", "\"main\"", "pool name (in results and traces)"},
      {"role",
       PT::string,
       "",
       "\"mixed\"",
       "mixed (prefill and decode), or prefill / decode for a disaggregated cluster",
       -1e300,
       1e300,
       {"mixed", "prefill", "decode"}},
      {"hardware", PT::string, "", "", "hardware: catalog name (infersim hardware list) or a profile path"},
      {"chips", PT::integer, "chips", "null", "chips per replica (tp x pp); omit tp/pp/chips to auto-size", 1, 1e6},
      {"tp", PT::integer, "chips", "null", "tensor-parallel degree", 1, 1e6},
      {"pp", PT::integer, "stages", "null", "pipeline-parallel degree", 1, 1e6},
      {"ep", PT::integer, "", "1", "expert-parallel degree (MoE)", 1, 1e6},
      {"precision", PT::string, "", "null",
       "weight precision: bf16 (fp16 where unsupported), fp16, fp8, int8, int4, fp4"},
      {"kv_precision", PT::string, "", "null", "KV-cache precision (default: the runtime's)"},
      {"state_precision", PT::string, "", "null",
       "recurrent-state precision of a hybrid linear-attention model: fp32 (default), bf16 or fp16 (SGLang "
       "--mamba-ssm-dtype)"},
      {"runtime", PT::string, "", "null", "serving runtime (default: the hardware's default runtime)"},
      {"memory_reserve_fraction", PT::number, "", "0.1", "memory kept back by the runtime (allocator, context)", 0,
       0.9},
      {"power_cap_w", PT::number, "W", "0",
       "per-chip power cap; steps needing more are slowed in proportion (0 = none)", 0, 1e6},
      {"step_jitter",
       PT::string,
       "",
       "\"none\"",
       "step-time jitter: none (exact step times), auto (by chip: [EST] CV 0.05 for GPUs, CPUs and NPUs with launched "
       "kernels and collectives, 0.02 for TPUs and other compiled ASICs, 0 for statically scheduled dataflow chips), "
       "cv "
       "(step_jitter_cv); lognormal, mean 1, seeded per replica",
       -1e300,
       1e300,
       {"none", "auto", "cv"}},
      {"step_jitter_cv", PT::number, "", "0", "coefficient of variation of the step-time factor (step_jitter: cv)", 0,
       5},
      {"replicas", PT::integer, "replicas", "1", "replicas at start (with an autoscaler: clamped to its min/max)", 0,
       1e5},
      {"initial_state",
       PT::string,
       "",
       "\"ready\"",
       "ready: initial replicas serve at time 0; cold: they hydrate first",
       -1e300,
       1e300,
       {"ready", "cold"}},
  };
  return p;
}

const std::vector<ParamSpec>& hydration_params() {
  static const std::vector<ParamSpec> p = {
      {"source", PT::string, "", "\"object_store\"", "storage tier a replica's first cold start loads from"},
      {"cached_source", PT::string, "", "null",
       "tier of later cold starts in the pool (node-local cache, e.g. local_nvme)"},
      {"peer_load", PT::boolean, "", "false",
       "load from a ready replica over the fabric (tier peer_device) when one exists"},
      {"provision_s", PT::number, "s", "0",
       "node / VM provisioning before anything else (0: the node is up; [3P] new cloud GPU nodes 80-120 s, "
       "tensorfuse.io 2025-08)",
       0, 1e6},
      {"image_cached", PT::boolean, "", "true", "the node already has the engine's container image"},
      {"image_pull_gb_s", PT::number, "GB/s", "0.04",
       "container pull + extract when the image is not cached ([3P] 10 GB in 4-5 min on a fresh node, Union.ai blog; "
       "20 GB pull 5-6 min + extract 3-4 min, BentoML 2025-04)",
       1e-6, 1e4},
      {"compile_cache", PT::boolean, "", "true",
       "the engine's compile cache is present (the runtime's compile_cached_s, else compile_s)"},
      {"restore", PT::string, "", "\"none\"",
       "none | snapshot: restore an initialised engine (the runtime's snapshot_restore_s replaces engine init, "
       "compile, graph capture and warm-up)"},
      {"streaming", PT::boolean, "", "false",
       "[EST] what-if: weights stream layer by layer (ServerlessLLM-style): compile, graph capture and warm-up "
       "overlap the transfer, the replica takes requests once its first layer is in, and no step ends before the "
       "layers it needs have arrived (no shipped runtime profile does this today)"},
      {"loader_gb_s", PT::number, "GB/s", "null", "checkpoint loader cap per replica (default: the runtime's)", 1e-6,
       1e6},
      {"runtime_init_s", PT::number, "s", "null",
       "one init after loading in place of the runtime's engine phases (default: the runtime profile's cold_start "
       "phases)",
       0, 1e6},
      {"warm_source", PT::string, "", "\"host_ram\"", "tier a warm-pool standby activates from"},
      {"warm_init_s", PT::number, "s", "0", "init left when a standby activates (its runtime is already up)", 0, 1e6},
      {"warm_cost_fraction", PT::number, "", "1.0", "standby price as a share of the chip price", 0, 10},
  };
  return p;
}

const std::vector<ParamSpec>& tier_params() {
  static const std::vector<ParamSpec> p = {
      {"bandwidth_gb_s", PT::number, "GB/s", "(shipped tier value)",
       "effective read bandwidth for one replica's load (1 GB = 1e9 bytes; peer_device 0 = fabric bandwidth x chips)",
       0, 1e6},
      {"latency_s", PT::number, "s", "(shipped tier value)", "first-byte latency / setup", 0, 1e6},
      {"shared", PT::boolean, "", "(shipped tier value)",
       "one pipe for every replica loading at once (object_store and network_fs are shared)"},
  };
  return p;
}

const std::vector<ParamSpec>& kv_transfer_params() {
  static const std::vector<ParamSpec> p = {
      {"bandwidth_gb_s", PT::number, "GB/s", "null",
       "prefill -> decode KV link per transfer (default: the slower pool's scale-out bandwidth x chips)", 1e-6, 1e6},
      {"latency_s", PT::number, "s", "1e-05", "per transfer", 0, 1e3},
  };
  return p;
}

const std::vector<ParamSpec>& workload_params() {
  static const std::vector<ParamSpec> p = {
      {"preset", PT::string, "", "null",
       "workload type preset (infersim workloads list); its workload and slo blocks are the defaults"},
      {"requests", PT::integer, "requests", "null", "arrivals to generate (agentic: tasks)", 1, 1e12},
      {"duration_s", PT::number, "s", "null", "no arrivals after this simulated time", 0, 1e9},
  };
  return p;
}

const std::vector<ParamSpec>& slo_params() {
  static const std::vector<ParamSpec> p = {
      {"ttft_s", PT::number, "s", "null", "time to first token, per request", 0, 1e9},
      {"tpot_s", PT::number, "s", "null", "mean time per output token after the first, per request", 0, 1e9},
      {"e2e_s", PT::number, "s", "null", "end-to-end latency, per request", 0, 1e9},
      {"task_e2e_s", PT::number, "s", "null", "agentic task time (first call's arrival to last call's end)", 0, 1e9},
      {"avg_power_w", PT::number, "W", "null", "average power budget per replica (edge)", 0, 1e9},
      {"ttft_p99_s", PT::number, "s", "null", "tail SLO: P99 of time to first token over all requests", 0, 1e9},
      {"tpot_p99_s", PT::number, "s", "null", "tail SLO: P99 of time per output token over all requests", 0, 1e9},
      {"itl_p999_s", PT::number, "s", "null",
       "tail SLO: P99.9 of the inter-token latency (every gap between streamed tokens)", 0, 1e9},
  };
  return p;
}

const std::vector<ParamSpec>& simulation_params() {
  static const std::vector<ParamSpec> p = {
      {"seed", PT::integer, "", "1", "random seed (arrivals, lengths, agentic behaviour use separate streams)", 0,
       9e15},
      {"max_sim_s", PT::number, "s", "1e7", "stop simulating at this time (unfinished requests are reported)", 1e-6,
       1e10},
      {"warmup_s", PT::number, "s", "0", "requests arriving earlier are left out of the statistics", 0, 1e9},
      {"trace_max_events", PT::integer, "events", "2000000", "cap on events written to a --trace file", 0, 1e12},
  };
  return p;
}

struct NestedDefault {
  const char* key;
  const char* default_json;  // "" = required
  const char* description;
};

const std::vector<NestedDefault>& agentic_nested() {
  static const std::vector<NestedDefault> n = {
      {"calls", R"({"type": "fixed", "value": 6})", "distribution of model calls per task"},
      {"tool_latency_s", R"({"type": "lognormal", "mean": 2.0, "cv": 1.0})",
       "distribution of the wait between calls (tool execution), seconds"},
      {"tool_output_tokens", R"({"type": "lognormal", "mean": 300, "cv": 1.0})",
       "distribution of tokens each tool result adds to the context"},
  };
  return n;
}

std::vector<std::string> names_of(const std::vector<ComponentInfo>& types) {
  std::vector<std::string> n;
  for (const auto& t : types) n.push_back(t.name);
  return n;
}

// ------------------------------------------------------------------ reading helpers

// Reads {"type": ..., params...} at `key` of `parent` (or the default object), resolved into `out`.
ComponentConfig read_component(JsonReader& parent, const std::string& key, const std::string& what,
                               const std::vector<ComponentInfo>& types, const std::vector<ParamSpec>& common_params,
                               const char* default_json, Json& out) {
  Json fallback;
  std::optional<JsonReader> child;
  if (parent.has(key)) {
    child = parent.child(key);
  } else if (default_json != nullptr && *default_json) {
    fallback = Json::parse(default_json);
    child.emplace(fallback, parent.file(), parent.pointer(key));
  } else {
    parent.fail(key, fmt::format("required {} is missing (an object with \"type\": one of {})", what,
                                 common::join(names_of(types), ", ")));
  }
  ComponentConfig c;
  with_component(what, [&] {
    if (!child->has("type") && default_json != nullptr && *default_json) {
      c.type = Json::parse(default_json)["type"].get<std::string>();  // an object without "type" refines the default
    } else {
      c.type = child->one_of("type", names_of(types));
    }
  });
  with_component(fmt::format("{} '{}'", what, c.type), [&] {
    std::vector<ParamSpec> specs = common_params;
    for (const auto& t : types)
      if (t.name == c.type) specs.insert(specs.end(), t.params.begin(), t.params.end());
    c.params = read_params(*child, specs);
    finish_declared(*child, specs, {"type"});
  });
  out = Json::object();
  out["type"] = c.type;
  write_params(out, c.params);
  return c;
}

ComponentConfig read_distribution(JsonReader& parent, const std::string& key, const std::string& what,
                                  const char* default_json, Json& out) {
  return read_component(parent, key, what, distribution_types(), distribution_common_params(), default_json, out);
}

std::optional<int> opt_int(const ParamValues& v, const char* k) {
  if (!v.has(k)) return std::nullopt;
  return int(v.integer(k));
}
std::string str_or_empty(const ParamValues& v, const char* k) { return v.has(k) ? v.string(k) : std::string(); }

HydrationConfig read_hydration(JsonReader& pr, Json& out) {
  HydrationConfig h;
  h.tiers = default_storage_tiers();
  Json empty = Json::object();
  std::optional<JsonReader> hr;
  if (pr.has("hydration"))
    hr = pr.child("hydration");
  else
    hr.emplace(empty, pr.file(), pr.pointer("hydration"));
  with_component("hydration", [&] {
    const auto v = read_params(*hr, hydration_params());
    if (hr->has("tiers")) {
      auto tr = hr->child("tiers");
      for (const auto& [name, val] : tr.raw().items()) {
        JsonReader one = tr.child(name);
        const std::vector<ParamSpec> tspec = {{"bandwidth_gb_s", PT::number, "GB/s", "null", "", 0, 1e6},
                                              {"latency_s", PT::number, "s", "null", "", 0, 1e6},
                                              {"shared", PT::boolean, "", "null", ""}};
        const auto tv = read_params(one, tspec);
        finish_declared(one, tspec);
        StorageTier* t = nullptr;
        for (auto& x : h.tiers)
          if (x.name == name) t = &x;
        if (!t) {
          if (!tv.has("bandwidth_gb_s"))
            one.fail("bandwidth_gb_s", fmt::format("new tier '{}' needs a bandwidth", name));
          h.tiers.push_back({name, 0, 0});
          t = &h.tiers.back();
        }
        if (tv.has("bandwidth_gb_s")) t->bandwidth_bytes_per_s = tv.number("bandwidth_gb_s") * 1e9;
        if (tv.has("latency_s")) t->latency_s = tv.number("latency_s");
        if (tv.has("shared")) t->shared = tv.boolean("shared");
      }
    }
    finish_declared(*hr, hydration_params(), {"tiers"});
    h.source = v.string("source");
    h.cached_source = str_or_empty(v, "cached_source");
    h.peer_load = v.boolean("peer_load");
    h.provision_s = v.number("provision_s");
    h.image_cached = v.boolean("image_cached");
    h.image_pull_bytes_per_s = v.number("image_pull_gb_s") * 1e9;
    h.compile_cache = v.boolean("compile_cache");
    h.streaming = v.boolean("streaming");
    h.restore = v.string("restore");
    if (h.restore != "none" && h.restore != "snapshot")
      hr->fail("restore", fmt::format("unknown restore '{}'; one of: none, snapshot", h.restore));
    if (v.has("loader_gb_s")) h.loader_bytes_per_s = v.number("loader_gb_s") * 1e9;
    if (v.has("runtime_init_s")) h.runtime_init_s = v.number("runtime_init_s");
    h.warm_source = v.string("warm_source");
    h.warm_init_s = v.number("warm_init_s");
    h.warm_cost_fraction = v.number("warm_cost_fraction");
    std::vector<std::string> names;
    for (const auto& t : h.tiers) names.push_back(t.name);
    for (const char* k : {"source", "cached_source", "warm_source"}) {
      if (!v.has(k)) continue;
      const std::string& n = v.string(k);
      const StorageTier* t = h.tier(n);
      if (!t)
        hr->fail(k, fmt::format("unknown storage tier '{}'; tiers: {}{}", n, common::join(names, ", "),
                                common::suggest_suffix(n, names)));
      if (t->bandwidth_bytes_per_s <= 0 && n != "peer_device")
        hr->fail(k, fmt::format("tier '{}' has no bandwidth", n));
    }
    out = Json::object();
    write_params(out, v);
    Json tiers = Json::object();
    for (const auto& t : h.tiers)
      tiers[t.name] = {{"bandwidth_gb_s", t.bandwidth_bytes_per_s / 1e9},
                       {"latency_s", t.latency_s},
                       {"shared", t.shared}};
    out["tiers"] = tiers;
  });
  return h;
}

AutoscalerConfig read_autoscaler(JsonReader& pr, Json& out) {
  AutoscalerConfig a;
  if (!pr.has("autoscaler")) return a;
  a.enabled = true;
  Json res;
  a.policy = read_component(pr, "autoscaler", "autoscaler", autoscaler_policies(), autoscaler_common_params(), nullptr,
                            res);
  const auto& v = a.policy.params;
  a.min_replicas = int(v.integer("min_replicas"));
  a.max_replicas = int(v.integer("max_replicas"));
  a.interval_s = v.number("interval_s");
  a.scale_down_idle_s = v.number("scale_down_idle_s");
  a.warm_pool = int(v.integer("warm_pool"));
  if (a.min_replicas > a.max_replicas)
    throw ConfigError(pr.file(), pr.pointer("autoscaler") + "/min_replicas",
                      fmt::format("autoscaler: min_replicas {} exceeds max_replicas {}", a.min_replicas,
                                  a.max_replicas));
  out = res;
  return a;
}

PoolConfig read_pool(JsonReader& pr, const ComponentConfig* default_scheduler, const Json& default_scheduler_json,
                     Json& out) {
  PoolConfig p;
  out = Json::object();
  const auto v = read_params(pr, pool_params());
  p.name = v.string("name");
  with_component(fmt::format("pool '{}'", p.name), [&] {
    p.role = v.string("role");
    p.hardware = v.string("hardware");
    p.chips = opt_int(v, "chips");
    p.tp = opt_int(v, "tp");
    p.pp = opt_int(v, "pp");
    p.ep = int(v.integer("ep"));
    p.precision = str_or_empty(v, "precision");
    p.kv_precision = str_or_empty(v, "kv_precision");
    p.state_precision = str_or_empty(v, "state_precision");
    p.runtime = str_or_empty(v, "runtime");
    p.memory_reserve_fraction = v.number("memory_reserve_fraction");
    p.power_cap_w = v.number("power_cap_w");
    p.step_jitter = v.string("step_jitter");
    p.step_jitter_cv = v.number("step_jitter_cv");
    p.replicas = int(v.integer("replicas"));
    p.initial_state = v.string("initial_state");
    write_params(out, v);
    Json hyd, as, sch;
    p.hydration = read_hydration(pr, hyd);
    p.autoscaler = read_autoscaler(pr, as);
    if (pr.has("scheduler") || default_scheduler == nullptr) {
      p.scheduler = read_component(pr, "scheduler", "scheduler", scheduler_types(), {}, R"({"type": "continuous"})",
                                   sch);
      out["scheduler"] = sch;
    } else {
      p.scheduler = *default_scheduler;
      (void)default_scheduler_json;
    }
    out["hydration"] = hyd;
    if (p.autoscaler.enabled) out["autoscaler"] = as;
    if (!p.autoscaler.enabled && p.replicas < 1)
      pr.fail("replicas",
              "must be >= 1 without an autoscaler (add an autoscaler with min_replicas 0 to scale to zero)");
    finish_declared(pr, pool_params(), {"hydration", "autoscaler", "scheduler"});
  });
  return p;
}

// Deep merge: `over` wins; an object whose "type" differs from the base's replaces it entirely.
Json merge_json(const Json& base, const Json& over) {
  if (!base.is_object() || !over.is_object()) return over;
  if (over.contains("type") && base.contains("type") && over["type"] != base["type"]) return over;
  Json out = base;
  for (const auto& [k, v] : over.items()) out[k] = out.contains(k) ? merge_json(out[k], v) : v;
  return out;
}

}  // namespace

// ------------------------------------------------------------------ --set

void apply_set(Json& j, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("", "--set", fmt::format("'{}' is not path=value", assignment));
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  if (path[0] == '/') {
    for (auto& p : common::split(path.substr(1), '/')) {
      std::string u;
      for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '~' && i + 1 < p.size()) {
          u += p[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          u += p[i];
        }
      }
      parts.push_back(u);
    }
  } else {
    parts = common::split(path, '.');
  }
  Json value;
  try {
    value = Json::parse(text);
  } catch (const std::exception&) {
    value = text;  // a bare word is a string
  }
  Json* cur = &j;
  std::string where;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& k = parts[i];
    if (k.empty()) throw ConfigError("", "--set " + path, "empty path element");
    const bool last = i + 1 == parts.size();
    where += "/" + k;
    if (cur->is_array()) {
      char* end = nullptr;
      const long idx = std::strtol(k.c_str(), &end, 10);
      if (*end != '\0' || idx < 0 || std::size_t(idx) >= cur->size())
        throw ConfigError("", "--set " + path, fmt::format("{}: no array element '{}'", where, k));
      cur = &(*cur)[std::size_t(idx)];
      if (last) *cur = value;
      continue;
    }
    if (cur->is_null()) *cur = Json::object();
    if (!cur->is_object())
      throw ConfigError("", "--set " + path,
                        fmt::format("{} is not an object", where.substr(0, where.size() - k.size() - 1)));
    if (last) {
      (*cur)[k] = value;
    } else {
      if (!cur->contains(k)) (*cur)[k] = Json::object();
      cur = &(*cur)[k];
    }
  }
}

// ------------------------------------------------------------------ parse

Scenario parse_scenario(const Json& input, const std::string& file, const std::string& base_dir) {
  Json j = input;
  if (!j.is_object()) throw ConfigError(file, "/", "a scenario is a JSON object");
  // Workload preset: its workload and slo blocks are defaults under the scenario's own.
  if (j.contains("workload") && j["workload"].is_object() && j["workload"].contains("preset") &&
      j["workload"]["preset"].is_string()) {
    WorkloadPreset preset;
    try {
      preset = load_workload_preset(j["workload"]["preset"].get<std::string>());
    } catch (const ConfigError& e) {
      throw ConfigError(file, "/workload/preset", e.reason());
    }
    j["workload"] = merge_json(preset.workload, j["workload"]);
    j["slo"] = merge_json(preset.slo, j.contains("slo") ? j["slo"] : Json::object());
  }

  Scenario s;
  s.file = file;
  s.base_dir = base_dir;
  JsonReader r(j, file);
  Json res = Json::object();
  const auto top = read_params(r, top_params());
  s.model = top.string("model");
  s.description = top.string("description");
  s.name = top.has("name") ? top.string("name")
                           : (file.empty() ? std::string("scenario") : std::filesystem::path(file).stem().string());
  res["schema_version"] = SCENARIO_SCHEMA_VERSION;
  res["name"] = s.name;
  res["description"] = s.description;
  res["model"] = s.model;

  // Scheduler: top level is the default of every pool.
  Json sched_json;
  const ComponentConfig sched = read_component(r, "scheduler", "scheduler", scheduler_types(), {},
                                               R"({"type": "continuous"})", sched_json);

  if (r.has("deployment") && r.has("pools"))
    r.fail("pools", "give either \"deployment\" (one pool) or \"pools\", not both");
  if (r.has("pools")) {
    s.single_pool_form = false;
    Json arr = Json::array();
    auto pools = r.array_of_objects("pools");
    if (pools.empty()) r.fail("pools", "needs at least one pool");
    std::vector<std::string> seen;
    for (auto& pr : pools) {
      Json o;
      s.pools.push_back(read_pool(pr, &sched, sched_json, o));
      if (std::find(seen.begin(), seen.end(), s.pools.back().name) != seen.end())
        pr.fail("name", fmt::format("duplicate pool name '{}'", s.pools.back().name));
      seen.push_back(s.pools.back().name);
      arr.push_back(o);
    }
    res["pools"] = arr;
  } else {
    if (!r.has("deployment"))
      r.fail("deployment",
             "required: the hardware layout (\"deployment\": {\"hardware\": ..., \"tp\": ...}) or \"pools\"");
    auto dr = r.child("deployment");
    Json o;
    s.pools.push_back(read_pool(dr, &sched, sched_json, o));
    if (s.pools[0].role != "mixed")
      dr.fail("role", "a single deployment must be mixed; use \"pools\" for prefill/decode");
    res["deployment"] = o;
  }
  res["scheduler"] = sched_json;

  Json router_json;
  s.router = read_component(r, "router", "router", router_types(), {}, R"({"type": "least_work"})", router_json);
  res["router"] = router_json;

  {
    Json empty = Json::object();
    std::optional<JsonReader> kr;
    if (r.has("kv_transfer"))
      kr = r.child("kv_transfer");
    else
      kr.emplace(empty, file, "/kv_transfer");
    with_component("kv_transfer", [&] {
      const auto v = read_params(*kr, kv_transfer_params());
      finish_declared(*kr, kv_transfer_params());
      if (v.has("bandwidth_gb_s")) s.kv_transfer.bandwidth_bytes_per_s = v.number("bandwidth_gb_s") * 1e9;
      s.kv_transfer.latency_s = v.number("latency_s");
      Json o = Json::object();
      write_params(o, v);
      res["kv_transfer"] = o;
    });
  }

  {
    auto wr = r.child("workload");
    Json w = Json::object();
    with_component("workload", [&] {
      const auto v = read_params(wr, workload_params());
      s.workload.preset = str_or_empty(v, "preset");
      if (v.has("requests")) s.workload.requests = v.integer("requests");
      if (v.has("duration_s")) s.workload.duration_s = v.number("duration_s");
      write_params(w, v);
      Json a, in, out;
      s.workload.arrival = read_component(wr, "arrival", "arrival", arrival_types(), {}, nullptr, a);
      s.workload.input = read_distribution(wr, "input", "input length", nullptr, in);
      s.workload.output = read_distribution(wr, "output", "output length", nullptr, out);
      w["arrival"] = a;
      w["input"] = in;
      w["output"] = out;
      if (wr.has("agentic")) {
        auto ar = wr.child("agentic");
        Json ag = Json::object();
        s.workload.agentic.enabled = true;
        ComponentConfig* dst[] = {&s.workload.agentic.calls, &s.workload.agentic.tool_latency_s,
                                  &s.workload.agentic.tool_output_tokens};
        int i = 0;
        for (const auto& n : agentic_nested()) {
          Json o;
          *dst[i++] = read_distribution(ar, n.key, std::string("agentic ") + n.key, n.default_json, o);
          ag[n.key] = o;
        }
        finish_declared(ar, {}, {"calls", "tool_latency_s", "tool_output_tokens"});
        w["agentic"] = ag;
      }
      const auto& t = s.workload.arrival.type;
      const bool bounded = t == "closed_loop" || (t == "trace" && !s.workload.arrival.params.boolean("repeat"));
      if (!bounded && !s.workload.requests && !s.workload.duration_s)
        wr.fail(t == "batch" ? "requests" : "duration_s",
                t == "batch" ? "an offline batch needs \"requests\""
                             : "an open-ended arrival process needs \"requests\" or \"duration_s\" to end");
      if (t == "closed_loop" && !s.workload.requests && !s.workload.duration_s)
        wr.fail("duration_s", "closed-loop users need \"requests\" or \"duration_s\" to stop");
      finish_declared(wr, workload_params(), {"arrival", "input", "output", "agentic"});
    });
    res["workload"] = w;
  }

  {
    Json empty = Json::object();
    std::optional<JsonReader> sr;
    if (r.has("slo"))
      sr = r.child("slo");
    else
      sr.emplace(empty, file, "/slo");
    with_component("slo", [&] {
      const auto v = read_params(*sr, slo_params());
      finish_declared(*sr, slo_params());
      auto o = [&](const char* k) { return v.has(k) ? std::optional<double>(v.number(k)) : std::nullopt; };
      s.slo.ttft_s = o("ttft_s");
      s.slo.tpot_s = o("tpot_s");
      s.slo.e2e_s = o("e2e_s");
      s.slo.task_e2e_s = o("task_e2e_s");
      s.slo.avg_power_w = o("avg_power_w");
      s.slo.ttft_p99_s = o("ttft_p99_s");
      s.slo.tpot_p99_s = o("tpot_p99_s");
      s.slo.itl_p999_s = o("itl_p999_s");
      Json out = Json::object();
      write_params(out, v);
      res["slo"] = out;
    });
  }

  {
    Json empty = Json::object();
    std::optional<JsonReader> mr;
    if (r.has("simulation"))
      mr = r.child("simulation");
    else
      mr.emplace(empty, file, "/simulation");
    with_component("simulation", [&] {
      const auto v = read_params(*mr, simulation_params());
      finish_declared(*mr, simulation_params());
      s.simulation.seed = std::uint64_t(v.integer("seed"));
      s.simulation.max_sim_s = v.number("max_sim_s");
      s.simulation.warmup_s = v.number("warmup_s");
      s.simulation.trace_max_events = v.integer("trace_max_events");
      Json out = Json::object();
      write_params(out, v);
      res["simulation"] = out;
    });
  }
  finish_declared(r, top_params(),
                  {"deployment", "pools", "scheduler", "router", "kv_transfer", "workload", "slo", "simulation"});
  s.resolved_json = res.dump();
  return s;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       std::optional<std::uint64_t> seed) {
  Json j = common::load_json_file(path);
  for (const auto& a : sets) apply_set(j, a);
  if (seed) apply_set(j, fmt::format("simulation.seed={}", *seed));
  const auto dir = std::filesystem::path(path).parent_path().string();
  return parse_scenario(j, path, dir);
}

Scenario parse_scenario_text(const std::string& text, const std::vector<std::string>& sets,
                             const std::string& base_dir) {
  Json j = common::parse_json_text(text, "<scenario>");
  for (const auto& a : sets) apply_set(j, a);
  return parse_scenario(j, "", base_dir);
}

// ------------------------------------------------------------------ schema and docs

std::vector<ComponentSchema> scenario_schema() {
  std::vector<ComponentSchema> out;
  out.push_back({"/", "scenario", "top level", top_params()});
  auto pool = pool_params();
  out.push_back({"/deployment  or  /pools/N", "deployment (one pool) / pool",
                 "hardware layout and replica count; \"pools\" (an array) for disaggregated or heterogeneous clusters",
                 pool});
  out.push_back({"/deployment/hydration", "hydration (cold start)",
                 "where weights load from on a cold start and what it costs; optional", hydration_params()});
  {
    ComponentSchema t{"/deployment/hydration/tiers/NAME", "storage tier", "", tier_params()};
    std::string shipped;
    for (const auto& x : default_storage_tiers())
      shipped += fmt::format("{}{} {:g} GB/s, {:g} s ({})", shipped.empty() ? "" : "; ", x.name,
                             x.bandwidth_bytes_per_s / 1e9, x.latency_s, storage_tier_source(x.name));
    t.description = "override a shipped tier or add one. Shipped: " + shipped;
    out.push_back(t);
  }
  {
    auto common_params = autoscaler_common_params();
    common_params.insert(common_params.begin(),
                         {"type", PT::string, "", "", "policy", -1e300, 1e300, names_of(autoscaler_policies())});
    out.push_back({"/deployment/autoscaler", "autoscaler (common)", "optional; without it the replica count is fixed",
                   common_params});
    for (const auto& t : autoscaler_policies())
      out.push_back({"/deployment/autoscaler", "autoscaler: " + t.name, t.description, t.params});
  }
  for (const auto& t : scheduler_types())
    out.push_back({"/scheduler  (or per pool)", "scheduler: " + t.name, t.description, t.params});
  for (const auto& t : router_types()) out.push_back({"/router", "router: " + t.name, t.description, t.params});
  out.push_back(
      {"/kv_transfer", "kv_transfer", "prefill -> decode KV transfer (disaggregated pools)", kv_transfer_params()});
  {
    auto w = workload_params();
    w.push_back({"arrival", PT::string, "", "", "arrival process object {\"type\": ...} (see arrival: *)"});
    w.push_back({"input", PT::string, "tokens", "", "prompt-length distribution object (see distribution: *)"});
    w.push_back({"output", PT::string, "tokens", "", "output-length distribution object (see distribution: *)"});
    w.push_back(
        {"agentic", PT::string, "", "null", "agentic tasks object (see workload.agentic); omit for single calls"});
    out.push_back({"/workload", "workload", "what arrives", w});
  }
  for (const auto& t : arrival_types())
    out.push_back({"/workload/arrival", "arrival: " + t.name, t.description, t.params});
  {
    std::vector<ParamSpec> a;
    for (const auto& n : agentic_nested()) a.push_back({n.key, PT::string, "", n.default_json, n.description});
    out.push_back({"/workload/agentic", "workload.agentic",
                   "a task is K model calls with tool latency between them; each call's prompt = previous prompt + "
                   "answer + tool output (prefix reuse when the same replica serves the next call)",
                   a});
  }
  out.push_back({"/workload/{input,output}, /workload/agentic/*", "distribution (common)", "every distribution accepts",
                 distribution_common_params()});
  for (const auto& t : distribution_types())
    out.push_back(
        {"/workload/{input,output}, /workload/agentic/*", "distribution: " + t.name, t.description, t.params});
  out.push_back({"/slo", "slo", "targets; goodput = share of requests meeting every request SLO given", slo_params()});
  out.push_back({"/simulation", "simulation", "how the run is done", simulation_params()});
  return out;
}

std::string scenario_format_markdown() {
  std::string md;
  md += "# Scenario format (`infersim simulate`)\n\n";
  md += "Generated from the declared parameters by `infersim simulate --format-doc`; do not edit by hand.\n\n";
  md += "A scenario is one JSON object that mirrors the simulator's component tree. Every key below is declared\n"
        "once with its unit, default and description; unknown keys are errors that name the file, the JSON pointer\n"
        "and the component. `--set path=value` (e.g. `--set deployment.replicas=4` or `--set "
        "/workload/arrival/rate_per_s=8`)\n"
        "edits the JSON before validation; the value is parsed as JSON, else taken as a string. A `workload.preset`\n"
        "(`infersim workloads list`) supplies defaults for the `workload` and `slo` blocks; anything given in the\n"
        "scenario wins (an object with a different `type` replaces the preset's). The fully resolved scenario, every\n"
        "default filled in, is echoed under `scenario` in the `--json` output.\n\n";
  md += "```json\n"
        "{\n"
        "  \"name\": \"chat-h100\",\n"
        "  \"model\": \"llama-3.1-70b\",\n"
        "  \"deployment\": {\"hardware\": \"h100-sxm\", \"tp\": 4, \"replicas\": 2},\n"
        "  \"scheduler\": {\"type\": \"continuous\", \"max_num_seqs\": 256},\n"
        "  \"router\": {\"type\": \"least_work\"},\n"
        "  \"workload\": {\"preset\": \"chat\", \"arrival\": {\"type\": \"poisson\", \"rate_per_s\": 4}, "
        "\"duration_s\": 600},\n"
        "  \"slo\": {\"ttft_s\": 1.0, \"tpot_s\": 0.1},\n"
        "  \"simulation\": {\"seed\": 1}\n"
        "}\n"
        "```\n\n";
  md += "Types: number, integer, string, boolean, number list. Default `null` = absent unless given; an empty default\n"
        "means required. Units: s = seconds, GB/s = 1e9 bytes per second, W = watts, tokens, requests.\n";
  for (const auto& c : scenario_schema()) {
    md += fmt::format("\n## {}\n\n`{}`", c.title, c.path);
    if (!c.description.empty()) md += " — " + c.description;
    md += "\n\n";
    if (c.params.empty()) {
      md += "(no parameters)\n";
      continue;
    }
    md += "| key | type | unit | default | description |\n|---|---|---|---|---|\n";
    for (const auto& p : c.params) {
      std::string desc = p.description;
      if (!p.choices.empty()) desc += " (one of: " + common::join(p.choices, ", ") + ")";
      if (p.type == PT::number || p.type == PT::integer || p.type == PT::number_list) {
        if (p.min > -1e299 && p.max < 1e299) desc += fmt::format(" [{:g}, {:g}]", p.min, p.max);
      }
      std::string def = p.default_json.empty() ? "required" : p.default_json;
      for (auto& ch : desc)
        if (ch == '|') ch = '/';
      for (auto& ch : def)
        if (ch == '|') ch = '/';
      md += fmt::format("| `{}` | {} | {} | `{}` | {} |\n", p.key, param_type_name(p.type),
                        p.unit.empty() ? "-" : p.unit, def, desc);
    }
  }
  md += "\n## Outputs\n\n"
        "`--json` prints the summary: `requests`, `ttft_s`, `tpot_s`, `itl_s` (per-token gaps), `e2e_s`, `queue_s`\n"
        "(each `{count, mean, p50, p90, p99, max}`), `throughput_tok_s`, `goodput`, `slo_attainment`, `batch_size`,\n"
        "`kv_utilization`, `cold_starts`, `warm_starts`, `hydration_s`, `cold_start_wait`, `energy_j`, "
        "`joules_per_token`,\n"
        "`avg_power_w`, `cost_usd`, `usd_per_hour`, `usd_per_1k_tokens` (per 1K output tokens), `warm_pool_usd`, "
        "`pools`\n"
        "and `scenario` (resolved). `--requests-csv FILE` streams one row per request; `--trace FILE` writes a\n"
        "Chrome/Perfetto trace. See docs/serving-simulator.md.\n";
  return md;
}

}  // namespace infersim::serving
