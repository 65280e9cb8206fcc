#include "infersim/hwprofiles/runtime_catalog.h"

#include <fmt/format.h>

#include <filesystem>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

namespace infersim::hwprofiles {

namespace fs = std::filesystem;
using common::ConfigError;
using common::Json;
using common::JsonReader;

namespace {

std::string tagged(JsonReader& r, const std::string& key) {
  const std::string s = r.string(key);
  if (!has_source_tag(s))
    r.fail(key, fmt::format("source '{}' must start with one of {}", s, common::join(source_tags(), " ")));
  return s;
}

std::vector<common::DType> dtypes(JsonReader& r, const std::string& key) {
  std::vector<common::DType> out;
  const auto names = r.string_list_or(key, {});
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto d = common::parse_dtype(names[i]);
    if (!d)
      throw ConfigError(r.file(), r.pointer(key) + "/" + std::to_string(i),
                        fmt::format("unknown dtype '{}'{}", names[i], common::suggest_suffix(names[i], common::dtype_names())));
    out.push_back(*d);
  }
  if (out.empty()) r.fail(key, "must list at least one dtype");
  return out;
}

}  // namespace

RuntimeProfile runtime_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto v = r.integer("schema_version", 1, 1000);
  if (v != RUNTIME_SCHEMA_VERSION)
    r.fail("schema_version", fmt::format("unsupported schema_version {} (this build reads {})", v, RUNTIME_SCHEMA_VERSION));
  RuntimeProfile p;
  p.name = r.string("name");
  p.display_name = r.string_or("display_name", p.name);
  p.license = r.string("license");
  p.vendor_neutral = r.boolean_or("vendor_neutral", false);
  p.notes = r.string_or("notes", "");
  p.source = tagged(r, "source");
  {
    auto pe = r.child("porting_effort_weeks");
    p.porting_effort_weeks = pe.number("value", 0, 520);
    p.porting_effort_source = tagged(pe, "source");
    pe.finish();
  }
  {
    auto f = r.child("features");
    auto& x = p.features;
    x.continuous_batching = f.boolean_or("continuous_batching", false);
    x.paged_kv = f.boolean_or("paged_kv", false);
    x.chunked_prefill = f.boolean_or("chunked_prefill", false);
    x.prefix_caching = f.boolean_or("prefix_caching", false);
    x.speculative_decoding = f.boolean_or("speculative_decoding", false);
    x.pd_disaggregation = f.boolean_or("pd_disaggregation", false);
    x.source = tagged(f, "source");
    f.finish();
  }
  p.architectures = r.string_list_or("architectures", {});
  if (p.architectures.empty()) r.fail("architectures", "must list the model architectures served (or \"*\")");
  p.architectures_source = tagged(r, "architectures_source");
  static const std::vector<std::string> maturities = {"mature", "production", "early", "experimental"};
  for (auto& b : r.array_of_objects("backends")) {
    RuntimeBackend be;
    be.name = b.string("name");
    be.hardware_families = b.string_list_or("hardware_families", {});
    if (be.hardware_families.empty()) b.fail("hardware_families", "must list at least one hardware family");
    be.hardware_kinds = b.string_list_or("hardware_kinds", {});
    for (std::size_t i = 0; i < be.hardware_kinds.size(); ++i) {
      bool ok = false;
      for (const auto& k : kind_names()) ok = ok || k == be.hardware_kinds[i];
      if (!ok)
        throw ConfigError(file, b.pointer("hardware_kinds") + "/" + std::to_string(i),
                          fmt::format("unknown hardware kind '{}'", be.hardware_kinds[i]));
    }
    be.is_default = b.boolean_or("default", false);
    be.weight_dtypes = dtypes(b, "weight_dtypes");
    be.kv_dtypes = dtypes(b, "kv_dtypes");
    if (auto df = b.optional_child("dtype_families")) {
      for (auto it = df->raw().begin(); it != df->raw().end(); ++it) {
        auto d = common::parse_dtype(it.key());
        if (!d) df->fail(it.key(), "unknown dtype");
        be.dtype_families[*d] = df->string_list_or(it.key(), {});
      }
      df->finish();
    }
    be.quantization = b.string_list_or("quantization", {});
    be.maturity = b.one_of("maturity", maturities);
    be.source = tagged(b, "source");
    b.finish();
    p.backends.push_back(std::move(be));
  }
  if (p.backends.empty()) r.fail("backends", "must list at least one backend");
  r.finish();
  return p;
}

RuntimeProfile load_runtime_profile(const std::string& path) { return runtime_from_json(common::load_json_file(path), path); }

RuntimeCatalog::RuntimeCatalog(std::string directory) : dir_(std::move(directory)) {}

RuntimeCatalog& RuntimeCatalog::shipped() {
  static RuntimeCatalog c(common::data_path("hwprofiles/data/runtimes"));
  return c;
}

void RuntimeCatalog::load() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) load_locked();
}

void RuntimeCatalog::load_locked() const {
  for (const auto& f : common::list_json_files(dir_, false)) {
    RuntimeProfile p = load_runtime_profile(f.string());
    const std::string name = p.name;
    runtimes_.insert(name, std::move(p), f);
  }
  loaded_ = true;
}

std::vector<std::string> RuntimeCatalog::names() const {
  load();
  return runtimes_.names();
}

bool RuntimeCatalog::contains(const std::string& name) const {
  load();
  return runtimes_.contains(name);
}

const RuntimeProfile& RuntimeCatalog::get(const std::string& name) const {
  load();
  try {
    return runtimes_.get(name);
  } catch (const ConfigError& e) {
    throw ConfigError("", "--runtime", e.what());
  }
}

std::string RuntimeCatalog::path_of(const std::string& name) const {
  load();
  return runtimes_.path_of(name);
}

std::vector<const RuntimeProfile*> RuntimeCatalog::for_hardware(const HardwareProfile& h) const {
  load();
  std::vector<const RuntimeProfile*> out;
  for (const auto& [n, p] : runtimes_.items())
    if (p.backend_for(h)) out.push_back(&p);
  std::stable_partition(out.begin(), out.end(), [&](const RuntimeProfile* p) { return p->backend_for(h)->is_default; });
  return out;
}

const RuntimeProfile* RuntimeCatalog::default_for(const HardwareProfile& h) const {
  for (const auto* p : for_hardware(h))
    if (p->backend_for(h)->is_default) return p;
  return nullptr;
}

}  // namespace infersim::hwprofiles
