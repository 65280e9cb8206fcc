#include "workers/estimate_worker.h"

#include "workers/core_calls.h"

namespace infersim::gui {

void register_gui_metatypes() {
  qRegisterMetaType<ScenarioInput>("infersim::gui::ScenarioInput");
  qRegisterMetaType<AnalyticResult>("infersim::gui::AnalyticResult");
  qRegisterMetaType<RunResult>("infersim::gui::RunResult");
  qRegisterMetaType<CalibrationData>("infersim::gui::CalibrationData");
}

void EstimateWorker::compute(const ScenarioInput& scenario, quint64 generation) {
  if (generation < newest_.load()) return;  // a newer edit is queued behind this one
  AnalyticResult r = run_analytic(scenario);
  r.generation = generation;
  emit computed(r);
}

}  // namespace infersim::gui
