#include "infersim/serving/shared_tier.h"

#include <algorithm>
#include <numeric>

#include "infersim/common/errors.h"

namespace infersim::serving {

SharedTier::SharedTier(double capacity_bytes_per_s) : capacity_(capacity_bytes_per_s) {
  INFERSIM_ASSERT(capacity_bytes_per_s > 0);
}

void SharedTier::add(double now, std::uint64_t id, double bytes, double cap_bytes_per_s) {
  advance_to(now);
  Load l;
  l.id = id;
  l.remaining = std::max(0.0, bytes);
  l.total = l.remaining;
  l.cap = cap_bytes_per_s > 0 ? cap_bytes_per_s : std::numeric_limits<double>::infinity();
  loads_.push_back(l);
  reallocate();
}

void SharedTier::advance_to(double now) {
  const double dt = std::max(0.0, now - now_);
  for (auto& l : loads_) l.remaining = std::max(0.0, l.remaining - l.rate * dt);
  now_ = std::max(now_, now);
}

std::vector<std::uint64_t> SharedTier::advance(double now) {
  advance_to(now);
  std::vector<std::uint64_t> done;
  std::vector<Load> keep;
  for (const auto& l : loads_) {
    // Within a microsecond of its end (event times are integer nanoseconds) or a part per billion.
    if (l.remaining <= std::max(l.total * 1e-9, l.rate * 1e-6))
      done.push_back(l.id);
    else
      keep.push_back(l);
  }
  if (!done.empty()) {
    loads_ = std::move(keep);
    reallocate();
  }
  return done;
}

double SharedTier::next_finish_s() const {
  double t = std::numeric_limits<double>::infinity();
  for (const auto& l : loads_)
    if (l.rate > 0) t = std::min(t, now_ + l.remaining / l.rate);
  return t;
}

double SharedTier::rate_of(std::uint64_t id) const {
  for (const auto& l : loads_)
    if (l.id == id) return l.rate;
  return 0;
}

// Water-filling: loads capped below the fair share get their cap; the rest split what is left.
void SharedTier::reallocate() {
  std::vector<std::size_t> order(loads_.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return loads_[a].cap < loads_[b].cap; });
  double left = capacity_;
  std::size_t n = order.size();
  for (std::size_t k : order) {
    const double share = left / double(n);
    loads_[k].rate = std::min(loads_[k].cap, share);
    left -= loads_[k].rate;
    --n;
  }
}

}  // namespace infersim::serving
