// An option's risks: lock-in, supply, quantisation, calibration, maturity and cold start per distinct
// lane of its feasible parts, then operations, method and feasibility; and the decision risk level.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "brief_internal.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::brief::detail {

RiskLevel lock_in_level(int vendor_neutral_production, int vendor_neutral) {
  return vendor_neutral_production >= 2 ? RiskLevel::low : vendor_neutral >= 1 ? RiskLevel::medium : RiskLevel::high;
}

namespace {

// One distinct (hardware, runtime, precision, model) among an option's feasible parts.
struct RiskLane {
  std::string hardware, runtime, precision, basis, model;
  int chips = 1;
  double cold_nvme = 0, cold_object = 0, init = 0, weight_bytes = 0;
};

std::string held_out_error_text(const std::string& hardware, const std::string& runtime) {
  static const auto entries = hwprofiles::load_calibrations(common::data_path("hwprofiles/data/calibrations.json"));
  for (const auto& e : entries) {
    if (e.hardware != hardware || e.calibration.runtime != runtime) continue;
    if (!e.fit_error.is_object() || !e.fit_error.contains("held_out")) return "";
    std::vector<std::string> parts;
    for (const auto& [metric, v] : e.fit_error["held_out"].items())
      if (v.is_object() && v.contains("median_abs_pct"))
        parts.push_back(fmt::format("{} {:.1f}% (n={})", metric, v["median_abs_pct"].get<double>(), v.value("n", 0)));
    return parts.empty() ? "" : "held-out median |error|: " + common::join(parts, ", ");
  }
  return "";
}

}  // namespace

