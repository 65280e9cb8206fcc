#include "infersim/pdf/brief_pdf.h"

#include <fmt/format.h>

#include <QCoreApplication>
#include <QFont>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPen>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <unistd.h>
#include <vector>

#include "infersim/brief/chart_canvas.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"

namespace infersim::pdf {

using namespace infersim::brief;

namespace {

// Layout is done in points (1/72 inch); the writer runs at 4x that resolution so font metrics are
// precise, and every coordinate is scaled by S when drawn.
constexpr double S = 4.0;
constexpr double PAGE_W = 595.276, PAGE_H = 841.89;
constexpr double MARGIN_L = 42, MARGIN_R = 42, MARGIN_TOP = 54, MARGIN_BOTTOM = 46;
constexpr double CONTENT_W = PAGE_W - MARGIN_L - MARGIN_R;
const char* SANS = "DejaVu Sans";
const char* MONO = "DejaVu Sans Mono";

QColor qc(Rgb c) { return QColor(c.r, c.g, c.b); }
const QColor HEAD_BG(11, 61, 107), ZEBRA(246, 248, 250), RULE(222, 226, 230), ACCENT(0, 114, 178), NOTE(108, 117, 125),
    GOOD(0, 121, 79), BAD(179, 38, 30), CODE_BG(244, 245, 247), STRONG_BG(238, 245, 251);

void ensure_gui_app() {
  if (QCoreApplication::instance()) {
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
      throw common::IoError("the PDF writer needs a QGuiApplication (this process created a QCoreApplication)");
    return;
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  // Qt warns on stderr when there is no runtime directory (headless shells, CI): give it a private one.
  if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = fs::temp_directory_path(ec) / fmt::format("runtime-infersim-{}", ::getuid());
    fs::create_directories(dir, ec);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (!ec) qputenv("XDG_RUNTIME_DIR", QByteArray::fromStdString(dir.string()));
  }
  static int argc = 1;
  static char arg0[] = "infersim";
  static char* argv[] = {arg0, nullptr};
  // Lives until the process exits (destroying it during static destruction is unsafe).
  static QGuiApplication* app = new QGuiApplication(argc, argv);
  (void)app;
}

QFont make_font(double pt, bool bold = false, bool mono = false, bool italic = false) {
  QFont f(mono ? MONO : SANS);
  f.setPointSizeF(pt);
  f.setBold(bold);
  f.setItalic(italic);
  f.setKerning(true);
  return f;
}

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), int(s.size())); }

class Layout;

// brief::Canvas on QPainter; chart coordinates are points relative to (ox, oy).
class QtCanvas : public Canvas {
 public:
  QtCanvas(QPainter& p, QPaintDevice* dev, double ox, double oy) : p_(p), dev_(dev), ox_(ox), oy_(oy) {}
  QPointF pt(double x, double y) const { return {(ox_ + x) * S, (oy_ + y) * S}; }
  QPen pen(Rgb c, double w, bool dashed) const {
    QPen q(qc(c));
    q.setWidthF(std::max(0.1, w) * S);
    if (dashed) q.setDashPattern({4.0, 3.0});
    q.setCapStyle(Qt::FlatCap);
    return q;
  }
  void line(double x1, double y1, double x2, double y2, Rgb c, double w, bool dashed) override {
    p_.setPen(pen(c, w, dashed));
    p_.drawLine(pt(x1, y1), pt(x2, y2));
  }
  void polyline(const std::vector<std::pair<double, double>>& pts, Rgb c, double w, bool dashed) override {
    QPolygonF poly;
    for (const auto& [x, y] : pts) poly << pt(x, y);
    p_.setPen(pen(c, w, dashed));
    p_.setBrush(Qt::NoBrush);
    p_.drawPolyline(poly);
  }
  void rect(double x, double y, double w, double h, Rgb fill, bool has_fill, Rgb stroke, double sw) override {
    if (sw > 0)
      p_.setPen(pen(stroke, sw, false));
    else
      p_.setPen(Qt::NoPen);
    p_.setBrush(has_fill ? QBrush(qc(fill)) : QBrush(Qt::NoBrush));
    p_.drawRect(QRectF(pt(x, y), QSizeF(std::max(0.0, w) * S, std::max(0.0, h) * S)));
  }
  void circle(double cx, double cy, double r, Rgb fill, bool has_fill, Rgb stroke, double sw) override {
    p_.setPen(pen(stroke, sw, false));
    p_.setBrush(has_fill ? QBrush(qc(fill)) : QBrush(Qt::white));
    p_.drawEllipse(pt(cx, cy), r * S, r * S);
  }
  void text(double x, double y, const std::string& s, double size, Rgb c, Anchor a, bool bold, bool vertical) override {
    const QFont f = make_font(size, bold);
    p_.setFont(f);
    p_.setPen(qc(c));
    const double w = text_width(s, size, bold);
    const double dx = a == Anchor::start ? 0 : a == Anchor::middle ? -w / 2 : -w;
    if (vertical) {
      p_.save();
      p_.translate(pt(x, y));
      p_.rotate(-90);
      p_.drawText(QPointF(dx * S, 0), qs(s));
      p_.restore();
    } else {
      p_.drawText(pt(x + dx, y), qs(s));
    }
  }
  double text_width(const std::string& s, double size, bool bold) const override {
    return QFontMetricsF(make_font(size, bold), dev_).horizontalAdvance(qs(s)) / S;
  }

