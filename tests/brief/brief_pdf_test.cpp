// The PDF renders: written with Qt's PDF writer (offscreen), rasterised with pdftoppm, every page
// non-empty and not blank. Skipped when this build has no PDF writer or pdftoppm is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "infersim/brief/brief_json.h"
#include "infersim/brief/build_brief.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#ifdef INFERSIM_HAVE_PDF
#include "infersim/pdf/brief_pdf.h"
#endif

using namespace infersim;
namespace fs = std::filesystem;

namespace {

// Tests run headless whatever the caller's environment says.
const bool offscreen = [] { return ::setenv("QT_QPA_PLATFORM", "offscreen", 1) == 0; }();

#ifdef INFERSIM_HAVE_PDF  // the helpers below serve only the PDF tests
bool have_pdftoppm() { return std::system("pdftoppm -v > /dev/null 2>&1") == 0; }

// Share of dark pixels in a binary PGM (P5) page.
double ink_share(const fs::path& pgm) {
  std::ifstream in(pgm, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxv = 0;
  in >> magic >> w >> h >> maxv;
  in.get();
  if (magic != "P5" || w <= 0 || h <= 0) return -1;
  std::vector<unsigned char> px(std::size_t(w) * std::size_t(h));
  in.read(reinterpret_cast<char*>(px.data()), std::streamsize(px.size()));
  std::size_t dark = 0;
  for (unsigned char v : px) dark += v < 160;
  return double(dark) / double(px.size());
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& prefix, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0 && e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

#endif

}  // namespace

TEST(BriefPdf, RendersToNonBlankPages) {
#ifndef INFERSIM_HAVE_PDF
  GTEST_SKIP() << "this build has no PDF writer (INFERSIM_BUILD_GUI=OFF)";
#else
  if (!have_pdftoppm()) GTEST_SKIP() << "pdftoppm (poppler-utils) is not installed";
  const fs::path dir = fs::path(::testing::TempDir()) / "brief_pdf_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto req = brief::load_brief_request(common::data_path("examples/briefs/llama70b-chat-agentic-h100.json"));
  const auto res = brief::build_brief(req);
  const fs::path pdf = dir / "brief.pdf";
  pdf::write_brief_pdf(res.document, pdf.string());
  ASSERT_TRUE(fs::exists(pdf));
  EXPECT_FALSE(fs::exists(pdf.string() + ".tmp-infersim")) << "the temporary file must be renamed away";
  {
    std::ifstream in(pdf, std::ios::binary);
    std::string head(5, '\0');
    in.read(head.data(), 5);
    EXPECT_EQ(head, "%PDF-");
  }
  const std::string cmd = "pdftoppm -png -r 50 '" + pdf.string() + "' '" + (dir / "page").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto pngs = files_with(dir, "page", ".png");
  ASSERT_GE(pngs.size(), 2u) << "expected the summary page and at least one more";
  for (const auto& p : pngs) EXPECT_GT(fs::file_size(p), 5000u) << p << " looks empty";
  // Pixel check on greyscale renders: every page carries ink, and not everywhere.
  // 72 dpi: at lower resolutions the small monospace appendix text antialiases lighter than the threshold.
  const std::string gray = "pdftoppm -gray -r 72 '" + pdf.string() + "' '" + (dir / "gray").string() + "'";
  ASSERT_EQ(std::system(gray.c_str()), 0) << gray;
  const auto pgms = files_with(dir, "gray", ".pgm");
  ASSERT_EQ(pgms.size(), pngs.size());
  for (std::size_t i = 0; i < pgms.size(); ++i) {
    const double ink = ink_share(pgms[i]);
    // The summary and the options pages are full; the last page may hold only a few lines.
    EXPECT_GT(ink, i < 2 ? 0.02 : 0.0005) << pgms[i] << " is blank";
    EXPECT_LT(ink, 0.6) << pgms[i] << " is mostly dark";
  }
#endif
}

TEST(BriefPdf, UnwritablePathLeavesNothingBehind) {
#ifndef INFERSIM_HAVE_PDF
  GTEST_SKIP() << "this build has no PDF writer (INFERSIM_BUILD_GUI=OFF)";
#else
  brief::BriefDocument doc;
  doc.title = "t";
  doc.sections.push_back({"s", "Section", false, {brief::Paragraph{"text", false}}});
  const fs::path bad = fs::path(::testing::TempDir()) / "no-such-dir-for-brief" / "x.pdf";
  EXPECT_THROW(pdf::write_brief_pdf(doc, bad.string()), common::IoError);
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_FALSE(fs::exists(bad.string() + ".tmp-infersim"));
#endif
}
