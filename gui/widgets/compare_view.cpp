#include "widgets/compare_view.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "models/compare_table_model.h"
#include "models/format_util.h"
#include "widgets/chart_util.h"
#include "widgets/heat_map_widget.h"

namespace infersim::gui {

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), model_(new CompareTableModel(this)), proxy_(new QSortFilterProxyModel(this)) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  caption_ = new QLabel(this);
  caption_->setWordWrap(true);
  caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->addWidget(caption_);
  auto* split = new QSplitter(Qt::Vertical, this);
  l->addWidget(split, 1);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(CompareTableModel::ValueRole);
  table_ = new QTableView(split);
  table_->setObjectName(QStringLiteral("compareTable"));
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(-1, Qt::AscendingOrder);
  table_->setAlternatingRowColors(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setMinimumHeight(140);
  bottom_ = new QTabWidget(split);
  bottom_->setObjectName(QStringLiteral("compareCharts"));
  auto* chartsPage = new QWidget(bottom_);
  auto* grid = new QGridLayout(chartsPage);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(4);
  for (int i = 0; i < CHART_COUNT; ++i) {
    charts_[i] = makeChartView(chartsPage);
    grid->addWidget(charts_[i], i / 3, i % 3);
  }
  for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
  chartNote_ = new QLabel(chartsPage);
  chartNote_->setWordWrap(true);
  chartNote_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  chartNote_->setStyleSheet(QStringLiteral("color: #444; padding: 8px;"));
  grid->addWidget(chartNote_, 1, 2);
  heat_ = new HeatMapWidget(bottom_);
  heat_->setObjectName(QStringLiteral("heatMap"));
  bottom_->addTab(chartsPage, tr("Charts per hardware"));
  bottom_->addTab(heat_, tr("Heat map: hardware x workload type ($/1K tokens)"));
  bottom_->setTabToolTip(1, tr("Each hardware planned for every workload type at that type's default load and SLOs "
                               "(filled by a run)"));
  split->addWidget(table_);
  split->addWidget(bottom_);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  split->setSizes({260, 520});
  refreshCharts();
}

void CompareView::setAnalytic(const AnalyticResult& r) {
  scenario_ = r.scenario;
  model_->setAnalytic(r.rows);
  table_->resizeColumnsToContents();
  const auto& w = r.scenario.workload;
  caption_->setText(tr("<b>%1</b>, %2 workload: %3 in / %4 out tokens. Analytic columns = <code>%5</code> "
                       "(concurrency %6, estimated in %7 ms). Run (F5) adds the columns at %8 req/s with the "
                       "SLOs TTFT P99 ≤ %9, TPOT P99 ≤ %10 and %11 pricing.")
                        .arg(qs(r.model_display.empty() ? r.scenario.model : r.model_display), qs(w.preset))
                        .arg(w.input_tokens)
                        .arg(w.output_tokens)
                        .arg(qs(cli_compare_command(r.scenario)).toHtmlEscaped())
                        .arg(w.concurrency)
                        .arg(r.elapsed_ms, 0, 'f', 1)
                        .arg(w.requests_per_s)
                        .arg(fmtSeconds(w.ttft_p99_s), fmtSeconds(w.tpot_p99_s))
                        .arg(qs(planner::pricing_mode_name(r.scenario.pricing.mode))));
  refreshCharts();
}

void CompareView::setRunResult(const RunResult& r) {
  model_->setAtLoad(r.load);
  model_->setSimulated(r.sims);
  if (r.scenario.heat_map) heat_->setHeatMap(r.heat);
  table_->resizeColumnsToContents();
  refreshCharts();
}

void CompareView::clearRunResults() {
  model_->clearRunResults();
  heat_->clear();
  refreshCharts();
}

void CompareView::showHeatMap(bool on) { bottom_->setCurrentIndex(on ? 1 : 0); }

void CompareView::refreshCharts() {
  QStringList names;
  for (int i = 0; i < model_->rowCount(); ++i) names << qs(model_->row(i).hardware);
  const bool load = model_->hasAtLoad();
  struct Spec {
    int column;
    int fallback;
    QString title, axis;
    double scale;
    int decimals;
  };
  const Spec specs[CHART_COUNT] = {
      {CompareTableModel::UsdAtLoadCol, CompareTableModel::UsdCol, tr("$ / 1K output tokens"), tr("USD per 1K tokens"),
       1.0, 5},
      {CompareTableModel::TtftP99Col, CompareTableModel::TtftCol, tr("TTFT P99"), tr("milliseconds"), 1e3, 0},
      {CompareTableModel::TpotP99Col, CompareTableModel::TpotCol, tr("TPOT P99"), tr("milliseconds"), 1e3, 1},
      {CompareTableModel::JoulesAtLoadCol, CompareTableModel::JoulesCol, tr("Energy / output token"),
       tr("joules per token"), 1.0, 2},
      {CompareTableModel::KwAtLoadCol, CompareTableModel::KwCol, tr("Power"), tr("kilowatts"), 1.0, 1},
  };
  chartNote_->setText(
      load
          ? tr("<b>At load</b>: each hardware's cheapest layout from the planner at %1 req/s within TTFT P99 ≤ %2 and "
               "TPOT P99 ≤ %3, priced %4. Hardware marked n/a has no feasible layout (the table's tooltip says why). "
               "The P99 charts show the discrete-event run of that layout when the simulator ran (the planner's "
               "analytic P99s are in the table).<br><br>"
               "Right-click a chart to export it (PNG/SVG); Ctrl+E exports the whole view.")
                .arg(scenario_.workload.requests_per_s)
                .arg(fmtSeconds(scenario_.workload.ttft_p99_s), fmtSeconds(scenario_.workload.tpot_p99_s))
                .arg(qs(planner::pricing_mode_name(scenario_.pricing.mode)))
          : tr("<b>Analytic</b>: one replica at concurrency %1 (the CLI's <code>compare</code>); $/1K at the on-demand "
               "price. Press <b>F5</b> to size every hardware for the workload's load and SLOs: the charts then show "
               "P99 latency, $/1K with your pricing, and the power of the whole deployment.<br><br>"
               "Right-click a chart to export it (PNG/SVG); Ctrl+E exports the whole view.")
                .arg(scenario_.workload.concurrency));
  const bool sim = model_->hasSimulated();
  for (int k = 0; k < CHART_COUNT; ++k) {
    const auto& s = specs[k];
    int col = load ? s.column : s.fallback;
    // Latency tails: the discrete-event run's P99 at the planner's layout when there is one.
    if (sim && k == 1) col = CompareTableModel::SimTtftP99Col;
    if (sim && k == 2) col = CompareTableModel::SimTpotP99Col;
    std::vector<double> v;
    for (int i = 0; i < model_->rowCount(); ++i) v.push_back(model_->value(i, col) * s.scale);
    QString title = s.title;
    if (!load) {
      if (k == 1) title = tr("TTFT (mean)");
      if (k == 2) title = tr("TPOT (mean)");
      if (k == 4) title = tr("Replica power");
    } else if (k == 4) {
      title = tr("Deployment power");
    } else if (sim && (k == 1 || k == 2)) {
      title += tr(" (simulated)");
    }
    fillBarChart(charts_[k]->chart(), title, names, v, s.axis, s.decimals);
  }
}

}  // namespace infersim::gui
