#pragma once
// The kernel path of the step model: how long each op of one forward step takes on one chip of a
// deployment, from measured kernel tables (hwprofiles/kernel_tables.h) where they cover the op, and
// from a roofline efficiency model where they do not.
//
// For a deployment, KernelModel binds the model's layer shapes (per chip, after tensor parallelism)
// to the tables once: every GEMM gets a latency curve over the token count m, interpolated between
// the measured (n, k) grid points by their roofline efficiency (SOL time / measured time, bilinear in
// log n, log k); attention reads the (batch, length) grid of its head configuration; the all-reduce
// the runtime's own measured curve. A step then costs a handful of 1-D lookups.
//
// Three sources, named by basis():
//  - "tables": the chip's own tables;
//  - "transferred": tables of another chip of the same family (H200 <- H100), each op's time above its
//    launch floor scaled by the roofline ratio of the two chips (SOL_target / SOL_source);
//  - "efficiency model": no tables for the family: t = floor + max(F / (P x ec(F/P)), B / (W x em(B/W)))
//    with the saturating efficiencies fitted across every chip that has tables
//    (hwprofiles/data/kernel_efficiency.json, `infersim kernels fit`).
// Dtypes the tables lack (weight-only int4/fp8, MXFP4 on Hopper) take the bf16 curve's efficiency at
// their own roofline (16-bit math, narrow weights). Immutable after construction; thread-safe.
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/model/model_spec.h"
#include "infersim/model/op_cost.h"
#include "infersim/perf/deployment.h"

