#pragma once
// Where shipped data lives (model cards, hardware profiles, bundled measurements, presets).
// Order: the INFERSIM_DATA_DIR environment variable, then the source tree the binary was built from.
// The returned root contains model/data, hwprofiles/data and data/. Thread-safe.
#include <string>

namespace infersim::common {

std::string data_root();
std::string data_path(const std::string& relative);  // data_root() + "/" + relative
const char* version_string();                        // project version, e.g. "0.1.0"

}  // namespace infersim::common
