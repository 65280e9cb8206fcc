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
  {
    auto sa = r.child("stranded_asset");
    auto& st = f.stranded;
    sa.string_or("description", "");
    {
      auto lt = sa.child("build_lead_time_months");
      for (const char* k : {"cloud_rental", "colocation_existing_air", "colocation_liquid_ready",
                            "retrofit_air_to_liquid", "greenfield_air", "greenfield_liquid"})
        st.lead_months[k] = sourced_number(lt, k, 0, 240, &st.sources[std::string("lead/") + k]);
      lt.finish();
    }
    {
      auto fo = sa.child("fitout_usd_per_mw");
      fo.string_or("description", "");
      st.fitout_air_usd_per_mw = sourced_number(fo, "air", 1e4, 1e9, &st.sources["fitout/air"]);
      st.fitout_liquid_usd_per_mw = sourced_number(fo, "liquid", 1e4, 1e9, &st.sources["fitout/liquid"]);
      st.retrofit_usd_per_mw = sourced_number(fo, "retrofit_air_to_liquid_usd_per_mw", 1e3, 1e9,
                                              &st.sources["fitout/retrofit"]);
      fo.finish();
    }
    {
      auto fl = sa.child("facility_life_years");
      std::string src;
      sourced_number(fl, "building_shell", 1, 100, &src);
      st.mechanical_life_years = sourced_number(fl, "mep_mechanical", 1, 100, &st.sources["life/mechanical"]);
      sourced_number(fl, "mep_electrical", 1, 100, &src);
      fl.finish();
    }
    st.it_depreciation_years = sourced_number(sa, "it_depreciation_years", 1, 20, &st.sources["it_depreciation"]);
    st.cadence_years = sourced_number(sa, "generation_cadence_years", 0.25, 10, &st.sources["cadence"]);
    const auto& gens = sa.raw("generations");
    if (!gens.is_array()) sa.fail("generations", "expected an array");
    for (std::size_t i = 0; i < gens.size(); ++i) {
      JsonReader g(gens[i], path, fmt::format("/stranded_asset/generations/{}", i));
      RackGeneration x;
      x.name = g.string("name");
      x.cooling = g.one_of("cooling", {"air", "liquid", "air_or_liquid"});
      x.announced = g.boolean_or("announced", false);
      std::string src;
      x.year = int(sourced_number(g, "year", 2000, 2100, &src));
      x.kw_per_rack = sourced_number(g, "kw_per_rack", 0.1, 5000, &src);
      g.finish();
      st.generations.push_back(x);
    }
    sa.finish();
  }
  r.finish();
  return f;
}

StrandedRisk stranded_risk(const FacilityData& f, bool owned, const std::string& cooling, double kw_per_rack,
                           double it_kw, int year) {
  const auto& st = f.stranded;
  StrandedRisk r;
  r.owned = owned;
  auto lead = [&](const char* k) { return st.lead_months.count(k) ? st.lead_months.at(k) : 0.0; };
  // The densest rack shipping today, and the densest a refresh could bring within the window.
  const RackGeneration *now = nullptr, *next = nullptr;
  bool liquid_in_window = false;
  for (const auto& g : st.generations) {
    if (!g.announced && g.year <= year && (now == nullptr || g.kw_per_rack > now->kw_per_rack)) now = &g;
    if (g.year < year || g.year > year + st.it_depreciation_years) continue;
    if (g.cooling == "liquid") liquid_in_window = true;
    if (next == nullptr || g.kw_per_rack > next->kw_per_rack) next = &g;
  }
  if (now != nullptr && (next == nullptr || now->kw_per_rack > next->kw_per_rack)) next = now;
  auto label = [](const RackGeneration& g) {
    return fmt::format("{}, {}{}", g.name.substr(0, g.name.find(" (")), g.year, g.announced ? ", announced" : "");
  };
  if (next) {
    r.next_kw_per_rack = next->kw_per_rack;
    r.next_name = label(*next);
  }
  const double it_mw = it_kw / 1000.0;
  if (!owned) {
    r.path = "cloud rental (the provider's hall)";
    r.lead_months = lead("cloud_rental");
    r.air_to_liquid = "the provider's; exposure = the commitment term";
    r.next_generation = "move when the term ends";
    r.level = "low";
    return r;
  }
  const bool liquid = cooling == "liquid";
  if (liquid) {
    r.lead_months = std::min(lead("colocation_liquid_ready"), lead("greenfield_liquid"));
    r.path = fmt::format("liquid-ready colocation ({:g} months) or a new liquid hall ({:g} months)",
                         lead("colocation_liquid_ready"), lead("greenfield_liquid"));
    r.fitout_usd = it_mw * st.fitout_liquid_usd_per_mw;
    r.air_to_liquid = "already liquid: no conversion";
  } else {
    r.lead_months = lead("colocation_existing_air");
    r.path = fmt::format("existing air colocation ({:g} months where space is vacant) or a new air hall ({:g} months)",
                         lead("colocation_existing_air"), lead("greenfield_air"));
    r.fitout_usd = it_mw * st.fitout_air_usd_per_mw;
    r.retrofit_usd = it_mw * st.retrofit_usd_per_mw;
    r.air_to_liquid =
        liquid_in_window
            ? fmt::format("liquid-only racks arrive within {:g} y: retrofit ~${:.2g}M, {:g} months (needs electrical "
                          "headroom), or a new liquid hall, {:g} months",
                          st.it_depreciation_years, r.retrofit_usd / 1e6, lead("retrofit_air_to_liquid"),
                          lead("greenfield_liquid"))
            : fmt::format("no liquid-only generation listed within {:g} y", st.it_depreciation_years);
  }
  std::string text;
  if (now && kw_per_rack > 0)
    text = fmt::format("densest shipping {:.3g} kW/rack ({}) = {:.1f}x this design", now->kw_per_rack, label(*now),
                       now->kw_per_rack / kw_per_rack);
  if (next && next != now && kw_per_rack > 0)
    text += fmt::format("{}within {:g} y {:.3g} kW/rack ({}) = {:.1f}x", text.empty() ? "" : "; ",
                        st.it_depreciation_years, next->kw_per_rack, r.next_name, next->kw_per_rack / kw_per_rack);
  const bool denser = next && kw_per_rack > 0 && next->kw_per_rack > 1.05 * kw_per_rack;
  if (denser) {
    text += liquid ? ": re-use needs more power and coolant per rack position (or part-filled racks)"
                   : ": re-use needs liquid and fewer, denser rack positions";
    r.level = liquid ? "medium" : "high";
  } else {
    if (!text.empty()) text += ": fits this design";
    r.level = liquid_in_window && !liquid ? "high" : "low";
  }
  r.next_generation = text.empty() ? "no generation listed" : text;
  return r;
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