namespace infersim::perf {

struct StepCost;

// t = floor_s + max(F / (P x ec), B / (W x em)) + item_s x items,  ec = compute_max x a / (a + compute_half_s),
// a = F / P, em = memory_max x b / (b + memory_half_s), b = B / W. All times in seconds at the chip's peaks.
// `items` counts a kernel's independent work units where the fit has a cost for each (decode attention:
// sequences x KV heads; context attention: query tiles, context_attention_items); 0 elsewhere.
struct OpEfficiency {
  double floor_s = 3e-6;
  double compute_max = 0.8;
  double compute_half_s = 2e-6;
  double memory_max = 0.8;
  double memory_half_s = 2e-6;
  double item_s = 0;
  double time(double flops, double peak, double bytes, double bw, double items = 0) const;
};

// Context attention's work units: one per sequence, query head and tile of CONTEXT_QUERY_TILE prompt
// tokens, as FlashAttention's prefill kernels launch a thread block per (sequence, head, query tile); each
// costs a fixed time (its prologue, epilogue and causal-mask tile) the FLOPs do not show.
constexpr double CONTEXT_QUERY_TILE = 128;
inline double context_attention_items(double seqs, double heads, double prompt_len) {
  return seqs * heads * std::ceil(prompt_len / CONTEXT_QUERY_TILE);
}

struct EfficiencyModel {
  OpEfficiency gemm, context_attention, generation_attention, allreduce;
  // GEMMs per table format ("bfloat16", "fp8", "nvfp4", "sq"; gemm_table_dtype): each format reaches its
  // own share of its peak (one fit to every format reads BF16 GEMMs 1.3-1.4x too slow and FP8 ones
  // 0.55-0.85x, too fast). A format not listed takes `gemm`, the fit to every GEMM point.
  std::map<std::string, OpEfficiency> gemm_by_dtype;
  const OpEfficiency& gemm_for(const std::string& dtype) const {
    const auto it = gemm_by_dtype.find(dtype);
    return it == gemm_by_dtype.end() ? gemm : it->second;
  }
  // Decode attention per KV-cache format ("bfloat16", "fp8"): each format's own memory share and cost per
  // sequence x KV head, with the compute share of context attention (the measured tensor-core attention
  // kernels). A format not listed, and recurrent-state updates, take `generation_attention`.
  std::map<std::string, OpEfficiency> generation_attention_by_kv;
  const OpEfficiency& generation_for(const std::string& kv) const {
    const auto it = generation_attention_by_kv.find(kv);
    return it == generation_attention_by_kv.end() ? generation_attention : it->second;
  }
  // The standalone activation quantization a runtime's quantized GEMMs pay per call, by "<framework>/<format>"
  // (the kernel tables' framework: "trtllm", "vllm", "sglang"): the median over that framework's table sets of
  // the format's launch floor over BF16's (KernelTableSet::gemm.floor_s). "/<format>", for a runtime without
  // tables, is the median over the frameworks. The GEMM fits are made on the tables less it, and a GEMM off
  // the tables pays its runtime's: TensorRT-LLM's FP8 GEMMs carry ~10 us of it on every GPU, vLLM's and
  // SGLang's 2-3 us.
  std::map<std::string, double> gemm_quant_floor_s;
  double gemm_quant_for(const std::string& framework, const std::string& dtype) const {
    if (auto it = gemm_quant_floor_s.find(framework + "/" + dtype); it != gemm_quant_floor_s.end()) return it->second;
    const auto it = gemm_quant_floor_s.find("/" + dtype);
    return it == gemm_quant_floor_s.end() ? 0.0 : it->second;
  }
  double elementwise_memory_fraction = 0.8;  // norms, activations, RoPE: bytes / (bw x fraction) + floor
  // Their floor on a chip without tables: the median over the GPUs with tables of the smallest BF16 GEMM
  // measured, which is the floor a chip with tables takes from its own (KernelTableSet::gemm.floor_s).
  double elementwise_floor_s = 2e-6;
  std::string source;                       // where the fit came from
  common::Json fit_report;                  // informational: errors per op kind and system
  static const EfficiencyModel& shipped();  // hwprofiles/data/kernel_efficiency.json
};
EfficiencyModel efficiency_model_from_json(const common::Json& j, const std::string& file);
common::Json efficiency_model_to_json(const EfficiencyModel& e);

// Empties the process-wide cache of bound GEMM curves (benchmarks of a cold start; tests).
void clear_kernel_curve_cache();

// The kernel tables' framework name of a catalog runtime ("tensorrt-llm" -> "trtllm"), from the folders its
// versions name; "" for a runtime without tables.
std::string kernel_table_framework(const std::string& runtime);

// Table dtype name for a GEMM with these weight / activation formats ("bfloat16", "fp8", "nvfp4",
// "int8_wo", "int4_wo", "sq").
std::string gemm_table_dtype(common::DType weight, common::DType activation);

class KernelModel {
 public:
  // `tables` may be null (efficiency model); `source_hw` is the chip the tables were measured on
  // (the deployment's own hardware unless transferred).
  // `fused_allreduce` (optional): the table set whose all-reduce the engine's fused all-reduce runs, for
  // messages up to Deployment::fused_allreduce_mib at this TP; measured on `source_hw` too.
  KernelModel(const model::ModelSpec& m, const Deployment& d, std::shared_ptr<const hwprofiles::KernelTableSet> tables,
              const hwprofiles::HardwareProfile& source_hw, const EfficiencyModel& eff,
              std::shared_ptr<const hwprofiles::KernelTableSet> fused_allreduce = nullptr);

  // Adds this step's per-op kernel seconds (kernel_s, kernel_comm_s, quant_floor_s) to `s`.
  void fill(const model::BatchShape& b, StepCost& s) const;

  const std::string& basis() const { return basis_; }  // tables | transferred | efficiency model
  std::string describe() const;                        // one line for explain / provenance

  // Single-op lookups (seconds on one chip), exposed for tests and `infersim kernels`.
  double gemm_s(double m, double n, double k, const std::string& dtype) const;
  double context_attention_s(double batch, double isl) const;
  double generation_attention_s(double batch, double ctx) const;
  double allreduce_s(double elements) const;
  // One ring-type NCCL collective ("all_gather", "reduce_scatter", "alltoall") of a `bytes` message
  // (the whole buffer, as nccl-tests sizes it) among `g` GPUs spread over `domains` scale-up domains.
  // All-reduce has its own path (allreduce_s: the runtime's custom all-reduce table, NCCL's tree).
  double ring_collective_s(const char* op, double bytes, int g, int domains) const;

