#pragma once
// Where it runs: one accelerator chip (GPU, LPU, TPU, NPU, CPU socket or ASIC) as the roofline and the
// cost/power models see it. All quantities are SI: FLOP/s, bytes, bytes/s, seconds, watts, USD.
// Zero means "not supported / unknown" for optional figures. Every number loaded from a profile file
// carries its source in `sources` (keyed by JSON pointer). Calibrated efficiency/overhead parameters
// per serving runtime are attached by the catalog from hwprofiles/data/calibrations.json.
// Plain copyable value; thread-safe to share once built.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infersim/common/dtype.h"
#include "infersim/hwprofiles/prices.h"

namespace infersim::hwprofiles {

enum class HardwareKind { gpu, lpu, tpu, npu, cpu, asic };
const char* kind_name(HardwareKind k);
const std::vector<std::string>& kind_names();

// Parameters that turn a datasheet roofline into measured speed. Fitted per (hardware, runtime).
struct CalibrationParams {
  double compute_fraction = 0.6;       // achieved / peak FLOP/s on matmuls
  double memory_fraction = 0.8;        // achieved / peak memory bandwidth
  double interconnect_fraction = 0.8;  // achieved / nominal scale-up bandwidth
  double step_overhead_s = 0.0;        // fixed cost of one forward step (scheduling, launch, sampling)
  double layer_overhead_s = 0.0;       // per layer per step (kernel launches, syncs)
  double seq_overhead_s = 0.0;         // per sequence in the step (sampling, bookkeeping)
  double collective_overhead_s = 0.0;  // per collective (TP all-reduce, EP all-to-all) beyond link latency
  // Share of the off-stage weights that cross the host link every step under pipeline parallelism.
  // 0 for runtimes that keep each stage's weights on its device; measured ~1 for llama.cpp's
  // multi-device layer split on Intel GPU Max (docs/calibration.md).
  double pp_staging_fraction = 0.0;
  // Unpack work per weight element that is stored narrower than the matmul math and unpacked every
  // step (weight-only quantisation: int8/int4/fp8 weights multiplied in bf16/f32), in FLOP-equivalents
  // at the matmul peak. It runs on other execution units than the multiply-adds, so it is a third
  // ceiling beside compute and memory (max, not sum). 0 = unpacking is free. Fitted by `infersim
  // calibrate` for the host CPU.
  double dequant_flops_per_weight = 0.0;
  // The roofline's max(compute, memory) assumes the two overlap perfectly. With a norm p > 0 the time
  // of an op class is the p-norm (c^p + m^p)^(1/p) instead: the same as the max far from the ridge
  // point, up to 2^(1/p) x slower where compute and memory time are equal (p = 1: no overlap, the
  // sum; 0 = the pure max). Fitted by `infersim calibrate` (the host CPU: ~2.5).
  double roofline_norm = 0.0;
  // Achieved fraction of the roofline on the attention op relative to the other ops (decode
  // attention streams the KV cache in short dependent blocks; 1 = as efficient as the rest).
  double attention_fraction = 1.0;

