#pragma once
// PDF output of a procurement brief (docs/brief-format.md): A4 pages drawn with Qt's own PDF writer
// (QPdfWriter + QPainter): vector text, tables that break across pages with repeated headers,
// vector charts (the same chart layout as the HTML's SVG), a header and "page x of N" footer on every
// page. The executive summary is page 1; section 2 starts page 2.
//
// Needs a QGuiApplication; when no QCoreApplication exists yet (the CLI, tests) one is created with
// the "offscreen" platform (QT_QPA_PLATFORM is set to offscreen unless the caller set it), so no
// display is needed; that first call must come from the main thread. The file is written to a
// temporary name and renamed into place: on failure nothing half-written is left. Throws
// common::IoError when the file cannot be written. This header does not include Qt.
#include <string>

#include "infersim/brief/brief_document.h"

namespace infersim::pdf {

void write_brief_pdf(const brief::BriefDocument& doc, const std::string& path);

}  // namespace infersim::pdf