 private:
  struct Gemm {
    double n = 0, k = 0;
    std::string dtype;
    common::DType wdt = common::DType::bf16, adt = common::DType::bf16;
    std::shared_ptr<const hwprofiles::Curve> curve;  // seconds over m (shared: bound once); null: efficiency model
    OpEfficiency eff;  // that model's fit for this GEMM's format (EfficiencyModel::gemm_for)
    // Standalone activation-quant time per call: inside the curve, or added to the efficiency model off it.
    double quant_floor_s = 0;
    double at(const KernelModel& km, double m) const;
  };
  Gemm bind_gemm(double n, double k, common::DType w, common::DType a) const;
  hwprofiles::Curve gemm_curve(double n, double k, const std::string& dtype, common::DType w, common::DType a,
                               double* quant_floor) const;
  double sol_gemm(const hwprofiles::HardwareProfile& hw, double m, double n, double k, common::DType w,
                  common::DType a) const;
  double gemm_point(double m, double n, double k, common::DType w, common::DType a) const;
  double elementwise_s(double bytes) const;
  double attention_lookup(const hwprofiles::Grid2& g, double batch, double x, bool quadratic) const;
  // Context attention (`items`: query tiles, context_attention_items; 0 for kernels that are not
  // FlashAttention's, as Gated DeltaNet's chunked prefill), or decode attention over the KV cache
  // (`items`: sequences x KV heads read).
  double attention_model_s(double flops, double bytes, bool context, double items = 0) const;
  // DSA's lightning indexer over `pairs` (query, key) pairs reading `keys` cached index keys for `seqs`
  // decoding sequences (0 for a prompt): 0 without DSA.
  double dsa_indexer_s(double pairs, double keys, bool context, double seqs = 0) const;
  // A measured communication curve at `elements`; for tables of another chip, the time above the launch
  // floor scaled by the two chips' scale-up links.
  double comm_table_s(const hwprofiles::Curve& table, double elements) const;

  model::ModelSpec m_;
  Deployment d_;
  std::shared_ptr<const hwprofiles::KernelTableSet> t_;
  std::string framework_;  // the runtime's kernel-table framework (kernel_table_framework)
  hwprofiles::HardwareProfile src_;
  EfficiencyModel eff_;
  OpEfficiency gen_eff_;  // decode attention over this deployment's KV format (EfficiencyModel::generation_for)
  bool transfer_ = false;
  std::string basis_;
  double peak16_ = 0, bw_ = 0, floor_ = 0;  // target chip: 16-bit matmul peak, memory bandwidth, launch floor

  int tp_ = 1, heads_ = 1, kv_heads_ = 1, head_dim_ = 128;
  double ab_ = 2, kvb_ = 2, sb_ = 4;  // activations, KV cache, recurrent states: bytes an element
  Gemm qkv_, o_, up_, down_, lm_, router_, ex_up_, ex_down_, sh_up_, sh_down_;
  Gemm idx_;                      // DSA indexer projections, replicated on every TP rank (0 without DSA)
  Gemm lin_in_, lin_out_;         // Gated DeltaNet input and output projections (hybrid models only)
  model::ExpertRouting routing_;  // distinct experts a batch touches (Deployment::moe_routing_skew)
  const hwprofiles::Grid2* ctx_grid_ = nullptr;
  const hwprofiles::Grid2* gen_grid_ = nullptr;
  double ctx_scale_ = 1, gen_scale_ = 1;  // head-count / dtype adjustments of the grid found
  double ctx_floor_ = 0, gen_floor_ = 0;
  const hwprofiles::Curve* ar_ = nullptr;
  std::shared_ptr<const hwprofiles::KernelTableSet> fused_t_;
  const hwprofiles::Curve* fused_ar_ = nullptr;  // the fused all-reduce at this TP (null: off)
  double fused_max_elements_ = 0;                // largest message (16-bit elements) it takes
};

}  // namespace infersim::perf
