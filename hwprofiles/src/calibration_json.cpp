#include <fmt/format.h>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

namespace infersim::hwprofiles {

using common::Json;
using common::JsonReader;

std::vector<CalibrationEntry> calibrations_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto version = r.integer("schema_version", 1, 1000);
  if (version != CALIBRATION_SCHEMA_VERSION)
    r.fail("schema_version",
           fmt::format("unsupported schema_version {} (this build reads {})", version, CALIBRATION_SCHEMA_VERSION));
  r.string_or("generated_by", "");
  r.string_or("method", "");
  std::vector<CalibrationEntry> out;
  for (auto& e : r.array_of_objects("entries")) {
    CalibrationEntry ce;
    ce.hardware = e.string("hardware");
    ce.calibration.runtime = e.string("runtime");
    ce.calibration.version = e.string_or("version", "");
    ce.calibration.fitted_on = ce.hardware;
    auto& p = ce.calibration.params;
    p.compute_fraction = e.number("compute_fraction", 1e-4, 1.0);
    p.memory_fraction = e.number("memory_fraction", 1e-4, 1.0);
    p.interconnect_fraction = e.number_or("interconnect_fraction", 0.8, 1e-4, 1.0);
    p.step_overhead_s = e.number("step_overhead_us", 0, 1e9) * 1e-6;
    p.layer_overhead_s = e.number("layer_overhead_us", 0, 1e9) * 1e-6;
    p.seq_overhead_s = e.number("seq_overhead_us", 0, 1e9) * 1e-6;
    p.collective_overhead_s = e.number_or("collective_overhead_us", 0, 0, 1e9) * 1e-6;
    p.pp_staging_fraction = e.number_or("pp_staging_fraction", 0, 0, 1e3);
    p.dequant_flops_per_weight = e.number_or("dequant_flops_per_weight", 0, 0, 1e6);
    p.roofline_norm = e.number_or("roofline_norm", 0, 0, 1e3);
    if (p.roofline_norm > 0 && p.roofline_norm < 1) e.fail("roofline_norm", "must be 0 (pure max) or >= 1");
    p.attention_fraction = e.number_or("attention_fraction", 1.0, 1e-3, 1.0);
    ce.calibration.source = e.string("source");
    if (!has_source_tag(ce.calibration.source))
      e.fail("source", fmt::format("source must start with one of {}", common::join(source_tags(), " ")));
    ce.calibration.rows_fit = int(e.integer_or("rows_fit", 0, 0, 1 << 30));
    ce.calibration.rows_held_out = int(e.integer_or("rows_held_out", 0, 0, 1 << 30));
    ce.data = e.string_or("data", "");
    if (e.has("fit_error")) ce.fit_error = e.raw("fit_error");  // informational, not used by the model
    e.finish();
    out.push_back(std::move(ce));
  }
  r.finish();
  return out;
}

std::vector<CalibrationEntry> load_calibrations(const std::string& path) {
  return calibrations_from_json(common::load_json_file(path), path);
}

Json calibration_params_to_json(const CalibrationParams& p) {
  Json j;
  j["compute_fraction"] = p.compute_fraction;
  j["memory_fraction"] = p.memory_fraction;
  j["interconnect_fraction"] = p.interconnect_fraction;
  j["step_overhead_us"] = p.step_overhead_s * 1e6;
  j["layer_overhead_us"] = p.layer_overhead_s * 1e6;
  j["seq_overhead_us"] = p.seq_overhead_s * 1e6;
  j["collective_overhead_us"] = p.collective_overhead_s * 1e6;
  j["pp_staging_fraction"] = p.pp_staging_fraction;
  // Written only when used, so calibrations fitted without them keep their exact files.
  if (p.dequant_flops_per_weight > 0) j["dequant_flops_per_weight"] = p.dequant_flops_per_weight;
  if (p.roofline_norm > 0) j["roofline_norm"] = p.roofline_norm;
  if (p.attention_fraction != 1.0) j["attention_fraction"] = p.attention_fraction;
  return j;
}

