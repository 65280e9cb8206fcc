#pragma once
// JSON form of a SimResult (`infersim simulate --json`): the resolved scenario under "scenario",
// then the summary (requests, ttft_s{...}, tpot_s{...}, e2e_s{...}, throughput_tok_s, goodput,
// cold_starts, hydration_s, energy_j, joules_per_token, usd_per_1k_tokens, ...) and per-pool details.
// Deterministic: no wall-clock values, keys in a fixed order.
#include "infersim/common/json_util.h"
#include "infersim/serving/sim_result.h"

namespace infersim::serving {

common::Json sim_result_to_json(const SimResult& r);
common::Json quantiles_to_json(const Quantiles& q);

}  // namespace infersim::serving
