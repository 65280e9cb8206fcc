#include "infersim/perf/deployment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "infersim/common/errors.h"

namespace infersim::perf {

using common::ConfigError;

double SpeculativeDecoding::expected_tokens() const {
  if (acceptance >= 1.0) return k + 1.0;
  return (1.0 - std::pow(acceptance, k + 1)) / (1.0 - acceptance);
}

double MultiTokenPrediction::expected_tokens() const {
  if (draft_tokens <= 0) return 1.0;
  if (acceptance >= 1.0) return draft_tokens + 1.0;
  return (1.0 - std::pow(acceptance, draft_tokens + 1)) / (1.0 - acceptance);
}

StageHops stage_hops(const Deployment& d) {
  StageHops s;
  const auto& hw = d.hardware;
  const double hops = std::max(0, d.pp - 1);
  s.cross = hops;
  if (hw.scale_up_bw_bytes_per_s > 0 && d.tp <= hw.scale_up_domain)
    s.cross = std::ceil(d.pp / std::floor(double(hw.scale_up_domain) / d.tp)) - 1.0;
  s.inside = hops - s.cross;
  const bool via_fabric = hw.scale_out_bw_bytes_per_s <= 0 && hw.host_link_bw_bytes_per_s <= 0 &&
                          hw.scale_up_bw_bytes_per_s > 0;
  s.cross_bw = hw.scale_out_bw_bytes_per_s > 0 ? hw.scale_out_bw_bytes_per_s
               : via_fabric                    ? hw.scale_up_bw_bytes_per_s
                                               : hw.host_link_bw_bytes_per_s * 0.5;
  s.cross_latency_s = hw.scale_out_bw_bytes_per_s > 0 && hw.scale_out_latency_s > 0 ? hw.scale_out_latency_s
                      : via_fabric                                                  ? hw.scale_up_latency_s
                                                                                    : 10e-6;
  return s;
}

void validate_deployment(const model::ModelSpec& m, const Deployment& d) {
  if (d.tp < 1) throw ConfigError("", "--tp", "tensor parallelism must be >= 1");
  if (d.pp < 1) throw ConfigError("", "--pp", "pipeline parallelism must be >= 1");
  if (d.ep < 1) throw ConfigError("", "--ep", "expert parallelism must be >= 1");
  if (d.pp > m.num_layers)
    throw ConfigError("", "--pp",
                      fmt::format("pipeline parallelism {} exceeds the model's {} layers", d.pp, m.num_layers));
  if (d.attention_dp < 1) throw ConfigError("", "--attention-dp", "attention data parallelism must be >= 1");
  if (d.attention_dp > 1 && !m.is_moe())
    throw ConfigError("", "--attention-dp",
                      fmt::format("attention data parallelism needs an MoE model; {} is dense", m.name));
  if (d.ep > 1) {
    if (!m.is_moe())
      throw ConfigError("", "--ep", fmt::format("expert parallelism needs an MoE model; {} is dense", m.name));
    if ((d.tp * d.attention_dp) % d.ep != 0)
      throw ConfigError("", "--ep",
                        fmt::format("ep {} must divide tp x attention-dp = {} (experts are spread over those chips)",
                                    d.ep, d.tp * d.attention_dp));
    if (m.moe.num_experts % d.ep != 0)
      throw ConfigError("", "--ep", fmt::format("ep {} must divide the {} experts", d.ep, m.moe.num_experts));
  }
  const auto& hw = d.hardware;
  if (hw.kind != hwprofiles::HardwareKind::lpu && !hw.sram_only() && m.num_heads % d.tp != 0)
    throw ConfigError("", "--tp",
                      fmt::format("tp {} must divide the {} attention heads of {}", d.tp, m.num_heads, m.name));
  if (!(d.weight_sparsity >= 0 && d.weight_sparsity < 0.95))
    throw ConfigError("", "--sparsity", "weight sparsity must be in [0, 0.95)");
  for (const auto& [t, mib] : d.fused_allreduce_mib)
    if (t < 2 || !(mib >= 0))
      throw ConfigError("", "fused_allreduce_mib", fmt::format("TP {}: {} MiB (TP >= 2, MiB >= 0)", t, mib));
  if (!(d.memory_reserve_fraction >= 0 && d.memory_reserve_fraction < 0.9))
    throw ConfigError("", "memory_reserve_fraction", "must be in [0, 0.9)");
  if (hw.matmul_peak(d.precision.weight, d.precision.activation) <= 0)
    throw ConfigError("", "--precision",
                      fmt::format("{} has no compute peak for {} weights", hw.name,
                                  common::dtype_name(d.precision.weight)));
  // Floating formats the chip cannot compute in are an error when the math is asked in them (W8A8,
  // W4A4); narrow weights with 16-bit math are weight-only quantisation (MXFP4 gpt-oss on Hopper, FP8
  // Marlin), which the runtime support matrix allows or refuses.
  const auto w = d.precision.weight;
  if ((w == common::DType::fp8 || w == common::DType::fp4) && !hw.supports(w) && d.precision.activation == w)
    throw ConfigError("", "--precision",
                      fmt::format("{} has no {} support (datasheet lists none); choose another precision", hw.name,
                                  common::dtype_name(w)));
  if (d.speculative) {
    if (d.speculative->k < 1 || d.speculative->k > 16) throw ConfigError("", "--spec-k", "must be in [1, 16]");
    if (!(d.speculative->acceptance > 0 && d.speculative->acceptance < 1))
      throw ConfigError("", "--spec-accept", "acceptance rate must be in (0, 1)");
    if (d.speculative->draft.vocab_size != m.vocab_size)
      throw ConfigError("", "--draft",
                        fmt::format("draft model {} has vocabulary {} but {} has {}: they cannot share tokens",
                                    d.speculative->draft.name, d.speculative->draft.vocab_size, m.name, m.vocab_size));
  }
  if (d.mtp) {
    if (d.mtp->draft_tokens < 1 || d.mtp->draft_tokens > 8) throw ConfigError("", "--mtp", "must be in [1, 8]");
    if (!(d.mtp->acceptance > 0 && d.mtp->acceptance < 1))
      throw ConfigError("", "--mtp-accept", "acceptance rate must be in (0, 1)");
    if (d.speculative)
      throw ConfigError("", "--mtp", "multi-token prediction and a draft model cannot be combined; choose one");
    if (!m.is_moe())
      throw ConfigError("", "--mtp",
                        fmt::format("{} has no MTP module priced here (multi-token prediction is modelled for the "
                                    "DeepSeek-style MoE families)",
                                    m.name));
  }
  if (d.chips() > 1 && !hw.multi_chip_capable())
    throw ConfigError("", "--chips",
                      fmt::format("{} has no chip-to-chip interconnect in its profile (scale-up, scale-out or PCIe), "
                                  "so it cannot be used with {} chips",
                                  hw.name, d.chips()));
}

}  // namespace infersim::perf
