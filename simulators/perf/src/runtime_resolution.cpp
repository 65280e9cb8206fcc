#include "infersim/perf/runtime_resolution.h"

#include <fmt/format.h>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::perf {

using common::ConfigError;
using hwprofiles::Calibration;
using hwprofiles::HardwareProfile;

namespace {

// A fitted (or family-borrowed) calibration of `runtime` on h: of `version` when given and tagged,
// else the newest-listed one (file order).
const Calibration* own_or_family(const HardwareProfile& h, const std::string& runtime,
                                 const std::string& version = "") {
  if (!version.empty())
    for (const auto& c : h.calibrations)
      if (c.runtime == runtime && c.version == version) return &c;
  for (const auto& c : h.calibrations)
    if (c.runtime == runtime && (version.empty() || c.version.empty())) return &c;
  return nullptr;
}

// Where the kernel path finds its tables for h: its own, else a same-family chip's (transferred by
// the roofline). {folder, hardware it was measured on}; empty when neither exists.
std::pair<std::string, std::string> kernel_tables_for(const hwprofiles::RuntimeVersion& v, const HardwareProfile& h) {
  if (auto it = v.kernel_tables.find(h.name); it != v.kernel_tables.end()) return {it->second, h.name};
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  for (const auto& [hw, folder] : v.kernel_tables) {
    if (!cat.contains(hw)) continue;
    const auto& x = cat.get(hw);
    if (x.family == h.family && x.vendor == h.vendor && x.kind == h.kind) return {folder, hw};
  }
  return {"", ""};
}

// Speed of `runtime` relative to the reference runtime on hardware x (both fitted there), for a
// reference shape (Llama-3.1-8B, one chip, 16-bit): {prefill factor, decode factor} = t_R / t_ref.
std::pair<double, double> relative_speed(const HardwareProfile& x, const Calibration& r, const Calibration& ref) {
  const auto& m = model::ModelCatalog::shipped().get("llama-3.1-8b");
  Deployment d;
  d.hardware = x;
  d.hardware.calibrations.clear();
  const auto dt = x.supports(common::DType::bf16) ? common::DType::bf16 : common::DType::fp16;
  d.precision = {dt, dt, dt};
  StepEstimator est(m, d);
  auto geo = [&](std::initializer_list<model::BatchShape> shapes) {
    double log_sum = 0;
    int n = 0;
    for (const auto& b : shapes) {
      const auto c = est.cost(b);
      log_sum += std::log(c.time(r.params) / c.time(ref.params));
      ++n;
    }
    return std::exp(log_sum / n);
  };
  const double fp = geo({model::BatchShape::prefill(1, 512), model::BatchShape::prefill(4, 1024)});
  const double fd = geo(
      {model::BatchShape::decode(1, 1024), model::BatchShape::decode(16, 1024), model::BatchShape::decode(64, 1024)});
  return {fp, fd};
}

}  // namespace

bool basis_is_measured(const std::string& basis) { return basis == "fitted" || basis == "kernel tables"; }

const char* basis_risk(const std::string& basis) {
  if (basis_is_measured(basis)) return "low";
  if (basis == "family" || basis == "vendor" || basis == "transferred" || basis == "transferred tables" ||
      basis == "published speed")
    return "medium";
  return "high";
}

