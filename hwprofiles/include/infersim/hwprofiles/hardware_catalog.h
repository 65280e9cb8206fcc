#pragma once
// The shipped hardware profiles (hwprofiles/data/<vendor>/<name>.json) with their calibrations
// (hwprofiles/data/calibrations.json) merged in. A profile without a fit of its own borrows the fits
// of its family (e.g. h200 <- h100-sxm), else of the same vendor and kind (b200 <- h100-sxm), else a
// cross-family default (the median of all fits); all are marked `borrowed` with an [EST] source that
// names where they came from.
// resolve() accepts a slug or a path to a profile JSON; a profile given by path also picks up the
// entries for its name in a calibrations.json beside it (its own fits, e.g. `infersim calibrate --out DIR`). Loading is
// thread-safe (once, under a mutex).
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "infersim/common/named_files.h"
#include "infersim/hwprofiles/hardware_profile.h"

namespace infersim::hwprofiles {

class HardwareCatalog {
 public:
  // calibrations_file may be empty (no fits: datasheet efficiency only). dataflow_file (optional): fits
  // of statically scheduled dataflow chips on published per-user speeds (infersim calibrate-dataflow),
  // attached with basis "published speed".
  HardwareCatalog(std::string directory, std::string calibrations_file, std::string dataflow_file = "");
  static HardwareCatalog& shipped();

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  const HardwareProfile& get(const std::string& name) const;
  std::string path_of(const std::string& name) const;
  HardwareProfile resolve(const std::string& name_or_path) const;
  // Attach calibrations to a profile loaded from elsewhere (same family/global rules).
  void attach_calibrations(HardwareProfile& h) const;

 private:
  void load() const;  // thread-safe: once, under a mutex
  void load_locked() const;
  void attach_unlocked(HardwareProfile& h) const;
  std::string dir_;
  std::string calibrations_file_;
  std::string dataflow_file_;
  mutable bool loaded_ = false;
  mutable std::mutex mu_;
  mutable common::NamedFiles<HardwareProfile> profiles_{"hardware", "`infersim hardware list` shows the catalog"};
  mutable std::map<std::string, std::vector<Calibration>> own_;  // hardware -> fitted calibrations
};

}  // namespace infersim::hwprofiles
