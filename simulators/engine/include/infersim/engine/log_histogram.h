#pragma once
// A streaming quantile sketch with a bounded relative error (log-bucketed, as DDSketch):
// positive values fall into buckets [gamma^(i-1), gamma^i) with gamma = (1 + a) / (1 - a), and a
// quantile is reported as the bucket's midpoint 2 gamma^i / (gamma + 1). Guarantee: for any q, the
// reported value v satisfies |v - x| <= a * x, where x is the exact nearest-rank q-quantile (the
// smallest sample such that at least ceil(q n) samples are <= it). Values <= zero_threshold (zeros,
// tiny times) are counted exactly in a zero bucket and reported as 0. min, max, count and sum are
// exact. Memory: one counter per occupied bucket range, ~ln(max/min) / (2a) counters (about 2,800
// for a = 0.5% over 1 ns .. 1 h), independent of the number of samples. Weighted adds (count > 1)
// record the same value many times in O(1). Not thread-safe.
#include <cstdint>
#include <vector>

namespace infersim::engine {

class LogHistogram {
 public:
  explicit LogHistogram(double relative_accuracy = 0.005, double zero_threshold = 1e-12);

  void add(double x, std::uint64_t count = 1);
  void merge(const LogHistogram& o);  // same relative accuracy required

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  // q in [0, 1]; 0 for an empty histogram.
  double quantile(double q) const;
  double relative_accuracy() const { return alpha_; }
  // Share of samples <= x (to within one bucket).
  double fraction_at_most(double x) const;

 private:
  int index_of(double x) const;
  double value_of(int index) const;
  double alpha_;
  double gamma_;
  double inv_log_gamma_;
  double zero_threshold_;
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0, max_ = 0;
  int offset_ = 0;  // bucket index of counts_[0]
  std::vector<std::uint64_t> counts_;
};

}  // namespace infersim::engine
