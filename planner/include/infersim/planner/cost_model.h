#pragma once
// Power and cost of a deployment at a given load.
//
// Power (per chip): idle + busy x (phase-weighted active power - idle), where the active power is the
// prefill or decode power at the load (LoadPoint::prefill_chip_w / decode_chip_w from the measured-power
// model, perf/power_model.h; else the profile's constants) weighted by the share of busy time spent in
// each phase, capped at TDP. IT power adds the host / network / storage overhead per chip from the pricing file;
// facility power = IT power x PUE. Energy per token uses facility power.
//
// Cost: cloud = chips x $/chip-hour of the chosen tier (on-demand, 1-year or 3-year commitment, spot),
// never another tier's price. A chip no public cloud rents at a published price is costed owned
// all-in instead, and `owned_only` and the basis say so (it does not disappear from a comparison).
// Owned all-in = (chip purchase + its server share) amortised over the depreciation period +
// maintenance (a share of that capex per year) + energy (facility kW x $/kWh) + hosting (provisioned
// kW x $/kW-month) + network + software per chip-month. Prices older than the pricing's
// stale_after_months before its price_date are flagged. A runtime the team does not already run adds
// a one-time porting cost (weeks x $/week).
//
// Per-token split: input tokens carry the input share of the cost (`LoadPoint::input_cost_share`: a
// request's prefill step over prefill + its share of the decode steps; else the prefill share of busy
// time), output tokens the rest;
// a cached input token costs the input price x (prefill time of a fully cached prompt / uncached
// prompt), from the step model (`LoadPoint::cached_prefill_ratio`).
// All quantities SI; $ in USD. Pure functions; thread-safe.
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/planner/pricing.h"

namespace infersim::planner {

struct LoadPoint {
  int chips_per_replica = 1;
  double replicas = 1;              // may be fractional for a share of a pool (costs scale linearly)
  double busy_fraction = 1.0;       // share of time replicas execute steps (0..1)
  double prefill_share = 0.2;       // share of busy time spent on prefill
  double output_tok_s = 0;          // whole deployment
  double input_tok_s = 0;           // whole deployment
  double requests_s = 0;            // whole deployment
  std::string runtime;              // for the porting cost
  double porting_weeks = 0;         // from the runtime profile
  double cached_prefill_ratio = 0;  // prefill time of a fully cached prompt / an uncached one (0 = unknown)
  double input_cost_share = -1;     // share of cost attributed to input tokens (< 0: prefill_share)
  // Chip power while executing prefill / decode steps at this load (perf::PowerModel, from the
  // estimate); <= 0: the profile's prefill_w / decode_w.
  double prefill_chip_w = 0, decode_chip_w = 0;
};

struct PowerBreakdown {
  double chip_w = 0;                   // per chip, average
  double active_chip_w = 0;            // per chip while executing steps (phase-weighted)
  double idle_chip_w = 0;              // per chip between steps
  double it_w_per_replica = 0;         // chips + host overhead
  double it_kw = 0;                    // whole deployment
  double facility_kw = 0;              // x PUE
  double joules_per_output_token = 0;  // facility energy / output tokens
  double joules_per_token = 0;         // facility energy / (input + output tokens)
  double tokens_per_s_per_mw = 0;      // output tokens per second per facility MW
};

struct CostBreakdown {
  std::string basis;               // "cloud on-demand (Lambda, 2026-09-25)", "owned all-in (4-year ...)", ...
  std::string basis_kind;          // "cloud <tier>" | "owned": equal kinds are comparable
  bool owned_only = false;         // cloud mode, but no public cloud price: costed owned all-in
  std::string price_as_of;         // date of the price used (purchase price when owned)
  bool price_stale = false;        // older than the pricing's stale_after_months
  std::vector<std::string> notes;  // why a basis was used, stale prices, other caveats
  double usd_per_hour = 0;         // whole deployment, recurring
  double capex_usd_per_hour = 0;   // owned: amortised purchase
  double energy_usd_per_hour = 0;
  double hosting_usd_per_hour = 0;
  double network_usd_per_hour = 0;
  double software_usd_per_hour = 0;
  double maintenance_usd_per_hour = 0;
  double rental_usd_per_hour = 0;      // cloud
  double monthly_usd = 0;              // 730 h at this load
  double usd_per_1k_output = 0;        // all cost over output tokens (the headline figure)
  double usd_per_1k_input_phase = 0;   // prefill-time share of cost over input tokens
  double usd_per_1k_output_phase = 0;  // decode-time share of cost over output tokens
  double usd_per_1k_blended = 0;       // all cost over input + output tokens
  double usd_per_1m_input = 0;         // prefill share of the cost per 1M input tokens
  double usd_per_1m_output = 0;        // decode share of the cost per 1M output tokens
  double usd_per_1m_cached_input = 0;  // a prompt token found in the prefix cache (0 = unknown)
  double tokens_per_usd = 0;           // input + output tokens per dollar
  double usd_per_request = 0;
  double porting_one_time_usd = 0;
  double tco_years = 3;
  double tco_capex_usd = 0;  // owned: purchase price of the chips and their server share
  double tco_opex_usd = 0;   // recurring cost over tco_years (rental, or energy+hosting+network+software)
  double tco_total_usd = 0;  // capex + opex + porting
  bool priced = true;        // false when the requested basis has no price (notes say why)
};

PowerBreakdown power_at(const hwprofiles::HardwareProfile& hw, const LoadPoint& load, const Pricing& pricing);
CostBreakdown cost_at(const hwprofiles::HardwareProfile& hw, const LoadPoint& load, const PowerBreakdown& power,
                      const Pricing& pricing);

// $/chip-hour for the cloud tier; 0 (and `basis` says why) when the profile has no price for that
// tier. Comparing an on-demand price with another chip's commitment price would mislead a buyer, so
// there is no fallback between tiers.
double chip_hour_price(const hwprofiles::HardwareProfile& hw, CloudTier tier, std::string& basis);

// Owned all-in $/chip-hour at a chip power (W, before host overhead and PUE); 0 without a purchase
// price. The same formula cost_at uses for a whole deployment.
double owned_chip_hour_usd(const hwprofiles::HardwareProfile& hw, double chip_w, const Pricing& pricing);

// "" or a warning when a price dated `as_of` is older than the pricing's stale_after_months before its
// price_date.
std::string stale_price_note(const std::string& as_of, const std::string& what, const Pricing& pricing);

// Whether cost_at can price this chip on the pricing's basis (a cloud price in the tier; in cloud mode a
// chip no public cloud rents falls to owned all-in; owned needs a purchase price); `why` says why not.
bool can_price(const hwprofiles::HardwareProfile& hw, const Pricing& pricing, std::string& why);

}  // namespace infersim::planner
