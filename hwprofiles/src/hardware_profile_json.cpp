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
  static const std::vector<std::string> tags = {"[V]",     "[T:aic]", "[T:ix]",  "[T:genz]", "[T:lla]", "[T:sws]",
                                                "[3P]",    "[MEAS]",  "[FIT]",   "[EST]",    "[UNV]"};
  return tags;
}

bool has_source_tag(const std::string& source) {
  for (const auto& t : source_tags())
    if (source.rfind(t, 0) == 0) return true;
  return false;
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
    m.finish();
    if (h.main_memory_bytes <= 0 && h.sram_bw_bytes_per_s <= 0)
      r.fail("memory", "an SRAM-only device needs memory.sram.bw_gb_s (no 'main' tier was given)");
  }
  if (auto s = r.optional_child("scale_up")) {
    h.scale_up_name = s->string_or("name", "");
    h.scale_up_bw_bytes_per_s = sourced(*s, "bw_gb_s_per_dir", h, 1e-3, 1e7, true).value() * GB;
    h.scale_up_latency_s = sourced(*s, "latency_us", h, 0, 1e6).value_or(5.0) * 1e-6;
    h.scale_up_domain = int(sourced(*s, "domain_size", h, 1, 1e6).value_or(8));
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
  if (auto p = r.optional_child("price")) {
    h.on_demand_usd_per_hour = sourced(*p, "on_demand_usd_per_hour", h, 1e-6, 1e7).value_or(0);
    h.reserved_usd_per_hour = sourced(*p, "reserved_usd_per_hour", h, 1e-6, 1e7).value_or(0);
    h.spot_usd_per_hour = sourced(*p, "spot_usd_per_hour", h, 1e-6, 1e7).value_or(0);
    h.purchase_usd = sourced(*p, "purchase_usd", h, 1e-3, 1e10).value_or(0);
    p->finish();
  }
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
    throw ConfigError(file, "/", fmt::format("hardware profile '{}' fails sanity checks: {}", h.name,
                                             common::join(problems, "; ")));
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
  j["memory"] = mem;
  if (h.scale_up_bw_bytes_per_s > 0) {
    Json s;
    s["name"] = h.scale_up_name;
    put(s, h, "/scale_up", "bw_gb_s_per_dir", h.scale_up_bw_bytes_per_s / GB);
    put(s, h, "/scale_up", "latency_us", h.scale_up_latency_s * 1e6);
    put(s, h, "/scale_up", "domain_size", h.scale_up_domain);
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
  Json pr = Json::object();
  put(pr, h, "/price", "on_demand_usd_per_hour", h.on_demand_usd_per_hour);
  put(pr, h, "/price", "reserved_usd_per_hour", h.reserved_usd_per_hour);
  put(pr, h, "/price", "spot_usd_per_hour", h.spot_usd_per_hour);
  put(pr, h, "/price", "purchase_usd", h.purchase_usd);
  if (!pr.empty()) j["price"] = pr;
  Json e;
  put(e, h, "/efficiency", "compute_fraction", h.datasheet_efficiency.compute_fraction);
  put(e, h, "/efficiency", "memory_fraction", h.datasheet_efficiency.memory_fraction);
  put(e, h, "/efficiency", "interconnect_fraction", h.datasheet_efficiency.interconnect_fraction);
  j["efficiency"] = e;
  return j;
}

}  // namespace infersim::hwprofiles
