#include "token_lane_table.h"

#include <fmt/format.h>

#include "table.h"

namespace infersim::cli {

std::string money(double v) { return v >= 0.1 ? fmt::format("{:.3f}", v) : fmt::format("{:.5f}", v); }

std::string token_lane_table(const std::vector<planner::TokenCost>& lane) {
  Table b({"buy tokens", "weights", "$/1M in/out/cached", "$/1K out", "tok/$", "published speed", "SLO", "as of"});
  for (const auto& c : lane)
    b.add({c.offer.provider, c.same_weights ? c.offer.model : c.offer.model + " (same architecture)",
           fmt::format("{:.2f}/{:.2f}/{}", c.offer.usd_per_1m_input, c.offer.usd_per_1m_output,
                       c.offer.usd_per_1m_cached_input ? fmt::format("{:.3f}", *c.offer.usd_per_1m_cached_input) : "-"),
           money(c.usd_per_1k_output), fmt::format("{:.0f}", c.tokens_per_usd),
           c.offer.speed_tok_s ? fmt::format("{:g} tok/s", *c.offer.speed_tok_s) : "-",
           c.offer.speed_tok_s ? (c.tpot_meets ? "TPOT ok" : "misses TPOT") : "unchecked",
           c.offer.as_of + (c.stale ? " !" : "")});
  return b.render();
}

std::string tokens_vs_plan(const planner::TokenCost& t, double plan, const std::string& plan_label) {
  const double x = t.usd_per_1k_output;
  return fmt::format("{} {}{} ${} vs ${} {} ({:.1f}x): tokens {}", t.offer.provider, t.offer.model,
                     t.same_weights ? "" : " (same architecture)", money(x), money(plan), plan_label,
                     x < plan ? plan / x : x / plan, x < plan ? "cheaper" : "dearer");
}

}  // namespace infersim::cli
