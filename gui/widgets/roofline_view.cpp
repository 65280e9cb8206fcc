#include "widgets/roofline_view.h"

#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "models/format_util.h"
#include "widgets/chart_util.h"

namespace infersim::gui {

double roofline_attainable(double peak_flops, double bw_bytes_per_s, double intensity) {
  return std::min(peak_flops, intensity * bw_bytes_per_s);
}

RooflineView::RooflineView(QWidget* parent) : QWidget(parent) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  auto* split = new QSplitter(Qt::Vertical, this);
  l->addWidget(split);
  chart_ = makeChartView(split);
  chart_->setObjectName(QStringLiteral("rooflineChart"));
  chart_->chart()->legend()->setAlignment(Qt::AlignRight);
  table_ = new QTableWidget(split);
  table_->setObjectName(QStringLiteral("rooflineTable"));
  table_->setColumnCount(9);
  table_->setHorizontalHeaderLabels({tr("Hardware"), tr("Phase"), tr("Intensity (FLOP/B)"), tr("Ridge (FLOP/B)"),
                                     tr("Attainable (TFLOP/s)"), tr("Achieved (TFLOP/s)"), tr("Peak (TFLOP/s)"),
                                     tr("Bandwidth (GB/s)"), tr("Bound (estimator)")});
  table_->horizontalHeaderItem(2)->setToolTip(tr("FLOPs / bytes moved by one step, per chip"));
  table_->horizontalHeaderItem(3)->setToolTip(tr("Intensity where the roof turns flat: peak / bandwidth"));
  table_->horizontalHeaderItem(4)->setToolTip(
      tr("min(peak, intensity x bandwidth): the roofline's ceiling at this intensity"));
  table_->horizontalHeaderItem(5)->setToolTip(
      tr("FLOPs of the step / its estimated time (calibrated efficiencies and overheads included)"));
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  split->addWidget(chart_);
  split->addWidget(table_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
}

void RooflineView::setAnalytic(const AnalyticResult& r) {
  QChart* c = chart_->chart();
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  c->setTitle(tr("Roofline per chip, %1: prefill ● and decode ■ operating points (dashed: calibrated roof)")
                  .arg(qs(r.model_display)));
  auto* x = new QLogValueAxis;
  x->setBase(10);
  x->setTitleText(tr("arithmetic intensity (FLOP / byte)"));
  x->setLabelFormat(QStringLiteral("%g"));
  x->setMinorTickCount(-1);
  auto* y = new QLogValueAxis;
  y->setBase(10);
  y->setTitleText(tr("attainable TFLOP/s per chip"));
  y->setLabelFormat(QStringLiteral("%g"));
  y->setMinorTickCount(-1);
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  double xmin = 0.5, xmax = 2000, ymin = INFINITY, ymax = 0;
  for (const auto& row : r.rows) {
    if (!row.error.empty() || row.peak_flops <= 0 || row.mem_bw_bytes_per_s <= 0) continue;
    for (const auto* ph : {&row.estimate.prefill, &row.estimate.decode}) {
      if (ph->detail.bytes > 0 && ph->detail.flops > 0) {
        const double I = ph->detail.flops / ph->detail.bytes;
        xmin = std::min(xmin, I / 2);
        xmax = std::max(xmax, I * 2);
      }
    }
    xmax = std::max(xmax, 4 * row.peak_flops / row.mem_bw_bytes_per_s);
  }
  xmin = std::pow(10.0, std::floor(std::log10(xmin)));
  xmax = std::pow(10.0, std::ceil(std::log10(xmax)));
  table_->setRowCount(0);
  int idx = 0;
  for (const auto& row : r.rows) {
    if (!row.error.empty() || row.peak_flops <= 0 || row.mem_bw_bytes_per_s <= 0) continue;
    const QColor col = seriesColor(idx++);
    const double peak = row.peak_flops / 1e12, bw = row.mem_bw_bytes_per_s / 1e12;  // TFLOP/s, TB/s
    const double ridge = peak / bw;
    auto* roof = new QLineSeries;
    roof->setName(qs(row.estimate.hardware));
    roof->append(xmin, xmin * bw);
    if (ridge > xmin && ridge < xmax) roof->append(ridge, peak);
    roof->append(xmax, roofline_attainable(peak, bw, xmax));
    QPen pen(col);
    pen.setWidthF(2.0);
    roof->setPen(pen);
    c->addSeries(roof);
    roof->attachAxis(x);
    roof->attachAxis(y);
    ymin = std::min(ymin, xmin * bw);
    ymax = std::max(ymax, peak);
    // The calibrated roof: the fractions of peak and bandwidth the estimate ran at.
    const double cpeak = peak * row.compute_fraction, cbw = bw * row.memory_fraction;
    auto* cal = new QLineSeries;
    cal->setName(qs(row.estimate.hardware) + tr(" calibrated"));
    cal->append(xmin, xmin * cbw);
    if (cpeak / cbw > xmin && cpeak / cbw < xmax) cal->append(cpeak / cbw, cpeak);
    cal->append(xmax, roofline_attainable(cpeak, cbw, xmax));
    QPen dashed(col);
    dashed.setStyle(Qt::DashLine);
    dashed.setWidthF(1.0);
    cal->setPen(dashed);
    c->addSeries(cal);
    cal->attachAxis(x);
    cal->attachAxis(y);
    c->legend()->markers(cal).value(0)->setVisible(false);
    ymin = std::min(ymin, xmin * cbw);
    struct Phase {
      const perf::PhaseSummary* p;
      const char* name;
      QScatterSeries::MarkerShape shape;
    };
    for (const Phase ph : {Phase{&row.estimate.prefill, "prefill", QScatterSeries::MarkerShapeCircle},
                           Phase{&row.estimate.decode, "decode", QScatterSeries::MarkerShapeRectangle}}) {
      const auto& d = ph.p->detail;
      if (d.bytes <= 0 || d.flops <= 0) continue;
      const double I = d.flops / d.bytes;
      const double att = roofline_attainable(peak, bw, I);
      const double achieved = d.total_s > 0 ? d.flops / d.total_s / 1e12 : 0;
      auto* pt = new QScatterSeries;
      pt->setName(QStringLiteral("%1 %2").arg(qs(row.estimate.hardware), ph.name));
      pt->setMarkerShape(ph.shape);
      pt->setMarkerSize(11);
      pt->setColor(col);
      pt->setBorderColor(Qt::black);
      pt->append(I, att);
      c->addSeries(pt);
      pt->attachAxis(x);
      pt->attachAxis(y);
      c->legend()->markers(pt).value(0)->setVisible(false);
      ymin = std::min(ymin, att);
      const QString tip = tr("%1 %2: intensity %3 FLOP/B, attainable %4 TFLOP/s, achieved %5 TFLOP/s (%6-bound)")
                              .arg(qs(row.estimate.hardware), ph.name)
                              .arg(I, 0, 'g', 3)
                              .arg(att, 0, 'g', 4)
                              .arg(achieved, 0, 'g', 3)
                              .arg(perf::bound_name(ph.p->bound));
      connect(pt, &QScatterSeries::hovered, this, [tip](const QPointF&, bool state) {
        if (state) QToolTip::showText(QCursor::pos(), tip);
      });
      const int tr_ = table_->rowCount();
      table_->insertRow(tr_);
      const QStringList cells = {qs(row.estimate.hardware),
                                 ph.name,
                                 QString::number(I, 'g', 3),
                                 QString::number(ridge, 'g', 3),
                                 QString::number(att, 'f', 1),
                                 QString::number(achieved, 'f', 1),
                                 QString::number(peak, 'f', 1),
                                 QString::number(row.mem_bw_bytes_per_s / 1e9, 'f', 0),
                                 QString::fromUtf8(perf::bound_name(ph.p->bound)) +
                                     (I < ridge ? tr(" (left of ridge: memory side)")
                                                : tr(" (right of ridge: compute side)"))};
      for (int k = 0; k < cells.size(); ++k) {
        auto* item = new QTableWidgetItem(cells[k]);
        if (k == 0) item->setForeground(col);
        table_->setItem(tr_, k, item);
      }
    }
  }
  if (!(ymax > 0)) {
    ymin = 0.1;
    ymax = 1000;
  }
  x->setRange(xmin, xmax);
  y->setRange(std::pow(10.0, std::floor(std::log10(std::max(ymin, 1e-6)))),
              std::pow(10.0, std::ceil(std::log10(ymax * 1.2))));
}

}  // namespace infersim::gui
