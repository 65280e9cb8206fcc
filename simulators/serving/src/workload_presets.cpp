#include "infersim/serving/workload_presets.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::serving {

std::string workload_presets_dir() { return common::data_path("simulators/serving/data/workloads"); }

std::vector<std::string> workload_preset_names() {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  const fs::path dir(workload_presets_dir());
  if (!fs::is_directory(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

WorkloadPreset load_workload_preset(const std::string& name) {
  const auto names = workload_preset_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw common::ConfigError("", "/workload/preset",
                              fmt::format("unknown workload preset '{}'; presets: {}{}", name,
                                          common::join(names, ", "), common::suggest_suffix(name, names)));
  WorkloadPreset p;
  p.file = workload_presets_dir() + "/" + name + ".json";
  const auto j = common::load_json_file(p.file);
  common::JsonReader r(j, p.file);
  r.integer_or("schema_version", 1, 1, 1);
  p.name = r.string("name");
  if (p.name != name) r.fail("name", fmt::format("'{}' does not match the file name '{}'", p.name, name));
  p.description = r.string("description");
  p.workload = r.raw("workload");
  if (!p.workload.is_object()) r.fail("workload", "expected an object");
  p.slo = r.has("slo") ? r.raw("slo") : common::Json::object();
  if (!p.slo.is_object()) r.fail("slo", "expected an object");
  r.finish();
  return p;
}

}  // namespace infersim::serving
