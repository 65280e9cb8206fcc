#include "infersim/hwprofiles/runtime_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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
                        fmt::format("unknown dtype '{}'{}", names[i],
                                    common::suggest_suffix(names[i], common::dtype_names())));
    out.push_back(*d);
  }
  if (out.empty()) r.fail(key, "must list at least one dtype");
  return out;
}

// "cold_start": {"<field>": {"value": x, "source": "[TAG] ..."}, ...}; every field optional except
// engine_init_s, each value sourced.
RuntimeColdStart cold_start_from(JsonReader& c) {
  RuntimeColdStart x;
  x.present = true;
  struct Field {
    const char* key;
    double* value;
    double min, max;
  };
  const Field fields[] = {
      {"image_gb", &x.image_gb, 0, 1000},
      {"engine_init_s", &x.engine_init_s, 0, 1e5},
      {"multi_device_init_s", &x.multi_device_init_s, 0, 1e5},
      {"compile_s", &x.compile_s, 0, 1e5},
      {"compile_cached_s", &x.compile_cached_s, 0, 1e5},
      {"graph_capture_s", &x.graph_capture_s, 0, 1e5},
      {"warmup_s", &x.warmup_s, 0, 1e5},
      {"loader_gb_s", &x.loader_gb_s, 0, 1e4},
      {"snapshot_restore_s", &x.snapshot_restore_s, 0, 1e5},
      {"wake_s", &x.wake_s, 0, 1e5},
  };
  if (!c.has("engine_init_s")) c.fail("engine_init_s", "is required in a cold_start block");
  for (const auto& f : fields) {
    if (!c.has(f.key)) continue;
    auto one = c.child(f.key);
    *f.value = one.number("value", f.min, f.max);
    x.sources[f.key] = tagged(one, "source");
    one.finish();
  }
  c.finish();
  return x;
}

}  // namespace