RuntimeResolution resolve_runtime(const model::ModelSpec& m, const Deployment& d) {
  const auto& hw = d.hardware;
  auto& runtimes = hwprofiles::RuntimeCatalog::shipped();
  RuntimeResolution res;
  const hwprofiles::RuntimeProfile* rp = nullptr;
  if (d.runtime.empty()) {
    rp = runtimes.default_for(hw);
    res.defaulted = true;
    if (rp == nullptr) {
      // No runtime profile claims this hardware: keep its own calibration, clearly labelled.
      res.runtime = hw.calibrations.empty() ? "datasheet" : hw.calibrations.front().runtime;
      res.basis = hw.calibrations.empty() ? "datasheet" : "default";
      if (!hw.calibrations.empty())
        res.calibration = hw.calibrations.front();
      else {
        res.calibration.runtime = res.runtime;
        res.calibration.params = hw.datasheet_efficiency;
        res.calibration.source = "[EST] datasheet efficiency only: no runtime profile or calibration for this hardware";
      }
      return res;
    }
  } else {
    rp = &runtimes.get(hwprofiles::split_runtime_version(d.runtime).first);
  }
  std::string want_version = d.runtime_version;
  if (!d.runtime.empty()) {
    const auto [name, v] = hwprofiles::split_runtime_version(d.runtime);
    if (!v.empty()) want_version = v;
  }
  res.versions = rp->version_names();
  const hwprofiles::RuntimeVersion* rv = nullptr;
  if (!rp->versions.empty()) {
    rv = rp->version(want_version);
    if (rv == nullptr)
      throw ConfigError("", "--runtime",
                        fmt::format("runtime '{}' has no version '{}'; versions: {}{}", rp->name, want_version,
                                    common::join(rp->version_names(), ", "),
                                    common::suggest_suffix(want_version, rp->version_names())));
  } else if (!want_version.empty()) {
    throw ConfigError("", "--runtime",
                      fmt::format("runtime '{}' lists no versions (asked for '{}')", rp->name, want_version));
  }
  const auto* backend = rp->backend_for(hw);
  if (backend == nullptr) {
    std::vector<std::string> avail;
    for (const auto* p : runtimes.for_hardware(hw)) avail.push_back(p->name);
    throw ConfigError("", "--runtime",
                      fmt::format("runtime '{}' does not run on {} ({} family); runtimes for it: {}", rp->name, hw.name,
                                  hw.family, avail.empty() ? "none in the catalog" : common::join(avail, ", ")));
  }
  if (!rp->serves(m.architecture))
    throw ConfigError("", "--runtime",
                      fmt::format("runtime '{}' does not serve {} models ('{}' architecture); it serves: {} ({})",
                                  rp->name, m.name, m.architecture, common::join(rp->architectures, ", "),
                                  rp->architectures_source));
  const std::string dtype_issue = rp->dtype_problem(hw, d.precision.weight, d.precision.kv);
  if (!dtype_issue.empty()) throw ConfigError("", "--precision", dtype_issue);
  res.runtime = rp->name;
  res.pipeline_micro_batches = rp->features.pipeline_micro_batches;
  res.backend = backend->name;
  res.maturity = backend->maturity;
  if (rv != nullptr) {
    res.version = rv->version;
    res.scheduler = rv->scheduler;
    res.has_scheduler = true;
  }

  // Kernel path: the version has kernel tables; the chip has its own, a same-family chip's, or is a
  // GPU the efficiency model (fitted on GPU kernel tables) covers.
  if (rv != nullptr && rv->kernel_model) {
    const auto [folder, measured_on] = kernel_tables_for(*rv, hw);
    if (!folder.empty() || hw.kind == hwprofiles::HardwareKind::gpu) {
      res.kernel_model = true;
      res.kernel_tables = folder;
      res.kernel_tables_hardware = measured_on;
      res.fused_quant = rv->fused_quant;
      if (auto fa = rv->fused_allreduce_mib.find(hw.family); fa != rv->fused_allreduce_mib.end())
        res.fused_allreduce_mib = fa->second;
      res.basis = folder.empty() ? "efficiency model"
                                 : (measured_on == hw.name ? "kernel tables" : "transferred tables");
      const Calibration* kc = runtimes.kernel_calibration(rp->name, rv->version);
      if (kc != nullptr) {
        res.calibration = *kc;
        if (m.is_moe()) {
          std::string why;
          const auto sc = hwprofiles::pick_moe_scales(kc->moe_expert_scales, hw.name, hw.family,
                                                      common::dtype_name(d.precision.weight),
                                                      common::dtype_name(d.precision.activation), m.attention_kind(),
                                                      &why);
          res.calibration.params.moe_expert_scale = sc.scale;
          res.calibration.params.moe_prefill_scale = sc.prefill_scale;
          res.calibration.params.moe_layer_overhead_s = sc.layer_overhead_s;
          if (!why.empty()) res.calibration.source += "; " + why;
        }
      } else {
        res.calibration.runtime = rp->name;
        res.calibration.version = rv->version;
        res.calibration.params = hwprofiles::CalibrationParams{};
        res.calibration.source = fmt::format(
            "[EST] no serving measurements of {}@{} fitted: kernel times only, no overheads", rp->name, rv->version);
        res.calibration.borrowed = true;
      }
      res.calibration.basis = res.basis;
      res.calibration.fitted_on = measured_on;
      const std::string what =
          folder.empty()
              ? fmt::format("[EST] roofline efficiency model fitted on other GPUs' kernel tables (none for {})",
                            hw.name)
          : measured_on == hw.name
              ? fmt::format("[MEAS] kernel tables {} (measured on {})", folder, hw.name)
              : fmt::format("[EST] kernel tables {} measured on {} ({} family), scaled to {} by the roofline", folder,
                            measured_on, hw.family, hw.name);
      res.calibration.source = fmt::format("{}; {}", what, res.calibration.source);
      return res;
    }
    // Not a GPU and no tables: this chip keeps its fitted roofline calibrations below.
  }
  const std::string legacy_version = (rv != nullptr && !rv->kernel_model) ? rv->version : "";

  if (const auto* c = own_or_family(hw, rp->name, legacy_version)) {
    res.calibration = *c;
    res.basis = c->basis;
    return res;
  }
  const Calibration* ref = own_or_family(hw, REFERENCE_RUNTIME);
  if (ref != nullptr && rp->name != REFERENCE_RUNTIME) {
    // Find a hardware where both this runtime and the reference were fitted; prefer the same vendor.
    auto& hwcat = hwprofiles::HardwareCatalog::shipped();
    const HardwareProfile* source = nullptr;
    const Calibration *r_fit = nullptr, *ref_fit = nullptr;
    for (int pass = 0; pass < 2 && source == nullptr; ++pass) {
      for (const auto& name : hwcat.names()) {
        const auto& x = hwcat.get(name);
        if (pass == 0 && x.vendor != hw.vendor) continue;
        const auto* a = own_or_family(x, rp->name);
        const auto* b = own_or_family(x, REFERENCE_RUNTIME);
        if (a && b && !a->borrowed && !b->borrowed) {
          source = &x;
          r_fit = a;
          ref_fit = b;
          break;
        }
      }
    }
    if (source != nullptr) {
      const auto [fp, fd] = relative_speed(*source, *r_fit, *ref_fit);
      Calibration t = *ref;
      t.runtime = rp->name;
      t.borrowed = true;
      t.params.compute_fraction = std::min(1.0, ref->params.compute_fraction / fp);
      t.params.memory_fraction = std::min(1.0, ref->params.memory_fraction / fd);
      t.params.step_overhead_s *= fd;
      t.params.layer_overhead_s *= fd;
      t.params.seq_overhead_s *= fd;
      t.params.collective_overhead_s *= fd;
      t.fitted_on = source->name;
      t.source =
          fmt::format("[EST] transferred: {} {} calibration ({}) scaled by {}'s measured speed relative to {} on {} "
                      "(prefill x{:.2f}, decode x{:.2f})",
                      hw.name, REFERENCE_RUNTIME, ref->borrowed ? "borrowed" : "fitted", rp->name, REFERENCE_RUNTIME,
                      source->name, fp, fd);
      res.calibration = t;
      res.basis = "transferred";
      return res;
    }
    Calibration a = *ref;
    a.runtime = rp->name;
    a.borrowed = true;
    a.source = fmt::format("[EST] assumed: {} was not measured on any hardware; taken as fast as {} on {}", rp->name,
                           REFERENCE_RUNTIME, hw.name);
    res.calibration = a;
    res.basis = "assumed";
    return res;
  }
  if (!hw.calibrations.empty()) {
    Calibration c = hw.calibrations.front();
    c.runtime = rp->name;
    c.borrowed = true;
    c.source = fmt::format("[EST] no measurements of {} on {} or its family: {} (from: {})", rp->name, hw.name,
                           "the hardware's default calibration", hw.calibrations.front().source);
    res.calibration = c;
    res.basis = "default";
    return res;
  }
  res.calibration.runtime = rp->name;
  res.calibration.params = hw.datasheet_efficiency;
  res.calibration.source = "[EST] datasheet efficiency only (pure roofline, no overheads)";
  res.basis = "datasheet";
  return res;
}

