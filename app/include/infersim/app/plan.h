#pragma once
// App actions "plan with verification" and "build a brief". Verification (the discrete-event check of
// the best candidates, app/verify.h) is on unless the caller turns it off, in every front end.
#include <functional>
#include <string>
#include <vector>

#include "infersim/brief/brief_json.h"
#include "infersim/brief/build_brief.h"
#include "infersim/planner/plan.h"

namespace infersim::app {

struct PlanOptions {
  bool verify = true;           // check the top candidates in the discrete-event simulator
  std::string workload_preset;  // verify on this preset's length distributions ("" = fixed lengths)
};

planner::Verifier verifier_for(const PlanOptions& o);

planner::PlanResult plan(const planner::PlanRequest& req, const PlanOptions& o = {});

// The most telling reasons why nothing was feasible (planner::summarize_rejections), or
// "no feasible plan" when there is none to give.
std::string first_rejection(const planner::PlanResult& r);

enum class BriefFormat { markdown, html, pdf };
struct BriefOutput {
  std::string path;
  BriefFormat format = BriefFormat::markdown;
};
// The PDF writer lives in the Qt part of the build (gui/pdf); front ends that have it pass it in.
using PdfWriter = std::function<void(const brief::BriefDocument&, const std::string& path)>;

// The output format named by a file's extension (.md/.markdown, .html/.htm, .pdf). ConfigError on
// field "out" for an unknown extension, or .pdf when `pdf_available` is false.
BriefFormat brief_format_of(const std::string& path, bool pdf_available);

brief::BriefResult build_brief(const brief::BriefRequest& req, const PlanOptions& o = {});

// Writes the brief in each format (atomically: a failed write leaves no half file). PDF outputs need
// `pdf`; ConfigError on field "out" otherwise.
void write_brief(const brief::BriefResult& res, const std::vector<BriefOutput>& outputs, const PdfWriter& pdf);

// Writes every option's PLAN.json and the recommended option's deployment contracts into `dir`
// (created if missing); returns how many files.
int write_brief_plans(const brief::BriefResult& res, const std::string& dir);

}  // namespace infersim::app
