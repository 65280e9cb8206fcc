#include "infersim/app/deployment.h"

#include <fmt/format.h>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"

namespace infersim::app {

using common::ConfigError;
using common::DType;

DType parse_precision_field(const std::string& value, const std::string& field) {
  auto d = common::parse_dtype(value);
  if (!d || *d == DType::tf32)
    throw ConfigError("", field,
                      fmt::format("'{}' is not a precision (bf16, fp16, fp8, int8, int4, fp4, fp32){}", value,
                                  common::suggest_suffix(value, common::dtype_names())));
  return *d;
}

ResolvedDeployment resolve_deployment(const DeploymentRequest& r) {
  ResolvedDeployment p;
  if (r.model.empty())
    throw ConfigError("", "model", "is required (a catalog name or a path to a model card / config.json)");
  if (r.hardware.empty()) throw ConfigError("", "hardware", "is required (a catalog name or a path to a profile JSON)");
  p.model = model::ModelCatalog::shipped().resolve(r.model);
  auto& d = p.deployment;
  d.hardware = hwprofiles::HardwareCatalog::shipped().resolve(r.hardware);
  // Default: the format the vendor serves on the chip where the profile names one, else 16-bit.
  const DType served = d.hardware.served_weights          ? *d.hardware.served_weights
                       : d.hardware.supports(DType::bf16) ? DType::bf16
                                                          : DType::fp16;
  const DType w = r.precision.empty() ? served : parse_precision_field(r.precision, "precision");
  std::optional<DType> kv;
  if (!r.kv_precision.empty()) kv = parse_precision_field(r.kv_precision, "kv_precision");
  d.runtime = r.runtime;
  d.precision = perf::default_precision(d.hardware, w, kv, d.runtime);
  d.precision.state = perf::state_precision_for(p.model, r.state_precision);
  // Runtime first: it decides which calibration (and so which memory/speed) the layout search sees.
  p.runtime = perf::apply_runtime(p.model, d);
  p.workload = r.workload;
  if (r.mtp_acceptance && !r.mtp) throw ConfigError("", "--mtp-accept", "needs --mtp (the draft tokens per step)");
  if (r.mtp) {
    if (!p.model.is_moe())
      throw ConfigError("", "--mtp",
                        fmt::format("{} has no MTP module priced here (multi-token prediction is modelled for the "
                                    "DeepSeek-style MoE families)",
                                    p.model.name));
    const double fitted = d.hardware.calibrations.empty() ? 0.0 : d.hardware.calibrations.front().params.mtp_acceptance;
    double a = r.mtp_acceptance.value_or(fitted);
    const std::string rt = d.runtime_version.empty() ? d.runtime : d.runtime + "@" + d.runtime_version;
    if (!(a > 0) && d.kernel_model) {
      // A version with no MTP runs of its own takes the acceptance fitted over every runtime's MTP runs,
      // as `infersim validate` predicts such rows (RuntimeCatalog::pooled_mtp_acceptance).
      a = hwprofiles::RuntimeCatalog::shipped().pooled_mtp_acceptance();
      if (a > 0)
        p.mtp_note = fmt::format(
            "MTP acceptance {:.2f} per position: {} has no MTP runs of its own, so the acceptance fitted over the "
            "other runtimes' measured MTP runs is used (calibrate-serving --fit-mtp; --mtp-accept overrides it)",
            a, rt);
    }
    if (!(a > 0))
      throw ConfigError("", "--mtp-accept",
                        fmt::format("no MTP acceptance is fitted for {}: give one (per position, 0-1)", rt));
    d.mtp = perf::MultiTokenPrediction{*r.mtp, a};
  }
  if (!r.draft.empty())
    d.speculative = perf::SpeculativeDecoding{model::ModelCatalog::shipped().resolve(r.draft), r.spec_k,
                                              r.spec_acceptance};
  if (r.ep) d.ep = *r.ep;
  d.weight_sparsity = r.weight_sparsity;
  // (validate_deployment checks these with the layout, when the estimator is built.)
  const double kv_tokens = p.workload.batch * (p.workload.input + p.workload.output);
  if (!r.chips && !r.tp && !r.pp) {
    auto sized = perf::auto_size(p.model, d, kv_tokens, perf::max_step_tokens(d.hardware, p.workload),
                                 p.workload.batch);
    d = sized.deployment;
    p.layout_note = sized.explanation;
    return p;
  }
  // The chips-to-tp/pp rule: chips alone -> the widest TP that divides the model's heads; tp or pp
  // alone with chips -> the other is the quotient; neither chips -> 1 for what is missing.
  int t = r.tp.value_or(0), q = r.pp.value_or(0);
  const int n = r.chips.value_or(0);
  if (n > 0 && t == 0 && q == 0) {
    t = perf::tp_for_chips(p.model, d.hardware, n);
    q = n / t;
  }
  if (t == 0) t = n > 0 && q > 0 ? n / q : 1;
  if (q == 0) q = n > 0 ? n / t : 1;
  if (n > 0 && t * q != n)
    throw ConfigError("", "chips", fmt::format("chips {} must equal tp x pp = {} x {}", n, t, q));
  d.tp = t;
  d.pp = q;
  p.layout_note = fmt::format("layout as given: {} chips (tp={}, pp={})", t * q, t, q);
  // A chip with a DDR tier holds the weights main memory cannot (SambaNova's placement).
  const std::string placed = perf::place_weights(p.model, d, kv_tokens, perf::max_step_tokens(d.hardware, p.workload),
                                                 p.workload.batch);
  if (!placed.empty()) p.layout_note += "; " + placed;
  return p;
}

}  // namespace infersim::app
