#pragma once
// How the CLI prints a median / P90 absolute error ("12.3%", "-" when there are no points).
#include <fmt/format.h>

#include <string>

#include "infersim/perf/calibrator.h"

namespace infersim::cli {

inline std::string median_error_pct(const perf::ErrorStats& s) {
  return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.median_abs);
}
inline std::string p90_error_pct(const perf::ErrorStats& s) {
  return s.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * s.p90_abs);
}

}  // namespace infersim::cli
