#include "workers/core_calls.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>

#include "infersim/app/estimate.h"
#include "infersim/app/plan.h"
#include "infersim/app/validate.h"
#include "infersim/app/workloads.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/model/model_spec_json.h"
#include "infersim/perf/measurements.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::gui {

using common::ConfigError;
using common::DType;

void preload_catalogs() {
  model::ModelCatalog::shipped().names();
  const auto& hw = hwprofiles::HardwareCatalog::shipped();
  const auto names = hw.names();
  if (!names.empty()) hw.get(names.front());
  hwprofiles::RuntimeCatalog::shipped().names();
}

namespace {

ModelEntry entry_of(const model::ModelSpec& m) {
  ModelEntry e;
  e.name = m.name;
  e.display_name = m.display_name.empty() ? m.name : m.display_name;
  e.family = m.family;
  e.architecture = m.architecture;
  e.params = model::param_count(m);
  e.active_params = model::active_params_per_token(m);
  e.is_moe = m.is_moe();
  return e;
}

}  // namespace

std::vector<ModelEntry> catalog_models() {
  std::vector<ModelEntry> out;
  const auto& cat = model::ModelCatalog::shipped();
  for (const auto& n : cat.names()) {
    ModelEntry e = entry_of(cat.get(n));
    e.path = cat.path_of(n);
    out.push_back(e);
  }
  return out;
}

ModelEntry import_model_file(const std::string& path) {
  // Exactly what `--model PATH` does in the CLI: a card, or a config.json detected by model_type.
  const auto m = model::ModelCatalog::shipped().resolve(path);
  if (auto why = model::check_model_spec(m); !why.empty()) throw ConfigError(path, "", why);
  ModelEntry e = entry_of(m);
  e.name = path;
  e.display_name = fmt::format("{} (imported)", m.display_name.empty() ? m.name : m.display_name);
  e.path = path;
  e.imported = true;
  return e;
}

HardwareEntry hardware_entry(const std::string& name_or_path) {
  const auto h = hwprofiles::HardwareCatalog::shipped().resolve(name_or_path);
  HardwareEntry e;
  e.name = h.name;
  e.display_name = h.display_name.empty() ? h.name : h.display_name;
  e.vendor = h.vendor;
  e.kind = hwprofiles::kind_name(h.kind);
  e.peak_bf16 = std::max(h.peak(DType::bf16), h.peak(DType::fp16));
  e.memory_bytes = h.memory_bytes();
  e.memory_bw = h.memory_bw();
  e.tdp_w = h.tdp_w;
  e.usd_per_hour = h.prices.on_demand.usd;  // 0: no public on-demand price
  if (!hwprofiles::HardwareCatalog::shipped().contains(name_or_path)) {
    e.name = name_or_path;
    e.user_profile = true;
  }
  return e;
}

std::vector<HardwareEntry> catalog_hardware() {
  std::vector<HardwareEntry> out;
  for (const auto& n : hwprofiles::HardwareCatalog::shipped().names()) out.push_back(hardware_entry(n));
  return out;
}

const std::vector<std::string>& precision_choices() {
  static const std::vector<std::string> p = {"", "bf16", "fp16", "fp8", "int8", "int4", "fp4"};
  return p;
}

// `infersim compare` for one hardware: the scenario panel's model, precision and workload
// (concurrency = --batch), auto-sized layout; the same app call as the CLI, so the same numbers.
CompareRow estimate_row(const ScenarioInput& s, const std::string& hardware) {
  CompareRow row;
  row.hardware = hardware;
  try {
    app::EstimateRequest req;
    req.deployment.model = s.model;
    req.deployment.hardware = hardware;
    req.deployment.precision = s.precision;
    req.deployment.workload = {s.workload.concurrency, s.workload.input_tokens, s.workload.output_tokens};
    const app::EstimateOutcome o = app::estimate(req);
    const auto& h = o.resolved.deployment.hardware;
    row.display_name = h.display_name.empty() ? h.name : h.display_name;
    row.kind = hwprofiles::kind_name(h.kind);
    row.layout_note = o.resolved.layout_note;
    row.estimate = o.estimate;
    row.runtime_basis = o.resolved.runtime.basis;
    row.peak_flops = o.peak_flops;
    row.mem_bw_bytes_per_s = o.memory_bw_bytes_per_s;
    row.compute_fraction = o.compute_fraction;
    row.memory_fraction = o.memory_fraction;
  } catch (const ConfigError& e) {
    row.error = e.reason().empty() ? e.what() : e.reason();
  } catch (const std::exception& e) {
    row.error = e.what();
  }
  return row;
}

