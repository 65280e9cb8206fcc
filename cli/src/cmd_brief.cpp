// infersim brief BRIEF.json --out NAME.{pdf,html,md}[,...] [--plans-dir DIR] [--no-verify]
#include <fmt/format.h>

#include <filesystem>

#include "args.h"
#include "commands.h"
#include "infersim/brief/brief_json.h"
#include "infersim/brief/build_brief.h"
#include "infersim/brief/render.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "plan_verifier.h"
#ifdef INFERSIM_HAVE_PDF
#include "infersim/pdf/brief_pdf.h"
#endif

namespace infersim::cli {

using common::ConfigError;

namespace {

enum class Format { markdown, html, pdf };

Format format_of(const std::string& path) {
  std::string ext = common::to_lower(std::filesystem::path(path).extension().string());
  if (ext == ".md" || ext == ".markdown") return Format::markdown;
  if (ext == ".html" || ext == ".htm") return Format::html;
  if (ext == ".pdf") {
#ifdef INFERSIM_HAVE_PDF
    return Format::pdf;
#else
    throw ConfigError("", "--out",
                      fmt::format("{}: this build has no PDF writer (it was configured with -DINFERSIM_BUILD_GUI=OFF "
                                  "or without Qt); write .html or .md instead",
                                  path));
#endif
  }
  throw ConfigError("", "--out",
                    fmt::format("{}: unknown format '{}': use .pdf, .html or .md", path, ext.empty() ? "(none)" : ext));
}

}  // namespace

int cmd_brief(const ArgList& argv) {
  Args a(argv, {"out", "plans-dir"}, {"no-verify"});
  if (a.positional().size() != 1) throw ConfigError("", "brief", "needs exactly one BRIEF.json file");
  std::vector<std::pair<std::string, Format>> outs;
  for (const auto& v : a.values("out"))
    for (const auto& p : common::split(v, ','))
      if (!common::trim(p).empty()) outs.push_back({common::trim(p), format_of(common::trim(p))});
  if (outs.empty()) throw ConfigError("", "--out", "is required: NAME.pdf, NAME.html or NAME.md (comma-separate several)");

  const auto req = brief::load_brief_request(a.positional()[0]);
  const planner::Verifier verifier = a.flag("no-verify") ? planner::Verifier{} : make_plan_verifier();
  const auto res = brief::build_brief(req, verifier);

  for (const auto& [path, f] : outs) {
    switch (f) {
      case Format::markdown: common::write_text_file_atomic(path, brief::render_markdown(res.document)); break;
      case Format::html: common::write_text_file_atomic(path, brief::render_html(res.document)); break;
      case Format::pdf:
#ifdef INFERSIM_HAVE_PDF
        pdf::write_brief_pdf(res.document, path);
#endif
        break;
    }
    fmt::print("wrote {}\n", path);
  }
  if (auto dir = a.value("plans-dir")) {
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) throw common::IoError(fmt::format("{}: cannot create directory: {}", *dir, ec.message()));
    int n = 0;
    for (const auto& o : res.options)
      for (const auto& p : o.parts)
        if (!p.plan_json.empty()) {
          common::write_text_file_atomic((std::filesystem::path(*dir) / p.plan_file).string(), p.plan_json + "\n");
          ++n;
        }
    fmt::print("wrote {} PLAN.json files to {}\n", n, *dir);
  }
  fmt::print("{}\n", res.recommendation);
  return 0;
}

}  // namespace infersim::cli
