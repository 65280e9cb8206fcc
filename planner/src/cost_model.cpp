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
  const double pw = l.prefill_chip_w > 0 ? l.prefill_chip_w : hw.prefill_w;
  const double dw = l.decode_chip_w > 0 ? l.decode_chip_w : hw.decode_w;
  const double active = std::min(hw.tdp_w, pre * pw + (1.0 - pre) * dw);
  p.active_chip_w = active;
  p.idle_chip_w = hw.idle_w;
  p.chip_w = std::min(hw.tdp_w, hw.idle_w + busy * std::max(0.0, active - hw.idle_w));
  p.it_w_per_replica = l.chips_per_replica * (p.chip_w + pricing.host_overhead_w_per_chip);
  p.it_kw = p.it_w_per_replica * l.replicas / 1e3;
  p.facility_kw = p.it_kw * pricing.pue;
  if (l.output_tok_s > 0) {
    p.joules_per_output_token = p.facility_kw * 1e3 / l.output_tok_s;
    p.tokens_per_s_per_mw = l.output_tok_s / (p.facility_kw / 1e3);
  }
  if (l.output_tok_s + l.input_tok_s > 0) p.joules_per_token = p.facility_kw * 1e3 / (l.output_tok_s + l.input_tok_s);
  return p;
}

std::string stale_price_note(const std::string& as_of, const std::string& what, const Pricing& pricing) {
  const int age = hwprofiles::months_between(as_of, pricing.price_date);
  if (age < 0 || age <= pricing.stale_after_months) return "";
  return fmt::format("{} is from {}, {} months before {}: older than {} months, check it", what, as_of, age,
                     pricing.price_date, pricing.stale_after_months);
}

namespace {
struct OwnedHour {
  double capex = 0, maintenance = 0, energy = 0, hosting = 0, network = 0, software = 0;
  double total() const { return capex + maintenance + energy + hosting + network + software; }
};
// `chips` chips drawing `facility_kw` in all (host overhead and PUE included).
OwnedHour owned_hour(const hwprofiles::HardwareProfile& hw, double chips, double facility_kw, const Pricing& pricing) {
  OwnedHour o;
  const double capex_per_chip = hw.prices.purchase.usd + hw.prices.server_share.usd;
  o.capex = chips * capex_per_chip / (pricing.depreciation_years * HOURS_PER_YEAR);
  o.maintenance = chips * capex_per_chip * pricing.maintenance_fraction_per_year / HOURS_PER_YEAR;
  o.energy = facility_kw * pricing.usd_per_kwh;
  const double provisioned_kw = chips * (hw.tdp_w + pricing.host_overhead_w_per_chip) / 1e3;
  o.hosting = provisioned_kw * pricing.hosting_usd_per_kw_month / HOURS_PER_MONTH;
  o.network = chips * pricing.network_usd_per_chip_month / HOURS_PER_MONTH;
  o.software = chips * pricing.software_usd_per_chip_month / HOURS_PER_MONTH;
  return o;
}
}  // namespace

double owned_chip_hour_usd(const hwprofiles::HardwareProfile& hw, double chip_w, const Pricing& pricing) {
  if (!hw.prices.purchase.known()) return 0.0;
  const double facility_kw = (chip_w + pricing.host_overhead_w_per_chip) * pricing.pue / 1e3;
  return owned_hour(hw, 1.0, facility_kw, pricing).total();
}

double chip_hour_price(const hwprofiles::HardwareProfile& hw, CloudTier tier, std::string& basis) {
  const auto& q = hw.prices.cloud(tier);
  if (q.known()) {
    basis = fmt::format("cloud {} ({}, {})", hwprofiles::cloud_tier_label(tier), q.provider, q.as_of);
    return q.usd;
  }
  if (!hw.prices.rented())
    basis = fmt::format("no public cloud price for {}: {}", hw.name, hw.prices.no_cloud_price);
  else
    basis = fmt::format("no public cloud {} price for {} (other tiers are not substituted)",
                        hwprofiles::cloud_tier_label(tier), hw.name);
  return 0.0;
}

bool can_price(const hwprofiles::HardwareProfile& hw, const Pricing& pricing, std::string& why) {
  const auto& P = hw.prices;
  if (pricing.mode == PricingMode::owned) {
    if (P.purchase.known()) return true;
    why = fmt::format("no purchase price for {}: {}; plan in cloud mode", hw.name, P.no_purchase_price);
    return false;
  }
  std::string basis;
  if (chip_hour_price(hw, pricing.cloud_tier, basis) > 0) return true;
  if (!P.rented() && P.purchase.known()) return true;  // costed owned all-in, labelled "owned only"
  why = P.rented() ? basis : fmt::format("{}; no purchase price either ({})", basis, P.no_purchase_price);
  return false;
}

