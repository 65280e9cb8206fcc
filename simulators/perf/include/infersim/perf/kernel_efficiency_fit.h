#pragma once
// Fits the roofline efficiency model (kernel_model.h: t = floor + max(F / (P x ec), B / (W x em)) with
// saturating efficiencies) to every measured point of the bundled kernel tables, across all GPUs that
// have tables, in each chip's own datasheet terms (its peak FLOP/s, memory and link bandwidth). One
// parameter set per op kind (GEMM, context attention, generation attention, all-reduce), and one per GEMM
// format and per decode KV format with enough points, serves every GPU without tables. Minimises the
// squared log error by Nelder-Mead on log parameters, from a fixed start: deterministic. Also reports
// leave-one-system-out error: each system's points predicted by a fit to the other systems' points.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/perf/kernel_model.h"

namespace infersim::perf {

struct KernelPoint {
  std::string system;  // where it was measured
  double flops = 0, peak = 0, bytes = 0, bw = 0;
  double seconds = 0;
  std::string dtype;   // GEMMs: the table format ("bfloat16", "fp8", "nvfp4", "sq"); decode attention: the KV format
  double items = 0;    // decode attention: sequences x KV heads (OpEfficiency::item_s); else 0
  double group = 0;    // decode attention: query heads per KV head; else 0
  double columns = 0;  // GEMMs: n, the output columns; else 0 (unknown: fitted)
  // GEMMs: the table set's framework ("trtllm", "vllm", "sglang") and the standalone activation
  // quantization inside `seconds` (its format's launch floor over BF16's; 0 for BF16). The fits take
  // seconds - quant_s; the model adds its framework's back (EfficiencyModel::gemm_quant_floor_s).
  std::string framework;
  double quant_s = 0;
};

// Decode-attention points with more query heads per KV head than this are left out of the fit: there the
// tables' GQA decode kernels run 2.5-25x slower than the memory roofline, a limit MLA's own kernels do
// not share, and no shipped GQA model runs a group above 16 (docs/calibration.md).
constexpr double MAX_DECODE_FIT_GROUP = 32;

// GEMM points with fewer output columns than this are left out of the GEMM fits and reported on their
// own. The tables sweep n = 32-256 against k up to 65,536 and m up to 8,192: there the FP8 kernels run
// 1.5-10x slower than either roofline term, with 3x jumps between neighbouring k (one column of output
// tiles, a serial k loop, a change of kernel), which the roofline form cannot express. Fitting them
// dragged FP8's memory share down to 0.62, so weight-streaming decode GEMMs read 1.2-1.35x slow on every
// GPU. Dense layers' fused projections have n >= 512 in every shipped model up to TP 8 but Llama-3.2-1B
// (QKV 384 at TP 8; docs/calibration.md, "Narrow GEMMs").
constexpr double MIN_GEMM_FIT_COLUMNS = 512;
inline bool narrow_gemm(const KernelPoint& p) { return p.columns > 0 && p.columns < MIN_GEMM_FIT_COLUMNS; }

struct KernelPointSets {
  std::map<std::string, std::vector<KernelPoint>> by_op;  // gemm | context_attention | generation_attention | allreduce
  // system -> each of its table sets' smallest BF16 GEMM time (KernelTableSet::gemm.floor_s)
  std::map<std::string, std::vector<double>> bf16_gemm_floor_s;
  // "<framework>/<format>" -> each quantized format's launch floor over BF16, per table set: {system, seconds}
  std::map<std::string, std::vector<std::pair<std::string, double>>> gemm_quant_floor_s;
};

// Every kernel-table folder a shipped runtime version names, with the catalog chip it was measured on:
// {folder, hardware slug}, sorted.
std::vector<std::pair<std::string, std::string>> kernel_table_folders();

// Every how-many-th measured point the shipped fit takes (`infersim kernels fit --stride`).
constexpr int DEFAULT_FIT_STRIDE = 7;

// Points from table folders measured on catalog chips: {folder, hardware slug}. Every `stride`-th
// measured point (per table) is kept, so the fit sees the whole grid at a bounded cost. A point's
// `system` is its table set's (KernelTableSet::system, e.g. "h100_sxm").
KernelPointSets kernel_points(const std::vector<std::pair<std::string, std::string>>& folders, int stride);

// `sets` less every point (and BF16 GEMM floor) measured on `system`.
KernelPointSets without_system(const KernelPointSets& sets, const std::string& system);

struct EfficiencyFitReport {
  EfficiencyModel model;
  // system -> the whole model fitted without that system's points (an op kind only that system measured
  // keeps `model`'s fit): what a GPU left out of the fit is priced with (`infersim validate`)
  std::map<std::string, EfficiencyModel> without;
  // op kind -> system -> {median |error| in-sample, median |error| leave-one-system-out}; "gemm" is the
  // model as used (each format's fit where it has one), "gemm <format>" each format's points alone
  std::map<std::string, std::map<std::string, std::pair<double, double>>> errors;
  // the same keys -> {median predicted / measured in-sample, leave-one-system-out}: which way each system errs
  std::map<std::string, std::map<std::string, std::pair<double, double>>> ratios;
};

// Free parameters of a fit, in OpEfficiency's order: floor, compute max, compute half, memory max, memory
// half, item cost. Fixed ones keep `start`'s value.
using FitFree = std::array<bool, 6>;
constexpr FitFree ROOFLINE_FREE{true, true, true, true, true, false};
OpEfficiency fit_op_efficiency(const std::vector<KernelPoint>& pts, const OpEfficiency& start,
                               const FitFree& free = ROOFLINE_FREE);
// The model alone (kernels fit, and validation's systems left out); an op kind without points is an error.
EfficiencyModel fit_efficiency(const KernelPointSets& pts);
// The model fitted to `sets` less the points of every shipped table set measured on catalog chip `hardware`
// (kernel_table_folders): what validation prices that chip with when it leaves it out of the fit, kernel
// tables included. nullopt when no shipped table set was measured on it (the shipped model never saw it).
std::optional<EfficiencyModel> fit_efficiency_without_hardware(const KernelPointSets& sets,
                                                               const std::string& hardware);
// The model, each system's leave-one-out model, and the errors of both per op kind and system.
EfficiencyFitReport fit_efficiency_model(const KernelPointSets& pts);

}  // namespace infersim::perf
