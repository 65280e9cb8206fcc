#include "infersim/app/plan.h"

#include <fmt/format.h>

#include <filesystem>

#include "infersim/app/verify.h"
#include "infersim/brief/render.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/contract/contract_json.h"

namespace infersim::app {

using common::ConfigError;

planner::Verifier verifier_for(const PlanOptions& o) {
  return o.verify ? make_plan_verifier(o.workload_preset) : planner::Verifier{};
}

planner::PlanResult plan(const planner::PlanRequest& req, const PlanOptions& o) {
  return planner::plan(req, verifier_for(o));
}

std::string first_rejection(const planner::PlanResult& r) {
  const auto reasons = planner::summarize_rejections(r, 1);
  return reasons.empty() ? "no feasible plan" : reasons.front();
}

BriefFormat brief_format_of(const std::string& path, bool pdf_available) {
  const std::string ext = common::to_lower(std::filesystem::path(path).extension().string());
  if (ext == ".md" || ext == ".markdown") return BriefFormat::markdown;
  if (ext == ".html" || ext == ".htm") return BriefFormat::html;
  if (ext == ".pdf") {
    if (pdf_available) return BriefFormat::pdf;
    throw ConfigError("", "out",
                      fmt::format("{}: this build has no PDF writer (it was configured with -DINFERSIM_BUILD_GUI=OFF "
                                  "or without Qt); write .html or .md instead",
                                  path));
  }
  throw ConfigError("", "out",
                    fmt::format("{}: unknown format '{}': use .pdf, .html or .md", path, ext.empty() ? "(none)" : ext));
}

brief::BriefResult build_brief(const brief::BriefRequest& req, const PlanOptions& o) {
  return brief::build_brief(req, verifier_for(o));
}

void write_brief(const brief::BriefResult& res, const std::vector<BriefOutput>& outputs, const PdfWriter& pdf) {
  for (const auto& out : outputs) {
    switch (out.format) {
      case BriefFormat::markdown: common::write_text_file_atomic(out.path, brief::render_markdown(res.document)); break;
      case BriefFormat::html: common::write_text_file_atomic(out.path, brief::render_html(res.document)); break;
      case BriefFormat::pdf:
        if (!pdf) throw ConfigError("", "out", fmt::format("{}: this build has no PDF writer", out.path));
        pdf(res.document, out.path);
        break;
    }
  }
}

int write_brief_plans(const brief::BriefResult& res, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw common::IoError(fmt::format("{}: cannot create directory: {}", dir, ec.message()));
  int n = 0;
  for (const auto& o : res.options)
    for (const auto& p : o.parts)
      if (!p.plan_json.empty()) {
        common::write_text_file_atomic((std::filesystem::path(dir) / p.plan_file).string(), p.plan_json + "\n");
        ++n;
      }
  for (const auto& m : res.contracts) {
    common::write_text_file_atomic((std::filesystem::path(dir) / m.file).string(),
                                   contract::contract_to_json(m.contract).dump(2) + "\n");
    ++n;
  }
  return n;
}

}  // namespace infersim::app