 private:
  QPainter& p_;
  QPaintDevice* dev_;
  double ox_, oy_;
};

double chart_height(const Chart& c) {
  if (c.kind == ChartKind::scatter) return 250;
  return std::max(130.0, 62 + 22.0 * double(c.categories.size()));
}

class Layout {
 public:
  Layout(QPdfWriter& w, const BriefDocument& d, QPainter* p, int total) : w_(w), doc_(d), p_(p), total_(total) {}

  int run() {
    begin_page();
    title_block();
    for (const auto& s : doc_.sections) section(s);
    return page_;
  }

 private:
  QPdfWriter& w_;
  const BriefDocument& doc_;
  QPainter* p_;  // nullptr while counting pages
  int total_;
  int page_ = 0;
  double y_ = MARGIN_TOP;

  bool drawing() const { return p_ != nullptr; }
  QFontMetricsF fm(const QFont& f) const { return QFontMetricsF(f, &w_); }
  double width(const QString& s, const QFont& f) const { return fm(f).horizontalAdvance(s) / S; }
  double line_h(const QFont& f) const { return fm(f).lineSpacing() / S; }
  double ascent(const QFont& f) const { return fm(f).ascent() / S; }
  double bottom() const { return PAGE_H - MARGIN_BOTTOM; }

  void text_at(double x, double baseline, const QString& s, const QFont& f, const QColor& c) {
    if (!drawing()) return;
    p_->setFont(f);
    p_->setPen(c);
    p_->drawText(QPointF(x * S, baseline * S), s);
  }
  void fill(double x, double y, double w, double h, const QColor& c) {
    if (!drawing()) return;
    p_->fillRect(QRectF(x * S, y * S, w * S, h * S), c);
  }
  void hline(double x1, double x2, double y, const QColor& c, double width_pt) {
    if (!drawing()) return;
    QPen pen(c);
    pen.setWidthF(width_pt * S);
    p_->setPen(pen);
    p_->drawLine(QPointF(x1 * S, y * S), QPointF(x2 * S, y * S));
  }

  QString elide(const QString& s, const QFont& f, double w) const { return fm(f).elidedText(s, Qt::ElideRight, w * S); }