std::vector<Risk> option_risks(const OptionResult& r, const planner::Pricing& pricing) {
  std::vector<Risk> risks;
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const bool owned = pricing.mode == planner::PricingMode::owned;
  std::vector<RiskLane> lanes;
  std::set<std::string> seen;
  for (const auto& p : r.parts) {
    if (!p.feasible) continue;
    const auto& c = p.candidate;
    const std::string key = c.hardware + "|" + c.runtime + "|" + c.precision + "|" + p.model;
    if (!seen.insert(key).second) continue;
    lanes.push_back({c.hardware, c.runtime, c.precision, c.runtime_basis, p.model, c.chips_per_replica,
                     p.cold_start_nvme_s, p.cold_start_object_s, p.init_s, p.weight_bytes});
  }
  std::set<std::string> hw_seen;
  for (const auto& l : lanes) {
    const auto& hw = hws.get(l.hardware);
    const auto m = model::ModelCatalog::shipped().resolve(l.model);
    // Lock-in / portability: which stacks serve this model on this hardware.
    if (hw_seen.insert(l.hardware).second) {
      std::vector<std::string> names;
      int neutral_ready = 0, neutral = 0;
      for (const auto* rt : rts.for_hardware(hw)) {
        if (!rt->serves(m.architecture)) continue;
        const auto* be = rt->backend_for(hw);
        const std::string mat = be ? be->maturity : "?";
        names.push_back(fmt::format("{} ({}{})", rt->name, mat, rt->vendor_neutral ? ", vendor-neutral" : ""));
        if (rt->vendor_neutral) {
          ++neutral;
          if (mat == "mature" || mat == "production") ++neutral_ready;
        }
      }
      const RiskLevel level = lock_in_level(neutral_ready, neutral);
      risks.push_back(
          {"lock-in", level,
           names.empty()
               ? fmt::format("no runtime in the catalog serves {} ({}) on {}", m.name, m.architecture, l.hardware)
               : fmt::format("{} runtime(s) serve {} ({}) on {}: {}; {} vendor-neutral with a production "
                             "backend",
                             names.size(), m.name, m.architecture, l.hardware, common::join(names, ", "),
                             neutral_ready)});
      const double lead = lead_time_weeks(hw.vendor, hwprofiles::kind_name(hw.kind), owned);
      risks.push_back({"supply",
                       lead < 0     ? RiskLevel::high
                       : lead <= 4  ? RiskLevel::low
                       : lead <= 12 ? RiskLevel::medium
                                    : RiskLevel::high,
                       lead < 0
                           ? fmt::format("{} cannot be {} ([EST] vendor sells no {})", l.hardware,
                                         owned ? "bought" : "rented by the chip-hour", owned ? "chips" : "chip-hours")
                           : fmt::format("[EST] ~{:g} weeks to {} {} capacity", lead,
                                         owned ? "buy and install" : "reserve cloud", l.hardware)});
    }
    // Quantisation tier and how many stacks carry it here.
    const common::DType wd = *common::parse_dtype(l.precision);
    int carry = 0, total = 0;
    for (const auto* rt : rts.for_hardware(hw)) {
      if (!rt->serves(m.architecture)) continue;
      ++total;
      perf::Deployment d;
      d.hardware = hw;
      d.precision = perf::default_precision(hw, wd, std::nullopt, rt->name);
      if (rt->dtype_problem(hw, d.precision.weight, d.precision.kv).empty()) ++carry;
    }
    const bool four = l.precision == "int4" || l.precision == "fp4";
    const bool eight = l.precision == "int8" || l.precision == "fp8";
    risks.push_back({"quantisation",
                     four    ? RiskLevel::high
                     : eight ? RiskLevel::medium
                             : RiskLevel::low,
                     fmt::format("{} weights on {}: {}; {} of {} runtimes serving the model there support this tier",
                                 l.precision, l.hardware,
                                 four    ? "4-bit tier, accuracy must be proven on your own evals"
                                 : eight ? "8-bit tier, usually within 1% on benchmarks; run acceptance tests"
                                         : "16-bit baseline tier",
                                 carry, total)});
    // Calibration basis: was this runtime's speed measured on this hardware?
    perf::Deployment d;
    d.hardware = hw;
    d.runtime = l.runtime;
    d.precision = perf::default_precision(hw, wd, std::nullopt, l.runtime);
    std::string cal_text, basis = l.basis, maturity;
    try {
      const auto rr = perf::resolve_runtime(m, d);
      basis = rr.basis;
      maturity = rr.maturity;
      const std::string err = held_out_error_text(rr.calibration.fitted_on.empty() ? l.hardware
                                                                                   : rr.calibration.fitted_on,
                                                  rr.calibration.runtime.empty() ? l.runtime : rr.calibration.runtime);
      cal_text = fmt::format("{} on {}: calibration basis '{}': {}{}", l.runtime, l.hardware, rr.basis,
                             rr.calibration.source, err.empty() ? "" : "; " + err);
    } catch (const common::ConfigError& e) {
      cal_text = e.what();
    }
    const RiskLevel cal_level = parse_risk_level(perf::basis_risk(basis));
    risks.push_back({"calibration", cal_level, cal_text});
    risks.push_back({"maturity",
                     maturity == "experimental" ? RiskLevel::high
                     : maturity == "early"      ? RiskLevel::medium
                                                : RiskLevel::low,
                     fmt::format("{} backend on {}: {}", l.runtime, l.hardware, maturity.empty() ? "n/a" : maturity)});
    // Cold start under autoscaling.
    risks.push_back(
        {"cold start",
         l.cold_object <= 120   ? RiskLevel::low
         : l.cold_object <= 600 ? RiskLevel::medium
                                : RiskLevel::high,
         fmt::format("one {} replica ({} chips, {} of {} weights) hydrates in {} from local NVMe, {} from object "
                     "storage (incl. {} of engine start-up: init, compile, graph capture, warm-up, from the {} "
                     "profile); an autoscaler must add replicas that long before the load arrives",
                     l.hardware, l.chips, common::format_bytes(l.weight_bytes), l.precision,
                     common::format_seconds(l.cold_nvme), common::format_seconds(l.cold_object),
                     common::format_seconds(l.init), l.runtime)});
  }
  std::set<std::string> hardware;
  for (const auto& l : lanes) hardware.insert(l.hardware);
  if (hardware.size() > 1)
    risks.push_back({"operations", RiskLevel::medium,
                     fmt::format("{} serving stacks to build, monitor and keep in step ({})", hardware.size(),
                                 common::join(std::vector<std::string>(hardware.begin(), hardware.end()), ", "))});
  if (r.analytic)
    risks.push_back({"method", RiskLevel::medium,
                     "sized analytically outside the planner (step estimates + queueing); verify with the serving "
                     "simulator before committing"});
  if (!r.feasible) risks.push_back({"feasibility", RiskLevel::high, r.reason});
  return risks;
}

RiskLevel decision_risk_level(const OptionResult& r) {
  RiskLevel level = RiskLevel::low;
  for (const auto& k : r.risks)
    if (k.area != "cold start") level = std::max(level, k.level);
  if (!r.feasible) level = RiskLevel::high;
  return level;
}

}  // namespace infersim::brief::detail
