#pragma once
// Simulated time: an integer count of nanoseconds since the start of a simulation. Integer time makes
// event order exact and platform-independent (no floating-point ties); conversions to and from
// seconds round to the nearest nanosecond. Pure, thread-safe.
#include <cmath>
#include <cstdint>
#include <limits>

namespace infersim::engine {

using SimTime = std::int64_t;  // nanoseconds

inline constexpr SimTime NS_PER_S = 1'000'000'000;
inline constexpr SimTime SIM_TIME_MAX = std::numeric_limits<SimTime>::max();

inline SimTime from_seconds(double s) {
  if (!(s > 0)) return 0;
  if (s >= 9.2e9) return SIM_TIME_MAX;  // ~292 years: effectively "never"
  return static_cast<SimTime>(std::llround(s * 1e9));
}
inline double to_seconds(SimTime t) { return static_cast<double>(t) * 1e-9; }

}  // namespace infersim::engine