  // ---- kernel path (runtime versions with `kernel_model`: step times from measured kernel tables) ----
  // Multiplier on the kernel-table (or efficiency-model) op times: 1 = the kernels run inside the
  // serving engine as fast as the isolated CUDA-graph replays the tables measured.
  double kernel_scale = 1.0;
  // Share of the standalone activation-quantization time inside quantized GEMM tables that the
  // engine fuses into the preceding kernel (0 = none fused, 1 = all), for the version's fused dtypes.
  double fused_quant_fraction = 0.0;
  // Request-level time outside the engine's steps, added to TTFT: HTTP, tokenization, frontend routing
  // and streaming of the first token (per request, and per prompt token).
  double ttft_request_s = 0.0;
  double ttft_token_s = 0.0;
  // ... and per request already in flight on the replica when it arrives (streaming the other
  // users' tokens competes with admitting a new one in the frontend).
  double ttft_stream_s = 0.0;
  // ... and in proportion to the modelled time of the request's own prompt prefilled alone (a share of
  // the engine's prefill that the step model does not see, e.g. prompt-side kernels outside the tables):
  // a dimensionless multiple of the hardware's own prefill time, so it carries over to a GPU the fit has
  // no rows of, where a fixed time per prompt token would not (docs/calibration.md, "Prefill share").
  double ttft_prefill_fraction = 0.0;
  // Scale of the queueing that random arrivals add to a closed-loop benchmark's TTFT (1 = M/G/1
  // processor sharing behind other prompts' prefills; 0 = arrivals evenly spread).
  double ttft_queue_factor = 0.0;
  // Host time per layer of a step that carries prompt tokens (kernel path): the serving stacks capture
  // CUDA graphs for decode-only batches, so such a step launches its kernels one by one, and when that
  // takes longer than the kernels run the step lasts the launches. The step pays
  // max(0, eager_layer_s x layers - its kernel time); fitted per runtime version on a grid
  // (docs/calibration.md, "Eager prompt steps"). 0 = no floor.
  double eager_layer_s = 0.0;
  // Multiplier on the MoE expert GEMMs' kernel time in decode-only steps (kernel path). No MoE kernel
  // tables are bundled: the experts are priced as one grouped GEMM from the dense tables, and how far
  // each engine's small-batch fused-MoE kernels (and any speculative decoding the measurements do not
  // record) depart from that on a given GPU and weight format is fitted on the TPOT of the measured
  // MoE rows (Calibration::moe_expert_scales); 1 = exactly the dense-table estimate. Steps carrying
  // prompt tokens keep the dense-table estimate.
  double moe_expert_scale = 1.0;
  // The same for the expert GEMMs of steps that carry prompt tokens, fitted on the TTFT of the MoE rows
  // (with the decode scale fixed): prefill-sized grouped GEMMs, and for MLA models the latent-attention
  // prefill that the standard-attention tables do not cover either. 1 = the dense-table estimate.
  double moe_prefill_scale = 1.0;
  // A fixed time per MoE layer in every step (kernel path), beside the scaled expert GEMMs: the
  // per-layer work of a fused-MoE layer that does not grow with the tokens (routing top-k, sorting and
  // aligning tokens to experts, permuting them in and out, the launches), fitted with moe_expert_scale
  // on the TPOT of the MoE rows (MoeExpertScale::layer_overhead_s). 0 = none.
  double moe_layer_overhead_s = 0.0;
  // How unevenly the router spreads tokens over the routed experts (model::ExpertRouting: popularity
  // falls as rank^-skew; 0 = uniform). Kernel path only: it sets how many distinct experts a decode
  // batch reads. One value fitted over all runtimes' MoE rows (calibrate-serving --fit-routing).
  double moe_routing_skew = 0.0;
  // Per-position acceptance of multi-token-prediction drafts (perf::MultiTokenPrediction) on the
  // version's MTP runs, fitted on them (calibrate-serving --fit-mtp); 0 = none fitted. The default of
  // `estimate --mtp K` on this runtime version.
  double mtp_acceptance = 0.0;
};

// A fitted MoE expert-kernel scale of a runtime version for one GPU and weight x activation format
// (hardware "" = every GPU and format pooled: the fallback).
struct MoeExpertScale {
  std::string hardware, family;  // the GPU the rows ran on, and its family
  std::string weight, activation;
  double scale = 1.0;  // decode-only steps (TPOT fit)
  int rows_fit = 0;
  double prefill_scale = 1.0;  // steps with prompt tokens (TTFT fit)
  int rows_fit_prefill = 0;
  double layer_overhead_s = 0.0;  // fixed time per MoE layer and step (fitted with `scale` on TPOT)
  // The models' attention the fit is on: "mla" (multi-head latent attention, DeepSeek-style, which no
  // kernel table covers: the efficiency model prices it), "dsa" (MLA behind DeepSeek sparse attention's
  // indexer, GLM-5: other kernels, also priced by the efficiency model), "linear" (Gated DeltaNet layers
  // between GQA layers, Qwen3.5: the recurrent layers priced by the efficiency model) or "standard" (GQA /
  // MHA, from the tables); "" = any (the pooled fit, and files written before the split).
  std::string attention;
};

struct Calibration {
  std::string runtime;  // serving stack these parameters describe, e.g. "vllm"
  std::string version;  // runtime version ("" = unversioned)
  CalibrationParams params;
  std::string source;            // "[FIT] ..." or "[EST] family default from ..."
  std::string fitted_on;         // hardware the fit was made on (differs for family defaults)
  bool borrowed = false;         // true when taken from another profile of the family / global default
  std::string basis = "fitted";  // fitted | family | vendor | cross-family (how the catalog attached it)
  int rows_fit = 0;
  int rows_held_out = 0;
  std::vector<MoeExpertScale> moe_expert_scales;  // kernel path only
};

// The MoE expert scales (decode and prompt step) that apply to a GPU, format and attention kind
// (MoeExpertScale::attention; "" = any): that GPU's own fit, else a fit on a GPU of its family with the
// same format, each first with the same attention kind, then with any; else the pooled fit if some GPU
// of its family was fitted, else both 1. `why` (optional) says which, for the calibration's source line.
MoeExpertScale pick_moe_scales(const std::vector<MoeExpertScale>& scales, const std::string& hardware,
                               const std::string& family, const std::string& weight, const std::string& activation,
                               const std::string& attention, std::string* why = nullptr);

struct HardwareProfile {
  std::string name;
  std::string display_name;
  std::string vendor;
  HardwareKind kind = HardwareKind::gpu;
  std::string family;
  std::string notes;
  std::string availability = "shipping";  // shipping | announced (figures are estimates) | discontinued
  // How the chip executes a model: "kernel_launch" (GPUs, CPUs, most accelerators: a host launches
  // kernels and collectives, whose per-step / per-layer / per-collective overheads the calibrations
  // fit) or "static_dataflow" (Groq LPU, Cerebras WSE, SambaNova RDU: the compiler schedules every
  // op and chip-to-chip transfer ahead of time; no launch or collective-library overheads, so none are
  // ever borrowed from other chips). `execution_source` says where that comes from.
  std::string execution = "kernel_launch";
  std::string execution_source;
  // The weight format the vendor serves on the chip (dataflow chips: Groq's 8-bit TruePoint storage,
  // Cerebras and SambaNova 16-bit); the default when a user names none. Unset = bf16 / fp16.
  std::optional<common::DType> served_weights;
  bool static_dataflow() const { return execution == "static_dataflow"; }
  // Coefficient of variation of a step's time, [EST] (no public per-step variance measurement found):
  // 0.05 for chips that launch kernels and run collectives (GPUs, CPUs, NPUs: stragglers, host
  // scheduling, other tenants), 0.02 for compiled graphs (TPUs, other ASICs), 0 for statically
  // scheduled dataflow chips. The simulator's step_jitter "auto" and the brief's predictability row.
  double step_jitter_cv_est() const {
    if (static_dataflow()) return 0.0;
    return kind == HardwareKind::tpu || kind == HardwareKind::asic ? 0.02 : 0.05;
  }

