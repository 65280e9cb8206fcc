#include "infersim/hwprofiles/hardware_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"

namespace infersim::hwprofiles {

namespace fs = std::filesystem;

HardwareCatalog::HardwareCatalog(std::string directory, std::string calibrations_file, std::string dataflow_file)
    : dir_(std::move(directory)),
      calibrations_file_(std::move(calibrations_file)),
      dataflow_file_(std::move(dataflow_file)) {}

HardwareCatalog& HardwareCatalog::shipped() {
  static HardwareCatalog catalog(common::data_path("hwprofiles/data"),
                                 common::data_path("hwprofiles/data/calibrations.json"),
                                 common::data_path("hwprofiles/data/dataflow_calibrations.json"));
  return catalog;
}

namespace {
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

void HardwareCatalog::load() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) load_locked();
}

void HardwareCatalog::load_locked() const {
  // Profiles live in <vendor>/ folders; runtime profiles sit beside them in runtimes/.
  for (const auto& f : common::list_json_files(dir_, true, {"runtimes"}, true)) {
    HardwareProfile h = load_hardware_profile(f.string());
    const std::string name = h.name;
    profiles_.insert(name, std::move(h), f);
  }
  if (!calibrations_file_.empty() && fs::exists(calibrations_file_)) {
    for (auto& e : load_calibrations(calibrations_file_)) {
      if (!profiles_.contains(e.hardware))
        throw common::ConfigError(calibrations_file_, "/entries",
                                  fmt::format("calibration for unknown hardware '{}'", e.hardware));
      own_[e.hardware].push_back(e.calibration);
    }
  }
  // Statically scheduled chips fitted on one published per-user speed each (infersim calibrate-dataflow).
  if (!dataflow_file_.empty() && fs::exists(dataflow_file_)) {
    for (auto& e : load_calibrations(dataflow_file_)) {
      if (!profiles_.contains(e.hardware))
        throw common::ConfigError(dataflow_file_, "/entries",
                                  fmt::format("calibration for unknown hardware '{}'", e.hardware));
      if (!profiles_.get(e.hardware).static_dataflow())
        throw common::ConfigError(dataflow_file_, "/entries",
                                  fmt::format("'{}' is not a statically scheduled dataflow chip (execution.model)",
                                              e.hardware));
      e.calibration.basis = "published speed";
      own_[e.hardware].push_back(e.calibration);
    }
  }
  for (auto& [name, h] : profiles_.items()) attach_unlocked(h);
  loaded_ = true;
}

void HardwareCatalog::attach_calibrations(HardwareProfile& h) const {
  load();
  attach_unlocked(h);
}

