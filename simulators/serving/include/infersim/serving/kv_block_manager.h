#pragma once
// Paged KV cache of one replica, counted in blocks of `block_size` tokens (vLLM's PagedAttention
// bookkeeping, without block tables: only counts matter for timing). Blocks are free, used, or
// cached: a finished agentic call leaves its full blocks as a reusable prefix keyed by its session,
// evictable in LRU order when an allocation needs room (as vLLM's automatic prefix caching does
// with free-but-cached blocks). All operations O(1) amortised. Not thread-safe.
#include <cstdint>
#include <list>
#include <unordered_map>

namespace infersim::serving {

class KvBlockManager {
 public:
  KvBlockManager(std::int64_t total_blocks, std::int64_t block_size);

  std::int64_t block_size() const { return block_size_; }
  std::int64_t total() const { return total_; }
  std::int64_t free() const { return free_; }
  std::int64_t cached() const { return cached_; }
  std::int64_t used() const { return total_ - free_ - cached_; }
  std::int64_t available() const { return free_ + cached_; }
  std::int64_t blocks_for(std::int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }

  // Takes n blocks, evicting least recently used cached prefixes if needed; false if not possible.
  bool allocate(std::int64_t n);
  void release(std::int64_t n);

  // Prefix cache keyed by session: tokens reusable now (whole blocks), 0 if none.
  std::int64_t peek(std::uint64_t key) const;
  // Claims a cached prefix: its blocks become used by the caller. Returns its tokens (0 if none).
  std::int64_t take(std::uint64_t key);
  // Turns `blocks` used blocks into a cached prefix of `tokens` tokens for `key` (replacing any).
  void put(std::uint64_t key, std::int64_t tokens, std::int64_t blocks);
  void drop(std::uint64_t key);  // forget a prefix (its blocks become free)
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::uint64_t key;
    std::int64_t tokens;
    std::int64_t blocks;
  };
  std::int64_t total_, block_size_, free_, cached_ = 0;
  std::uint64_t evictions_ = 0;
  std::list<Entry> lru_;                                                 // front = least recently used
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;  // lookups only, never iterated
};

}  // namespace infersim::serving
