#include "infersim/serving/kv_block_manager.h"

#include "infersim/common/errors.h"

namespace infersim::serving {

KvBlockManager::KvBlockManager(std::int64_t total_blocks, std::int64_t block_size)
    : total_(total_blocks), block_size_(block_size), free_(total_blocks) {
  INFERSIM_ASSERT(block_size > 0 && total_blocks >= 0);
}

bool KvBlockManager::allocate(std::int64_t n) {
  if (n <= 0) return true;
  if (n > free_ + cached_) return false;
  while (free_ < n) {
    const Entry e = lru_.front();
    lru_.pop_front();
    index_.erase(e.key);
    cached_ -= e.blocks;
    free_ += e.blocks;
    ++evictions_;
  }
  free_ -= n;
  return true;
}

void KvBlockManager::release(std::int64_t n) {
  free_ += n;
  INFERSIM_ASSERT(free_ + cached_ <= total_);
}

std::int64_t KvBlockManager::peek(std::uint64_t key) const {
  auto it = index_.find(key);
  return it == index_.end() ? 0 : it->second->tokens;
}

std::int64_t KvBlockManager::take(std::uint64_t key) {
  auto it = index_.find(key);
  if (it == index_.end()) return 0;
  const Entry e = *it->second;
  lru_.erase(it->second);
  index_.erase(it);
  cached_ -= e.blocks;  // now used by the claimant
  return e.tokens;
}

void KvBlockManager::put(std::uint64_t key, std::int64_t tokens, std::int64_t blocks) {
  drop(key);
  if (blocks <= 0) return;
  lru_.push_back({key, tokens, blocks});
  index_[key] = std::prev(lru_.end());
  cached_ += blocks;  // the caller's used blocks become cached
}

void KvBlockManager::drop(std::uint64_t key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  cached_ -= it->second->blocks;
  free_ += it->second->blocks;
  lru_.erase(it->second);
  index_.erase(it);
}

}  // namespace infersim::serving