  void begin_page() {
    if (page_ > 0 && drawing()) w_.newPage();
    ++page_;
    y_ = MARGIN_TOP;
    const QFont hf = make_font(7, false);
    const double hb = 30;
    text_at(MARGIN_L, hb, "infersim procurement brief", hf, NOTE);
    const QString t = elide(qs(doc_.title), hf, CONTENT_W * 0.65);
    text_at(PAGE_W - MARGIN_R - width(t, hf), hb, t, hf, NOTE);
    hline(MARGIN_L, PAGE_W - MARGIN_R, hb + 5, RULE, 0.6);
    const double fb = PAGE_H - 24;
    hline(MARGIN_L, PAGE_W - MARGIN_R, fb - 10, RULE, 0.6);
    text_at(MARGIN_L, fb, qs(doc_.footer), hf, NOTE);
    const QString pg = qs(fmt::format("page {} of {}", page_, total_ > 0 ? std::to_string(total_) : "?"));
    text_at(PAGE_W - MARGIN_R - width(pg, hf), fb, pg, hf, NOTE);
  }

  bool at_top() const { return y_ <= MARGIN_TOP + 0.5; }
  void ensure(double h) {
    if (y_ + h > bottom() && !at_top()) begin_page();
  }

  // Word wrap; words longer than the width are broken by characters.
  std::vector<QString> wrap(const QString& text, const QFont& f, double w) const {
    std::vector<QString> lines;
    const auto metrics = fm(f);
    const double wmax = w * S;
    for (const QString& para : text.split('\n')) {
      QString cur;
      const auto words = para.split(' ', Qt::KeepEmptyParts);
      for (QString word : words) {
        QString cand = cur.isEmpty() ? word : cur + ' ' + word;
        if (metrics.horizontalAdvance(cand) <= wmax) {
          cur = cand;
          continue;
        }
        if (!cur.isEmpty()) {
          lines.push_back(cur);
          cur.clear();
        }
        while (metrics.horizontalAdvance(word) > wmax && word.size() > 1) {
          int n = word.size() - 1;
          while (n > 1 && metrics.horizontalAdvance(word.left(n)) > wmax) --n;
          lines.push_back(word.left(n));
          word = word.mid(n);
        }
        cur = word;
      }
      lines.push_back(cur);
    }
    return lines;
  }

  void title_block() {
    const QFont tf = make_font(17, true);
    for (const auto& l : wrap(qs(doc_.title), tf, CONTENT_W)) {
      y_ += line_h(tf);
      text_at(MARGIN_L, y_ - line_h(tf) + ascent(tf), l, tf, HEAD_BG);
    }
    const QFont sf = make_font(8.5, false, false, true);
    y_ += 2;
    for (const auto& l : wrap(qs(doc_.subtitle), sf, CONTENT_W)) {
      text_at(MARGIN_L, y_ + ascent(sf), l, sf, NOTE);
      y_ += line_h(sf);
    }
    y_ += 4;
  }

  void section(const Section& s) {
    if (s.new_page && !at_top()) begin_page();
    const QFont f = make_font(12.5, true);
    ensure(line_h(f) + 60);
    y_ += 6;
    text_at(MARGIN_L, y_ + ascent(f), qs(s.title), f, HEAD_BG);
    y_ += line_h(f) + 1;
    hline(MARGIN_L, PAGE_W - MARGIN_R, y_, HEAD_BG, 1.2);
    y_ += 6;
    for (const auto& b : s.blocks) {
      if (const auto* p = std::get_if<Paragraph>(&b))
        paragraph(*p);
      else if (const auto* l = std::get_if<Bullets>(&b))
        bullets(*l);
      else if (const auto* kv = std::get_if<KeyValues>(&b))
        keyvalues(*kv);
      else if (const auto* t = std::get_if<Table>(&b))
        table(*t);
      else if (const auto* c = std::get_if<Chart>(&b))
        chart(*c);
      else if (const auto* code = std::get_if<Code>(&b))
        code_block(*code);
    }
  }

