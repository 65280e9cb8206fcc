#include "workers/brief_calls.h"

#include "infersim/app/plan.h"

#include <fmt/format.h>

#include <filesystem>

#include "infersim/brief/brief_json.h"
#include "infersim/brief/build_brief.h"
#include "infersim/brief/render.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/pdf/brief_pdf.h"

namespace infersim::gui {

namespace {

brief::BriefRequest make_request(const ScenarioInput& s, const BriefChoice& choice) {
  brief::BriefRequest b;
  const auto workloads = choice.workloads.empty() ? std::vector<WorkloadInput>{s.workload} : choice.workloads;
  b.model = s.model;
  // Each workload at its own load: the brief's total is their sum, each share its part of it.
  double total = 0;
  for (const auto& w : workloads) total += w.requests_per_s;
  b.requests_per_s = total;
  b.slo.ttft_p99_s = s.workload.ttft_p99_s;
  b.slo.tpot_p99_s = s.workload.tpot_p99_s;
  b.workloads.clear();
  std::vector<std::string> names;
  for (const auto& w : workloads) {
    brief::BriefWorkload x;
    x.name = w.preset.empty() ? "custom" : w.preset;
    x.input_tokens = w.input_tokens;
    x.output_tokens = w.output_tokens;
    x.share = w.requests_per_s / total;
    x.calls_per_task = w.calls_per_task;
    planner::Slo slo;
    slo.ttft_p99_s = w.ttft_p99_s;
    slo.tpot_p99_s = w.tpot_p99_s;
    x.slo = slo;
    b.workloads.push_back(x);
    names.push_back(x.name);
  }
  b.current.hardware = choice.current_hardware.empty() ? s.focus_hardware() : choice.current_hardware;
  if (!s.precision.empty()) b.current.precision = s.precision;
  b.pricing = s.pricing;
  b.pricing_is_default = false;
  b.title = fmt::format("{} {} at {:.3g} requests/s: procurement brief", s.model, common::join(names, " + "), total);
  b.options = brief::default_options(b.current);
  brief::resolve_option_names(b.options, b.current, "");
  // Round trip through the strict loader: what the GUI asks for is exactly a valid BRIEF.json.
  return brief::brief_request_from_json(brief::brief_request_to_json(b), "brief from infersim-gui");
}

}  // namespace

std::string brief_json_text(const ScenarioInput& s, const BriefChoice& choice) {
  return brief::brief_request_to_json(make_request(s, choice)).dump(2) + "\n";
}

std::string export_brief(const ScenarioInput& s, const BriefChoice& choice, const std::string& path) {
  try {
    const app::PdfWriter pdf = pdf::write_brief_pdf;
    const auto format = app::brief_format_of(path, bool(pdf));
    app::PlanOptions opts;
    opts.verify = s.verify;  // as `infersim brief` (verification on unless switched off)
    const auto res = app::build_brief(make_request(s, choice), opts);
    app::write_brief(res, {{path, format}}, pdf);
    return "";
  } catch (const common::ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace infersim::gui
