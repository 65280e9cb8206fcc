#include <fmt/format.h>

#include <cmath>

#include "infersim/brief/chart_canvas.h"
#include "infersim/brief/render.h"

namespace infersim::brief {

namespace {

std::string html_esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string rgb(Rgb c) { return fmt::format("rgb({},{},{})", c.r, c.g, c.b); }
std::string n2(double v) { return fmt::format("{:.2f}", v); }

// Minimal SVG writer behind the chart Canvas. Text widths are estimated (no font metrics in a
// browser-independent file): DejaVu Sans / Helvetica average ~0.56 em per character.
class SvgCanvas : public Canvas {
 public:
  std::string body;
  void line(double x1, double y1, double x2, double y2, Rgb c, double w, bool dashed) override {
    body += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", n2(x1),
                        n2(y1), n2(x2), n2(y2), rgb(c), n2(w), dashed ? " stroke-dasharray=\"4 3\"" : "");
  }
  void polyline(const std::vector<std::pair<double, double>>& pts, Rgb c, double w, bool dashed) override {
    std::string p;
    for (const auto& [x, y] : pts) p += n2(x) + "," + n2(y) + " ";
    body += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", p, rgb(c),
                        n2(w), dashed ? " stroke-dasharray=\"5 3\"" : "");
  }
  void rect(double x, double y, double w, double h, Rgb fill, bool has_fill, Rgb stroke, double sw) override {
    body += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" "
                        "stroke-width=\"{}\"/>\n",
                        n2(x), n2(y), n2(std::max(0.0, w)), n2(std::max(0.0, h)), has_fill ? rgb(fill) : "none",
                        sw > 0 ? rgb(stroke) : "none", n2(sw));
  }
  void circle(double cx, double cy, double r, Rgb fill, bool has_fill, Rgb stroke, double sw) override {
    body += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>\n",
                        n2(cx), n2(cy), n2(r), has_fill ? rgb(fill) : "white", rgb(stroke), n2(sw));
  }
  void text(double x, double y, const std::string& s, double size, Rgb c, Anchor a, bool bold, bool vertical) override {
    const char* anchor = a == Anchor::start ? "start" : a == Anchor::middle ? "middle" : "end";
    body += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\" text-anchor=\"{}\"{}{}>{}</text>\n",
                        n2(x), n2(y), n2(size), rgb(c), anchor, bold ? " font-weight=\"bold\"" : "",
                        vertical ? fmt::format(" transform=\"rotate(-90 {} {})\"", n2(x), n2(y)) : "", html_esc(s));
  }
  double text_width(const std::string& s, double size, bool bold) const override {
    return double(s.size()) * size * (bold ? 0.62 : 0.56);
  }
};

const char* tone_class(Tone t) {
  switch (t) {
    case Tone::good: return "good";
    case Tone::bad: return "bad";
    case Tone::muted: return "muted";
    case Tone::strong: return "strong";
    default: return "";
  }
}

const char* CSS =
    R"(body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#212529;max-width:1100px;margin:24px auto;padding:0 16px;font-size:14px;line-height:1.45}