  void paragraph(const Paragraph& p) {
    const QFont f = make_font(p.strong ? 8.8 : 8.2, p.strong);
    const double pad = p.strong ? 6 : 0;
    const auto lines = wrap(qs(p.text), f, CONTENT_W - 2 * pad - (p.strong ? 3 : 0));
    const double lh = line_h(f);
    if (p.strong) {
      // Keep the highlighted block together when it fits on a page.
      ensure(lines.size() * lh + 2 * pad);
      fill(MARGIN_L, y_, CONTENT_W, lines.size() * lh + 2 * pad, STRONG_BG);
      fill(MARGIN_L, y_, 3, lines.size() * lh + 2 * pad, ACCENT);
      y_ += pad;
    }
    for (const auto& l : lines) {
      ensure(lh);
      text_at(MARGIN_L + pad + (p.strong ? 3 : 0), y_ + ascent(f), l, f, QColor(33, 37, 41));
      y_ += lh;
    }
    y_ += pad + 5;
  }

  void bullets(const Bullets& b) {
    const QFont f = make_font(7.8);
    const double lh = line_h(f), indent = 10;
    for (const auto& item : b.items) {
      const auto lines = wrap(qs(item), f, CONTENT_W - indent);
      ensure(lh * std::min<std::size_t>(lines.size(), 3));
      bool first = true;
      for (const auto& l : lines) {
        ensure(lh);
        if (first) text_at(MARGIN_L + 2, y_ + ascent(f), QString::fromUtf8("\u2022"), f, ACCENT);
        text_at(MARGIN_L + indent, y_ + ascent(f), l, f, QColor(33, 37, 41));
        y_ += lh;
        first = false;
      }
      y_ += 1.5;
    }
    y_ += 4;
  }

  void keyvalues(const KeyValues& kv) {
    Table t;
    t.columns = {{"", false}, {"", false}, {"", false}};
    for (const auto& i : kv.items)
      t.rows.push_back({Cell::str(i.key, Tone::strong), i.value, Cell::str(i.note, Tone::muted)});
    table(t, false);
  }

  struct Fit {
    double size = 7.5;
    std::vector<double> widths;
  };

  Fit fit_columns(const Table& t, bool header) const {
    const double pad = 3;
    for (double size : {7.5, 7.0, 6.5, 6.0, 5.5}) {
      const QFont f = make_font(size), fb = make_font(size, true);
      const std::size_t n = t.columns.size();
      std::vector<double> natural(n, 0), minw(n, 0);
      for (std::size_t c = 0; c < n; ++c) {
        double longest_word = 0;
        if (header)
          for (const auto& w : qs(t.columns[c].header).split(' ')) longest_word = std::max(longest_word, width(w, fb));
        natural[c] = header ? width(qs(t.columns[c].header), fb) : 0;
        double cells = 0, cell_word = 0;
        for (const auto& r : t.rows) {
          if (c >= r.size()) continue;
          const bool bold = r[c].tone == Tone::strong || r[c].tone == Tone::good || r[c].tone == Tone::bad;
          const QFont& cf = bold ? fb : f;
          cells = std::max(cells, width(qs(r[c].text), cf));
          for (const auto& w : qs(r[c].text).split(' ')) cell_word = std::max(cell_word, width(w, cf));
        }
        natural[c] = std::max(natural[c], cells) + 2 * pad;
        // Numbers never wrap; text may wrap down to its longest word (or 70 pt).
        minw[c] = t.columns[c].numeric
                      ? std::max(cells, longest_word) + 2 * pad
                      : std::min(natural[c], std::max({longest_word, std::min(cell_word, 110.0), 40.0}) + 2 * pad);
      }
      double sum_nat = 0, sum_min = 0;
      for (std::size_t c = 0; c < n; ++c) {
        sum_nat += natural[c];
        sum_min += minw[c];
      }
      if (sum_nat <= CONTENT_W) return {size, natural};
      if (sum_min <= CONTENT_W || size <= 5.5) {
        // Give the flexible columns the room left, in proportion to what they would like beyond their minimum.
        std::vector<double> w = minw;
        double room = CONTENT_W - sum_min, want = 0;
        for (std::size_t c = 0; c < n; ++c) want += natural[c] - minw[c];
        if (room > 0 && want > 0)
          for (std::size_t c = 0; c < n; ++c) w[c] += room * (natural[c] - minw[c]) / want;
        if (sum_min > CONTENT_W) {
          const double k = CONTENT_W / sum_min;
          for (auto& x : w) x *= k;
        }
        return {size, w};
      }
    }
    return {};
  }

