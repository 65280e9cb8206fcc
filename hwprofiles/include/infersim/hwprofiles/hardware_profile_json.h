#pragma once
// Loading and writing hardware profiles (docs/hwprofile-format.md) and the calibration table
// (docs/calibration.md). Strict: unknown keys, numbers without a tagged source, and impossible values
// are ConfigError naming the file and JSON pointer.
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/hardware_profile.h"

namespace infersim::hwprofiles {

inline constexpr int HWPROFILE_SCHEMA_VERSION = 1;
inline constexpr int CALIBRATION_SCHEMA_VERSION = 1;

// Allowed source tags; a source string must start with one of them.
const std::vector<std::string>& source_tags();
bool has_source_tag(const std::string& source);

// Readers shared by every file that carries prices (profiles, pricing, API token prices, briefs):
// a source string that must start with a tag; a price date YYYY-MM[-DD]; a cloud tier by name, where
// the retired "reserved" is rejected with what to use instead. All fail with the field's pointer.
std::string read_tagged_source(common::JsonReader& r, const std::string& key);
std::string read_price_date(common::JsonReader& r, const std::string& key);
CloudTier read_cloud_tier(common::JsonReader& r, const std::string& key, CloudTier fallback);

HardwareProfile hardware_from_json(const common::Json& j, const std::string& file);
HardwareProfile load_hardware_profile(const std::string& path);
common::Json hardware_to_json(const HardwareProfile& h);  // round-trips the sourced fields

// One fitted entry of hwprofiles/data/calibrations.json.
struct CalibrationEntry {
  std::string hardware;
  Calibration calibration;
  std::string data;        // measurement file the fit used
  common::Json fit_error;  // informational: error on fit / held-out rows when it was fitted
};
std::vector<CalibrationEntry> calibrations_from_json(const common::Json& j, const std::string& file);
std::vector<CalibrationEntry> load_calibrations(const std::string& path);
common::Json calibrations_to_json(const std::vector<CalibrationEntry>& entries, const std::string& generated_by);
common::Json calibration_params_to_json(const CalibrationParams& p);

// One entry of hwprofiles/data/kernel_calibrations.json: the serving overheads of a runtime version
// whose step times come from kernel tables (not per hardware: the overheads are the runtime's own
// CPU-side and frontend costs, carried to every GPU it runs on).
struct KernelCalibrationEntry {
  std::string runtime, version;
  Calibration calibration;
  std::string data;
  common::Json fit_error;
};
std::vector<KernelCalibrationEntry> kernel_calibrations_from_json(const common::Json& j, const std::string& file);
std::vector<KernelCalibrationEntry> load_kernel_calibrations(const std::string& path);
common::Json kernel_calibrations_to_json(const std::vector<KernelCalibrationEntry>& entries,
                                         const std::string& generated_by);
common::Json kernel_params_to_json(const CalibrationParams& p);
common::Json moe_expert_scales_to_json(const std::vector<MoeExpertScale>& scales);

}  // namespace infersim::hwprofiles
