#pragma once
// How a model is laid out on hardware for one replica: chips, tensor / pipeline / expert parallelism,
// precisions, the serving runtime whose calibration applies, and options (speculative decoding,
// weight sparsity). Plain copyable value. validate_deployment() turns impossible layouts into
// ConfigError; auto_size() picks the smallest layout whose memory fits.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/hwprofiles/runtime_profile.h"
#include "infersim/model/model_spec.h"
#include "infersim/model/op_cost.h"

namespace infersim::perf {

struct EfficiencyModel;  // kernel_model.h

struct SpeculativeDecoding {
  model::ModelSpec draft;   // small model proposing tokens
  int k = 4;                // tokens proposed per target step
  double acceptance = 0.7;  // per-token acceptance probability
  // Expected tokens accepted per target step: (1 - a^(k+1)) / (1 - a).
  double expected_tokens() const;
};

// Multi-token prediction (DeepSeek-V3's MTP module, TensorRT-LLM / SGLang "MTP"): each decode step
// verifies `draft_tokens` tokens that the model's own MTP module proposed, one pass of that module per
// draft token (costed as one MoE decoder layer plus the shared LM head), and keeps the accepted prefix.
struct MultiTokenPrediction {
  int draft_tokens = 0;
  double acceptance = 0.0;  // per-position acceptance probability (fitted: CalibrationParams::mtp_acceptance)
  // Tokens a sequence gains per step: (1 - a^(k+1)) / (1 - a).
  double expected_tokens() const;
};

struct Deployment {
  hwprofiles::HardwareProfile hardware;
  int tp = 1;
  int pp = 1;
  int ep = 1;
  // Attention data parallelism (MoE models): `attention_dp` copies of the attention layers, each on
  // its own tp chips with its own batch; the MoE layers span all tp x attention_dp chips as ep expert
  // groups of (tp x attention_dp / ep) chips each. 1 = none (experts spread over the TP group).
  int attention_dp = 1;
  model::Precision precision;
  std::string runtime;          // "" = the hardware's default (first calibration)
  std::string runtime_version;  // "" = unversioned / legacy calibration
  // Kernel path (set by runtime resolution for versions with `kernel_model`): op times from the
  // kernel tables in `kernel_tables` (a folder of data/aiconfigurator/ops) measured on
  // `kernel_tables_hardware` (this chip, or a chip whose tables are transferred by the roofline), or
  // from the roofline efficiency model when `kernel_tables` is empty.
  bool kernel_model = false;
  std::string kernel_tables;
  std::string kernel_tables_hardware;
  // The roofline efficiency model the kernel path prices untabled ops with; null = the shipped one
  // (EfficiencyModel::shipped). Validation's systems left out set the model fitted without their tables.
  std::shared_ptr<const EfficiencyModel> efficiency;
  std::vector<common::DType> fused_quant;  // weight dtypes whose activation quant the engine fuses
  // Fused all-reduce (vLLM's FlashInfer all-reduce + RMSNorm fusion, `fuse_allreduce_rms` /
  // `enable_fi_allreduce_fusion`, which runs TensorRT-LLM's all-reduce kernels): at TP size t, all-reduces
  // of at most fused_allreduce_mib[t] MiB (16-bit activations) take TensorRT-LLM's all-reduce table
  // measured on the kernel tables' chip (perf::fused_allreduce_tables); larger ones, TP sizes not listed,
  // and chips without that table, the runtime's own table. Set by the runtime version
  // (RuntimeVersion::fused_allreduce_mib) or a benchmark recipe.
  std::map<int, double> fused_allreduce_mib;
  double moe_routing_skew = 0.0;            // model::ExpertRouting skew of the runtime version's fit
  hwprofiles::SchedulerDefaults scheduler;  // the runtime version's step scheduling (benchmark mode)
  std::optional<SpeculativeDecoding> speculative;
  std::optional<MultiTokenPrediction> mtp;
  // Pipeline parallelism with micro-batches in flight (the runtime's features.pipeline_micro_batches);
  // false = one batch traverses the stages at a time.
  bool pp_micro_batches = true;
  // Chips with a DDR tier (HardwareProfile::ddr_bytes): the share of each chip's weight bytes placed in
  // DDR because main memory cannot hold them beside the KV (perf::place_weights; routed experts first).
  // Those bytes are read at the DDR bandwidth. 0 = all weights in main memory.
  double ddr_weight_fraction = 0.0;
  double weight_sparsity = 0.0;           // fraction of weights pruned (0 = dense)
  double memory_reserve_fraction = 0.10;  // runtime reserve (allocator, CUDA context, fragmentation)
  int chips() const { return tp * pp * attention_dp; }
};

// Throws common::ConfigError naming the offending option.
void validate_deployment(const model::ModelSpec& m, const Deployment& d);

// Pipeline stage-to-stage hops of a layout (pp - 1 in all). Stages of tp chips fill scale-up domains in
// order: `inside` hops stay on the scale-up fabric; `cross` hops leave a domain and take the scale-out
// network, else the host link (half its bandwidth, 10 us), else, where neither is published, the same
// chip-to-chip fabric (as Groq's C2C links racks into one system), at cross_bw / cross_latency_s.
struct StageHops {
  double inside = 0, cross = 0;
  double cross_bw = 0, cross_latency_s = 0;
};
StageHops stage_hops(const Deployment& d);

}  // namespace infersim::perf