  QColor tone_color(Tone t) const {
    switch (t) {
      case Tone::good: return GOOD;
      case Tone::bad: return BAD;
      case Tone::muted: return NOTE;
      default: return QColor(33, 37, 41);
    }
  }

  void table(const Table& t, bool header = true) {
    const double pad = 3, vpad = 1.8;
    const Fit fit = fit_columns(t, header);
    const QFont f = make_font(fit.size), fb = make_font(fit.size, true);
    const double lh = line_h(f);
    const QFont cap = make_font(8.2, true);
    auto row_lines = [&](const std::vector<Cell>& r, bool head) {
      std::vector<std::vector<QString>> out;
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const QString s = head ? qs(t.columns[c].header) : (c < r.size() ? qs(r[c].text) : QString());
        const bool bold = head || (c < r.size() &&
                                   (r[c].tone == Tone::strong || r[c].tone == Tone::good || r[c].tone == Tone::bad));
        out.push_back(wrap(s, bold ? fb : f, fit.widths[c] - 2 * pad));
      }
      return out;
    };
    auto height_of = [&](const std::vector<std::vector<QString>>& ls) {
      std::size_t m = 1;
      for (const auto& l : ls) m = std::max(m, l.size());
      return double(m) * lh + 2 * vpad;
    };
    const auto head_lines = row_lines({}, true);
    const double head_h = header ? height_of(head_lines) : 0;
    const double first_h = t.rows.empty() ? 0 : height_of(row_lines(t.rows.front(), false));
    double total_w = 0;
    for (double w : fit.widths) total_w += w;
    // Keep a table on one page when it fits on one; otherwise start it where at least a row fits.
    double all_h = head_h;
    for (const auto& r : t.rows) all_h += height_of(row_lines(r, false));
    const double cap_h = t.caption.empty() ? 0 : line_h(cap) + 2;
    if (cap_h + all_h <= bottom() - MARGIN_TOP)
      ensure(cap_h + all_h);
    else
      ensure(cap_h + head_h + first_h);
    if (!t.caption.empty()) {
      text_at(MARGIN_L, y_ + ascent(cap), qs(t.caption), cap, HEAD_BG);
      y_ += line_h(cap) + 2;
    }
    auto draw_row = [&](const std::vector<std::vector<QString>>& ls, const std::vector<Cell>* cells, bool head,
                        bool zebra) {
      const double h = height_of(ls);
      if (head)
        fill(MARGIN_L, y_, total_w, h, HEAD_BG);
      else if (zebra)
        fill(MARGIN_L, y_, total_w, h, ZEBRA);
      double x = MARGIN_L;
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const Cell* cell = cells && c < cells->size() ? &(*cells)[c] : nullptr;
        const bool bold = head || (cell && cell->tone == Tone::strong) ||
                          (cell && (cell->tone == Tone::good || cell->tone == Tone::bad));
        const QFont& cf = bold ? fb : f;
        const QColor col = head ? QColor(Qt::white) : cell ? tone_color(cell->tone) : QColor(33, 37, 41);
        double ly = y_ + vpad;
        for (const auto& l : ls[c]) {
          const double tx = t.columns[c].numeric ? x + fit.widths[c] - pad - width(l, cf) : x + pad;
          text_at(tx, ly + ascent(cf), l, cf, col);
          ly += lh;
        }
        x += fit.widths[c];
      }
      if (!head) hline(MARGIN_L, MARGIN_L + total_w, y_ + h, RULE, 0.4);
      y_ += h;
    };
    if (header) draw_row(head_lines, nullptr, true, false);
    bool zebra = false;
    for (const auto& r : t.rows) {
      const auto ls = row_lines(r, false);
      const double h = height_of(ls);
      if (y_ + h > bottom()) {
        begin_page();
        if (header) draw_row(head_lines, nullptr, true, false);
      }
      draw_row(ls, &r, false, zebra);
      zebra = !zebra;
    }
    y_ += 3;
    notes(t.notes);
    y_ += 5;
  }

  void notes(const std::vector<std::string>& ns) {
    const QFont nf = make_font(6.8, false, false, true);
    for (const auto& n : ns)
      for (const auto& l : wrap(qs(n), nf, CONTENT_W)) {
        ensure(line_h(nf));
        text_at(MARGIN_L, y_ + ascent(nf), l, nf, NOTE);
        y_ += line_h(nf);
      }
  }

  void chart(const Chart& c) {
    const double h = chart_height(c);
    const QFont nf = make_font(6.8, false, false, true);
    double notes_h = 0;
    for (const auto& n : c.notes) notes_h += double(wrap(qs(n), nf, CONTENT_W).size()) * line_h(nf);
    ensure(h + notes_h + 8);
    if (drawing()) {
      QtCanvas k(*p_, &w_, MARGIN_L, y_);
      draw_chart(c, k, CONTENT_W, h);
    }
    y_ += h + 4;
    notes(c.notes);
    y_ += 10;
  }

  void code_block(const Code& c) {
    const QFont cap = make_font(7.5, false, false, true);
    const QFont mf = make_font(5.8, false, true);
    const double lh = line_h(mf);
    ensure(line_h(cap) + 3 * lh);
    for (const auto& l : wrap(qs(c.caption), cap, CONTENT_W)) {
      text_at(MARGIN_L, y_ + ascent(cap), l, cap, NOTE);
      y_ += line_h(cap);
    }
    y_ += 2;
    // Monospace: break by characters, not words, so JSON and commands stay exact.
    const auto cols = std::max(20, int((CONTENT_W - 8) / (width("M", mf))));
    std::vector<QString> rows;
    for (const auto& line : c.lines) {
      QString q = qs(line);
      do {
        rows.push_back(q.left(cols));
        q = q.mid(cols);
      } while (!q.isEmpty());
    }
    // Widow control: the block's last lines never go alone onto a new page.
    constexpr std::size_t WIDOW = 6;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows.size() > 2 * WIDOW && rows.size() - i == WIDOW) ensure(WIDOW * lh);
      ensure(lh);
      fill(MARGIN_L, y_, CONTENT_W, lh, CODE_BG);
      text_at(MARGIN_L + 4, y_ + ascent(mf), rows[i], mf, QColor(33, 37, 41));
      y_ += lh;
    }
    y_ += 8;
  }
};

}  // namespace

void write_brief_pdf(const BriefDocument& doc, const std::string& path) {
  ensure_gui_app();
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp-infersim";
  try {
    int pages = 0;
    {
      QPdfWriter w(qs(tmp));
      w.setResolution(int(72 * S));
      w.setPageSize(QPageSize(QPageSize::A4));
      w.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout::Point);
      w.setTitle(qs(doc.title));
      w.setCreator(qs(fmt::format("infersim {}", common::version_string())));
      pages = Layout(w, doc, nullptr, 0).run();  // count pages (nothing is drawn)
      QPainter painter;
      if (!painter.begin(&w)) throw common::IoError(fmt::format("{}: cannot open the file for writing", path));
      painter.setRenderHint(QPainter::Antialiasing, true);
      painter.setRenderHint(QPainter::TextAntialiasing, true);
      Layout(w, doc, &painter, pages).run();
      if (!painter.end()) throw common::IoError(fmt::format("{}: writing the PDF failed", path));
    }
    std::error_code ec;
    if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0)
      throw common::IoError(fmt::format("{}: writing the PDF failed", path));
    fs::rename(tmp, path, ec);
    if (ec) throw common::IoError(fmt::format("{}: cannot move the temporary file into place: {}", path, ec.message()));
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace infersim::pdf
