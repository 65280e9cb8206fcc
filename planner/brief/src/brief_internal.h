#pragma once
// Private to infersim_brief: the two halves of build_brief() — evaluating options into numbers
// (option_eval.cpp) and laying the numbers out as a document (brief_layout.cpp).
#include <string>
#include <vector>

#include "infersim/brief/build_brief.h"

namespace infersim::brief::detail {

inline constexpr double HOURS_PER_MONTH = 730.0;

std::vector<OptionResult> evaluate_options(const BriefRequest& req, const planner::Verifier& verifier);
// Picks the recommendation and writes its paragraph.
void recommend(BriefResult& r);
BriefDocument layout_document(const BriefResult& r);

// Helpers shared by both halves.
planner::Slo slo_for(const BriefRequest& req, std::size_t workload);
double total_output_tok_s(const BriefRequest& req);
double total_input_tok_s(const BriefRequest& req);

}  // namespace infersim::brief::detail
