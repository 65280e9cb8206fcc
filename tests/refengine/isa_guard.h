#pragma once
// Caps the reference engine's kernel tier for a scope (restores automatic selection on exit).
#include <optional>

#include "infersim/refengine/cpu_features.h"

namespace infersim::refengine::testing {

struct IsaGuard {
  explicit IsaGuard(Isa i) { set_isa_override(i); }
  ~IsaGuard() { set_isa_override(std::nullopt); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;
};

}  // namespace infersim::refengine::testing
