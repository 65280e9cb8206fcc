#include "infersim/hwprofiles/prices.h"

#include <cstdio>

namespace infersim::hwprofiles {

const std::vector<std::string>& cloud_tier_names() {
  static const std::vector<std::string> n = {"on_demand", "commit_1y", "commit_3y", "spot"};
  return n;
}

const std::vector<CloudTier>& cloud_tiers() {
  static const std::vector<CloudTier> t = {CloudTier::on_demand, CloudTier::commit_1y, CloudTier::commit_3y,
                                           CloudTier::spot};
  return t;
}

const char* cloud_tier_name(CloudTier t) {
  switch (t) {
    case CloudTier::on_demand: return "on_demand";
    case CloudTier::commit_1y: return "commit_1y";
    case CloudTier::commit_3y: return "commit_3y";
    case CloudTier::spot: return "spot";
  }
  return "?";
}

const char* cloud_tier_label(CloudTier t) {
  switch (t) {
    case CloudTier::on_demand: return "on-demand";
    case CloudTier::commit_1y: return "1-year commitment";
    case CloudTier::commit_3y: return "3-year commitment";
    case CloudTier::spot: return "spot";
  }
  return "?";
}

const PriceQuote& HardwarePrices::cloud(CloudTier t) const {
  switch (t) {
    case CloudTier::on_demand: return on_demand;
    case CloudTier::commit_1y: return commit_1y;
    case CloudTier::commit_3y: return commit_3y;
    case CloudTier::spot: return spot;
  }
  return on_demand;
}

namespace {
bool parse(const std::string& s, int& y, int& m, int& d) {
  d = 1;
  if (s.size() == 7) return std::sscanf(s.c_str(), "%4d-%2d", &y, &m) == 2 && s[4] == '-';
  if (s.size() == 10) return std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3 && s[4] == '-' && s[7] == '-';
  return false;
}
}  // namespace

bool valid_price_date(const std::string& s) {
  int y = 0, m = 0, d = 0;
  return parse(s, y, m, d) && y >= 2000 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int months_between(const std::string& as_of, const std::string& reference) {
  int y0 = 0, m0 = 0, d0 = 0, y1 = 0, m1 = 0, d1 = 0;
  if (!valid_price_date(as_of) || !valid_price_date(reference) || !parse(as_of, y0, m0, d0) ||
      !parse(reference, y1, m1, d1))
    return -1;
  int months = (y1 - y0) * 12 + (m1 - m0);
  if (d1 < d0) --months;  // not a whole month yet
  return months;
}

}  // namespace infersim::hwprofiles
