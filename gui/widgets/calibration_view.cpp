#include "widgets/calibration_view.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

#include "models/calibration_group_model.h"
#include "models/format_util.h"
#include "widgets/chart_util.h"

namespace infersim::gui {

CalibrationView::CalibrationView(QWidget* parent) : QWidget(parent), groups_(new CalibrationGroupModel(this)) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  summary_ = new QLabel(tr("Loading the bundled measurements…"), this);
  summary_->setWordWrap(true);
  l->addWidget(summary_);
  auto* split = new QSplitter(Qt::Horizontal, this);
  l->addWidget(split, 1);
  table_ = new QTableView(split);
  table_->setObjectName(QStringLiteral("calibrationTable"));
  table_->setModel(groups_);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setToolTip(tr("Select rows to show only those (hardware, runtime) pairs in the scatter"));
  auto* right = new QWidget(split);
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  metric_ = new QComboBox(right);
  metric_->setObjectName(QStringLiteral("calibrationMetric"));
  metric_->addItem(tr("TTFT / prefill (s)"), QStringLiteral("ttft"));
  metric_->addItem(tr("TPOT / decode per token (s)"), QStringLiteral("tpot"));
  metric_->addItem(tr("whole-batch latency (s)"), QStringLiteral("e2e"));
  metric_->addItem(tr("throughput (tok/s)"), QStringLiteral("throughput"));
  metric_->setCurrentIndex(3);
  metric_->setToolTip(tr("Which measured quantity to plot"));
  bar->addWidget(new QLabel(tr("Metric:"), right));
  bar->addWidget(metric_);
  bar->addStretch(1);
  rl->addLayout(bar);
  chart_ = makeChartView(right);
  chart_->setObjectName(QStringLiteral("calibrationChart"));
  rl->addWidget(chart_, 1);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  split->setSizes({640, 480});
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { refresh(); });
}

void CalibrationView::setData(const CalibrationData& d) {
  data_ = d;
  loaded_ = true;
  groups_->setGroups(d.groups);
  if (!d.error.empty()) {
    summary_->setText(tr("Could not load the bundled measurements: %1").arg(qs(d.error)));
    return;
  }
  auto pct = [&](const char* m) {
    auto it = d.overall_held_out.find(m);
    return it == d.overall_held_out.end() || it->second.n == 0
               ? QStringLiteral("-")
               : QStringLiteral("%1% (n=%2)").arg(100 * it->second.median_abs, 0, 'f', 1).arg(it->second.n);
  };
  std::size_t held = 0;
  for (const auto& p : d.points) held += p.held_out ? 1 : 0;
  summary_->setText(tr("Prediction error of the shipped calibrations on the bundled measurements "
                       "(<code>infersim validate</code>). Median |error| on held-out rows: TTFT %1, TPOT %2, "
                       "throughput %3, whole-batch latency %4. %5 observations, %6 held out (highlighted).")
                        .arg(pct("ttft"), pct("tpot"), pct("throughput"), pct("e2e"))
                        .arg(d.points.size())
                        .arg(held));
  refresh();
}

void CalibrationView::refresh() {
  QChart* c = chart_->chart();
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  const QString metric = metric_->currentData().toString();
  std::set<std::string> only;
  for (const auto& idx : table_->selectionModel()->selectedRows()) {
    const auto& g = groups_->group(idx.row());
    only.insert(g.hardware + "/" + g.runtime);
  }
  c->setTitle(tr("Predicted vs measured: %1%2")
                  .arg(metric_->currentText(), only.empty() ? tr(" (all hardware)") : tr(" (selected pairs)")));
  auto* fit = new QScatterSeries;
  fit->setName(tr("fit rows"));
  fit->setMarkerSize(5);
  fit->setColor(QColor(90, 130, 190, 170));
  fit->setBorderColor(Qt::transparent);
  auto* held = new QScatterSeries;
  held->setName(tr("held-out rows"));
  held->setMarkerSize(6);
  held->setColor(QColor(214, 39, 40));
  held->setBorderColor(Qt::black);
  double lo = INFINITY, hi = 0;
  std::vector<double> errs;  // signed, held-out rows
  for (const auto& p : data_.points) {
    if (QString::fromStdString(p.metric) != metric) continue;
    if (!only.empty() && !only.count(p.hardware + "/" + p.runtime)) continue;
    if (!(p.measured > 0) || !(p.predicted > 0)) continue;
    (p.held_out ? held : fit)->append(p.measured, p.predicted);
    lo = std::min({lo, p.measured, p.predicted});
    hi = std::max({hi, p.measured, p.predicted});
    if (p.held_out) errs.push_back(p.predicted / p.measured - 1.0);
  }
  if (!(hi > 0)) {
    lo = 1e-3;
    hi = 1;
  }
  lo = std::pow(10.0, std::floor(std::log10(lo)));
  hi = std::pow(10.0, std::ceil(std::log10(hi)));
  auto* x = new QLogValueAxis;
  x->setTitleText(tr("measured"));
  x->setLabelFormat(QStringLiteral("%g"));
  x->setRange(lo, hi);
  x->setMinorTickCount(-1);
  auto* y = new QLogValueAxis;
  y->setTitleText(tr("predicted"));
  y->setLabelFormat(QStringLiteral("%g"));
  y->setRange(lo, hi);
  y->setMinorTickCount(-1);
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  auto guide = [&](double f, const QString& name, Qt::PenStyle style) {
    auto* s = new QLineSeries;
    s->setName(name);
    s->append(lo, lo * f);
    s->append(hi, hi * f);
    QPen pen(Qt::darkGray);
    pen.setStyle(style);
    s->setPen(pen);
    c->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  };
  guide(1.0, tr("y = x"), Qt::SolidLine);
  guide(1.25, tr("±25%"), Qt::DashLine);
  guide(0.75, QString(), Qt::DashLine);
  for (auto* s : {fit, held}) {
    c->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
  for (auto* m : c->legend()->markers())
    if (m->label().isEmpty()) m->setVisible(false);
  if (!errs.empty()) {
    const auto st = perf::error_stats(errs);
    c->setTitle(c->title() + tr(" — held-out median |error| %1% (n=%2)").arg(100 * st.median_abs, 0, 'f', 1).arg(st.n));
  }
}

}  // namespace infersim::gui
