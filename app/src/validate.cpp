#include "infersim/app/validate.h"

#include <cmath>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/estimate_json.h"
#include "infersim/perf/measurements.h"
#include "infersim/perf/serving_measurements.h"

namespace infersim::app {

namespace {

ServingPart validate_serving_part(const ValidateRequest& r) {
  ServingPart p;
  const auto set = perf::load_serving_measurements(perf::bundled_serving_measurements());
  p.skipped_loading = set.skipped;
  p.relabelled_loading = set.relabelled;
  p.fit_excluded_loading = set.fit_excluded;
  serving::ObservationOptions opt;
  opt.jobs = r.jobs;
  opt.progress = r.progress;
  p.v = serving::validate_serving(set.rows, opt, r.loso);
  auto judge = [&](const std::string& kind, const serving::ErrorGroup& g, double ttft, double tpot) {
    TargetVerdict t;
    t.kind = kind;
    t.group = g.key;
    t.rows = g.tpot.n;
    t.ttft_median_abs = g.ttft.median_abs;
    t.tpot_median_abs = g.tpot.median_abs;
    t.ttft_target = ttft;
    t.tpot_target = tpot;
    t.met = g.ttft.median_abs <= ttft && g.tpot.median_abs <= tpot;
    p.targets.push_back(t);
  };
  // Held-out TPOT <= 10%, TTFT <= 15% per runtime (dense and MoE apart; versions pooled).
  for (const auto& g : p.v.random_by_runtime)
    if (g.key.find('@') == std::string::npos) judge("held-out (random split)", g, 0.15, 0.10);
  // Leave one system out, pooled per held-out system and runtime: TPOT <= 15%, TTFT <= 25%.
  for (const auto& g : p.v.loso_own_tables) judge("leave system out (own tables)", g, 0.25, 0.15);
  for (const auto& g : p.v.loso_no_tables) judge("leave system out (no own tables)", g, 0.25, 0.15);
  return p;
}

DataflowPart validate_dataflow_part() {
  DataflowPart p;
  p.set = std::make_shared<const perf::VendorSpeedSet>(perf::load_vendor_speeds(perf::bundled_vendor_speeds()));
  p.report = perf::check_vendor_speeds(*p.set, hwprofiles::HardwareCatalog::shipped(), model::ModelCatalog::shipped());
  return p;
}

LegacyPart validate_legacy_part(bool held_only) {
  LegacyPart out;
  out.held_out_only = held_only;
  auto& models = model::ModelCatalog::shipped();
  auto& hw = hwprofiles::HardwareCatalog::shipped();
  const auto set = perf::load_bundled_measurements();
  out.skipped_loading = set.skipped;
  const auto obs = perf::build_observations(set.rows, models, hw);
  out.skipped_observations = obs.skipped;
  std::map<std::string, std::vector<const perf::Observation*>> groups;  // stable order by key
  for (const auto& o : obs.obs) groups[measurement_group_key(*o.row)].push_back(&o);
  std::map<perf::Metric, std::vector<double>> overall;
  for (const auto& [key, list] : groups) {
    const auto& first = *list.front()->row;
    const auto& prof = hw.get(first.hardware);
    const auto* cal = prof.calibration(first.runtime_version.empty() ? first.runtime
                                                                     : first.runtime + "@" + first.runtime_version);
    const hwprofiles::CalibrationParams params = cal ? cal->params : prof.datasheet_efficiency;
    LegacyGroup g;
    g.key = key;
    g.hardware = first.hardware;
    g.runtime = first.runtime;
    g.basis = cal ? (cal->borrowed ? "borrowed" : "fitted") : "datasheet";
    std::map<perf::Metric, std::vector<double>> errs;
    std::map<const perf::Measurement*, bool> rows, measured;
    for (const auto* o : list) {
      LegacyPoint pt;
      pt.model = o->row->model;
      pt.metric = o->metric;
      pt.measured = o->measured;
      pt.predicted = o->predict(params);
      pt.held_out = o->row->held_out;
      pt.batch = int(o->row->batch);
      pt.input = int(o->row->input);
      pt.output = int(o->row->output);
      pt.chips = o->row->chips;
      g.points.push_back(pt);
      measured[o->row] = true;
      if (held_only && !o->row->held_out) continue;
      rows[o->row] = true;
      const double e = pt.predicted / pt.measured - 1.0;
      errs[o->metric].push_back(e);
      overall[o->metric].push_back(e);
    }
    for (auto& [m, v] : errs) g.stats[m] = perf::error_stats(v);
    g.rows = int(rows.size());
    g.measured_rows = int(measured.size());
    g.verdict = "n<20";
    if (measured.size() >= 20) {
      auto within = [&](perf::Metric m, double limit) { return !g.stats.count(m) || g.stats[m].median_abs <= limit; };
      const bool meets = within(perf::Metric::tpot, 0.15) && within(perf::Metric::throughput, 0.15) &&
                         within(perf::Metric::ttft, 0.25);
      g.verdict = meets ? "met" : "MISSED";
    }
    out.groups.push_back(std::move(g));
  }
  for (auto& [m, v] : overall) out.overall[m] = perf::error_stats(v);
  return out;
}

PowerPart validate_power_part() {
  PowerPart p;
  p.shipped = perf::PowerModel::shipped();
  const auto set = perf::load_bundled_measurements();
  p.fit = perf::fit_power(set.rows, model::ModelCatalog::shipped(), hwprofiles::HardwareCatalog::shipped(), &p.shipped);
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b)); };
  p.shipped_matches_refit = close(p.shipped.k.base, p.fit.model.k.base) &&
                            close(p.shipped.k.memory, p.fit.model.k.memory) &&
                            close(p.shipped.k.compute, p.fit.model.k.compute);
  p.met = p.fit.held_out_error.n > 0 && p.fit.held_out_error.median_abs <= p.held_out_target;
  return p;
}

}  // namespace

