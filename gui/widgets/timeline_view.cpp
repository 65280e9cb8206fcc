#include "widgets/timeline_view.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "models/format_util.h"
#include "widgets/chart_util.h"

namespace infersim::gui {

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  caption_ = new QLabel(tr("Run the scenario (F5): the focus hardware's queue, batch, replicas and cold starts over "
                           "simulated time appear here."),
                        this);
  caption_->setWordWrap(true);
  l->addWidget(caption_);
  const char* titles[CHART_COUNT] = {"Queue length (requests waiting)", "Batch size (sequences in running steps)",
                                     "Replicas (stepping or loading)", "Cold starts"};
  for (int i = 0; i < CHART_COUNT; ++i) {
    charts_[i] = makeChartView(this);
    charts_[i]->chart()->setTitle(tr(titles[i]));
    charts_[i]->chart()->legend()->hide();
    charts_[i]->setMinimumHeight(120);
    l->addWidget(charts_[i], 1);
  }
}

namespace {

void fillSeries(QChart* c, const QString& title, const std::vector<double>& t, const std::vector<double>& v,
                const QColor& col, double tmax, bool step) {
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  c->setTitle(title);
  auto* x = new QValueAxis;
  x->setRange(0, niceCeil(std::max(tmax, 1e-3)));
  x->setTickCount(6);
  x->setLabelFormat(QStringLiteral("%g"));
  x->setTitleText(QObject::tr("simulated time (s)"));
  auto* y = new QValueAxis;
  y->setLabelFormat(QStringLiteral("%g"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  auto* s = new QLineSeries;
  double vmax = 0;
  for (std::size_t i = 0; i < t.size() && i < v.size(); ++i) {
    if (step && i > 0) s->append(t[i], v[i - 1]);
    s->append(t[i], v[i]);
    vmax = std::max(vmax, v[i]);
  }
  QPen pen(col);
  pen.setWidthF(1.5);
  s->setPen(pen);
  c->addSeries(s);
  s->attachAxis(x);
  s->attachAxis(y);
  y->setRange(0, niceCeil(std::max(1.0, vmax * 1.1)));
  y->setTickCount(3);
}

}  // namespace

void TimelineView::setRunResult(const RunResult& r) {
  const auto& tl = r.timeline;
  if (!r.simulated) {
    caption_->setText(tr("The discrete-event simulator is not built into this infersim: no timeline. "
                         "(The analytic views need no simulation.)"));
  } else if (!tl.error.empty()) {
    caption_->setText(tr("%1: %2").arg(qs(tl.hardware), qs(tl.error)));
  } else {
    caption_->setText(tr("<b>%1</b> at %2 req/s (%3 workload), sampled every %4; %5 cold start(s). Change the "
                         "hardware with \"Timeline for\" in the scenario panel and run again.")
                          .arg(qs(tl.hardware))
                          .arg(r.scenario.workload.requests_per_s)
                          .arg(qs(r.scenario.workload.preset))
                          .arg(fmtSeconds(tl.bin_s))
                          .arg(tl.cold_start_s.size()));
  }
  const double tmax = tl.t_s.empty() ? 1.0 : tl.t_s.back();
  fillSeries(charts_[0]->chart(), tr("Queue length (requests waiting)"), tl.t_s, tl.queue, seriesColor(0), tmax, true);
  fillSeries(charts_[1]->chart(), tr("Batch size (sequences in running steps, all replicas)"), tl.t_s, tl.batch,
             seriesColor(1), tmax, true);
  fillSeries(charts_[2]->chart(), tr("Replicas (stepping or loading)"), tl.t_s, tl.replicas, seriesColor(2), tmax,
             true);
  // Cold starts: cumulative count as a step line, markers at each start.
  std::vector<double> ct, cv;
  ct.push_back(0);
  cv.push_back(0);
  for (std::size_t i = 0; i < tl.cold_start_s.size(); ++i) {
    ct.push_back(tl.cold_start_s[i]);
    cv.push_back(double(i + 1));
  }
  ct.push_back(tmax);
  cv.push_back(double(tl.cold_start_s.size()));
  QChart* c = charts_[3]->chart();
  fillSeries(c, tr("Cold starts (cumulative; markers at each start)"), ct, cv, seriesColor(3), tmax, true);
  auto* marks = new QScatterSeries;
  marks->setMarkerSize(9);
  marks->setColor(seriesColor(3));
  for (std::size_t i = 0; i < tl.cold_start_s.size(); ++i) marks->append(tl.cold_start_s[i], double(i + 1));
  c->addSeries(marks);
  for (auto* a : c->axes()) marks->attachAxis(a);
}

}  // namespace infersim::gui
