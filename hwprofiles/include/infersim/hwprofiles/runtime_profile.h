#pragma once
// A serving runtime (software stack) as the planner sees it: where it runs (backends matched to
// hardware families and kinds), which weight / KV dtypes and quantisation methods it supports there,
// which serving features it has, which model architectures it serves, how mature each backend is
// and what moving onto it costs (porting effort). Speed is not stored here: it comes from fitted
// calibrations (hwprofiles/data/calibrations.json) or, where a runtime was not measured on a
// hardware, from the transfer rules in simulators/perf/runtime_resolution.h.
// Plain copyable value; thread-safe to share.
#include <map>
#include <string>
#include <vector>

#include "infersim/common/dtype.h"
#include "infersim/hwprofiles/hardware_profile.h"

namespace infersim::hwprofiles {

struct RuntimeBackend {
  std::string name;  // cuda, rocm, xpu, cpu, metal, ...
  std::vector<std::string> hardware_families;
  std::vector<std::string> hardware_kinds;  // empty = any kind of those families
  bool is_default = false;                  // the runtime used on this hardware when none is named
  std::vector<common::DType> weight_dtypes;
  std::vector<common::DType> kv_dtypes;
  std::map<common::DType, std::vector<std::string>> dtype_families;  // dtype -> families where it works
  std::vector<std::string> quantization;
  std::string maturity;  // mature | production | early | experimental
  std::string source;
  bool matches(const HardwareProfile& h) const;
};

// How a runtime version schedules a serving step by default (its own defaults, with sources), which
// is what a closed-loop benchmark of it measures unless the deployment overrides them.
struct SchedulerDefaults {
  // mixed: every step carries one token per running sequence plus prompt tokens up to the budget
  //   (vLLM V1, TensorRT-LLM in-flight batching, SGLang with mixed chunks);
  // prefill_first: a step either prefills new prompts (running decodes pause) or decodes (SGLang default).
  std::string policy = "mixed";
  bool chunked_prefill = true;            // a prompt may be split over several steps
  int max_num_tokens = 8192;              // token budget of one step
  int max_batch = 256;                    // running sequences
  int cuda_graph_max_batch = 0;           // largest decode batch replayed as a CUDA graph (0 = no graphs)
  bool cuda_graph_padding = false;        // decode batches padded up to the next captured size
  std::vector<int> cuda_graph_sizes;      // captured decode batch sizes (ascending)
  double kv_memory_fraction = 0.9;        // share of `kv_memory_basis` the KV cache may take
  std::string kv_memory_basis = "total";  // total: of GPU memory (weights come out of it); free: of what weights leave
  int join_delay_steps = 0;               // overlap / async scheduler: a new request joins one step later
  bool reserve_output = false;            // KV for prompt + output reserved at admission (no preemption)
  // Tokens of the step budget each running decode takes: 1, or 1 + its draft tokens under multi-token
  // prediction where the runtime counts them (perf::decode_budget_tokens; not read from runtime files).
  int decode_budget_tokens = 1;
  // Attention-DP balancing (TensorRT-LLM attention_dp_config): with attention data parallelism a prompt
  // is held back until every attention-DP rank has one to prefill, at most `adp_timeout_iters`
  // iterations; once all have, `adp_batching_wait_iters` more while every rank still decodes.
  // TensorRT-LLM's defaults: off, 50, 10 (perf::adp_balance_wait_steps gives the expected wait).
  bool adp_balance = false;
  int adp_timeout_iters = 50;
  int adp_batching_wait_iters = 10;
  // Batch waiting (TensorRT-LLM batch_wait_timeout_iters / batch_wait_max_tokens_ratio, without attention
  // DP): while sequences decode, new prompts are held until their tokens plus one per decoding sequence
  // reach ratio x max_num_tokens, at most timeout iterations. Waits only when both are set (TensorRT-LLM
  // releases at once when either is 0, its default); perf::batch_wait_steps gives the expected wait.
  int batch_wait_timeout_iters = 0;
  double batch_wait_max_tokens_ratio = 0.0;
  // SGLang's --scheduler-recv-interval (SchedulerRecvSkipper): while the engine decodes, it takes new
  // requests in only every `recv_interval_iters` iterations (a step with a prompt in it resets the count
  // and the next iteration takes them at once). 0 or 1: every iteration, SGLang's default.
  int recv_interval_iters = 0;
  // Steps that carry prompt tokens run without CUDA graphs, their kernels launched one by one from the
  // host (TensorRT-LLM and SGLang capture graphs for decode-only batches; vLLM's cudagraph_mode
  // FULL_DECODE_ONLY). false: such steps replay piecewise graphs (vLLM V1's default PIECEWISE /
  // FULL_AND_PIECEWISE), so the host-time floor of CalibrationParams::eager_layer_s does not apply.
  bool eager_prompt_steps = true;
  std::string source;
};

// One released version of a runtime. Versions with `kernel_model` predict step times from measured
// kernel tables (or the roofline efficiency model where a GPU has none) plus the overheads fitted for
// that version (hwprofiles/data/kernel_calibrations.json); the others are older software whose speed
// comes from per-hardware roofline fits (hwprofiles/data/calibrations.json).
struct RuntimeVersion {
  std::string version;   // "0.24", "1.3", "0.5.14", or a label for an unpublished build
  std::string released;  // YYYY-MM (sorts newest first)
  std::string source;
  bool kernel_model = false;
  std::map<std::string, std::string> kernel_tables;  // hardware slug -> "h100_sxm/trtllm-1.3.0rc20"
  std::map<std::string, std::string> nccl_tables;    // hardware slug -> "h100_sxm/nccl-2.29.2"
  std::string kernel_tables_source;
  // Weight dtypes whose per-GEMM activation quantization the engine fuses into the previous kernel,
  // while the kernel tables time it as a standalone kernel (fitted share removed: fused_quant_fraction).
  std::vector<common::DType> fused_quant;
  // Fused all-reduce by default (vLLM's `fuse_allreduce_rms` at -O2 on Hopper / Blackwell with TP > 1):
  // hardware family -> {TP size -> largest all-reduce in MiB that takes the fused kernel}; a TP size not
  // listed does not fuse. Priced from TensorRT-LLM's all-reduce table (perf::fused_allreduce_tables).
  std::map<std::string, std::map<int, double>> fused_allreduce_mib;
  std::string fused_allreduce_source;
  SchedulerDefaults scheduler;
  // Measured framework versions (prefixes; "unrecorded" = rows without one) whose serving benchmarks
  // calibrate this version's overheads (infersim calibrate-serving).
  std::vector<std::string> calibrated_on;
  std::string notes;
};

struct RuntimeFeatures {
  bool continuous_batching = false, paged_kv = false, chunked_prefill = false, prefix_caching = false,
       speculative_decoding = false, pd_disaggregation = false;
  // Pipeline parallelism keeps up to pp micro-batches in flight (vLLM, TensorRT-LLM, SGLang, the
  // statically scheduled dataflow stacks). false: layers are split over devices but one batch runs
  // through them at a time (llama.cpp `--split-mode layer` decode). Absent in a profile = true.
  bool pipeline_micro_batches = true;
  std::string source;
};

// A serving engine's cold start, phase by phase, each value a sourced default (profile key
// "cold_start"; docs/hwprofile-format.md). Durations in seconds, sizes in GB (1e9 bytes), rates in GB/s.
// A negative restore/wake time means the runtime does not offer that option.
struct RuntimeColdStart {
  bool present = false;            // false: the profile has no block (the simulator's generic default applies)
  double image_gb = 0;             // container image pulled when the node does not have it
  double engine_init_s = 0;        // process start, device context, allocator, API server
  double multi_device_init_s = 0;  // added when a replica spans more than one device (P2P / collective checks)
  double compile_s = 0;            // compilation / engine build on a first boot (no compile cache)
  double compile_cached_s = 0;     // the same with the compile cache present
  double graph_capture_s = 0;      // CUDA-graph (or equivalent) capture
  double warmup_s = 0;             // KV-cache profiling and warm-up requests
  double loader_gb_s = 0;          // checkpoint loader throughput cap per replica (0 = no cap)
  double snapshot_restore_s =
      -1;              // restore an initialised engine from a snapshot instead of init+compile+capture+warm-up
  double wake_s = -1;  // wake a sleeping engine (weights parked in host RAM; the device stays allocated)
  std::map<std::string, std::string> sources;  // field name -> source tag
  // Seconds a cold start spends in the engine itself for a replica of `chips` devices: engine init (+
  // multi-device checks), compile (cached or not), graph capture, warm-up. Weights and image excluded.
  double engine_phases_s(int chips, bool compile_cache) const {
    return engine_init_for(chips) + compile_for(compile_cache) + graph_capture_s + warmup_s;
  }
  // Engine init for a replica of `chips` devices (multi-device checks only when it spans more than one).
  double engine_init_for(int chips) const { return engine_init_s + (chips > 1 ? multi_device_init_s : 0.0); }
  double compile_for(bool compile_cache) const { return compile_cache ? compile_cached_s : compile_s; }
};

// "vllm@0.24" -> {"vllm", "0.24"}; "vllm" -> {"vllm", ""}.
std::pair<std::string, std::string> split_runtime_version(const std::string& spec);

struct RuntimeProfile {
  std::string name;
  std::string display_name;
  std::string license;
  bool vendor_neutral = false;
  std::string notes;
  std::string source;
  double porting_effort_weeks = 0;
  std::string porting_effort_source;
  RuntimeFeatures features;
  RuntimeColdStart cold_start;
  std::vector<std::string> architectures;  // HF model_type values it serves ("llama", "deepseek_v3", ...)
  std::string architectures_source;
  std::vector<RuntimeBackend> backends;
  std::vector<RuntimeVersion> versions;  // newest first; may be empty (unversioned)

  // The version named `v` ("" = newest); a prefix matches ("0.24" finds "0.24.0"). nullptr if none.
  const RuntimeVersion* version(const std::string& v = "") const;
  std::vector<std::string> version_names() const;

  const RuntimeBackend* backend_for(const HardwareProfile& h) const;  // nullptr if it does not run there
  bool serves(const std::string& architecture) const;
  // "" when weight/kv dtypes are supported on h, else the reason.
  std::string dtype_problem(const HardwareProfile& h, common::DType weight, common::DType kv) const;
};

}  // namespace infersim::hwprofiles
