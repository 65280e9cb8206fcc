#pragma once
// Pricing assumptions for cost and TCO: cloud (on-demand / 1-year / 3-year commitment / spot $ per
// chip-hour from the hardware profile) or owned (chip + server-share capex amortised over a
// depreciation period, maintenance, energy at $/kWh x PUE, hosting per kW-month, network and software
// per chip-month), plus the engineering cost of
// porting to a runtime the team does not already run. Loaded from planner/data/pricing-default.json
// or a user file with the same fields (docs/pricing-format.md). Plain copyable value.
#include <map>
#include <string>
#include <vector>

#include "infersim/hwprofiles/prices.h"

namespace infersim::planner {

enum class PricingMode { cloud, owned };
using hwprofiles::CloudTier;  // on_demand, commit_1y, commit_3y, spot

struct Pricing {
  std::string name = "default";
  PricingMode mode = PricingMode::cloud;
  CloudTier cloud_tier = CloudTier::on_demand;
  double depreciation_years = 4;
  double usd_per_kwh = 0.08;
  double pue = 1.3;
  double hosting_usd_per_kw_month = 150;
  double network_usd_per_chip_month = 60;
  double software_usd_per_chip_month = 0;
  double host_overhead_w_per_chip = 400;
  double maintenance_fraction_per_year = 0.05;  // of owned capex (chip + server share)
  // Prices dated more than `stale_after_months` before `price_date` carry a warning (reproducible:
  // the reference date is part of the inputs, not the clock).
  std::string price_date = "2026-12-03";
  int stale_after_months = 12;
  double usd_per_engineer_week = 5000;
  std::vector<std::string> current_runtimes = {"vllm"};
  double tco_years = 3;
  double target_utilisation = 0.8;
  std::map<std::string, std::string> sources;  // field -> source tag string
};

const char* pricing_mode_name(PricingMode m);
using hwprofiles::cloud_tier_name;

}  // namespace infersim::planner
