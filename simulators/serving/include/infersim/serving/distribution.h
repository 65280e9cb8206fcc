#pragma once
// A random quantity of a workload: prompt or output length (tokens), tool latency (seconds), calls
// per agentic task. Implementations (fixed, uniform, lognormal, exponential, empirical from a trace)
// are listed in distribution_registry.h. Samples are doubles; callers round token counts. Samples
// come only from the Rng passed in. Immutable after construction; sample() is const but the Rng is not
// thread-safe.
#include <memory>
#include <string>

#include "infersim/engine/rng.h"

namespace infersim::serving {

class Distribution {
 public:
  virtual ~Distribution() = default;
  virtual double sample(engine::Rng& rng) const = 0;
  virtual double mean() const = 0;
  virtual std::string describe() const = 0;
};

// Rounds a sample to a token count >= `min_tokens`.
std::int64_t sample_tokens(const Distribution& d, engine::Rng& rng, std::int64_t min_tokens = 1);

}  // namespace infersim::serving