AnalyticResult run_analytic(const ScenarioInput& s) {
  const auto t0 = std::chrono::steady_clock::now();
  AnalyticResult r;
  r.scenario = s;
  try {
    const auto m = model::ModelCatalog::shipped().resolve(s.model);
    r.model_display = m.display_name.empty() ? m.name : m.display_name;
  } catch (const std::exception& e) {
    const auto* ce = dynamic_cast<const ConfigError*>(&e);
    r.model_error = ce && !ce->reason().empty() ? ce->reason() : e.what();
  }
  if (r.model_error.empty())
    for (const auto& h : s.hardware) r.rows.push_back(estimate_row(s, h));
  r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

// A plan as a row: the best candidate, or the most telling rejection; input errors become the reason.
LoadRow load_row(const std::string& hardware, const std::string& workload,
                 const std::function<planner::PlanResult()>& plan) {
  LoadRow row;
  row.hardware = hardware;
  row.workload = workload;
  try {
    const auto res = plan();
    if (!res.ranked.empty()) {
      row.feasible = true;
      row.best = res.ranked.front();
    } else {
      row.reason = app::first_rejection(res);
    }
  } catch (const ConfigError& e) {
    row.reason = e.reason().empty() ? e.what() : e.reason();
  } catch (const std::exception& e) {
    row.reason = e.what();
  }
  return row;
}

}  // namespace

LoadRow plan_workload_cell(const ScenarioInput& s, const std::string& hardware, const std::string& preset) {
  return load_row(hardware, preset, [&] {
    return app::plan_workload(s.model, hardware, preset, std::nullopt, s.pricing, s.verify).result;
  });
}

LoadRow plan_at_load(const ScenarioInput& s, const std::string& hardware, const WorkloadInput& w) {
  return load_row(hardware, w.preset, [&] {
    app::PlanOptions opts;
    opts.verify = s.verify;
    return app::plan(single_hardware_request(s, hardware, w), opts);
  });
}

planner::PlanResult plan_all(const ScenarioInput& s) {
  app::PlanOptions opts;
  opts.verify = s.verify;
  return app::plan(plan_request(s), opts);
}

CalibrationData load_calibration_data() {
  CalibrationData out;
  try {
    // The older datasets' part of `infersim validate`: groups per (hardware, runtime@version), each
    // with its shipped calibration, held-out errors, and every point (held out or fitted) for the plots.
    app::ValidateRequest req;
    req.serving = false;
    req.dataflow = false;
    req.legacy = true;
    req.held_out_only = true;
    const auto report = app::validate(req);
    for (const auto& g : report.legacy->groups) {
      CalibrationGroup cg;
      cg.hardware = g.hardware;
      cg.runtime = g.key.substr(g.hardware.size() + 3);  // "runtime[@version]"
      cg.basis = g.basis;
      cg.rows = g.measured_rows;
      cg.held_out_rows = g.rows;
      for (const auto& [metric, st] : g.stats) cg.held_out_error[perf::metric_name(metric)] = st;
      for (const auto& p : g.points) {
        CalibrationPoint pt;
        pt.hardware = cg.hardware;
        pt.runtime = cg.runtime;
        pt.model = p.model;
        pt.metric = perf::metric_name(p.metric);
        pt.measured = p.measured;
        pt.predicted = p.predicted;
        pt.held_out = p.held_out;
        pt.batch = p.batch;
        pt.input = p.input;
        pt.output = p.output;
        pt.chips = p.chips;
        out.points.push_back(pt);
      }
      out.groups.push_back(cg);
    }
    for (const auto& [metric, st] : report.legacy->overall) out.overall_held_out[perf::metric_name(metric)] = st;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace infersim::gui
