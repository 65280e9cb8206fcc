#include "widgets/heat_map_widget.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

#include "models/format_util.h"

namespace infersim::gui {

namespace {
constexpr int HEADER_H = 34;
constexpr int TITLE_H = 24;
constexpr int CELL_H = 24;
constexpr int LEGEND_H = 28;
}  // namespace

HeatMapWidget::HeatMapWidget(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setToolTip(
      tr("$ per 1K output tokens: each hardware at each workload type's default load and SLOs (a run fills it)"));
}

void HeatMapWidget::setHeatMap(const HeatMap& h) {
  heat_ = h;
  updateGeometry();
  update();
}

void HeatMapWidget::clear() { setHeatMap({}); }

int HeatMapWidget::labelWidth() const {
  int w = 80;
  const QFontMetrics fm(font());
  for (const auto& h : heat_.hardware) w = std::max(w, fm.horizontalAdvance(qs(h)) + 12);
  return w;
}

QSize HeatMapWidget::sizeHint() const {
  const int cols = std::max<int>(1, int(heat_.workloads.size()));
  return {labelWidth() + cols * 96, TITLE_H + HEADER_H + int(heat_.hardware.size()) * CELL_H + LEGEND_H + 8};
}

QSize HeatMapWidget::minimumSizeHint() const { return {240, 160}; }

QRect HeatMapWidget::cellRect(int row, int col) const {
  const int cols = std::max<int>(1, int(heat_.workloads.size()));
  const int lw = labelWidth();
  const int cw = std::max(40, (width() - lw - 8) / cols);
  const int rows = std::max<int>(1, int(heat_.hardware.size()));
  const int ch = std::clamp((height() - TITLE_H - HEADER_H - LEGEND_H - 8) / rows, 14, 40);
  return {lw + col * cw, TITLE_H + HEADER_H + row * ch, cw - 2, ch - 2};
}

void HeatMapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(QRect(0, 2, width(), TITLE_H), Qt::AlignCenter, tr("$/1K output tokens: hardware x workload type"));
  p.setFont(font());
  if (heat_.hardware.empty() || heat_.workloads.empty()) {
    p.setPen(Qt::gray);
    p.drawText(rect(), Qt::AlignCenter, tr("Run the scenario (F5) to fill the heat map"));
    return;
  }
  double lo = INFINITY, hi = 0;
  for (const auto& row : heat_.usd_per_1k)
    for (double v : row)
      if (std::isfinite(v) && v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  const double llo = std::log(std::isfinite(lo) ? lo : 1.0), lhi = std::log(hi > 0 ? hi : 1.0);
  auto color = [&](double v) {
    const double t = lhi > llo ? (std::log(v) - llo) / (lhi - llo) : 0.0;
    // green (t=0) -> yellow -> red (t=1)
    const double hue = 120.0 * (1.0 - t);
    return QColor::fromHsvF(float(hue / 360.0), 0.55f, 0.95f);
  };
  for (std::size_t c = 0; c < heat_.workloads.size(); ++c) {
    const QRect r = cellRect(0, int(c));
    p.drawText(QRect(r.left(), TITLE_H, r.width(), HEADER_H), Qt::AlignCenter | Qt::TextWordWrap,
               qs(heat_.workloads[c]));
  }
  const QFontMetrics fm(font());
  for (std::size_t i = 0; i < heat_.hardware.size(); ++i) {
    const QRect r0 = cellRect(int(i), 0);
    p.setPen(Qt::black);
    p.drawText(QRect(4, r0.top(), labelWidth() - 8, r0.height()), Qt::AlignVCenter | Qt::AlignRight,
               qs(heat_.hardware[i]));
    for (std::size_t c = 0; c < heat_.workloads.size(); ++c) {
      const QRect r = cellRect(int(i), int(c));
      const double v = i < heat_.usd_per_1k.size() && c < heat_.usd_per_1k[i].size() ? heat_.usd_per_1k[i][c] : NAN;
      if (std::isfinite(v) && v > 0) {
        p.fillRect(r, color(v));
        p.setPen(Qt::black);
        p.drawText(r, Qt::AlignCenter, QString::number(v, 'f', v < 0.01 ? 5 : 4));
      } else {
        p.fillRect(r, QColor(225, 225, 225));
        p.setPen(QColor(110, 110, 110));
        const std::string& why = i < heat_.why.size() && c < heat_.why[i].size() ? heat_.why[i][c] : std::string();
        QString shortWhy = tr("infeasible");
        if (why.find("price") != std::string::npos)
          shortWhy = tr("no price");
        else if (why.find("fit") != std::string::npos)
          shortWhy = tr("does not fit");
        else if (why.find("misses") != std::string::npos)
          shortWhy = tr("misses SLO");
        else if (why.find("runtime") != std::string::npos || why.find("support") != std::string::npos)
          shortWhy = tr("unsupported");
        p.drawText(r, Qt::AlignCenter, shortWhy);
      }
    }
  }
  // Legend: the colour scale.
  const int ly = height() - LEGEND_H + 4;
  const int lx = labelWidth();
  const int lw = std::max(100, width() - lx - 160);
  for (int k = 0; k < lw; ++k) {
    const double v = std::exp(llo + (lhi - llo) * k / std::max(1, lw - 1));
    p.setPen(color(v));
    p.drawLine(lx + k, ly, lx + k, ly + 10);
  }
  p.setPen(Qt::black);
  if (std::isfinite(lo)) {
    p.drawText(QPoint(lx, ly + 10 + fm.ascent()), QStringLiteral("$%1").arg(lo, 0, 'f', 5));
    const QString hs = QStringLiteral("$%1 (log scale)").arg(hi, 0, 'f', 5);
    p.drawText(QPoint(lx + lw - fm.horizontalAdvance(hs), ly + 10 + fm.ascent()), hs);
  }
}

bool HeatMapWidget::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    for (std::size_t i = 0; i < heat_.hardware.size(); ++i)
      for (std::size_t c = 0; c < heat_.workloads.size(); ++c)
        if (cellRect(int(i), int(c)).contains(he->pos())) {
          const double v = heat_.usd_per_1k[i][c];
          QToolTip::showText(he->globalPos(),
                             std::isfinite(v)
                                 ? (int(i) == heat_.api_row && i < heat_.note.size()
                                        ? tr("%1, %2: $%3 per 1K output tokens: %4")
                                              .arg(qs(heat_.hardware[i]), qs(heat_.workloads[c]))
                                              .arg(v, 0, 'f', 5)
                                              .arg(qs(heat_.note[i][c]))
                                        : tr("%1, %2: $%3 per 1K output tokens (cheapest feasible layout)")
                                              .arg(qs(heat_.hardware[i]), qs(heat_.workloads[c]))
                                              .arg(v, 0, 'f', 5))
                                 : tr("%1, %2: infeasible — %3")
                                       .arg(qs(heat_.hardware[i]), qs(heat_.workloads[c]), qs(heat_.why[i][c])),
                             this);
          return true;
        }
  }
  return QWidget::event(e);
}

}  // namespace infersim::gui
