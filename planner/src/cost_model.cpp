#include "infersim/planner/cost_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace infersim::planner {

namespace {
constexpr double HOURS_PER_MONTH = 730.0;
constexpr double HOURS_PER_YEAR = 8760.0;
}  // namespace

PowerBreakdown power_at(const hwprofiles::HardwareProfile& hw, const LoadPoint& l, const Pricing& pricing) {
  PowerBreakdown p;
  const double busy = std::clamp(l.busy_fraction, 0.0, 1.0);
  const double pre = std::clamp(l.prefill_share, 0.0, 1.0);
  const double active = pre * hw.prefill_w + (1.0 - pre) * hw.decode_w;
  p.chip_w = std::min(hw.tdp_w, hw.idle_w + busy * std::max(0.0, active - hw.idle_w));
  p.it_w_per_replica = l.chips_per_replica * (p.chip_w + pricing.host_overhead_w_per_chip);
  p.it_kw = p.it_w_per_replica * l.replicas / 1e3;
  p.facility_kw = p.it_kw * pricing.pue;
  if (l.output_tok_s > 0) {
    p.joules_per_output_token = p.facility_kw * 1e3 / l.output_tok_s;
    p.tokens_per_s_per_mw = l.output_tok_s / (p.facility_kw / 1e3);
  }
  return p;
}

double chip_hour_price(const hwprofiles::HardwareProfile& hw, CloudTier tier, std::string& basis) {
  const double price = tier == CloudTier::on_demand ? hw.on_demand_usd_per_hour
                       : tier == CloudTier::reserved ? hw.reserved_usd_per_hour
                                                     : hw.spot_usd_per_hour;
  basis = price > 0 ? fmt::format("cloud {}", cloud_tier_name(tier))
                    : fmt::format("no cloud {} price for {} in its profile", cloud_tier_name(tier), hw.name);
  return price;
}

CostBreakdown cost_at(const hwprofiles::HardwareProfile& hw, const LoadPoint& l, const PowerBreakdown& power,
                      const Pricing& pricing) {
  CostBreakdown c;
  const double chips = l.chips_per_replica * l.replicas;
  c.tco_years = pricing.tco_years;
  if (pricing.mode == PricingMode::cloud) {
    std::string basis;
    const double price = chip_hour_price(hw, pricing.cloud_tier, basis);
    c.basis = basis;
    c.priced = price > 0;
    if (!c.priced) c.notes.push_back(basis);
    c.rental_usd_per_hour = chips * price;
    c.usd_per_hour = c.rental_usd_per_hour;
    c.tco_opex_usd = c.usd_per_hour * HOURS_PER_YEAR * pricing.tco_years;
  } else {
    c.basis = fmt::format("owned ({:g}-year depreciation, ${:g}/kWh, PUE {:g})", pricing.depreciation_years,
                          pricing.usd_per_kwh, pricing.pue);
    c.priced = hw.purchase_usd > 0;
    if (!c.priced) c.notes.push_back(fmt::format("{} has no purchase price: capex counted as 0", hw.name));
    c.tco_capex_usd = chips * hw.purchase_usd;
    c.capex_usd_per_hour = c.tco_capex_usd / (pricing.depreciation_years * HOURS_PER_YEAR);
    c.energy_usd_per_hour = power.facility_kw * pricing.usd_per_kwh;
    const double provisioned_kw = chips * (hw.tdp_w + pricing.host_overhead_w_per_chip) / 1e3;
    c.hosting_usd_per_hour = provisioned_kw * pricing.hosting_usd_per_kw_month / HOURS_PER_MONTH;
    c.network_usd_per_hour = chips * pricing.network_usd_per_chip_month / HOURS_PER_MONTH;
    c.software_usd_per_hour = chips * pricing.software_usd_per_chip_month / HOURS_PER_MONTH;
    c.usd_per_hour = c.capex_usd_per_hour + c.energy_usd_per_hour + c.hosting_usd_per_hour + c.network_usd_per_hour +
                     c.software_usd_per_hour;
    c.tco_opex_usd = (c.energy_usd_per_hour + c.hosting_usd_per_hour + c.network_usd_per_hour + c.software_usd_per_hour) *
                     HOURS_PER_YEAR * pricing.tco_years;
    // Capex of chips whose economic life is longer than the TCO window still counts in full: they
    // were bought.
  }
  const bool already = std::find(pricing.current_runtimes.begin(), pricing.current_runtimes.end(), l.runtime) !=
                       pricing.current_runtimes.end();
  if (!already && l.porting_weeks > 0) {
    c.porting_one_time_usd = l.porting_weeks * pricing.usd_per_engineer_week;
    c.notes.push_back(fmt::format("one-time porting to {}: {:g} engineer-weeks x ${:g}", l.runtime, l.porting_weeks,
                                  pricing.usd_per_engineer_week));
  }
  c.monthly_usd = c.usd_per_hour * HOURS_PER_MONTH;
  c.tco_total_usd = c.tco_capex_usd + c.tco_opex_usd + c.porting_one_time_usd;
  if (l.output_tok_s > 0) {
    c.usd_per_1k_output = c.usd_per_hour / (l.output_tok_s * 3600.0) * 1000.0;
    c.usd_per_1k_output_phase = c.usd_per_hour * (1.0 - l.prefill_share) / (l.output_tok_s * 3600.0) * 1000.0;
  }
  if (l.input_tok_s > 0) c.usd_per_1k_input_phase = c.usd_per_hour * l.prefill_share / (l.input_tok_s * 3600.0) * 1000.0;
  if (l.input_tok_s + l.output_tok_s > 0)
    c.usd_per_1k_blended = c.usd_per_hour / ((l.input_tok_s + l.output_tok_s) * 3600.0) * 1000.0;
  if (l.requests_s > 0) c.usd_per_request = c.usd_per_hour / (l.requests_s * 3600.0);
  return c;
}

}  // namespace infersim::planner
