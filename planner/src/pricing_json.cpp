#include "infersim/planner/pricing_json.h"

#include <fmt/format.h>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

namespace infersim::planner {

using common::Json;
using common::JsonReader;

const char* pricing_mode_name(PricingMode m) { return m == PricingMode::cloud ? "cloud" : "owned"; }

namespace {
double sourced(JsonReader& r, const std::string& key, double min, double max, double fallback, Pricing& p) {
  if (!r.has(key)) {
    r.optional_child(key);
    return fallback;
  }
  auto v = r.child(key);
  const double x = v.number("value", min, max);
  const std::string src = v.string("source");
  if (!hwprofiles::has_source_tag(src))
    v.fail("source", fmt::format("source must start with one of {}", common::join(hwprofiles::source_tags(), " ")));
  v.finish();
  p.sources[r.pointer(key)] = src;
  return x;
}
}  // namespace

Pricing pricing_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  if (r.integer("schema_version", 1, 1000) != 1)
    r.fail("schema_version", "unsupported schema_version (this build reads 1)");
  Pricing p;
  p.name = r.string_or("name", "custom");
  r.string_or("description", "");
  p.mode = r.one_of_or("mode", {"cloud", "owned"}, "cloud") == "owned" ? PricingMode::owned : PricingMode::cloud;
  p.cloud_tier = hwprofiles::read_cloud_tier(r, "cloud_tier", CloudTier::on_demand);
  if (auto o = r.optional_child("owned")) {
    p.depreciation_years = sourced(*o, "depreciation_years", 1, 10, p.depreciation_years, p);
    p.usd_per_kwh = sourced(*o, "usd_per_kwh", 0, 5, p.usd_per_kwh, p);
    p.pue = sourced(*o, "pue", 1.0, 3.0, p.pue, p);
    p.hosting_usd_per_kw_month = sourced(*o, "hosting_usd_per_kw_month", 0, 1e4, p.hosting_usd_per_kw_month, p);
    p.network_usd_per_chip_month = sourced(*o, "network_usd_per_chip_month", 0, 1e5, p.network_usd_per_chip_month, p);
    p.software_usd_per_chip_month = sourced(*o, "software_usd_per_chip_month", 0, 1e5, p.software_usd_per_chip_month,
                                            p);
    p.host_overhead_w_per_chip = sourced(*o, "host_overhead_w_per_chip", 0, 1e5, p.host_overhead_w_per_chip, p);
    p.maintenance_fraction_per_year = sourced(*o, "maintenance_fraction_per_year", 0, 1,
                                              p.maintenance_fraction_per_year, p);
    o->finish();
  }
  if (auto e = r.optional_child("engineering")) {
    p.usd_per_engineer_week = sourced(*e, "usd_per_engineer_week", 0, 1e6, p.usd_per_engineer_week, p);
    p.current_runtimes = e->string_list_or("current_runtimes", p.current_runtimes);
    e->string_or("current_runtimes_note", "");
    e->finish();
  }
  p.tco_years = r.number_or("tco_years", p.tco_years, 0.25, 20);
  if (r.has("price_date")) p.price_date = hwprofiles::read_price_date(r, "price_date");
  p.stale_after_months = int(r.number_or("stale_after_months", p.stale_after_months, 1, 120));
  p.target_utilisation = sourced(r, "target_utilisation", 0.05, 1.0, p.target_utilisation, p);
  r.finish();
  return p;
}

Pricing load_pricing(const std::string& path) {
  const std::string f = (path.empty() || path == "default") ? common::data_path("planner/data/pricing-default.json")
                                                            : path;
  return pricing_from_json(common::load_json_file(f), f);
}

Json pricing_to_json(const Pricing& p) {
  auto s = [&](const std::string& ptr, double v) {
    auto it = p.sources.find(ptr);
    return Json{{"value", v}, {"source", it == p.sources.end() ? "[EST] set by the user" : it->second}};
  };
  Json j;
  j["schema_version"] = 1;
  j["name"] = p.name;
  j["mode"] = pricing_mode_name(p.mode);
  j["cloud_tier"] = cloud_tier_name(p.cloud_tier);
  j["owned"] = {{"depreciation_years", s("/owned/depreciation_years", p.depreciation_years)},
                {"usd_per_kwh", s("/owned/usd_per_kwh", p.usd_per_kwh)},
                {"pue", s("/owned/pue", p.pue)},
                {"hosting_usd_per_kw_month", s("/owned/hosting_usd_per_kw_month", p.hosting_usd_per_kw_month)},
                {"network_usd_per_chip_month", s("/owned/network_usd_per_chip_month", p.network_usd_per_chip_month)},
                {"software_usd_per_chip_month", s("/owned/software_usd_per_chip_month", p.software_usd_per_chip_month)},
                {"host_overhead_w_per_chip", s("/owned/host_overhead_w_per_chip", p.host_overhead_w_per_chip)},
                {"maintenance_fraction_per_year",
                 s("/owned/maintenance_fraction_per_year", p.maintenance_fraction_per_year)}};
  j["engineering"] = {{"usd_per_engineer_week", s("/engineering/usd_per_engineer_week", p.usd_per_engineer_week)},
                      {"current_runtimes", p.current_runtimes}};
  j["tco_years"] = p.tco_years;
  j["price_date"] = p.price_date;
  j["stale_after_months"] = p.stale_after_months;
  j["target_utilisation"] = s("/target_utilisation", p.target_utilisation);
  return j;
}

}  // namespace infersim::planner
