#pragma once
// Small text helpers shared by loaders and front ends: joining, closest-name suggestions
// ("did you mean ..."), human-readable byte and time formatting. Pure functions, thread-safe.
#include <cstddef>
#include <string>
#include <vector>

namespace infersim::common {

std::string join(const std::vector<std::string>& parts, const std::string& sep);
std::size_t edit_distance(const std::string& a, const std::string& b);
// Closest candidate by edit distance (case-insensitive); empty if nothing is reasonably close.
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string suggest_suffix(const std::string& name, const std::vector<std::string>& candidates);
std::string to_lower(std::string s);
std::string format_bytes(double bytes);                        // "12.3 GiB"
std::string format_seconds(double seconds);                    // "1.23 ms", "4.5 s", "3.2 min"
std::string format_si(double value, const std::string& unit);  // "1.98 PFLOP/s"
// The current UTC time through strftime: default ISO 8601 "2026-01-31T12:00:00Z".
std::string utc_now(const char* strftime_format = "%Y-%m-%dT%H:%M:%SZ");
std::vector<std::string> split(const std::string& s, char sep);
std::string trim(const std::string& s);

}  // namespace infersim::common