  std::array<double, common::DTYPE_COUNT> peak_flops{};  // FLOP/s (OP/s for ints), dense; 0 = none

  double sram_bytes = 0;
  double sram_bw_bytes_per_s = 0;
  std::string main_memory_type;
  double main_memory_bytes = 0;  // 0 = SRAM-only chip
  double main_memory_bw_bytes_per_s = 0;
  // A third, larger and slower tier beside main memory (SambaNova SN40L: DDR5 on the chip's own
  // controllers). Weights that do not fit main memory may live there (Deployment::ddr_weight_fraction);
  // KV and activations stay in main memory. 0 = none.
  double ddr_bytes = 0;
  double ddr_bw_bytes_per_s = 0;

  std::string scale_up_name;
  double scale_up_bw_bytes_per_s = 0;  // per direction, per chip
  double scale_up_latency_s = 0;
  int scale_up_domain = 1;  // chips reachable over the scale-up fabric
  // Chips in one fully connected node of that fabric (GroqNode: 8 cards, each wired to the 7 others).
  // 1 = no such structure published.
  int scale_up_node = 1;
  // Whether a tensor-parallel group of `tp` chips suits the nodes: a group that fits in one node divides
  // it, so every group sits inside one node and its all-reduce runs on the direct links (Groq's published
  // 576-chip layout is 72 whole nodes); a group larger than a node crosses nodes whatever its size.
  // Always true where no node is published.
  bool node_aligned_tp(int tp) const {
    return scale_up_node <= 1 || tp < 1 || tp > scale_up_node || scale_up_node % tp == 0;
  }

  std::string scale_out_name;
  double scale_out_bw_bytes_per_s = 0;  // per direction, per chip
  double scale_out_latency_s = 0;

  std::string host_link_name;
  int pcie_gen = 0;                     // 0 = unified memory / not PCIe
  double host_link_bw_bytes_per_s = 0;  // nominal, per direction
  double host_link_effective_bytes_per_s = 0;

  double tdp_w = 0;
  double idle_w = 0;
  double prefill_w = 0;
  double decode_w = 0;
  double all_in_w = 0;  // provisioned utility power per chip incl. host/network/facility

  HardwarePrices prices;  // cloud tiers, owned purchase + server share, each dated and sourced

  CalibrationParams datasheet_efficiency;  // before any fit (from the profile's "efficiency" block)
  std::vector<Calibration> calibrations;   // per runtime; the first is the default runtime

  std::map<std::string, std::string> sources;  // JSON pointer -> source tag string

  // ---- derived ----
  bool sram_only() const { return main_memory_bytes <= 0; }
  double memory_bytes() const { return sram_only() ? sram_bytes : main_memory_bytes; }
  double memory_bw() const { return sram_only() ? sram_bw_bytes_per_s : main_memory_bw_bytes_per_s; }
  // Chips can be combined only over a fabric: scale-up, scale-out, or PCIe peer-to-peer. A unified-
  // memory or storage "host link" (pcie_gen 0) does not connect devices.
  bool multi_chip_capable() const {
    return scale_up_bw_bytes_per_s > 0 || scale_out_bw_bytes_per_s > 0 ||
           (pcie_gen > 0 && host_link_bw_bytes_per_s > 0);
  }
  double peak(common::DType d) const { return peak_flops[static_cast<int>(d)]; }
  bool supports(common::DType d) const { return peak(d) > 0; }
  // Peak for a matmul whose operands are `weight` x `activation`: the wider of the two decides
  // (weight-only int4 with bf16 activations runs at the bf16 rate). Falls back to the nearest wider
  // supported format; 0 if nothing fits.
  double matmul_peak(common::DType weight, common::DType activation) const;
  // Default (first) calibration, or the one for `runtime`; nullptr if absent.
  const Calibration* calibration(const std::string& runtime = "") const;
  std::string source_of(const std::string& pointer) const;
};

// Physical sanity checks; returns the list of problems ("" entries never), empty when valid.
std::vector<std::string> check_hardware_profile(const HardwareProfile& h);

}  // namespace infersim::hwprofiles
