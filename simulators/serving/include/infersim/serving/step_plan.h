#pragma once
// What one forward step of a replica will do, as decided by its scheduler: prompt chunks to prefill
// (for some, the last chunk of their prompt, which samples a token) and whether every decoding
// sequence advances by one token. Extra time covers KV swaps to/from host memory in that step.
// Plain value, reused step after step to avoid allocation.
#include <cstdint>
#include <vector>

#include "infersim/serving/request.h"

namespace infersim::serving {

struct PrefillChunk {
  RequestIndex req = NO_REQUEST;
  std::int64_t tokens = 0;         // new prompt tokens computed this step
  std::int64_t cached_before = 0;  // tokens of the prompt already in KV (prefix hit, earlier chunks)
  bool finishing = false;          // completes the prompt: samples a token this step
};

struct StepPlan {
  std::vector<PrefillChunk> chunks;
  bool decode = false;
  double extra_s = 0;  // swap-out / swap-in transfers done in this step
  void clear() {
    chunks.clear();
    decode = false;
    extra_s = 0;
  }
  bool empty() const { return chunks.empty() && !decode; }
};

}  // namespace infersim::serving
