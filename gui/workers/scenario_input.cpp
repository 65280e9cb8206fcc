#include "workers/scenario_input.h"

#include <fmt/format.h>

#include <cmath>

#include "infersim/common/dtype.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"
#include "workers/workload_catalog.h"

namespace infersim::gui {

std::string ScenarioInput::focus_hardware() const {
  if (!focus.empty())
    for (const auto& h : hardware)
      if (h == focus) return focus;
  return hardware.empty() ? std::string{} : hardware.front();
}

ScenarioInput default_scenario() {
  ScenarioInput s;
  s.pricing = planner::load_pricing("default");
  const auto types = workload_types();
  if (const auto* chat = find_workload_type(types, "chat")) s.workload = chat->defaults;
  return s;
}

namespace {

std::string num(double v) { return fmt::format("{:g}", v); }

std::string quote(const std::string& a) {
  if (a.find_first_of(" \t'\"$\\") == std::string::npos) return a;
  std::string o = "'";
  for (char c : a) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

}  // namespace

std::vector<std::string> cli_compare_args(const ScenarioInput& s) {
  std::vector<std::string> a = {"compare",
                                "--model",
                                s.model,
                                "--hardware",
                                common::join(s.hardware, ","),
                                "--batch",
                                num(s.workload.concurrency),
                                "--input",
                                num(s.workload.input_tokens),
                                "--output",
                                num(s.workload.output_tokens)};
  if (!s.precision.empty()) {
    a.push_back("--precision");
    a.push_back(s.precision);
  }
  return a;
}

std::string cli_compare_command(const ScenarioInput& s) {
  std::string out = "infersim";
  for (const auto& a : cli_compare_args(s)) out += " " + quote(a);
  return out;
}

planner::PlanRequest plan_request(const ScenarioInput& s, const std::vector<std::string>& hardware) {
  planner::PlanRequest r;
  r.model = s.model;
  r.workload_name = s.workload.preset.empty() ? "custom" : s.workload.preset;
  r.input_tokens = s.workload.input_tokens;
  r.output_tokens = s.workload.output_tokens;
  r.requests_per_s = s.workload.requests_per_s;
  r.calls_per_task = s.workload.calls_per_task;
  r.slo.ttft_p99_s = s.workload.ttft_p99_s;
  r.slo.tpot_p99_s = s.workload.tpot_p99_s;
  r.hardware = hardware.empty() ? s.hardware : hardware;
  if (!s.precision.empty()) {
    r.precisions = {s.precision};
    r.allow_int4 = s.precision == "int4" || s.precision == "fp4";
  }
  r.pricing = s.pricing;
  return r;
}

planner::PlanRequest single_hardware_request(const ScenarioInput& s, const std::string& hardware,
                                             const WorkloadInput& w) {
  ScenarioInput one = s;
  one.workload = w;
  planner::PlanRequest r = plan_request(one, {hardware});
  if (s.precision.empty()) {
    // The CLI's default precision for this chip, so the row describes the same deployment as `compare`.
    const auto& hw = hwprofiles::HardwareCatalog::shipped().resolve(hardware);
    r.precisions = {hw.supports(common::DType::bf16) ? "bf16" : "fp16"};
  }
  r.mixes = false;
  r.top = 1;
  return r;
}

std::vector<FieldProblem> check_scenario(const ScenarioInput& s) {
  std::vector<FieldProblem> p;
  auto range = [&](const char* field, double v, double lo, double hi, const char* what) {
    if (!std::isfinite(v) || v < lo || v > hi)
      p.push_back({field, fmt::format("{} must be between {:g} and {:g}", what, lo, hi)});
  };
  if (s.model.empty()) p.push_back({"model", "choose a model from the catalog or import a config.json"});
  if (s.hardware.empty()) p.push_back({"hardware", "select at least one hardware to compare"});
  const auto& w = s.workload;
  range("workload.input_tokens", w.input_tokens, 1, 1e7, "input tokens");
  range("workload.output_tokens", w.output_tokens, 1, 1e7, "output tokens");
  range("workload.concurrency", w.concurrency, 1, 1e6, "concurrency");
  range("workload.requests_per_s", w.requests_per_s, 1e-6, 1e9, "requests/s");
  range("workload.calls_per_task", w.calls_per_task, 1, 1e4, "calls per task");
  range("workload.ttft_p99_s", w.ttft_p99_s, 1e-4, 1e5, "TTFT P99 SLO (s)");
  range("workload.tpot_p99_s", w.tpot_p99_s, 1e-5, 1e3, "TPOT P99 SLO (s)");
  range("workload.sim_requests", double(w.sim_requests), 10, 1e7, "simulated requests");
  const auto& pr = s.pricing;
  range("pricing.depreciation_years", pr.depreciation_years, 1, 10, "depreciation (years)");
  range("pricing.usd_per_kwh", pr.usd_per_kwh, 0, 5, "electricity ($/kWh)");
  range("pricing.pue", pr.pue, 1, 3, "PUE");
  range("pricing.hosting_usd_per_kw_month", pr.hosting_usd_per_kw_month, 0, 1e4, "hosting ($/kW-month)");
  range("pricing.network_usd_per_chip_month", pr.network_usd_per_chip_month, 0, 1e5, "network ($/chip-month)");
  range("pricing.software_usd_per_chip_month", pr.software_usd_per_chip_month, 0, 1e5, "software ($/chip-month)");
  range("pricing.host_overhead_w_per_chip", pr.host_overhead_w_per_chip, 0, 1e5, "host overhead (W/chip)");
  range("pricing.tco_years", pr.tco_years, 0.25, 20, "TCO window (years)");
  range("pricing.target_utilisation", pr.target_utilisation, 0.05, 1, "target utilisation");
  range("pricing.usd_per_engineer_week", pr.usd_per_engineer_week, 0, 1e6, "engineering ($/engineer-week)");
  if (!p.empty()) return p;
  // Then the planner's own loader over the PLAN.json this scenario maps to: whatever it refuses is
  // reported at the field its JSON pointer names.
  try {
    planner::plan_request_from_json(planner::plan_request_to_json(plan_request(s)), "scenario");
  } catch (const common::ConfigError& e) {
    std::string ptr = e.pointer(), field = "scenario";
    const std::pair<const char*, const char*> map[] = {{"/workload/input_tokens", "workload.input_tokens"},
                                                       {"/workload/output_tokens", "workload.output_tokens"},
                                                       {"/workload/calls_per_task", "workload.calls_per_task"},
                                                       {"/load", "workload.requests_per_s"},
                                                       {"/slo/ttft_p99_s", "workload.ttft_p99_s"},
                                                       {"/slo/tpot_p99_s", "workload.tpot_p99_s"},
                                                       {"/model", "model"},
                                                       {"/hardware", "hardware"},
                                                       {"/precisions", "precision"},
                                                       {"/pricing", "pricing"}};
    for (const auto& [prefix, f] : map)
      if (ptr.rfind(prefix, 0) == 0) {
        field = f;
        break;
      }
    p.push_back({field, e.reason()});
  }
  return p;
}

}  // namespace infersim::gui
