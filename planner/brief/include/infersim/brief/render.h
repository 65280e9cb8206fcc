#pragma once
// Text renderers of a BriefDocument: Markdown (for wikis; charts become their data tables) and a
// single self-contained HTML file (inline CSS, charts as inline SVG drawn by chart_canvas.h).
// Pure functions; thread-safe.
#include <string>

#include "infersim/brief/brief_document.h"

namespace infersim::brief {

std::string render_markdown(const BriefDocument& doc);
std::string render_html(const BriefDocument& doc);
// One chart as a standalone <svg> element (width x height user units).
std::string render_chart_svg(const Chart& chart, double width, double height);

}  // namespace infersim::brief
