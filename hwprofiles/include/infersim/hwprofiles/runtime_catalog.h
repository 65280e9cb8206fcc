#pragma once
// The shipped runtime profiles (hwprofiles/data/runtimes/*.json, docs/runtime-format.md): loader with
// validation (unknown keys, tagged sources, known dtypes/maturity) and lookups by name and hardware.
// Loading is thread-safe (once, under a mutex); share the returned values afterwards.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/common/named_files.h"
#include "infersim/hwprofiles/runtime_profile.h"

namespace infersim::hwprofiles {

inline constexpr int RUNTIME_SCHEMA_VERSION = 1;

RuntimeProfile runtime_from_json(const common::Json& j, const std::string& file);
RuntimeProfile load_runtime_profile(const std::string& path);

class RuntimeCatalog {
 public:
  explicit RuntimeCatalog(std::string directory);
  static RuntimeCatalog& shipped();

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  const RuntimeProfile& get(const std::string& name) const;  // ConfigError with suggestion
  std::string path_of(const std::string& name) const;
  // Runtimes with a backend on this hardware; the default one first.
  std::vector<const RuntimeProfile*> for_hardware(const HardwareProfile& h) const;
  const RuntimeProfile* default_for(const HardwareProfile& h) const;  // nullptr if none
  // The fitted serving overheads of a kernel-path runtime version (hwprofiles/data/kernel_calibrations.json
  // beside the runtimes folder); nullptr if that version was not fitted.
  const Calibration* kernel_calibration(const std::string& runtime, const std::string& version) const;
  // The MTP draft acceptance the kernel calibrations were fitted with (one value pooled over every
  // runtime's MTP runs, `calibrate-serving --fit-mtp`): the first positive one; 0 when none has any.
  double pooled_mtp_acceptance() const;

 private:
  void load() const;  // thread-safe: once, under a mutex
  void load_locked() const;
  std::string dir_;
  mutable bool loaded_ = false;
  mutable std::mutex mu_;
  mutable common::NamedFiles<RuntimeProfile> runtimes_{"runtime", "`infersim runtimes list` shows them"};
  mutable std::vector<Calibration> kernel_cals_;
};

}  // namespace infersim::hwprofiles
