#include <fmt/format.h>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

namespace infersim::hwprofiles {

using common::ConfigError;
using common::DType;
using common::Json;
using common::JsonReader;

const std::vector<std::string>& source_tags() {
  static const std::vector<std::string> tags = {"[V]",  "[T:aic]", "[T:ix]", "[T:genz]", "[T:lla]", "[T:sws]",
                                                "[3P]", "[MEAS]",  "[FIT]",  "[EST]",    "[UNV]"};
  return tags;
}

bool has_source_tag(const std::string& source) {
  for (const auto& t : source_tags())
    if (source.rfind(t, 0) == 0) return true;
  return false;
}

std::string read_tagged_source(JsonReader& r, const std::string& key) {
  std::string src = r.string(key);
  if (!has_source_tag(src))
    r.fail(key, fmt::format("source '{}' must start with one of {}", src, common::join(source_tags(), " ")));
  return src;
}

std::string read_price_date(JsonReader& r, const std::string& key) {
  std::string d = r.string(key);
  if (!valid_price_date(d)) r.fail(key, fmt::format("'{}' is not a date of the form YYYY-MM or YYYY-MM-DD", d));
  return d;
}

CloudTier read_cloud_tier(JsonReader& r, const std::string& key, CloudTier fallback) {
  if (!r.has(key)) {
    r.optional_child(key);  // marks an explicit null as consumed
    return fallback;
  }
  if (r.raw().at(key).is_string() && r.raw().at(key).get<std::string>() == "reserved")
    r.fail(key, "'reserved' meant an owner's cost for GPUs and a 1-year contract for TPUs: choose commit_1y or "
                "commit_3y (a cloud commitment), or the owned pricing mode (docs/pricing-format.md)");
  const std::string name = r.one_of(key, cloud_tier_names());
  for (std::size_t i = 0; i < cloud_tiers().size(); ++i)
    if (cloud_tier_names()[i] == name) return cloud_tiers()[i];
  return fallback;
}

namespace {

constexpr double GB = 1e9;
constexpr double TERA = 1e12;

// Reads {"value": x, "source": "[TAG] ..."}; records the source under the field's pointer.
std::optional<double> sourced(JsonReader& r, const std::string& key, HardwareProfile& h, double min, double max,
                              bool required = false) {
  if (!r.has(key)) {
    if (required) r.fail(key, "required field is missing");
    r.optional_child(key);  // marks an explicit null as consumed
    return std::nullopt;
  }
  JsonReader v = r.child(key);
  const double x = v.number("value", min, max);
  const std::string src = v.string("source");
  if (!has_source_tag(src))
    v.fail("source", fmt::format("source '{}' must start with one of {}", src, common::join(source_tags(), " ")));
  v.finish();
  h.sources[r.pointer(key)] = src;
  return x;
}

// Reads one dated price {"<value_key>": x, "as_of": "YYYY-MM[-DD]", "source": "[TAG] ...",
// "provider": "..." (cloud quotes), "note": "..."}; null or absent = no price.
PriceQuote quote(JsonReader& r, const std::string& key, const char* value_key, bool cloud, HardwareProfile& h,
                 double min, double max) {
  PriceQuote q;
  auto c = r.optional_child(key);
  if (!c) return q;
  q.usd = c->number(value_key, min, max);
  q.as_of = read_price_date(*c, "as_of");
  q.source = read_tagged_source(*c, "source");
  if (cloud) {
    q.provider = c->string("provider");
    if (q.provider.empty()) c->fail("provider", "must name who rents the chip at this price");
  } else {
    q.provider = c->string_or("provider", "");
  }
  c->string_or("note", "");
  c->finish();
  h.sources[r.pointer(key)] = q.source;
  return q;
}

void read_prices(JsonReader& p, HardwareProfile& h) {
  for (const char* old : {"on_demand_usd_per_hour", "reserved_usd_per_hour", "spot_usd_per_hour", "purchase_usd"})
    if (p.has(old))
      p.fail(old, "a price of the old single-level format: use price.cloud.<tier> {usd_per_chip_hour, provider, "
                  "as_of, source} and price.owned.purchase_usd {value, as_of, source} (docs/hwprofile-format.md)");
  auto& pr = h.prices;
  if (auto c = p.optional_child("cloud")) {
    pr.on_demand = quote(*c, "on_demand", "usd_per_chip_hour", true, h, 1e-6, 1e7);
    pr.commit_1y = quote(*c, "commit_1y", "usd_per_chip_hour", true, h, 1e-6, 1e7);
    pr.commit_3y = quote(*c, "commit_3y", "usd_per_chip_hour", true, h, 1e-6, 1e7);
    pr.spot = quote(*c, "spot", "usd_per_chip_hour", true, h, 1e-6, 1e7);
    c->finish();
  }
  pr.no_cloud_price = p.string_or("no_cloud_price", "");
  if (!pr.rented() && pr.no_cloud_price.empty())
    p.fail("no_cloud_price",
           "no cloud price is given: say why (not rented publicly, or rented without a public price)");
  if (pr.rented() && !pr.no_cloud_price.empty())
    p.fail("no_cloud_price", "a cloud price is given: remove no_cloud_price");
  if (auto o = p.optional_child("owned")) {
    pr.purchase = quote(*o, "purchase_usd", "value", false, h, 1e-3, 1e10);
    pr.server_share = quote(*o, "server_share_usd", "value", false, h, 1e-3, 1e10);
    pr.owned_tco_reference = quote(*o, "reference_tco_usd_per_hour", "value", false, h, 1e-6, 1e7);
    pr.no_purchase_price = o->string_or("no_purchase_price", "");
    o->finish();
  }
  if (!pr.purchase.known() && pr.no_purchase_price.empty())
    p.fail("owned", "no purchase price is given: set owned.no_purchase_price to say why");
  if (pr.server_share.known() && !pr.purchase.known())
    p.fail("owned", "server_share_usd needs purchase_usd (the chip's own price)");
  p.finish();
}

}  // namespace

HardwareProfile hardware_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto version = r.integer("schema_version", 1, 1000);
  if (version != HWPROFILE_SCHEMA_VERSION)
    r.fail("schema_version",
           fmt::format("unsupported schema_version {} (this build reads {})", version, HWPROFILE_SCHEMA_VERSION));
  HardwareProfile h;
  h.name = r.string("name");
  for (char c : h.name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      r.fail("name", fmt::format("'{}' is not a lowercase slug ([a-z0-9.-])", h.name));
  if (h.name.empty()) r.fail("name", "must not be empty");
  h.display_name = r.string_or("display_name", h.name);
  h.vendor = r.string("vendor");
  const std::string kind = r.one_of("kind", kind_names());
  for (std::size_t i = 0; i < kind_names().size(); ++i)
    if (kind_names()[i] == kind) h.kind = static_cast<HardwareKind>(i);
  h.family = r.string("family");
  h.notes = r.string_or("notes", "");
  h.availability = r.one_of_or("availability", {"shipping", "announced", "discontinued"}, "shipping");
  if (r.has("execution")) {
    JsonReader e = r.child("execution");
    h.execution = e.one_of("model", {"kernel_launch", "static_dataflow"});
    if (e.has("served_weights")) {
      const auto s = e.string("served_weights");
      const auto d = common::parse_dtype(s);
      if (!d) e.fail("served_weights", fmt::format("'{}' is not a dtype", s));
      h.served_weights = *d;
    }
    h.execution_source = read_tagged_source(e, "source");
    e.finish();
  }

  {
    JsonReader c = r.child("compute");
    for (std::size_t i = 0; i < common::dtype_names().size(); ++i) {
      const auto v = sourced(c, common::dtype_names()[i], h, 1e-6, 1e9);
      if (v) h.peak_flops[i] = *v * TERA;
    }
    c.finish();
  }
  {
    JsonReader m = r.child("memory");
    if (auto s = m.optional_child("sram")) {
      h.sram_bytes = sourced(*s, "capacity_mb", h, 1e-3, 1e9, true).value() * 1e6;
      h.sram_bw_bytes_per_s = sourced(*s, "bw_gb_s", h, 1e-3, 1e9).value_or(0) * GB;
      s->finish();
    }
    if (auto mm = m.optional_child("main")) {
      h.main_memory_type = mm->string_or("type", "");
      h.main_memory_bytes = sourced(*mm, "capacity_gb", h, 1e-3, 1e7, true).value() * GB;
      h.main_memory_bw_bytes_per_s = sourced(*mm, "bw_gb_s", h, 1e-3, 1e9, true).value() * GB;
      mm->finish();
    }
    if (auto dd = m.optional_child("ddr")) {
      if (h.main_memory_bytes <= 0) dd->fail("", "a DDR tier sits beside main memory: give memory.main first");
      h.ddr_bytes = sourced(*dd, "capacity_gb", h, 1e-3, 1e8, true).value() * GB;
      h.ddr_bw_bytes_per_s = sourced(*dd, "bw_gb_s", h, 1e-3, 1e9, true).value() * GB;
      dd->finish();
    }
    m.finish();
    if (h.main_memory_bytes <= 0 && h.sram_bw_bytes_per_s <= 0)
      r.fail("memory", "an SRAM-only device needs memory.sram.bw_gb_s (no 'main' tier was given)");
  }
  if (auto s = r.optional_child("scale_up")) {
    h.scale_up_name = s->string_or("name", "");
    h.scale_up_bw_bytes_per_s = sourced(*s, "bw_gb_s_per_dir", h, 1e-3, 1e7, true).value() * GB;
    h.scale_up_latency_s = sourced(*s, "latency_us", h, 0, 1e6).value_or(5.0) * 1e-6;
    h.scale_up_domain = int(sourced(*s, "domain_size", h, 1, 1e6).value_or(8));
    h.scale_up_node = int(sourced(*s, "node_size", h, 1, 1e6).value_or(1));
    s->finish();
  }
  if (auto s = r.optional_child("scale_out")) {
    h.scale_out_name = s->string_or("name", "");
    h.scale_out_bw_bytes_per_s = sourced(*s, "bw_gb_s_per_dir", h, 1e-3, 1e7, true).value() * GB;
    h.scale_out_latency_s = sourced(*s, "latency_us", h, 0, 1e6).value_or(10.0) * 1e-6;
    s->finish();
  }
  if (auto s = r.optional_child("host_link")) {
    h.host_link_name = s->string_or("name", "");
    h.pcie_gen = int(s->integer_or("pcie_gen", 0, 0, 10));
    h.host_link_bw_bytes_per_s = sourced(*s, "bw_gb_s_per_dir", h, 1e-3, 1e7).value_or(0) * GB;
    h.host_link_effective_bytes_per_s = sourced(*s, "effective_gb_s", h, 1e-3, 1e7).value_or(0) * GB;
    if (h.host_link_effective_bytes_per_s <= 0) {
      h.host_link_effective_bytes_per_s = 0.55 * h.host_link_bw_bytes_per_s;
      h.sources[s->pointer("effective_gb_s")] = "[EST] derived: 0.55 x nominal (no measurement in the profile)";
    }
    s->finish();
  }
  {
    JsonReader p = r.child("power");
    h.tdp_w = sourced(p, "tdp_w", h, 1e-3, 1e8, true).value();
    auto derive = [&](const char* key, double ratio, double& out) {
      if (auto v = sourced(p, key, h, 0, 1e8)) {
        out = *v;
      } else {
        out = ratio * h.tdp_w;
        h.sources[p.pointer(key)] = fmt::format("[EST] derived: {} x TDP (no figure in the profile)", ratio);
      }
    };
    derive("idle_w", 0.1, h.idle_w);
    derive("prefill_w", 0.95, h.prefill_w);
    derive("decode_w", 0.6, h.decode_w);
    h.all_in_w = sourced(p, "all_in_kw", h, 1e-6, 1e6).value_or(0) * 1e3;
    p.finish();
  }
  if (auto p = r.optional_child("price")) read_prices(*p, h);
  if (auto e = r.optional_child("efficiency")) {
    auto& d = h.datasheet_efficiency;
    d.compute_fraction = sourced(*e, "compute_fraction", h, 1e-4, 1.0).value_or(d.compute_fraction);
    d.memory_fraction = sourced(*e, "memory_fraction", h, 1e-4, 1.0).value_or(d.memory_fraction);
    d.interconnect_fraction = sourced(*e, "interconnect_fraction", h, 1e-4, 1.0).value_or(d.interconnect_fraction);
    e->finish();
  }
  r.finish();
  const auto problems = check_hardware_profile(h);
  if (!problems.empty())
    throw ConfigError(
        file, "/", fmt::format("hardware profile '{}' fails sanity checks: {}", h.name, common::join(problems, "; ")));
  return h;
}

HardwareProfile load_hardware_profile(const std::string& path) {
  return hardware_from_json(common::load_json_file(path), path);
}

namespace {
void put(Json& obj, const HardwareProfile& h, const std::string& pointer, const std::string& key, double v) {
  if (v <= 0) return;
  const std::string src = h.source_of(pointer + "/" + key);
  obj[key] = {{"value", v}, {"source", src.empty() ? "[EST] (no source recorded)" : src}};
}
}  // namespace

Json hardware_to_json(const HardwareProfile& h) {
  Json j;
  j["schema_version"] = HWPROFILE_SCHEMA_VERSION;
  j["name"] = h.name;
  j["display_name"] = h.display_name;
  j["vendor"] = h.vendor;
  j["kind"] = kind_name(h.kind);
  j["family"] = h.family;
  if (!h.notes.empty()) j["notes"] = h.notes;
  if (h.availability != "shipping") j["availability"] = h.availability;
  if (!h.execution_source.empty()) {
    j["execution"] = {{"model", h.execution}, {"source", h.execution_source}};
    if (h.served_weights) j["execution"]["served_weights"] = common::dtype_name(*h.served_weights);
  }
  Json c = Json::object();
  for (std::size_t i = 0; i < common::dtype_names().size(); ++i)
    put(c, h, "/compute", common::dtype_names()[i], h.peak_flops[i] / TERA);
  j["compute"] = c;
  Json mem = Json::object();
  if (h.sram_bytes > 0) {
    Json s;
    put(s, h, "/memory/sram", "capacity_mb", h.sram_bytes / 1e6);
    put(s, h, "/memory/sram", "bw_gb_s", h.sram_bw_bytes_per_s / GB);
    mem["sram"] = s;
  }
  if (h.main_memory_bytes > 0) {
    Json s;
    if (!h.main_memory_type.empty()) s["type"] = h.main_memory_type;
    put(s, h, "/memory/main", "capacity_gb", h.main_memory_bytes / GB);
    put(s, h, "/memory/main", "bw_gb_s", h.main_memory_bw_bytes_per_s / GB);
    mem["main"] = s;
  }
  if (h.ddr_bytes > 0) {
    Json s;
    put(s, h, "/memory/ddr", "capacity_gb", h.ddr_bytes / GB);
    put(s, h, "/memory/ddr", "bw_gb_s", h.ddr_bw_bytes_per_s / GB);
    mem["ddr"] = s;
  }
  j["memory"] = mem;
  if (h.scale_up_bw_bytes_per_s > 0) {
    Json s;
    s["name"] = h.scale_up_name;
    put(s, h, "/scale_up", "bw_gb_s_per_dir", h.scale_up_bw_bytes_per_s / GB);
    put(s, h, "/scale_up", "latency_us", h.scale_up_latency_s * 1e6);
    put(s, h, "/scale_up", "domain_size", h.scale_up_domain);
    if (h.scale_up_node > 1) put(s, h, "/scale_up", "node_size", h.scale_up_node);
    j["scale_up"] = s;
  }
  if (h.scale_out_bw_bytes_per_s > 0) {
    Json s;
    s["name"] = h.scale_out_name;
    put(s, h, "/scale_out", "bw_gb_s_per_dir", h.scale_out_bw_bytes_per_s / GB);
    put(s, h, "/scale_out", "latency_us", h.scale_out_latency_s * 1e6);
    j["scale_out"] = s;
  }
  if (h.host_link_bw_bytes_per_s > 0 || h.host_link_effective_bytes_per_s > 0) {
    Json s;
    s["name"] = h.host_link_name;
    s["pcie_gen"] = h.pcie_gen;
    put(s, h, "/host_link", "bw_gb_s_per_dir", h.host_link_bw_bytes_per_s / GB);
    put(s, h, "/host_link", "effective_gb_s", h.host_link_effective_bytes_per_s / GB);
    j["host_link"] = s;
  }
  Json p;
  put(p, h, "/power", "tdp_w", h.tdp_w);
  put(p, h, "/power", "idle_w", h.idle_w);
  put(p, h, "/power", "prefill_w", h.prefill_w);
  put(p, h, "/power", "decode_w", h.decode_w);
  put(p, h, "/power", "all_in_kw", h.all_in_w / 1e3);
  j["power"] = p;
  {
    const auto& P = h.prices;
    auto q = [](const PriceQuote& x, const char* value_key) {
      Json o = {{value_key, x.usd}, {"as_of", x.as_of}, {"source", x.source}};
      if (!x.provider.empty()) o["provider"] = x.provider;
      return o;
    };
    Json pr = Json::object(), cloud = Json::object(), owned = Json::object();
    for (auto t : cloud_tiers())
      if (P.cloud(t).known()) cloud[cloud_tier_name(t)] = q(P.cloud(t), "usd_per_chip_hour");
    if (!cloud.empty()) pr["cloud"] = cloud;
    if (!P.no_cloud_price.empty()) pr["no_cloud_price"] = P.no_cloud_price;
    if (P.purchase.known()) owned["purchase_usd"] = q(P.purchase, "value");
    if (P.server_share.known()) owned["server_share_usd"] = q(P.server_share, "value");
    if (P.owned_tco_reference.known()) owned["reference_tco_usd_per_hour"] = q(P.owned_tco_reference, "value");
    if (!P.no_purchase_price.empty()) owned["no_purchase_price"] = P.no_purchase_price;
    if (!owned.empty()) pr["owned"] = owned;
    if (!pr.empty()) j["price"] = pr;
  }
  Json e;
  put(e, h, "/efficiency", "compute_fraction", h.datasheet_efficiency.compute_fraction);
  put(e, h, "/efficiency", "memory_fraction", h.datasheet_efficiency.memory_fraction);
  put(e, h, "/efficiency", "interconnect_fraction", h.datasheet_efficiency.interconnect_fraction);
  j["efficiency"] = e;
  return j;
}

}  // namespace infersim::hwprofiles
