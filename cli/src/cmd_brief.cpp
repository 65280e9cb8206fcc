// infersim brief BRIEF.json --out NAME.{pdf,html,md}[,...] [--plans-dir DIR] [--no-verify]
#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/app/plan.h"
#include "infersim/brief/brief_json.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#ifdef INFERSIM_HAVE_PDF
#include "infersim/pdf/brief_pdf.h"
#endif

namespace infersim::cli {

using common::ConfigError;

int cmd_brief(const ArgList& argv) {
  Args a(argv, {"out", "plans-dir"}, {"no-verify"});
  if (a.positional().size() != 1) throw ConfigError("", "brief", "needs exactly one BRIEF.json file");
#ifdef INFERSIM_HAVE_PDF
  const app::PdfWriter pdf = pdf::write_brief_pdf;
#else
  const app::PdfWriter pdf;
#endif
  std::vector<app::BriefOutput> outs;
  for (const auto& v : a.values("out"))
    for (const auto& p : common::split(v, ','))
      if (!common::trim(p).empty()) outs.push_back({common::trim(p), app::brief_format_of(common::trim(p), bool(pdf))});
  if (outs.empty())
    throw ConfigError("", "--out", "is required: NAME.pdf, NAME.html or NAME.md (comma-separate several)");

  const auto req = brief::load_brief_request(a.positional()[0]);
  app::PlanOptions opts;
  opts.verify = !a.flag("no-verify");
  const auto res = app::build_brief(req, opts);
  for (const auto& o : outs) {
    app::write_brief(res, {o}, pdf);
    fmt::print("wrote {}\n", o.path);
  }
  if (auto dir = a.value("plans-dir")) {
    const int n = app::write_brief_plans(res, *dir);
    fmt::print("wrote {} files to {} (PLAN.json per lane, deployment contracts of the recommended option)\n", n, *dir);
  }
  fmt::print("{}\n", res.recommendation);
  return 0;
}

}  // namespace infersim::cli
