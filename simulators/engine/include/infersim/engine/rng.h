#pragma once
// The one source of randomness in a simulation: a seeded xoshiro256** generator with its own
// sampling routines (uniform, exponential, normal, lognormal, gamma), so that results do not depend
// on the standard library's implementation-defined distributions. stream() derives an independent
// generator per purpose (arrivals, lengths, routing, ...) so that changing one component does not
// shift the random numbers another one sees. Same seed -> same sequence on every platform.
// A value type; not thread-safe (give each thread its own stream).
#include <cstdint>
#include <string_view>

namespace infersim::engine {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1);
  // An independent generator for `purpose` derived from `seed` (hash of the name mixed into the seed).
  static Rng stream(std::uint64_t seed, std::string_view purpose);

  std::uint64_t next_u64();
  double uniform();                                            // [0, 1)
  double uniform(double lo, double hi);                        // [lo, hi)
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);  // inclusive
  double exponential(double rate);                             // mean 1/rate
  double normal();                                             // standard normal (polar method)
  double lognormal(double mu, double sigma);                   // exp(N(mu, sigma^2))
  double gamma(double shape, double scale);                    // Marsaglia-Tsang; mean shape*scale

 private:
  std::uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

}  // namespace infersim::engine