std::string measurement_group_key(const perf::Measurement& m) {
  return m.hardware + " / " + m.runtime + (m.runtime_version.empty() ? "" : "@" + m.runtime_version);
}

ValidationReport validate(const ValidateRequest& r) {
  ValidationReport out;
  if (r.serving) out.serving = validate_serving_part(r);
  if (r.dataflow) out.dataflow = validate_dataflow_part();
  if (r.legacy) out.legacy = validate_legacy_part(r.held_out_only);
  if (r.power) out.power = validate_power_part();
  return out;
}

common::Json validation_report_json(const ValidationReport& r) {
  common::Json out;
  if (r.legacy) {
    const auto& l = *r.legacy;
    common::Json gj = common::Json::array();
    for (const auto& g : l.groups) {
      common::Json j = {{"hardware", g.hardware},           {"runtime", g.runtime},
                        {"calibration", g.basis},           {"rows", g.rows},
                        {"measured_rows", g.measured_rows}, {"targets", g.verdict}};
      for (const auto& [m, s] : g.stats) j[perf::metric_name(m)] = perf::error_stats_to_json(s);
      gj.push_back(j);
    }
    common::Json ov;
    for (const auto& [m, s] : l.overall) ov[perf::metric_name(m)] = perf::error_stats_to_json(s);
    out["held_out_only"] = l.held_out_only;
    out["groups"] = gj;
    out["overall"] = ov;
    out["thresholds_pct"] = {{"tpot", 15}, {"throughput", 15}, {"ttft", 25}};
  }
  if (r.serving) {
    common::Json j = serving::serving_validation_to_json(r.serving->v);
    common::Json verdicts = common::Json::array();
    for (const auto& t : r.serving->targets)
      verdicts.push_back({{"kind", t.kind},
                          {"group", t.group},
                          {"rows", t.rows},
                          {"ttft_median_abs_pct", 100 * t.ttft_median_abs},
                          {"tpot_median_abs_pct", 100 * t.tpot_median_abs},
                          {"met", t.met}});
    j["targets"] = verdicts;
    common::Json repaired = common::Json::object();
    for (const auto& [why, n] : r.serving->relabelled_loading) repaired[why] = n;
    j["layout_repairs"] = repaired;
    common::Json excluded = common::Json::object();
    for (const auto& [why, n] : r.serving->fit_excluded_loading) excluded[why] = n;
    j["kept_out_of_the_fit"] = excluded;
    out["serving"] = j;
  }
  if (r.dataflow) out["dataflow_vendors"] = perf::vendor_speed_report_to_json(r.dataflow->report);
  if (r.power) {
    common::Json j = perf::power_fit_errors_to_json(r.power->fit);
    j["model"] = perf::power_model_to_json(r.power->shipped);
    j["shipped_matches_refit"] = r.power->shipped_matches_refit;
    j["target_held_out_average_median_abs_pct"] = 100 * r.power->held_out_target;
    j["met"] = r.power->met;
    out["power"] = j;
  }
  return out;
}

}  // namespace infersim::app