CostBreakdown cost_at(const hwprofiles::HardwareProfile& hw, const LoadPoint& l, const PowerBreakdown& power,
                      const Pricing& pricing) {
  CostBreakdown c;
  const double chips = l.chips_per_replica * l.replicas;
  c.tco_years = pricing.tco_years;
  const std::string owned_basis = fmt::format(
      "owned all-in ({:g}-year life, {:g}%/year maintenance, ${:g}/kWh, PUE {:g})", pricing.depreciation_years,
      100 * pricing.maintenance_fraction_per_year, pricing.usd_per_kwh, pricing.pue);
  auto cost_owned = [&] {
    c.priced = hw.prices.purchase.known();
    c.basis_kind = "owned";
    if (!c.priced) {
      c.notes.push_back(fmt::format("no purchase price for {}: {}", hw.name, hw.prices.no_purchase_price));
      return;
    }
    c.price_as_of = hw.prices.purchase.as_of;
    if (auto n = stale_price_note(hw.prices.purchase.as_of, fmt::format("{} purchase price", hw.name), pricing);
        !n.empty()) {
      c.price_stale = true;
      c.notes.push_back(n);
    }
    if (!hw.prices.server_share.known())
      c.notes.push_back(fmt::format("{}: no server-share price in the profile; chip capex only", hw.name));
    const auto o = owned_hour(hw, chips, power.facility_kw, pricing);
    c.tco_capex_usd = chips * (hw.prices.purchase.usd + hw.prices.server_share.usd);
    c.capex_usd_per_hour = o.capex;
    c.maintenance_usd_per_hour = o.maintenance;
    c.energy_usd_per_hour = o.energy;
    c.hosting_usd_per_hour = o.hosting;
    c.network_usd_per_hour = o.network;
    c.software_usd_per_hour = o.software;
    c.usd_per_hour = o.total();
    c.tco_opex_usd = (o.total() - o.capex) * HOURS_PER_YEAR * pricing.tco_years;
    // Capex of chips whose economic life is longer than the TCO window still counts in full: they
    // were bought.
  };
  if (pricing.mode == PricingMode::cloud) {
    std::string basis;
    const double price = chip_hour_price(hw, pricing.cloud_tier, basis);
    if (price > 0) {
      c.basis = basis;
      c.basis_kind = fmt::format("cloud {}", hwprofiles::cloud_tier_name(pricing.cloud_tier));
      const auto& q = hw.prices.cloud(pricing.cloud_tier);
      c.price_as_of = q.as_of;
      if (auto n = stale_price_note(
              q.as_of, fmt::format("{} {} price", hw.name, hwprofiles::cloud_tier_label(pricing.cloud_tier)), pricing);
          !n.empty()) {
        c.price_stale = true;
        c.notes.push_back(n);
      }
      c.rental_usd_per_hour = chips * price;
      c.usd_per_hour = c.rental_usd_per_hour;
      c.tco_opex_usd = c.usd_per_hour * HOURS_PER_YEAR * pricing.tco_years;
    } else if (!hw.prices.rented()) {
      // Not rented at a public price: owned cost only, labelled, rather than missing from the table.
      c.owned_only = true;
      c.notes.push_back(basis);
      cost_owned();
      c.basis = c.priced ? fmt::format("owned cost only (no public cloud price): {}", owned_basis) : basis;
    } else {
      c.basis = basis;
      c.basis_kind = fmt::format("cloud {}", hwprofiles::cloud_tier_name(pricing.cloud_tier));
      c.priced = false;
      c.notes.push_back(basis);
    }
  } else {
    c.basis = owned_basis;
    cost_owned();
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
  const double in_share = std::clamp(l.input_cost_share >= 0 ? l.input_cost_share : l.prefill_share, 0.0, 1.0);
  if (l.output_tok_s > 0) {
    c.usd_per_1k_output = c.usd_per_hour / (l.output_tok_s * 3600.0) * 1000.0;
    c.usd_per_1k_output_phase = c.usd_per_hour * (1.0 - in_share) / (l.output_tok_s * 3600.0) * 1000.0;
  }
  if (l.input_tok_s > 0) c.usd_per_1k_input_phase = c.usd_per_hour * in_share / (l.input_tok_s * 3600.0) * 1000.0;
  if (l.input_tok_s + l.output_tok_s > 0) {
    c.usd_per_1k_blended = c.usd_per_hour / ((l.input_tok_s + l.output_tok_s) * 3600.0) * 1000.0;
    if (c.usd_per_hour > 0) c.tokens_per_usd = (l.input_tok_s + l.output_tok_s) * 3600.0 / c.usd_per_hour;
  }
  c.usd_per_1m_input = 1000.0 * c.usd_per_1k_input_phase;
  c.usd_per_1m_output = 1000.0 * c.usd_per_1k_output_phase;
  c.usd_per_1m_cached_input = c.usd_per_1m_input * std::clamp(l.cached_prefill_ratio, 0.0, 1.0);
  if (l.requests_s > 0) c.usd_per_request = c.usd_per_hour / (l.requests_s * 3600.0);
  return c;
}

}  // namespace infersim::planner
