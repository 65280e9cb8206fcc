#include "infersim/planner/facility.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"

namespace infersim::planner {

using common::ConfigError;
using common::JsonReader;

namespace {

double sourced_number(JsonReader& r, const std::string& key, double min, double max, std::string* source) {
  auto c = r.child(key);
  const double v = c.number("value", min, max);
  *source = c.string("source");
  c.finish();
  return v;
}

}  // namespace

FacilityData load_facility(const std::string& path) {
  const auto j = common::load_json_file(path);
  JsonReader r(j, path);
  FacilityData f;
  f.file = path;
  if (r.integer("schema_version", 1, 1) != 1) r.fail("schema_version", "expected 1");
  r.string_or("notes", "");
  {
    auto cs = r.child("cooling");
    for (const char* name : {"air", "rear_door", "liquid"}) {
      auto c = cs.child(name);
      CoolingType t;
      t.name = name;
      t.max_kw_per_rack = sourced_number(c, "max_kw_per_rack", 0.1, 1e4, &t.max_kw_source);
      t.pue = sourced_number(c, "pue", 1.0, 3.0, &t.pue_source);
      t.description = c.string_or("description", "");
      c.finish();
      f.cooling[name] = t;
    }
    cs.finish();
  }
  {
    auto rk = r.child("rack");
    f.rack_u = int(sourced_number(rk, "usable_u", 1, 100, &f.rack_u_source));
    f.floor_m2_per_rack = sourced_number(rk, "floor_m2_per_rack", 0.1, 100, &f.floor_source);
    rk.string_or("description", "");
    rk.finish();
  }
  {
    auto ss = r.child("servers");
    for (auto it = ss.raw().begin(); it != ss.raw().end(); ++it) {
      auto s = ss.child(it.key());
      ServerSpec v;
      v.product = s.string("product");
      std::string src;
      v.chips_per_server = int(sourced_number(s, "chips_per_server", 1, 100000, &src));
      v.sources["chips_per_server"] = src;
      v.server_u = int(sourced_number(s, "server_u", 1, 100, &src));
      v.sources["server_u"] = src;
      v.server_kw = sourced_number(s, "server_kw", 0.001, 1e4, &src);
      v.sources["server_kw"] = src;
      {
        auto c = s.child("cooling");
        v.cooling = c.one_of("value", {"air", "liquid", "air_or_liquid"});
        v.sources["cooling"] = c.string("source");
        c.finish();
      }
      v.rack_scale = s.boolean_or("rack_scale", false);
      v.notes = s.string_or("notes", "");
      s.finish();
      f.servers[it.key()] = v;
    }
    ss.finish();
  }
  r.finish();
  return f;
}

const FacilityData& shipped_facility() {
  static std::once_flag once;
  static FacilityData data;
  std::call_once(once, [] { data = load_facility(common::data_path("planner/data/facility.json")); });
  return data;
}

FacilityFootprint facility_footprint(const FacilityData& f, const std::string& hardware, double chips,
                                     const Site* site) {
  FacilityFootprint out;
  const auto it = f.servers.find(hardware);
  if (it == f.servers.end() || !(chips > 0)) return out;
  const ServerSpec& s = it->second;
  out.present = true;
  out.product = s.product;
  out.chips = chips;
  out.servers = int(std::ceil(chips / s.chips_per_server - 1e-9));
  // Cooling: the site's, else what the product needs (air where it allows air).
  out.cooling = site ? site->cooling : (s.cooling == "liquid" ? "liquid" : "air");
  const auto ct = f.cooling.find(out.cooling);
  if (ct == f.cooling.end())
    throw ConfigError("", "site.cooling", fmt::format("unknown cooling '{}' (air, rear_door, liquid)", out.cooling));
  out.pue = ct->second.pue;
  const double kw_limit = site && site->kw_per_rack ? *site->kw_per_rack : ct->second.max_kw_per_rack;
  const auto refuse = [&](std::string why) {
    if (out.fits) {
      out.fits = false;
      out.reason = std::move(why);
    }
  };
  if (s.cooling == "liquid" && out.cooling != "liquid")
    refuse(fmt::format("{} needs liquid cooling ({:g} kW per {}); site is {} at {:g} kW/rack", s.product, s.server_kw,
                       s.rack_scale ? "rack" : "server", out.cooling, kw_limit));
  if (s.rack_scale) {
    out.servers_per_rack = 1;
  } else {
    const int by_u = std::max(0, f.rack_u / std::max(1, s.server_u));
    const int by_kw = int(std::floor(kw_limit / s.server_kw + 1e-9));
    out.servers_per_rack = std::min(by_u, by_kw);
  }
  if (s.server_kw > kw_limit + 1e-9)
    refuse(fmt::format("one {} draws {:g} kW; site allows {:g} kW/rack ({})", s.rack_scale ? "rack" : "server",
                       s.server_kw, kw_limit, out.cooling));
  const int per_rack = std::max(1, out.servers_per_rack);
  out.racks = (out.servers + per_rack - 1) / per_rack;
  out.kw_per_rack = std::min(out.servers, per_rack) * s.server_kw;
  out.it_kw = out.servers * s.server_kw;
  out.facility_kw = out.it_kw * out.pue;
  out.floor_m2 = out.racks * f.floor_m2_per_rack;
  if (site && site->mw && out.facility_kw > *site->mw * 1000 + 1e-9)
    refuse(fmt::format("needs {:.3g} MW (IT {:.3g} MW x PUE {:g}); site has {:g} MW", out.facility_kw / 1000,
                       out.it_kw / 1000, out.pue, *site->mw));
  if (site && site->racks && out.racks > *site->racks)
    refuse(fmt::format("needs {} racks ({} x {} per rack); site has {}", out.racks, s.product, per_rack, *site->racks));
  return out;
}

}  // namespace infersim::planner
