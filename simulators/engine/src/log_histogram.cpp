#include "infersim/engine/log_histogram.h"

#include <algorithm>
#include <cmath>

#include "infersim/common/errors.h"

namespace infersim::engine {

LogHistogram::LogHistogram(double relative_accuracy, double zero_threshold)
    : alpha_(relative_accuracy),
      gamma_((1.0 + relative_accuracy) / (1.0 - relative_accuracy)),
      inv_log_gamma_(1.0 / std::log(gamma_)),
      zero_threshold_(zero_threshold) {
  INFERSIM_ASSERT(relative_accuracy > 0 && relative_accuracy < 1);
}

int LogHistogram::index_of(double x) const { return int(std::ceil(std::log(x) * inv_log_gamma_)); }

double LogHistogram::value_of(int index) const { return 2.0 * std::pow(gamma_, index) / (gamma_ + 1.0); }

void LogHistogram::add(double x, std::uint64_t count) {
  if (count == 0 || !std::isfinite(x)) return;
  if (count_ == 0) {
    min_ = max_ = x;
  } else {
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
  }
  count_ += count;
  sum_ += x * double(count);
  if (x <= zero_threshold_) {
    zeros_ += count;
    return;
  }
  const int i = index_of(x);
  if (counts_.empty()) {
    offset_ = i;
    counts_.assign(1, 0);
  } else if (i < offset_) {
    const int grow = std::max(offset_ - i, int(counts_.size() / 2) + 1);
    counts_.insert(counts_.begin(), std::size_t(grow), 0);
    offset_ -= grow;
  } else if (i >= offset_ + int(counts_.size())) {
    const int need = i - offset_ + 1;
    counts_.resize(std::size_t(std::max(need, int(counts_.size() * 3 / 2) + 1)), 0);
  }
  counts_[std::size_t(i - offset_)] += count;
}

void LogHistogram::merge(const LogHistogram& o) {
  INFERSIM_ASSERT(o.alpha_ == alpha_);
  if (o.count_ == 0) return;
  if (count_ == 0) {
    min_ = o.min_;
    max_ = o.max_;
  } else {
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }
  zeros_ += o.zeros_;
  for (std::size_t k = 0; k < o.counts_.size(); ++k) {
    if (!o.counts_[k]) continue;
    // Re-add through the bucket index of the other histogram's bucket (same gamma).
    const int i = o.offset_ + int(k);
    if (counts_.empty()) {
      offset_ = i;
      counts_.assign(1, 0);
    } else if (i < offset_) {
      counts_.insert(counts_.begin(), std::size_t(offset_ - i), 0);
      offset_ = i;
    } else if (i >= offset_ + int(counts_.size())) {
      counts_.resize(std::size_t(i - offset_ + 1), 0);
    }
    counts_[std::size_t(i - offset_)] += o.counts_[k];
  }
  count_ += o.count_;
  sum_ += o.sum_;
}

double LogHistogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  if (q <= 0.0) return min_;
  if (q >= 1.0) return max_;
  // Nearest rank: the k-th smallest sample, k = ceil(q n) (1-based).
  const auto k = std::uint64_t(std::ceil(q * double(count_) - 1e-9));
  const std::uint64_t rank = std::max<std::uint64_t>(1, k);
  if (rank <= zeros_) return min_ > 0 ? min_ : 0.0;
  std::uint64_t seen = zeros_;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::clamp(value_of(offset_ + int(b)), min_, max_);
  }
  return max_;
}

double LogHistogram::fraction_at_most(double x) const {
  if (count_ == 0) return 0.0;
  if (x < min_) return 0.0;
  if (x >= max_) return 1.0;
  std::uint64_t seen = zeros_;
  if (x > zero_threshold_) {
    const int i = index_of(x);
    for (std::size_t b = 0; b < counts_.size() && offset_ + int(b) <= i; ++b) seen += counts_[b];
  }
  return double(seen) / double(count_);
}

}  // namespace infersim::engine
