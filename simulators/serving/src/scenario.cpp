#include "infersim/serving/scenario.h"

namespace infersim::serving {

const StorageTier* HydrationConfig::tier(const std::string& name) const {
  for (const auto& t : tiers)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace infersim::serving
