#pragma once
// The plan request the recurrent-state-precision tests share (planner, disaggregated, contract): the
// hybrid Qwen3.5-397B-A17B at FP8 on B200 under SGLang, 1,024 in / 1,024 out, no mixes, default pricing.
#include "infersim/planner/plan.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::hybrid_tests {

inline planner::PlanRequest qwen35_b200_sglang_request(double requests_per_s, planner::Slo slo) {
  planner::PlanRequest r;
  r.model = "qwen3.5-397b-a17b";
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.requests_per_s = requests_per_s;
  r.slo = slo;
  r.hardware = {"b200"};
  r.runtimes = {"sglang"};
  r.precisions = {"fp8"};
  r.mixes = false;
  r.pricing = planner::load_pricing("default");
  return r;
}

}  // namespace infersim::hybrid_tests