Json calibrations_to_json(const std::vector<CalibrationEntry>& entries, const std::string& generated_by) {
  Json j;
  j["schema_version"] = CALIBRATION_SCHEMA_VERSION;
  j["generated_by"] = generated_by;
  j["method"] = "docs/calibration.md";
  Json arr = Json::array();
  for (const auto& e : entries) {
    Json x;
    x["hardware"] = e.hardware;
    x["runtime"] = e.calibration.runtime;
    if (!e.calibration.version.empty()) x["version"] = e.calibration.version;
    const Json params = calibration_params_to_json(e.calibration.params);
    for (auto it = params.begin(); it != params.end(); ++it) x[it.key()] = it.value();
    x["source"] = e.calibration.source;
    x["rows_fit"] = e.calibration.rows_fit;
    x["rows_held_out"] = e.calibration.rows_held_out;
    x["data"] = e.data;
    x["fit_error"] = e.fit_error.is_null() ? Json::object() : e.fit_error;
    arr.push_back(x);
  }
  j["entries"] = arr;
  return j;
}

Json kernel_params_to_json(const CalibrationParams& p) {
  Json j;
  j["step_overhead_us"] = p.step_overhead_s * 1e6;
  j["seq_overhead_us"] = p.seq_overhead_s * 1e6;
  j["layer_overhead_us"] = p.layer_overhead_s * 1e6;
  j["kernel_scale"] = p.kernel_scale;
  j["fused_quant_fraction"] = p.fused_quant_fraction;
  j["ttft_request_us"] = p.ttft_request_s * 1e6;
  j["ttft_token_us"] = p.ttft_token_s * 1e6;
  j["ttft_stream_us"] = p.ttft_stream_s * 1e6;
  j["ttft_prefill_fraction"] = p.ttft_prefill_fraction;
  j["ttft_queue_factor"] = p.ttft_queue_factor;
  if (p.eager_layer_s > 0) j["eager_layer_us"] = p.eager_layer_s * 1e6;
  j["moe_routing_skew"] = p.moe_routing_skew;
  if (p.mtp_acceptance > 0) j["mtp_acceptance"] = p.mtp_acceptance;
  return j;
}

Json moe_expert_scales_to_json(const std::vector<MoeExpertScale>& scales) {
  Json ms = Json::array();
  for (const auto& m : scales)
    ms.push_back({{"hardware", m.hardware},
                  {"family", m.family},
                  {"weight", m.weight},
                  {"activation", m.activation},
                  {"scale", m.scale},
                  {"rows_fit", m.rows_fit},
                  {"prefill_scale", m.prefill_scale},
                  {"rows_fit_prefill", m.rows_fit_prefill},
                  {"layer_overhead_us", m.layer_overhead_s * 1e6},
                  {"attention", m.attention}});
  return ms;
}