RuntimeProfile runtime_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  const auto schema = r.integer("schema_version", 1, 1000);
  if (schema != RUNTIME_SCHEMA_VERSION)
    r.fail("schema_version",
           fmt::format("unsupported schema_version {} (this build reads {})", schema, RUNTIME_SCHEMA_VERSION));
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
    x.pipeline_micro_batches = f.boolean_or("pipeline_micro_batches", true);
    x.source = tagged(f, "source");
    f.finish();
  }
  if (auto c = r.optional_child("cold_start")) p.cold_start = cold_start_from(*c);
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
  if (r.has("versions")) {
    static const std::vector<std::string> policies = {"mixed", "prefill_first"};
    static const std::vector<std::string> bases = {"total", "free"};
    for (auto& v : r.array_of_objects("versions")) {
      RuntimeVersion x;
      x.version = v.string("version");
      if (x.version.empty() || x.version.find('@') != std::string::npos)
        v.fail("version", "must be a non-empty label without '@'");
      x.released = v.string("released");
      if (x.released.size() < 7 || x.released[4] != '-') v.fail("released", "must be a date YYYY-MM or YYYY-MM-DD");
      x.source = tagged(v, "source");
      x.kernel_model = v.boolean_or("kernel_model", false);
      if (auto kt = v.optional_child("kernel_tables")) {
        for (auto it = kt->raw().begin(); it != kt->raw().end(); ++it) {
          if (it.key() == "source") continue;
          x.kernel_tables[it.key()] = kt->string(it.key());
        }
        x.kernel_tables_source = tagged(*kt, "source");
        kt->finish();
      }
      if (auto nt = v.optional_child("nccl_tables")) {
        for (auto it = nt->raw().begin(); it != nt->raw().end(); ++it) x.nccl_tables[it.key()] = nt->string(it.key());
        nt->finish();
      }
      if (v.has("fused_quant")) x.fused_quant = dtypes(v, "fused_quant");
      if (auto fa = v.optional_child("fused_allreduce")) {
        x.fused_allreduce_source = tagged(*fa, "source");
        auto mib = fa->child("max_mib");
        for (auto it = mib.raw().begin(); it != mib.raw().end(); ++it) {
          auto fam = mib.child(it.key());
          for (auto jt = fam.raw().begin(); jt != fam.raw().end(); ++jt) {
            const std::string& key = jt.key();
            const bool digits = !key.empty() && key.size() <= 6 &&
                                std::all_of(key.begin(), key.end(), [](unsigned char ch) { return std::isdigit(ch); });
            const int tp = digits ? std::stoi(key) : 0;
            if (tp < 2 || std::to_string(tp) != key) fam.fail(key, "must be a TP size >= 2");
            x.fused_allreduce_mib[it.key()][tp] = fam.number(jt.key(), 0.0, 1e6);
          }
          fam.finish();
        }
        mib.finish();
        fa->finish();
      }
      {
        auto s = v.child("scheduler");
        auto& d = x.scheduler;
        d.policy = s.one_of("policy", policies);
        d.chunked_prefill = s.boolean_or("chunked_prefill", true);
        d.max_num_tokens = int(s.integer("max_num_tokens", 16, 1 << 24));
        d.max_batch = int(s.integer("max_batch", 1, 1 << 20));
        d.cuda_graph_max_batch = int(s.integer_or("cuda_graph_max_batch", 0, 0, 1 << 20));
        d.cuda_graph_padding = s.boolean_or("cuda_graph_padding", false);
        for (double b :
             s.has("cuda_graph_sizes") ? s.number_list("cuda_graph_sizes", 1, 1 << 20) : std::vector<double>{})
          d.cuda_graph_sizes.push_back(int(b));
        std::sort(d.cuda_graph_sizes.begin(), d.cuda_graph_sizes.end());
        d.kv_memory_fraction = s.number("kv_memory_fraction", 0.05, 1.0);
        d.kv_memory_basis = s.one_of("kv_memory_basis", bases);
        d.join_delay_steps = int(s.integer_or("join_delay_steps", 0, 0, 8));
        d.reserve_output = s.boolean_or("reserve_output", false);
        d.adp_balance = s.boolean_or("adp_balance", false);
        d.adp_timeout_iters = int(s.integer_or("adp_timeout_iters", 50, 0, 100000));
        d.adp_batching_wait_iters = int(s.integer_or("adp_batching_wait_iters", 10, 0, 100000));
        d.batch_wait_timeout_iters = int(s.integer_or("batch_wait_timeout_iters", 0, 0, 100000));
        d.batch_wait_max_tokens_ratio = s.number_or("batch_wait_max_tokens_ratio", 0.0, 0.0, 1.0);
        d.recv_interval_iters = int(s.integer_or("recv_interval_iters", 0, 0, 100000));
        d.eager_prompt_steps = s.boolean_or("eager_prompt_steps", true);
        d.source = tagged(s, "source");
        s.finish();
      }
      x.calibrated_on = v.string_list_or("calibrated_on", {});
      x.notes = v.string_or("notes", "");
      v.finish();
      p.versions.push_back(std::move(x));
    }
    for (std::size_t i = 0; i < p.versions.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (p.versions[i].version == p.versions[k].version)
          throw ConfigError(file, fmt::format("/versions/{}/version", i),
                            fmt::format("duplicate version '{}'", p.versions[i].version));
    // Newest first (by release date; the file order breaks ties).
    std::stable_sort(p.versions.begin(), p.versions.end(),
                     [](const RuntimeVersion& a, const RuntimeVersion& b) { return a.released > b.released; });
  }
  r.finish();
  return p;
}

RuntimeProfile load_runtime_profile(const std::string& path) {
  return runtime_from_json(common::load_json_file(path), path);
}

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
  const fs::path kc = fs::path(dir_).parent_path() / "kernel_calibrations.json";
  if (fs::exists(kc)) {
    for (auto& e : load_kernel_calibrations(kc.string())) {
      const RuntimeProfile* rp = runtimes_.contains(e.runtime) ? &runtimes_.get(e.runtime) : nullptr;
      if (rp == nullptr || rp->version(e.version) == nullptr || rp->version(e.version)->version != e.version)
        throw ConfigError(kc.string(), "/entries",
                          fmt::format("kernel calibration for unknown runtime version '{}@{}'", e.runtime, e.version));
      kernel_cals_.push_back(e.calibration);
    }
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

const Calibration* RuntimeCatalog::kernel_calibration(const std::string& runtime, const std::string& version) const {
  load();
  for (const auto& c : kernel_cals_)
    if (c.runtime == runtime && c.version == version) return &c;
  return nullptr;
}

double RuntimeCatalog::pooled_mtp_acceptance() const {
  load();
  for (const auto& c : kernel_cals_)
    if (c.params.mtp_acceptance > 0) return c.params.mtp_acceptance;
  return 0.0;
}

const RuntimeProfile* RuntimeCatalog::default_for(const HardwareProfile& h) const {
  for (const auto* p : for_hardware(h))
    if (p->backend_for(h)->is_default) return p;
  return nullptr;
}

}  // namespace infersim::hwprofiles
