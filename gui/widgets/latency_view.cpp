#include "widgets/latency_view.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "models/format_util.h"
#include "widgets/chart_util.h"

namespace infersim::gui {

LatencyView::LatencyView(QWidget* parent) : QWidget(parent) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  caption_ = new QLabel(tr("Run the scenario (F5): each selected hardware is simulated at the workload's load and "
                           "the per-request TTFT and TPOT distributions appear here."),
                        this);
  caption_->setWordWrap(true);
  l->addWidget(caption_);
  auto* split = new QSplitter(Qt::Vertical, this);
  l->addWidget(split, 1);
  auto* charts = new QWidget(split);
  auto* h = new QHBoxLayout(charts);
  h->setContentsMargins(0, 0, 0, 0);
  ttft_ = makeChartView(charts);
  ttft_->setObjectName(QStringLiteral("ttftCdf"));
  tpot_ = makeChartView(charts);
  tpot_->setObjectName(QStringLiteral("tpotCdf"));
  ttft_->chart()->setTitle(tr("TTFT CDF (discrete-event run)"));
  tpot_->chart()->setTitle(tr("TPOT CDF (discrete-event run)"));
  h->addWidget(ttft_);
  h->addWidget(tpot_);
  table_ = new QTableWidget(split);
  table_->setColumnCount(11);
  table_->setHorizontalHeaderLabels({tr("Hardware"), tr("Completed"), tr("TTFT P50"), tr("TTFT P99"), tr("TPOT P50"),
                                     tr("TPOT P99"), tr("Goodput"), tr("tok/s"), tr("$/1K out"), tr("J/tok"),
                                     tr("Cold starts")});
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  split->addWidget(charts);
  split->addWidget(table_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
}

namespace {

void fillCdf(QChart* c, const QString& title, const std::vector<SimRow>& sims, bool ttft, double slo_s) {
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  c->setTitle(title);
  auto* x = new QValueAxis;
  x->setTitleText(QObject::tr("milliseconds"));
  x->setLabelFormat(QStringLiteral("%g"));
  auto* y = new QValueAxis;
  y->setRange(0, 1);
  y->setTitleText(QObject::tr("share of requests"));
  y->setLabelFormat(QStringLiteral("%.1f"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  double xmax = slo_s * 1e3 * 1.2;
  int i = 0;
  for (const auto& s : sims) {
    const QColor col = seriesColor(i++);
    const auto& v = ttft ? s.ttft_s : s.tpot_s;
    if (!s.error.empty() || v.empty()) continue;
    auto* line = new QLineSeries;
    line->setName(qs(s.hardware));
    const std::size_t n = v.size();
    const std::size_t stride = std::max<std::size_t>(1, n / 400);
    for (std::size_t k = 0; k < n; k += stride) line->append(v[k] * 1e3, double(k + 1) / double(n));
    line->append(v.back() * 1e3, 1.0);
    // Axis to the P99.5 so one straggler does not squash the curves.
    xmax = std::max(xmax, v[std::min(n - 1, std::size_t(0.995 * double(n)))] * 1e3 * 1.05);
    QPen pen(col);
    pen.setWidthF(2);
    line->setPen(pen);
    c->addSeries(line);
    line->attachAxis(x);
    line->attachAxis(y);
  }
  auto* slo = new QLineSeries;
  slo->setName(QObject::tr("SLO (P99)"));
  slo->append(slo_s * 1e3, 0);
  slo->append(slo_s * 1e3, 1);
  QPen pen(Qt::red);
  pen.setStyle(Qt::DashLine);
  slo->setPen(pen);
  c->addSeries(slo);
  slo->attachAxis(x);
  slo->attachAxis(y);
  auto* p99 = new QLineSeries;
  p99->setName(QObject::tr("P99"));
  p99->append(0, 0.99);
  p99->append(niceCeil(xmax), 0.99);
  QPen gp(Qt::gray);
  gp.setStyle(Qt::DotLine);
  p99->setPen(gp);
  c->addSeries(p99);
  p99->attachAxis(x);
  p99->attachAxis(y);
  x->setRange(0, niceCeil(xmax));
  x->setTickCount(5);
  x->applyNiceNumbers();
  // The SLO and P99 guides are explained in the caption; keep the legend for the hardware names.
  for (auto* s : {slo, p99})
    for (auto* m : c->legend()->markers(s)) m->setVisible(false);
}

}  // namespace

void LatencyView::setRunResult(const RunResult& r) {
  const auto& w = r.scenario.workload;
  if (!r.simulated) {
    caption_->setText(tr("The discrete-event simulator is not built into this infersim, so there are no per-request "
                         "latency distributions; the Compare and Planner views show the analytic P99 estimates."));
  } else {
    caption_->setText(
        tr("Discrete-event run of %1 requests per hardware at %2 req/s (%3 workload, %4 in / %5 out "
           "tokens). Dashed red: the SLO; dotted: the 99th percentile. Same as <code>infersim simulate</code> "
           "on the scenario each hardware's row exports.")
            .arg(w.sim_requests)
            .arg(w.requests_per_s)
            .arg(qs(w.preset))
            .arg(w.input_tokens)
            .arg(w.output_tokens));
  }
  fillCdf(ttft_->chart(), tr("TTFT CDF"), r.sims, true, w.ttft_p99_s);
  fillCdf(tpot_->chart(), tr("TPOT CDF"), r.sims, false, w.tpot_p99_s);
  table_->setRowCount(0);
  for (const auto& s : r.sims) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    QStringList cells;
    if (!s.error.empty()) {
      cells << qs(s.hardware) << qs(s.error);
    } else {
      cells << qs(s.hardware) << QString::number(s.completed) << fmtSeconds(s.ttft_p50_s) << fmtSeconds(s.ttft_p99_s)
            << fmtSeconds(s.tpot_p50_s) << fmtSeconds(s.tpot_p99_s)
            << QStringLiteral("%1%").arg(100 * s.goodput, 0, 'f', 1) << fmtNum(s.throughput_tok_s, 0)
            << fmtUsd1k(s.usd_per_1k_tokens) << fmtNum(s.joules_per_token, 3) << QString::number(s.cold_starts);
    }
    for (int k = 0; k < cells.size(); ++k) table_->setItem(row, k, new QTableWidgetItem(cells[k]));
    if (!s.error.empty()) table_->setSpan(row, 1, 1, table_->columnCount() - 1);
  }
}

}  // namespace infersim::gui
