#pragma once
// Sharding of a sweep across array-job tasks (Slurm --array, Kubernetes indexed Jobs): every scenario
// id belongs to exactly one of N shards, decided by a stable hash of the id alone, so each task can
// expand the whole sweep, keep its own share, write its own results file, and `infersim results merge`
// joins the files. Shard indices are 0-based ("0/4" .. "3/4"). Pure functions, thread-safe.
// The hash (docs/results-store.md) is fixed: changing it would reassign scenarios between shards.
#include <cstdint>
#include <string>
#include <utility>

namespace infersim::store {

inline constexpr int MAX_SHARDS = 1'000'000;

// "i/N" with 0 <= i < N <= MAX_SHARDS, plain decimal digits -> {i, N}; anything else -> ConfigError.
std::pair<int, int> parse_shard(const std::string& text);

// The stable 64-bit hash behind the assignment (FNV-1a 64 of the bytes, then the splitmix64 finaliser).
std::uint64_t shard_hash(const std::string& scenario_id);

// Whether `scenario_id` belongs to shard `index` of `count` (hash % count == index). Count 1: always.
// Bad index/count -> InternalError (parse_shard validates user input first).
bool in_shard(const std::string& scenario_id, int index, int count);

}  // namespace infersim::store