h1{font-size:24px;margin-bottom:2px;color:#0b3d6b}.subtitle{color:#6c757d;margin-top:0}
h2{font-size:18px;color:#0b3d6b;border-bottom:2px solid #0b3d6b;padding-bottom:3px;margin-top:34px}
p.strong{font-weight:bold;background:#eef5fb;border-left:4px solid #0072b2;padding:8px 12px}
table{border-collapse:collapse;margin:6px 0 4px 0;font-size:12px;width:auto}caption{text-align:left;font-weight:bold;padding:4px 0;color:#0b3d6b}
th{background:#0b3d6b;color:#fff;padding:4px 6px;text-align:left;font-weight:600}td{padding:3px 6px;border-bottom:1px solid #dee2e6;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}tr:nth-child(even) td{background:#f6f8fa}
.good{color:#00794f;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#8a939b}.strong{font-weight:bold}
.note{color:#6c757d;font-size:12px;margin:2px 0 12px 0}pre{background:#f4f5f7;padding:8px;font-size:11px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
figure{margin:12px 0}figcaption{color:#6c757d;font-size:12px}svg{max-width:100%;height:auto}
footer{margin-top:30px;color:#6c757d;font-size:12px;border-top:1px solid #dee2e6;padding-top:6px}
@media print{h2.newpage{page-break-before:always}}
)";

void table(std::string& out, const std::string& id, const std::string& caption, const std::vector<Column>& cols,
           const std::vector<std::vector<Cell>>& rows) {
  out += fmt::format("<table{}>", id.empty() ? "" : fmt::format(" id=\"{}\"", html_esc(id)));
  if (!caption.empty()) out += "<caption>" + html_esc(caption) + "</caption>";
  out += "\n<thead><tr>";
  for (const auto& c : cols) out += fmt::format("<th{}>{}</th>", c.numeric ? " class=\"num\"" : "", html_esc(c.header));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const Cell c = i < r.size() ? r[i] : Cell::str("");
      const bool num = cols[i].numeric;
      std::string cls = num ? "num" : "";
      const std::string tc = tone_class(c.tone);
      if (!tc.empty()) cls += (cls.empty() ? "" : " ") + tc;
      out += fmt::format("<td{}>{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"", html_esc(c.text));
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string render_chart_svg(const Chart& chart, double width, double height) {
  SvgCanvas k;
  draw_chart(chart, k, width, height);
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" role=\"img\" aria-label=\"{}\">\n"
                     "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"white\"/>\n{}</svg>\n",
                     n2(width), n2(height), n2(width), n2(height), html_esc(chart.title), n2(width), n2(height),
                     k.body);
}

std::string render_html(const BriefDocument& doc) {
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
                                "charset=\"utf-8\">\n<title>{}</title>\n<style>\n{}</style>\n"
                                "</head>\n<body>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
                                html_esc(doc.title), CSS, html_esc(doc.title), html_esc(doc.subtitle));
  for (const auto& s : doc.sections) {
    out += fmt::format("<section id=\"{}\">\n<h2{}>{}</h2>\n", html_esc(s.id), s.new_page ? " class=\"newpage\"" : "",
                       html_esc(s.title));
    for (const auto& b : s.blocks) {
      if (const auto* p = std::get_if<Paragraph>(&b)) {
        out += fmt::format("<p{}>{}</p>\n", p->strong ? " class=\"strong\"" : "", html_esc(p->text));
      } else if (const auto* l = std::get_if<Bullets>(&b)) {
        out += "<ul>\n";
        for (const auto& i : l->items) out += "<li>" + html_esc(i) + "</li>\n";
        out += "</ul>\n";
      } else if (const auto* kv = std::get_if<KeyValues>(&b)) {
        std::vector<std::vector<Cell>> rows;
        for (const auto& i : kv->items)
          rows.push_back({Cell::str(i.key, Tone::strong), i.value, Cell::str(i.note, Tone::muted)});
        table(out, kv->id, "", {{"Item", false}, {"Value", false}, {"Note", false}}, rows);
      } else if (const auto* t = std::get_if<Table>(&b)) {
        table(out, t->id, t->caption, t->columns, t->rows);
        for (const auto& n : t->notes) out += "<p class=\"note\">" + html_esc(n) + "</p>\n";
      } else if (const auto* c = std::get_if<Chart>(&b)) {
        out += fmt::format(
            "<figure id=\"{}\">\n{}", html_esc(c->id),
            render_chart_svg(*c, 720, c->kind == ChartKind::scatter ? 340 : 60 + 34.0 * double(c->categories.size())));
        for (const auto& n : c->notes) out += "<figcaption>" + html_esc(n) + "</figcaption>\n";
        out += "</figure>\n";
      } else if (const auto* code = std::get_if<Code>(&b)) {
        out += "<p class=\"note\">" + html_esc(code->caption) + "</p>\n<pre>";
        for (const auto& line : code->lines) out += html_esc(line) + "\n";
        out += "</pre>\n";
      }
    }
    out += "</section>\n";
  }
  out += "<footer>" + html_esc(doc.footer) + "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace infersim::brief
