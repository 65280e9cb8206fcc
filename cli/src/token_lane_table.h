#pragma once
// Text for the buy-tokens lane (planner::token_lane), shared by `infersim plan` and
// `infersim workloads compare`.
#include <string>
#include <vector>

#include "infersim/planner/token_prices.h"

namespace infersim::cli {

// $ amounts as the comparison tables print them: 3 decimals from $0.1, else 5.
std::string money(double usd);

// One row per offer: provider, weights, $ per 1M input / output / cached, $ per 1K output, tokens per $,
// published speed, TPOT check, date (`!` when stale).
std::string token_lane_table(const std::vector<planner::TokenCost>& lane);

// "<provider> <model> $a vs $b <plan_label> (N.Nx): tokens cheaper|dearer", on $ per 1K output tokens.
std::string tokens_vs_plan(const planner::TokenCost& t, double plan_usd_per_1k_output, const std::string& plan_label);

}  // namespace infersim::cli
