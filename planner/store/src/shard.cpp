#include "infersim/store/shard.h"

#include <fmt/format.h>

#include <charconv>

#include "infersim/common/errors.h"

namespace infersim::store {

using common::ConfigError;

namespace {

int parse_part(const std::string& text, const std::string& part, const char* what) {
  if (part.empty() || part.size() > 7 || part.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError("", "--shard",
                      fmt::format("'{}' is not i/N: the {} must be a plain non-negative whole number", text, what));
  int v = 0;
  std::from_chars(part.data(), part.data() + part.size(), v);
  return v;
}

}  // namespace

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    throw ConfigError("", "--shard",
                      fmt::format("'{}' is not i/N (e.g. 0/4: the first of four shards, 0-based)", text));
  const int i = parse_part(text, text.substr(0, slash), "shard index i");
  const int n = parse_part(text, text.substr(slash + 1), "shard count N");
  if (n < 1 || n > MAX_SHARDS)
    throw ConfigError("", "--shard", fmt::format("'{}': the shard count must be in 1..{}", text, MAX_SHARDS));
  if (i >= n)
    throw ConfigError("", "--shard",
                      fmt::format("'{}': the shard index must be in 0..{} (indices are 0-based)", text, n - 1));
  return {i, n};
}

std::uint64_t shard_hash(const std::string& scenario_id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : scenario_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // splitmix64 finaliser: FNV's low bits alone are weakly mixed, and `% count` reads the low bits.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

bool in_shard(const std::string& scenario_id, int index, int count) {
  if (count < 1 || count > MAX_SHARDS || index < 0 || index >= count)
    throw common::InternalError(fmt::format("in_shard: invalid shard {}/{}", index, count));
  return shard_hash(scenario_id) % std::uint64_t(count) == std::uint64_t(index);
}

}  // namespace infersim::store