common::DType state_precision_for(const model::ModelSpec& m, const std::string& text) {
  if (text.empty()) return model::Precision{}.state;
  const auto s = model::parse_state_precision(text);
  if (!s)
    throw ConfigError("", "state_precision",
                      fmt::format("'{}': a recurrent state is kept in fp32, bf16 or fp16{}", text,
                                  common::suggest_suffix(text, {"fp32", "bf16", "fp16"})));
  if (!m.is_hybrid_linear())
    throw ConfigError("", "state_precision",
                      fmt::format("{} keeps no recurrent state (it has no Gated DeltaNet layers)", m.name));
  return *s;
}

model::Precision default_precision(const HardwareProfile& hw, common::DType w, std::optional<common::DType> kv,
                                   const std::string& runtime) {
  using common::DType;
  model::Precision p;
  p.weight = w;
  const DType sixteen = hw.supports(DType::bf16) ? DType::bf16 : (hw.supports(DType::fp16) ? DType::fp16 : DType::fp32);
  switch (w) {
    case DType::fp32: p.activation = DType::fp32; break;
    case DType::bf16:
    case DType::fp16: p.activation = w; break;
    case DType::fp8:
    case DType::fp4: p.activation = hw.supports(w) ? w : sixteen; break;
    case DType::int8: p.activation = hw.supports(DType::int8) ? DType::int8 : sixteen; break;
    default: p.activation = sixteen; break;
  }
  if (kv) {
    p.kv = *kv;
    return p;
  }
  p.kv = w == DType::fp8 ? DType::fp8 : (w == DType::fp32 ? DType::fp32 : (w == DType::fp16 ? DType::fp16 : sixteen));
  const auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const std::string rname = hwprofiles::split_runtime_version(runtime).first;
  const auto* rp = rname.empty() ? rts.default_for(hw) : (rts.contains(rname) ? &rts.get(rname) : nullptr);
  if (const auto* be = rp ? rp->backend_for(hw) : nullptr) {
    auto has = [&](DType x) { return std::find(be->kv_dtypes.begin(), be->kv_dtypes.end(), x) != be->kv_dtypes.end(); };
    if (!has(p.kv)) {
      // Same width first (bf16 <-> fp16, fp8 <-> int8), then the runtime's 16-bit cache.
      bool found = false;
      for (DType alt : {DType::bf16, DType::fp16, DType::fp8, DType::int8, DType::fp32})
        if (!found && has(alt) && common::bytes_per_element(alt) == common::bytes_per_element(p.kv)) {
          p.kv = alt;
          found = true;
        }
      for (DType alt : {DType::bf16, DType::fp16})
        if (!found && has(alt)) {
          p.kv = alt;
          found = true;
        }
    }
  }
  return p;
}

