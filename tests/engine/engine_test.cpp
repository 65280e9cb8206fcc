// Unit tests of the generic discrete-event core: ordering, cancellation, closures, RNG streams and
// the quantile sketch's error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "infersim/engine/log_histogram.h"
#include "infersim/engine/rng.h"
#include "infersim/engine/simulator.h"

using namespace infersim::engine;

namespace {

struct Recorder : EventHandler {
  std::vector<std::pair<SimTime, std::uint64_t>> seen;
  void on_event(Simulator& sim, const Event& e) override { seen.emplace_back(sim.now(), e.data); }
};

}  // namespace

TEST(Simulator, OrdersByTimeThenSchedulingOrder) {
  Simulator sim;
  Recorder r;
  sim.schedule_at(30, &r, 0, 1);
  sim.schedule_at(10, &r, 0, 2);
  sim.schedule_at(30, &r, 0, 3);
  sim.schedule_at(10, &r, 0, 4);
  sim.schedule_at(20, &r, 0, 5);
  sim.run();
  const std::vector<std::pair<SimTime, std::uint64_t>> want = {{10, 2}, {10, 4}, {20, 5}, {30, 1}, {30, 3}};
  EXPECT_EQ(r.seen, want);
  EXPECT_EQ(sim.events_processed(), 5u);
  EXPECT_EQ(sim.now(), 30);
}

TEST(Simulator, ManyEventsComeOutSorted) {
  Simulator sim;
  Recorder r;
  Rng rng(7);
  for (int i = 0; i < 5000; ++i) sim.schedule_at(rng.uniform_int(0, 1000), &r, 0, std::uint64_t(i));
  sim.run();
  ASSERT_EQ(r.seen.size(), 5000u);
  for (std::size_t i = 1; i < r.seen.size(); ++i) {
    ASSERT_LE(r.seen[i - 1].first, r.seen[i].first);
    if (r.seen[i - 1].first == r.seen[i].first) {
      ASSERT_LT(r.seen[i - 1].second, r.seen[i].second);  // FIFO ties
    }
  }
}

TEST(Simulator, CancelClosuresAndRunUntil) {
  Simulator sim;
  std::vector<int> order;
  sim.call_at(5, [&] { order.push_back(1); });
  const EventId dead = sim.call_at(6, [&] { order.push_back(99); });
  sim.call_at(7, [&] {
    order.push_back(2);
    sim.call_after(10, [&] { order.push_back(3); });  // at 17
  });
  sim.cancel(dead);
  sim.run_until(10);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(sim.now(), 10);
  EXPECT_EQ(sim.pending(), 1u);
  sim.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sim.now(), 17);
}

TEST(Simulator, SchedulingInThePastIsABug) {
  Simulator sim;
  Recorder r;
  sim.schedule_at(10, &r);
  sim.run();
  EXPECT_ANY_THROW(sim.schedule_at(5, &r));
}

TEST(SimTime, SecondsRoundTrip) {
  EXPECT_EQ(from_seconds(1.5), 1'500'000'000);
  EXPECT_EQ(from_seconds(-1), 0);
  EXPECT_DOUBLE_EQ(to_seconds(from_seconds(123.456789012)), 123.456789012);
}

TEST(Rng, SameSeedSameSequenceAndIndependentStreams) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    (void)c;
  }
  Rng s1 = Rng::stream(42, "arrivals"), s2 = Rng::stream(42, "lengths"), s3 = Rng::stream(42, "arrivals");
  const auto v1 = s1.next_u64(), v2 = s2.next_u64(), v3 = s3.next_u64();
  EXPECT_NE(v1, v2);
  EXPECT_EQ(v1, v3);
}

TEST(Rng, DistributionMomentsAreRight) {
  Rng r(1);
  const int n = 200000;
  double se = 0, sg = 0, sg2 = 0, sn = 0, sn2 = 0, su = 0;
  for (int i = 0; i < n; ++i) {
    se += r.exponential(4.0);
    const double g = r.gamma(0.25, 8.0);  // mean 2, var 16 (cv 2)
    sg += g;
    sg2 += g * g;
    const double z = r.normal();
    sn += z;
    sn2 += z * z;
    su += r.uniform();
  }
  EXPECT_NEAR(se / n, 0.25, 0.005) << "exponential(4) mean should be 1/4";
  const double gm = sg / n, gv = sg2 / n - gm * gm;
  EXPECT_NEAR(gm, 2.0, 0.05) << "gamma(shape 0.25, scale 8) mean should be 2";
  EXPECT_NEAR(std::sqrt(gv) / gm, 2.0, 0.1) << "gamma(0.25) cv should be 2";
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.02);
  EXPECT_NEAR(su / n, 0.5, 0.005);
  for (int i = 0; i < 1000; ++i) {
    const auto k = r.uniform_int(3, 7);
    ASSERT_GE(k, 3);
    ASSERT_LE(k, 7);
  }
}

TEST(LogHistogram, QuantilesWithinTheDocumentedRelativeError) {
  Rng r(3);
  LogHistogram h(0.005);
  std::vector<double> xs;
  for (int i = 0; i < 50000; ++i) {
    const double x = r.lognormal(-3.0, 1.5);
    xs.push_back(x);
    h.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    const auto k = std::size_t(std::ceil(q * double(xs.size()))) - 1;  // nearest rank
    const double exact = xs[k];
    EXPECT_LE(std::abs(h.quantile(q) - exact), 0.005 * exact + 1e-15)
        << "q=" << q << ": expected within 0.5% of " << exact << " (sketch bound), got " << h.quantile(q);
  }
  EXPECT_DOUBLE_EQ(h.max(), xs.back());
  EXPECT_DOUBLE_EQ(h.min(), xs.front());
  EXPECT_EQ(h.count(), 50000u);
}

TEST(LogHistogram, WeightsZerosAndMerge) {
  LogHistogram a, b;
  a.add(0.0, 10);
  a.add(2.0, 90);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_DOUBLE_EQ(a.quantile(0.05), 0.0);
  EXPECT_NEAR(a.quantile(0.5), 2.0, 0.01);
  EXPECT_NEAR(a.mean(), 1.8, 1e-12);
  b.add(1000.0, 100);
  a.merge(b);
  EXPECT_EQ(a.count(), 200u);
  EXPECT_NEAR(a.quantile(0.99), 1000.0, 5.0);
  EXPECT_NEAR(a.fraction_at_most(3.0), 0.5, 1e-12);
}