void HardwareCatalog::attach_unlocked(HardwareProfile& h) const {
  h.calibrations.clear();
  // The default runtime (the first calibration) is vLLM where it was measured: the most widely
  // deployed open serving stack; the rest keep their file order.
  auto vllm_first = [](std::vector<Calibration>& v) {
    std::stable_partition(v.begin(), v.end(), [](const Calibration& c) { return c.runtime == "vllm"; });
  };
  if (auto it = own_.find(h.name); it != own_.end()) {
    h.calibrations = it->second;
    vllm_first(h.calibrations);
    return;
  }
  // Family default: every runtime fitted on a member of the same family (first fitted member wins).
  std::map<std::string, bool> seen;
  for (const auto& [hw, cals] : own_) {
    auto p = profiles_.items().find(hw);
    if (p == profiles_.items().end() || p->second.family != h.family ||
        p->second.static_dataflow() != h.static_dataflow())
      continue;
    for (const auto& c : cals) {
      if (seen[c.runtime]) continue;
      seen[c.runtime] = true;
      Calibration b = c;
      b.borrowed = true;
      b.basis = "family";
      b.source = fmt::format("[EST] family default: fitted on {} ({} family), not measured on {}", hw, h.family,
                             h.name);
      h.calibrations.push_back(b);
    }
  }
  vllm_first(h.calibrations);
  if (!h.calibrations.empty()) return;
  // Vendor default: the same vendor's fits on the same kind of chip (e.g. B200 <- H100: same software
  // stack and kernels, newer silicon whose peaks the profile already carries).
  for (const auto& [hw, cals] : own_) {
    auto p = profiles_.items().find(hw);
    if (p == profiles_.items().end() || p->second.vendor != h.vendor || p->second.kind != h.kind ||
        p->second.static_dataflow() != h.static_dataflow())
      continue;
    for (const auto& c : cals) {
      if (seen[c.runtime]) continue;
      seen[c.runtime] = true;
      Calibration b = c;
      b.borrowed = true;
      b.basis = "vendor";
      b.source = fmt::format("[EST] vendor default: fitted on {} ({} {}), no measurements for {} or its {} family", hw,
                             h.vendor, kind_name(h.kind), h.name, h.family);
      h.calibrations.push_back(b);
    }
  }
  vllm_first(h.calibrations);
  if (!h.calibrations.empty()) return;
  // Cross-family default: median of every fit, with the profile's own datasheet interconnect fraction.
  std::vector<double> cf, mf, so, lo, qo, co;  // pp staging is stack-specific: not borrowed across families
  for (const auto& [hw, cals] : own_) {
    // Kernel-launch and dataflow chips run by different rules: neither lends the other its fits.
    auto p = profiles_.items().find(hw);
    if (p == profiles_.items().end() || p->second.static_dataflow() != h.static_dataflow()) continue;
    for (const auto& c : cals) {
      cf.push_back(c.params.compute_fraction);
      mf.push_back(c.params.memory_fraction);
      so.push_back(c.params.step_overhead_s);
      lo.push_back(c.params.layer_overhead_s);
      qo.push_back(c.params.seq_overhead_s);
      co.push_back(c.params.collective_overhead_s);
    }
  }
  if (h.static_dataflow()) {
    // No fitted dataflow chip of this family: the datasheet efficiency and no overheads at all (a
    // statically scheduled chip launches no kernels and calls no collective library); its speed is
    // then the roofline plus the modelled chip-to-chip hops, an optimistic bound.
    Calibration g;
    g.runtime = "default";
    g.borrowed = true;
    g.basis = "cross-family";
    g.params = h.datasheet_efficiency;
    g.params.step_overhead_s = g.params.layer_overhead_s = g.params.seq_overhead_s = g.params.collective_overhead_s = 0;
    g.fitted_on = "datasheet";
    g.source = fmt::format("[EST] statically scheduled dataflow chip without a fit ({}): datasheet efficiency, no "
                           "launch or collective overheads (none borrowed from kernel-launch chips); per-layer latency "
                           "unknown, so per-user speed is an upper bound",
                           h.family);
    h.calibrations.push_back(g);
    return;
  }
  if (cf.empty()) return;  // no fits at all: the estimator uses the datasheet efficiency
  Calibration g;
  g.runtime = "default";
  g.borrowed = true;
  g.basis = "cross-family";
  g.params.compute_fraction = std::min(median(cf), h.datasheet_efficiency.compute_fraction);
  g.params.memory_fraction = std::min(median(mf), h.datasheet_efficiency.memory_fraction);
  g.params.interconnect_fraction = h.datasheet_efficiency.interconnect_fraction;
  g.params.step_overhead_s = median(so);
  g.params.layer_overhead_s = median(lo);
  g.params.seq_overhead_s = median(qo);
  g.params.collective_overhead_s = median(co);
  g.fitted_on = "all fitted profiles";
  g.source = fmt::format("[EST] cross-family default: median of {} fits on other hardware; no measurements "
                         "for {} or its family ({})",
                         cf.size(), h.name, h.family);
  h.calibrations.push_back(g);
}

std::vector<std::string> HardwareCatalog::names() const {
  load();
  return profiles_.names();
}

bool HardwareCatalog::contains(const std::string& name) const {
  load();
  return profiles_.contains(name);
}

const HardwareProfile& HardwareCatalog::get(const std::string& name) const {
  load();
  return profiles_.get(name);
}

std::string HardwareCatalog::path_of(const std::string& name) const {
  load();
  return profiles_.path_of(name);
}

HardwareProfile HardwareCatalog::resolve(const std::string& name_or_path) const {
  if (common::looks_like_path(name_or_path)) {
    if (!fs::exists(name_or_path))
      throw common::IoError(fmt::format("{}: no such hardware profile file", name_or_path));
    HardwareProfile h = load_hardware_profile(name_or_path);
    attach_calibrations(h);
    // A calibrations.json beside the profile (e.g. the output directory of `infersim calibrate`)
    // holds the profile's own fits: they come first (the default runtime) and replace any borrowed
    // calibration of the same runtime.
    const fs::path beside = fs::path(name_or_path).parent_path() / "calibrations.json";
    if (fs::exists(beside)) {
      std::vector<Calibration> own;
      for (auto& e : load_calibrations(beside.string()))
        if (e.hardware == h.name) {
          e.calibration.fitted_on = h.name;
          e.calibration.basis = "fitted";
          e.calibration.borrowed = false;
          own.push_back(e.calibration);
        }
      if (!own.empty()) {
        for (auto& c : h.calibrations)
          if (std::none_of(own.begin(), own.end(), [&](const Calibration& o) { return o.runtime == c.runtime; }))
            own.push_back(c);
        h.calibrations = std::move(own);
      }
    }
    return h;
  }
  return get(name_or_path);
}

}  // namespace infersim::hwprofiles
