#include "workers/run_worker.h"

#include <QDir>
#include <QElapsedTimer>

#include <cmath>

#include <fmt/format.h>

#include "infersim/planner/token_prices.h"
#include "workers/core_calls.h"
#include "workers/sim_calls.h"
#include "workers/workload_catalog.h"

namespace infersim::gui {

void RunWorker::run(const ScenarioInput& scenario, quint64 id) {
  QElapsedTimer timer;
  timer.start();
  RunResult r;
  r.id = id;
  r.scenario = scenario;
  const auto& hw = scenario.hardware;
  const auto types = workload_types();
  const int n = int(hw.size());
  const int total = n + (scenario.heat_map ? n * int(types.size()) : 0) + 1 + n;
  int done = 0;
  auto step = [&](const std::string& what) {
    emit progress(id, done, total, QString::fromStdString(what));
    return !cancelled(id);
  };
  auto finish = [&] {
    r.cancelled = cancelled(id);
    r.elapsed_s = double(timer.elapsed()) / 1000.0;
    emit finished(r);
  };

  // 1. Each hardware at the workload's load.
  for (const auto& h : hw) {
    if (!step("planning " + h + " at " + scenario.workload.preset + " load")) return finish();
    r.load.push_back(plan_at_load(scenario, h, scenario.workload));
    ++done;
  }
  // 2. Heat map: every hardware x workload type, each type at its default lengths, load and SLOs.
  if (scenario.heat_map) {
    r.heat.hardware = hw;
    for (const auto& t : types) r.heat.workloads.push_back(t.name);
    r.heat.usd_per_1k.assign(hw.size(), std::vector<double>(types.size(), NAN));
    r.heat.why.assign(hw.size(), std::vector<std::string>(types.size()));
    for (std::size_t j = 0; j < types.size(); ++j) {
      for (std::size_t i = 0; i < hw.size(); ++i) {
        if (!step("heat map: " + hw[i] + " x " + types[j].name)) return finish();
        const auto row = plan_workload_cell(scenario, hw[i], types[j].name);
        if (row.feasible)
          r.heat.usd_per_1k[i][j] = row.best.cost.usd_per_1k_output;
        else
          r.heat.why[i][j] = row.reason;
        ++done;
      }
    }
    // The buy-tokens lane (planner::token_lane, as `infersim workloads compare`): the cheapest hosted
    // API serving the model, priced on each workload type's mean tokens.
    r.heat.note.assign(hw.size(), std::vector<std::string>(types.size()));
    r.heat.hardware.push_back("buy tokens (cheapest API)");
    r.heat.usd_per_1k.emplace_back(types.size(), NAN);
    r.heat.why.emplace_back(types.size());
    r.heat.note.emplace_back(types.size());
    r.heat.api_row = int(r.heat.hardware.size()) - 1;
    for (std::size_t j = 0; j < types.size(); ++j) {
      const auto& d = types[j].defaults;
      const auto lane = planner::token_lane(scenario.model, d.input_tokens, d.output_tokens, 0.0, d.tpot_p99_s,
                                            scenario.pricing);
      if (lane.empty()) {
        r.heat.why.back()[j] = "no hosted API price for " + scenario.model + " in planner/data/api-token-prices.json";
        continue;
      }
      const auto& c = lane.front();
      r.heat.usd_per_1k.back()[j] = c.usd_per_1k_output;
      r.heat.note.back()[j] = c.offer.provider + " " + c.offer.model + (c.same_weights ? "" : " (same architecture)") +
                              ", $" + fmt::format("{:g}/{:g}", c.offer.usd_per_1m_input, c.offer.usd_per_1m_output) +
                              " per 1M input/output tokens, as of " + c.offer.as_of + "; " + c.slo;
    }
  }
  // 3. The planner over all selected hardware.
  if (!step("planner: ranking plans over " + std::to_string(n) + " hardware")) return finish();
  try {
    r.plan = plan_all(scenario);
    r.has_plan = true;
  } catch (const std::exception& e) {
    r.plan_error = e.what();
  }
  ++done;
  // 4. Discrete-event runs (latency CDFs; the timeline of the focus hardware).
  r.simulated = true;
  const std::string focus = scenario.focus_hardware();
  for (const auto& h : hw) {
    if (!step("simulating " + h + " (" + std::to_string(scenario.workload.sim_requests) + " requests)"))
      return finish();
    r.sims.push_back(simulate_hardware(scenario, h, h == focus ? &r.timeline : nullptr));
    ++done;
  }
  emit progress(id, done, total, QStringLiteral("done"));
  finish();
}

}  // namespace infersim::gui