std::vector<KernelCalibrationEntry> kernel_calibrations_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto version = r.integer("schema_version", 1, 1000);
  if (version != CALIBRATION_SCHEMA_VERSION)
    r.fail("schema_version",
           fmt::format("unsupported schema_version {} (this build reads {})", version, CALIBRATION_SCHEMA_VERSION));
  r.string_or("generated_by", "");
  r.string_or("method", "");
  std::vector<KernelCalibrationEntry> out;
  for (auto& e : r.array_of_objects("entries")) {
    KernelCalibrationEntry ke;
    ke.runtime = e.string("runtime");
    ke.version = e.string("version");
    auto& c = ke.calibration;
    c.runtime = ke.runtime;
    c.version = ke.version;
    auto& p = c.params;
    p.compute_fraction = p.memory_fraction = 1.0;  // unused on the kernel path
    p.step_overhead_s = e.number("step_overhead_us", 0, 1e9) * 1e-6;
    p.seq_overhead_s = e.number("seq_overhead_us", 0, 1e9) * 1e-6;
    p.layer_overhead_s = e.number_or("layer_overhead_us", 0, 0, 1e9) * 1e-6;
    p.kernel_scale = e.number_or("kernel_scale", 1.0, 0.05, 20.0);
    p.fused_quant_fraction = e.number_or("fused_quant_fraction", 0.0, 0.0, 1.0);
    p.ttft_request_s = e.number_or("ttft_request_us", 0, 0, 1e9) * 1e-6;
    p.ttft_token_s = e.number_or("ttft_token_us", 0, 0, 1e9) * 1e-6;
    p.ttft_stream_s = e.number_or("ttft_stream_us", 0, 0, 1e9) * 1e-6;
    p.ttft_prefill_fraction = e.number_or("ttft_prefill_fraction", 0, 0, 100);
    p.ttft_queue_factor = e.number_or("ttft_queue_factor", 0, 0, 100);
    p.eager_layer_s = e.number_or("eager_layer_us", 0, 0, 1e6) * 1e-6;
    p.moe_routing_skew = e.number_or("moe_routing_skew", 0, 0, 5);
    p.mtp_acceptance = e.number_or("mtp_acceptance", 0, 0, 0.999);
    c.source = e.string("source");
    if (!has_source_tag(c.source))
      e.fail("source", fmt::format("source must start with one of {}", common::join(source_tags(), " ")));
    c.rows_fit = int(e.integer_or("rows_fit", 0, 0, 1 << 30));
    c.rows_held_out = int(e.integer_or("rows_held_out", 0, 0, 1 << 30));
    c.basis = "kernel";
    if (e.has("moe_expert_scales"))
      for (auto& m : e.array_of_objects("moe_expert_scales")) {
        MoeExpertScale x;
        x.hardware = m.string_or("hardware", "");
        x.family = m.string_or("family", "");
        x.weight = m.string_or("weight", "");
        x.activation = m.string_or("activation", "");
        x.scale = m.number("scale", 0.05, 20.0);
        x.rows_fit = int(m.integer_or("rows_fit", 0, 0, 1 << 30));
        x.prefill_scale = m.number_or("prefill_scale", 1.0, 0.05, 20.0);
        x.rows_fit_prefill = int(m.integer_or("rows_fit_prefill", 0, 0, 1 << 30));
        x.layer_overhead_s = m.number_or("layer_overhead_us", 0.0, 0.0, 1e4) * 1e-6;
        x.attention = m.string_or("attention", "");
        if (!x.attention.empty() && x.attention != "mla" && x.attention != "dsa" && x.attention != "linear" &&
            x.attention != "standard")
          m.fail("attention",
                 fmt::format("'{}' is not an attention kind (mla, dsa, linear, standard, or empty for any)",
                             x.attention));
        m.finish();
        c.moe_expert_scales.push_back(x);
      }
    ke.data = e.string_or("data", "");
    if (e.has("fit_error")) ke.fit_error = e.raw("fit_error");
    e.finish();
    out.push_back(std::move(ke));
  }
  r.finish();
  return out;
}

std::vector<KernelCalibrationEntry> load_kernel_calibrations(const std::string& path) {
  return kernel_calibrations_from_json(common::load_json_file(path), path);
}

Json kernel_calibrations_to_json(const std::vector<KernelCalibrationEntry>& entries, const std::string& generated_by) {
  Json j;
  j["schema_version"] = CALIBRATION_SCHEMA_VERSION;
  j["generated_by"] = generated_by;
  j["method"] = "docs/calibration.md (kernel path)";
  Json arr = Json::array();
  for (const auto& e : entries) {
    Json x;
    x["runtime"] = e.runtime;
    x["version"] = e.version;
    const Json params = kernel_params_to_json(e.calibration.params);
    for (auto it = params.begin(); it != params.end(); ++it) x[it.key()] = it.value();
    x["source"] = e.calibration.source;
    x["rows_fit"] = e.calibration.rows_fit;
    x["rows_held_out"] = e.calibration.rows_held_out;
    x["moe_expert_scales"] = moe_expert_scales_to_json(e.calibration.moe_expert_scales);
    x["data"] = e.data;
    x["fit_error"] = e.fit_error.is_null() ? Json::object() : e.fit_error;
    arr.push_back(x);
  }
  j["entries"] = arr;
  return j;
}

}  // namespace infersim::hwprofiles
