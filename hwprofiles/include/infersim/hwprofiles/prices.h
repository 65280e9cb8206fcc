#pragma once
// Prices of one chip on explicit bases, each dated and sourced (docs/hwprofile-format.md "price"):
// - cloud: $/chip-hour on demand, on a 1-year or 3-year commitment, and spot, each from a named
//   provider on a stated date; a chip no public cloud rents says why (`no_cloud_price`);
// - owned: purchase price of the chip and its share of the host server (CPUs, DRAM, storage,
//   chassis, NICs), from which the planner builds an owned all-in $/chip-hour (capex over a life,
//   maintenance, power x PUE, hosting, network); a chip with no public price says why (`no_purchase_price`);
// - a published owner-cost estimate per chip-hour (InferenceX) kept for comparison only.
// There is no fallback from one basis to another anywhere: a caller asks for a basis and either gets
// a price or the reason there is none. Plain values; thread-safe.
#include <string>
#include <vector>

namespace infersim::hwprofiles {

enum class CloudTier { on_demand, commit_1y, commit_3y, spot };
const char* cloud_tier_name(CloudTier t);   // "on_demand", "commit_1y", ...
const char* cloud_tier_label(CloudTier t);  // "on-demand", "1-year commitment", ...
const std::vector<std::string>& cloud_tier_names();
const std::vector<CloudTier>& cloud_tiers();  // every tier, in the order of cloud_tier_names()

struct PriceQuote {
  double usd = 0;        // 0 = no price
  std::string as_of;     // YYYY-MM or YYYY-MM-DD: when the price was published or read
  std::string provider;  // cloud quotes: who rents the chip at this price
  std::string source;    // "[TAG] ..." like every profile figure
  bool known() const { return usd > 0; }
};

struct HardwarePrices {
  PriceQuote on_demand, commit_1y, commit_3y, spot;  // $/chip-hour
  std::string no_cloud_price;                        // why no public cloud rents the chip ("" = rented)
  PriceQuote purchase;                               // $ per chip
  PriceQuote server_share;                           // $ per chip: its share of the host server
  std::string no_purchase_price;                     // why there is no public purchase price ("" = priced)
  PriceQuote owned_tco_reference;                    // $/chip-hour, published owner-cost estimate, comparison only

  const PriceQuote& cloud(CloudTier t) const;
  bool rented() const { return on_demand.known() || commit_1y.known() || commit_3y.known() || spot.known(); }
};

// Months from `as_of` (YYYY-MM[-DD]) to `reference` (same form); nullopt-like -1 when either does not parse.
int months_between(const std::string& as_of, const std::string& reference);
// True for "YYYY-MM" or "YYYY-MM-DD" with a plausible month and day.
bool valid_price_date(const std::string& s);

}  // namespace infersim::hwprofiles