std::string fused_allreduce_tables(const std::string& tables_hardware) {
  auto& runtimes = hwprofiles::RuntimeCatalog::shipped();
  if (tables_hardware.empty() || !runtimes.contains("tensorrt-llm")) return "";
  const auto* v = runtimes.get("tensorrt-llm").version();
  if (v == nullptr) return "";
  const auto it = v->kernel_tables.find(tables_hardware);
  return it == v->kernel_tables.end() ? "" : it->second;
}

RuntimeResolution apply_runtime(const model::ModelSpec& m, Deployment& d) {
  RuntimeResolution r = resolve_runtime(m, d);
  d.runtime = r.calibration.runtime = r.runtime;
  d.runtime_version = r.version;
  if (r.calibration.version.empty()) r.calibration.version = r.version;
  d.hardware.calibrations = {r.calibration};
  d.kernel_model = r.kernel_model;
  d.kernel_tables = r.kernel_tables;
  d.kernel_tables_hardware = r.kernel_tables_hardware;
  d.fused_quant = r.fused_quant;
  d.fused_allreduce_mib = r.fused_allreduce_mib;
  d.moe_routing_skew = r.kernel_model ? r.calibration.params.moe_routing_skew : 0.0;
  d.pp_micro_batches = r.pipeline_micro_batches;
  if (r.has_scheduler) d.scheduler = r.scheduler;
  return r;
}

}  // namespace infersim::perf
