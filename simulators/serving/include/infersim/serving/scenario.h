#pragma once
// A serving scenario: what model, on which pools of replicas (hardware layout, scheduler, cold start
// and autoscaling), under which workload, judged by which SLOs, simulated how. Plain copyable value
// tree mirroring the scenario JSON (docs/scenario-format.md); the JSON reader in scenario_json.h fills
// it with every default resolved and keeps the resolved JSON text for echoing into results.
// Units: seconds, tokens, bytes, bytes/s, watts. Swappable components (scheduler, router, arrival,
// autoscaler policy, distributions) are ComponentConfig = registry name + resolved parameters.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "infersim/perf/deployment.h"
#include "infersim/serving/component_config.h"

namespace infersim::serving {

// Where weights are loaded from on a cold start.
struct StorageTier {
  std::string name;                  // object_store, network_fs, local_nvme, host_ram, peer_device, or custom
  double bandwidth_bytes_per_s = 0;  // effective read bandwidth for one replica's load
  double latency_s = 0;              // first-byte latency / setup
  bool shared = false;               // one pipe for all concurrent loads (object store, network FS)
};

struct HydrationConfig {
  std::string source;                        // tier of a replica's first cold start in the pool
  std::string cached_source;                 // tier of later cold starts (node-local cache); "" = same as source
  bool peer_load = false;                    // load from a running replica over the fabric when one is ready
  double provision_s = 0;                    // machine / VM provisioning before anything else
  bool image_cached = true;                  // the node already has the engine's container image
  double image_pull_bytes_per_s = 0;         // registry pull + extract when it does not
  bool compile_cache = true;                 // the engine's compile cache is present (compile_cached_s, else compile_s)
  std::string restore = "none";              // none | snapshot (restore an initialised engine)
  bool streaming = false;                    // what-if: serve layer by layer while the weights arrive
  std::optional<double> loader_bytes_per_s;  // checkpoint loader cap; unset = the runtime's
  std::optional<double> runtime_init_s;      // one init after loading in place of the runtime's engine phases
  std::string warm_source;                   // tier a warm-pool standby activates from
  double warm_init_s = 0;                    // init left to do when a standby activates
  double warm_cost_fraction = 1.0;           // standby price as a share of the chip price
  std::vector<StorageTier> tiers;
  const StorageTier* tier(const std::string& name) const;
};

struct AutoscalerConfig {
  bool enabled = false;
  ComponentConfig policy;  // target_utilization | queue_length
  int min_replicas = 0;
  int max_replicas = 1;
  double interval_s = 5;
  double scale_down_idle_s = 60;
  int warm_pool = 0;
};

struct PoolConfig {
  std::string name = "main";
  std::string role = "mixed";  // mixed | prefill | decode
  std::string hardware;        // catalog name or profile path
  std::optional<int> tp, pp, chips;
  int ep = 1;
  std::string precision;        // "" = bf16 (fp16 where bf16 is unsupported)
  std::string kv_precision;     // "" = runtime default
  std::string state_precision;  // "" = fp32; a hybrid model's recurrent states (perf::state_precision_for)
  std::string runtime;          // "" = the hardware's default runtime
  double memory_reserve_fraction = 0.10;
  double power_cap_w = 0;            // per chip; 0 = none
  std::string step_jitter = "none";  // none | auto (by execution model and kind) | cv (step_jitter_cv)
  double step_jitter_cv = 0;
  int replicas = 1;
  std::string initial_state = "ready";  // ready | cold
  HydrationConfig hydration;
  AutoscalerConfig autoscaler;
  ComponentConfig scheduler;
  // Built in code only (benchmark.h): a deployment already resolved (runtime, layout, kernel tables);
  // when set it replaces hardware / tp / pp / precision / runtime resolution. Never read from JSON.
  std::shared_ptr<const perf::Deployment> resolved_deployment;
};

struct KvTransferConfig {
  std::optional<double> bandwidth_bytes_per_s;  // nullopt = the slower pool's scale-out bandwidth x chips
  double latency_s = 10e-6;
};

struct AgenticConfig {
  bool enabled = false;
  ComponentConfig calls;               // model calls per task
  ComponentConfig tool_latency_s;      // wait between calls
  ComponentConfig tool_output_tokens;  // tokens the tool result adds to the context
};

struct WorkloadConfig {
  std::string preset;
  ComponentConfig arrival;
  ComponentConfig input;
  ComponentConfig output;
  std::optional<std::int64_t> requests;  // arrivals (tasks for agentic) to generate
  std::optional<double> duration_s;      // no arrivals after this simulated time
  AgenticConfig agentic;
};

struct SloConfig {
  std::optional<double> ttft_s;
  std::optional<double> tpot_s;
  std::optional<double> e2e_s;
  std::optional<double> task_e2e_s;
  std::optional<double> avg_power_w;  // per replica
  // Tail SLOs on the distribution (not per request): TTFT P99, TPOT P99, inter-token latency P99.9.
  std::optional<double> ttft_p99_s, tpot_p99_s, itl_p999_s;
  bool any_request_slo() const { return ttft_s || tpot_s || e2e_s; }
};

struct SimulationConfig {
  std::uint64_t seed = 1;
  double max_sim_s = 1e7;
  double warmup_s = 0;
  std::int64_t trace_max_events = 2'000'000;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;      // where it was loaded from ("" if built in code)
  std::string base_dir;  // folder for relative paths
  std::string model;
  std::vector<PoolConfig> pools;
  bool single_pool_form = true;  // written as "deployment" (not "pools")
  ComponentConfig router;
  KvTransferConfig kv_transfer;
  WorkloadConfig workload;
  SloConfig slo;
  SimulationConfig simulation;
  std::string resolved_json;  // the fully resolved scenario as JSON text (echoed into results)
};

}  // namespace infersim::serving
