#include "workers/scenario_input_json.h"

#include <filesystem>

#include "infersim/common/errors.h"
#include "infersim/planner/pricing_json.h"
#include "workers/sim_calls.h"

namespace infersim::gui {

using common::Json;
using common::JsonReader;

ScenarioInput scenario_input_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  ScenarioInput s = default_scenario();
  if (r.integer("schema_version", 1, 1000) != GUI_SCENARIO_SCHEMA_VERSION)
    r.fail("schema_version", "unsupported schema_version (this build reads 1)");
  r.one_of("kind", {GUI_SCENARIO_KIND});
  r.string_or("description", "");
  s.model = r.string("model");
  s.hardware = r.string_list_or("hardware", s.hardware);
  if (s.hardware.empty()) r.fail("hardware", "needs at least one hardware");
  s.focus = r.string_or("focus", "");
  s.precision = r.string_or("precision", "");
  s.heat_map = r.boolean_or("heat_map", s.heat_map);
  s.autoscale = r.boolean_or("autoscale", s.autoscale);
  s.verify = r.boolean_or("verify", s.verify);
  if (auto w = r.optional_child("workload")) {
    auto& x = s.workload;
    x.preset = w->string_or("preset", x.preset);
    x.input_tokens = w->number_or("input_tokens", x.input_tokens, 1, 1e7);
    x.output_tokens = w->number_or("output_tokens", x.output_tokens, 1, 1e7);
    x.concurrency = w->number_or("concurrency", x.concurrency, 1, 1e6);
    x.requests_per_s = w->number_or("requests_per_s", x.requests_per_s, 1e-6, 1e9);
    x.calls_per_task = w->number_or("calls_per_task", x.calls_per_task, 1, 1e4);
    x.sim_requests = w->integer_or("sim_requests", x.sim_requests, 10, 10'000'000);
    w->finish();
  }
  if (auto slo = r.optional_child("slo")) {
    s.workload.ttft_p99_s = slo->number_or("ttft_p99_s", s.workload.ttft_p99_s, 1e-4, 1e5);
    s.workload.tpot_p99_s = slo->number_or("tpot_p99_s", s.workload.tpot_p99_s, 1e-5, 1e3);
    slo->finish();
  }
  if (r.has("pricing")) {
    const Json& pj = r.raw("pricing");
    if (pj.is_string()) {
      std::string path = pj.get<std::string>();
      if (path != "default" && !std::filesystem::path(path).is_absolute())
        path = (std::filesystem::path(file).parent_path() / path).string();
      s.pricing = planner::load_pricing(path);
    } else if (pj.is_object()) {
      s.pricing = planner::pricing_from_json(pj, file + " /pricing");
    } else {
      r.fail("pricing", "expected \"default\", a pricing file path or an inline pricing object");
    }
  }
  r.finish();
  return s;
}

Json scenario_input_to_json(const ScenarioInput& s) {
  Json j;
  j["schema_version"] = GUI_SCENARIO_SCHEMA_VERSION;
  j["kind"] = GUI_SCENARIO_KIND;
  j["model"] = s.model;
  j["hardware"] = s.hardware;
  if (!s.focus.empty()) j["focus"] = s.focus;
  if (!s.precision.empty()) j["precision"] = s.precision;
  j["heat_map"] = s.heat_map;
  j["autoscale"] = s.autoscale;
  j["verify"] = s.verify;
  const auto& w = s.workload;
  j["workload"] = {{"preset", w.preset},
                   {"input_tokens", w.input_tokens},
                   {"output_tokens", w.output_tokens},
                   {"concurrency", w.concurrency},
                   {"requests_per_s", w.requests_per_s},
                   {"calls_per_task", w.calls_per_task},
                   {"sim_requests", w.sim_requests}};
  j["slo"] = {{"ttft_p99_s", w.ttft_p99_s}, {"tpot_p99_s", w.tpot_p99_s}};
  j["pricing"] = planner::pricing_to_json(s.pricing);
  return j;
}

ScenarioInput load_scenario_input(const std::string& path) {
  const Json j = common::load_json_file(path);
  if (j.is_object() && j.contains("kind") && j["kind"] == GUI_SCENARIO_KIND) return scenario_input_from_json(j, path);
  return scenario_input_from_simulate_file(path);
}

void save_scenario_input(const std::string& path, const ScenarioInput& s) {
  common::write_text_file_atomic(path, scenario_input_to_json(s).dump(2) + "\n");
}

}  // namespace infersim::gui
