#include "infersim/hwprofiles/runtime_profile.h"

#include <fmt/format.h>

#include <algorithm>

#include "infersim/common/text.h"

namespace infersim::hwprofiles {

namespace {
bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

bool RuntimeBackend::matches(const HardwareProfile& h) const {
  if (!contains(hardware_families, h.family)) return false;
  return hardware_kinds.empty() || contains(hardware_kinds, kind_name(h.kind));
}

const RuntimeBackend* RuntimeProfile::backend_for(const HardwareProfile& h) const {
  for (const auto& b : backends)
    if (b.matches(h)) return &b;
  return nullptr;
}

bool RuntimeProfile::serves(const std::string& architecture) const {
  return contains(architectures, "*") || contains(architectures, architecture);
}

std::string RuntimeProfile::dtype_problem(const HardwareProfile& h, common::DType weight, common::DType kv) const {
  const RuntimeBackend* b = backend_for(h);
  if (b == nullptr) return fmt::format("{} does not run on {} ({} family)", name, h.name, h.family);
  auto names = [](const std::vector<common::DType>& v) {
    std::vector<std::string> out;
    for (auto d : v) out.push_back(common::dtype_name(d));
    return common::join(out, ", ");
  };
  if (std::find(b->weight_dtypes.begin(), b->weight_dtypes.end(), weight) == b->weight_dtypes.end())
    return fmt::format("{} ({} backend) has no {} weights on {}; it supports: {}", name, b->name,
                       common::dtype_name(weight), h.name, names(b->weight_dtypes));
  if (std::find(b->kv_dtypes.begin(), b->kv_dtypes.end(), kv) == b->kv_dtypes.end())
    return fmt::format("{} ({} backend) has no {} KV cache on {}; it supports: {}", name, b->name,
                       common::dtype_name(kv), h.name, names(b->kv_dtypes));
  for (auto d : {weight, kv}) {
    auto it = b->dtype_families.find(d);
    if (it != b->dtype_families.end() && !contains(it->second, h.family))
      return fmt::format("{} supports {} only on {} hardware ({}), not on {} ({} family)", name, common::dtype_name(d),
                         common::join(it->second, "/"), b->source, h.name, h.family);
  }
  return {};
}

std::pair<std::string, std::string> split_runtime_version(const std::string& spec) {
  const auto at = spec.find('@');
  if (at == std::string::npos) return {spec, ""};
  return {spec.substr(0, at), spec.substr(at + 1)};
}

const RuntimeVersion* RuntimeProfile::version(const std::string& v) const {
  if (versions.empty()) return nullptr;
  if (v.empty()) return &versions.front();
  for (const auto& x : versions)
    if (x.version == v) return &x;
  // "0.24" matches "0.24.0" / "0.24.1" (the newest of them: versions are newest first).
  for (const auto& x : versions)
    if (x.version.rfind(v + ".", 0) == 0) return &x;
  return nullptr;
}

std::vector<std::string> RuntimeProfile::version_names() const {
  std::vector<std::string> out;
  for (const auto& x : versions) out.push_back(x.version);
  return out;
}

}  // namespace infersim::hwprofiles
