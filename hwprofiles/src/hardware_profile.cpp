#include "infersim/hwprofiles/hardware_profile.h"

#include <fmt/format.h>

#include <cmath>

namespace infersim::hwprofiles {

using common::DType;

const char* kind_name(HardwareKind k) {
  switch (k) {
    case HardwareKind::gpu: return "gpu";
    case HardwareKind::lpu: return "lpu";
    case HardwareKind::tpu: return "tpu";
    case HardwareKind::npu: return "npu";
    case HardwareKind::cpu: return "cpu";
    case HardwareKind::asic: return "asic";
  }
  return "?";
}

const std::vector<std::string>& kind_names() {
  static const std::vector<std::string> n = {"gpu", "lpu", "tpu", "npu", "cpu", "asic"};
  return n;
}

namespace {
int width_rank(DType d) {
  switch (d) {
    case DType::fp4:
    case DType::int4: return 0;
    case DType::fp8:
    case DType::int8: return 1;
    case DType::bf16:
    case DType::fp16: return 2;
    case DType::tf32: return 3;
    case DType::fp32: return 4;
  }
  return 2;
}
}  // namespace

double HardwareProfile::matmul_peak(DType weight, DType activation) const {
  // The operand with more bits sets the math format.
  DType want = width_rank(weight) >= width_rank(activation) ? weight : activation;
  // int weights with float activations compute in the float format.
  if ((weight == DType::int8 || weight == DType::int4) && activation != DType::int8 && activation != DType::int4)
    want = activation;
  if (supports(want)) return peak(want);
  // Same width first (bf16 <-> fp16), then wider formats, then narrower floats, then anything.
  if (want == DType::bf16 && supports(DType::fp16)) return peak(DType::fp16);
  if (want == DType::fp16 && supports(DType::bf16)) return peak(DType::bf16);
  static const DType wider[] = {DType::fp8, DType::bf16, DType::fp16, DType::tf32, DType::fp32};
  const int r = width_rank(want);
  for (DType d : wider)
    if (width_rank(d) > r && supports(d)) return peak(d);
  static const DType narrower_floats[] = {DType::tf32, DType::bf16, DType::fp16, DType::fp8, DType::fp4};
  for (DType d : narrower_floats)
    if (width_rank(d) < r && supports(d)) return peak(d);
  static const DType any[] = {DType::int8, DType::int4};
  for (DType d : any)
    if (supports(d)) return peak(d);
  return 0.0;
}

const Calibration* HardwareProfile::calibration(const std::string& runtime) const {
  if (calibrations.empty()) return nullptr;
  if (runtime.empty()) return &calibrations.front();
  // "vllm@0.24": that version's calibration, else any calibration of the runtime.
  const auto at = runtime.find('@');
  const std::string rt_name = runtime.substr(0, at);
  const std::string version = at == std::string::npos ? "" : runtime.substr(at + 1);
  if (!version.empty())
    for (const auto& c : calibrations)
      if (c.runtime == rt_name && (c.version == version || c.version.rfind(version + ".", 0) == 0)) return &c;
  for (const auto& c : calibrations)
    if (c.runtime == rt_name) return &c;
  return nullptr;
}

std::string HardwareProfile::source_of(const std::string& pointer) const {
  auto it = sources.find(pointer);
  return it == sources.end() ? std::string{} : it->second;
}

std::vector<std::string> check_hardware_profile(const HardwareProfile& h) {
  std::vector<std::string> p;
  auto bad = [&](bool cond, std::string msg) {
    if (cond) p.push_back(std::move(msg));
  };
  bool any = false;
  for (double f : h.peak_flops) {
    bad(!std::isfinite(f) || f < 0, "peak compute must be finite and >= 0");
    any = any || f > 0;
  }
  bad(!any, "no compute dtype has a peak: at least one of compute.{fp32,bf16,fp16,fp8,int8,...} is needed");
  bad(h.memory_bytes() <= 0, "no memory capacity: a 'main' or 'sram' tier with capacity is needed");
  bad(h.memory_bw() <= 0, "no memory bandwidth for the tier that holds the weights");
  if (!h.sram_only()) {
    bad(h.main_memory_bw_bytes_per_s > 100e12,
        fmt::format("main memory bandwidth {:.0f} GB/s is not physical for HBM/DRAM (> 100 TB/s)",
                    h.main_memory_bw_bytes_per_s / 1e9));
  }
  const double bf = std::max(h.peak(DType::bf16), h.peak(DType::fp16));
  if (bf > 0) {
    bad(h.peak(DType::int4) > 4.01 * bf, "int4 peak exceeds 4x the 16-bit peak");
    // Blackwell Ultra trades 16-bit and INT8 rate for NVFP4: B300 / GB300 run FP4 at ~6x BF16 (dense).
    bad(h.peak(DType::fp4) > 8.01 * bf, "fp4 peak exceeds 8x the 16-bit peak");
  }
  bad(h.tdp_w <= 0, "power.tdp_w must be > 0");
  bad(h.idle_w < 0 || h.idle_w > h.decode_w + 1e-9, "power: idle must be <= decode power");
  bad(h.decode_w > h.prefill_w + 1e-9, "power: decode must be <= prefill power");
  bad(h.prefill_w > 1.5 * h.tdp_w, "power: prefill power exceeds 1.5 x TDP");
  bad(h.host_link_effective_bytes_per_s > h.host_link_bw_bytes_per_s * 1.0001 && h.host_link_bw_bytes_per_s > 0,
      "host_link: effective bandwidth exceeds the nominal bandwidth");
  bad(h.scale_up_domain < 1, "scale_up.domain_size must be >= 1");
  bad(h.scale_up_node < 1 || h.scale_up_node > h.scale_up_domain,
      "scale_up.node_size must be >= 1 and at most scale_up.domain_size");
  {
    const auto& P = h.prices;
    bad(P.commit_1y.known() && P.on_demand.known() && P.commit_1y.usd > P.on_demand.usd * 1.0001,
        "price: 1-year commitment $/hour exceeds on-demand");
    bad(P.commit_3y.known() && P.commit_1y.known() && P.commit_3y.usd > P.commit_1y.usd * 1.0001,
        "price: 3-year commitment $/hour exceeds the 1-year one");
  }
  auto frac = [&](double f, const char* what) {
    bad(!(f > 0 && f <= 1.0), fmt::format("{} must be in (0, 1], got {}", what, f));
  };
  frac(h.datasheet_efficiency.compute_fraction, "efficiency.compute_fraction");
  frac(h.datasheet_efficiency.memory_fraction, "efficiency.memory_fraction");
  frac(h.datasheet_efficiency.interconnect_fraction, "efficiency.interconnect_fraction");
  for (const auto& c : h.calibrations) {
    frac(c.params.compute_fraction, "calibration compute_fraction");
    frac(c.params.memory_fraction, "calibration memory_fraction");
    bad(c.params.step_overhead_s < 0 || c.params.layer_overhead_s < 0 || c.params.seq_overhead_s < 0 ||
            c.params.collective_overhead_s < 0 || c.params.pp_staging_fraction < 0 ||
            c.params.dequant_flops_per_weight < 0,
        "calibration overheads must be >= 0");
    bad(!(c.params.roofline_norm == 0 || c.params.roofline_norm >= 1),
        fmt::format("calibration roofline_norm must be 0 (pure max) or >= 1, got {}", c.params.roofline_norm));
    frac(c.params.attention_fraction, "calibration attention_fraction");
  }
  return p;
}

MoeExpertScale pick_moe_scales(const std::vector<MoeExpertScale>& scales, const std::string& hardware,
                               const std::string& family, const std::string& weight, const std::string& activation,
                               const std::string& attention, std::string* why) {
  const MoeExpertScale* pooled = nullptr;
  // The pooled fit describes the fitted GPUs' families only: a GPU of another family (AMD, older
  // NVIDIA) keeps the dense-table estimate rather than borrow another vendor's MoE kernels.
  bool family_fitted = false;
  for (const auto& s : scales) {
    if (s.hardware.empty())
      pooled = &s;
    else
      family_fitted = family_fitted || s.family == family;
  }
  // Same attention kind first (a fit on the other kind prices other attention kernels), then any.
  auto find = [&](bool same_attention) -> const MoeExpertScale* {
    const MoeExpertScale* own = nullptr;
    const MoeExpertScale* kin = nullptr;
    for (const auto& s : scales) {
      if (s.hardware.empty() || s.weight != weight || s.activation != activation) continue;
      if (same_attention && !attention.empty() && !s.attention.empty() && s.attention != attention) continue;
      if (s.hardware == hardware) {
        if (own == nullptr || s.rows_fit > own->rows_fit) own = &s;
      } else if (!family.empty() && s.family == family && (kin == nullptr || s.rows_fit > kin->rows_fit)) {
        // Of the family's other GPUs, the one fitted on most rows.
        kin = &s;
      }
    }
    return own != nullptr ? own : kin;
  };
  const MoeExpertScale* use = find(true);
  if (use == nullptr) use = find(false);
  if (use == nullptr && family_fitted) use = pooled;
  if (why != nullptr) {
    const std::string att = use != nullptr && use->attention == "mla"        ? " (MLA models)"
                            : use != nullptr && use->attention == "dsa"      ? " (DSA models)"
                            : use != nullptr && use->attention == "standard" ? " (standard-attention models)"
                                                                             : "";
    if (use == nullptr)
      *why = "";
    else if (use == pooled)
      *why = fmt::format("MoE experts x{:.2f} (pooled fit on {} MoE rows of the {} family and others; none on {} "
                         "{}/{})",
                         use->scale, use->rows_fit, family, hardware, weight, activation);
    else
      *why = fmt::format("MoE experts x{:.2f} (fitted on {} MoE rows of {} {}/{}{})", use->scale, use->rows_fit,
                         use->hardware, weight, activation, att);
  }
  if (use == nullptr) return MoeExpertScale{};
  if (why != nullptr && use->prefill_scale != 1.0)
    *why += fmt::format(", prefill x{:.2f} ({} rows)", use->prefill_scale, use->rows_fit_prefill);
  if (why != nullptr && use->layer_overhead_s > 0)
    *why += fmt::format(", +{:.1f} us per MoE layer and step", use->layer_overhead_s * 1e6);
  return *use;
}

}  // namespace infersim::hwprofiles
