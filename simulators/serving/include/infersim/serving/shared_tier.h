#pragma once
// Weight loads in flight on one shared storage tier (an object store or network file system that every
// replica of the simulation reads through the same pipe). Fluid model: the tier's bandwidth is split
// max-min fairly between the loads in flight, each load also capped by its own path (loader, host link
// x chips, device write). Loads join and finish at any time; rates are recomputed at each change.
// So N equal loads that the tier binds each take N times as long as one alone. Deterministic (loads
// keep their join order); simulation thread only.
#include <cstdint>
#include <limits>
#include <vector>

namespace infersim::serving {

class SharedTier {
 public:
  explicit SharedTier(double capacity_bytes_per_s);

  // A load of `bytes` joins at `now` with its own path cap (bytes/s; <= 0 = no cap).
  void add(double now, std::uint64_t id, double bytes, double cap_bytes_per_s);
  // Moves every load to `now`; returns the ids of loads that are complete at `now`, in join order.
  std::vector<std::uint64_t> advance(double now);
  // Absolute time of the earliest completion at the current rates (+inf when idle).
  double next_finish_s() const;
  std::size_t in_flight() const { return loads_.size(); }
  double rate_of(std::uint64_t id) const;  // current bytes/s of a load (0 if unknown)

 private:
  struct Load {
    std::uint64_t id = 0;
    double remaining = 0, total = 0, cap = 0, rate = 0;
  };
  void advance_to(double now);
  void reallocate();
  double capacity_;
  double now_ = 0;
  std::vector<Load> loads_;
};

}  // namespace infersim::serving
