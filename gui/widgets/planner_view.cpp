#include "widgets/planner_view.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "models/format_util.h"
#include "models/plan_table_model.h"
#include "models/rejection_table_model.h"
#include "widgets/chart_util.h"

namespace infersim::gui {

PlannerView::PlannerView(QWidget* parent)
    : QWidget(parent),
      plans_(new PlanTableModel(this)),
      rejections_(new RejectionTableModel(this)),
      rejectionProxy_(new QSortFilterProxyModel(this)) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  auto* top = new QHBoxLayout;
  caption_ = new QLabel(tr("Run the scenario (F5) to plan the cheapest deployments of the selected hardware at the "
                           "workload's load and SLOs."),
                        this);
  caption_->setWordWrap(true);
  auto* exportPlan = new QPushButton(tr("Export PLAN.json…"), this);
  exportPlan->setToolTip(tr("Write the planner request; `infersim plan FILE` reproduces this view"));
  top->addWidget(caption_, 1);
  top->addWidget(exportPlan);
  l->addLayout(top);
  connect(exportPlan, &QPushButton::clicked, this, &PlannerView::exportPlanRequested);

  auto* split = new QSplitter(Qt::Vertical, this);
  l->addWidget(split, 1);
  planTable_ = new QTableView(split);
  planTable_->setObjectName(QStringLiteral("planTable"));
  planTable_->setModel(plans_);
  planTable_->verticalHeader()->hide();
  planTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  planTable_->setAlternatingRowColors(true);
  planTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  auto* bottom = new QSplitter(Qt::Horizontal, split);
  pareto_ = makeChartView(bottom);
  pareto_->setObjectName(QStringLiteral("paretoChart"));
  auto* right = new QSplitter(Qt::Vertical, bottom);
  details_ = new QTextBrowser(right);
  details_->setOpenLinks(false);
  auto* rejBox = new QWidget(right);
  auto* rl = new QVBoxLayout(rejBox);
  rl->setContentsMargins(0, 0, 0, 0);
  rejectionFilter_ = new QLineEdit(rejBox);
  rejectionFilter_->setPlaceholderText(tr("Filter rejections (hardware, reason)…"));
  rejectionFilter_->setClearButtonEnabled(true);
  rejectionProxy_->setSourceModel(rejections_);
  rejectionProxy_->setFilterKeyColumn(-1);
  rejectionProxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  rejectionTable_ = new QTableView(rejBox);
  rejectionTable_->setObjectName(QStringLiteral("rejectionTable"));
  rejectionTable_->setModel(rejectionProxy_);
  rejectionTable_->verticalHeader()->hide();
  rejectionTable_->setWordWrap(false);
  rejectionTable_->horizontalHeader()->setStretchLastSection(true);
  rejectionTable_->horizontalHeader()->setSectionResizeMode(RejectionTableModel::IdCol, QHeaderView::ResizeToContents);
  rl->addWidget(rejectionFilter_);
  rl->addWidget(rejectionTable_);
  connect(rejectionFilter_, &QLineEdit::textChanged, rejectionProxy_, &QSortFilterProxyModel::setFilterFixedString);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);
  connect(planTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& cur) {
    if (!cur.isValid()) return;
    const auto& c = plans_->candidate(cur.row());
    QString html =
        QStringLiteral("<b>%1</b><br>%2<br>").arg(qs(c.id).toHtmlEscaped(), qs(c.cost.basis).toHtmlEscaped());
    html += tr("$%1/hour, $%2/month; %3-year TCO $%4 (capex $%5, opex $%6, porting $%7)<br>")
                .arg(c.cost.usd_per_hour, 0, 'f', 2)
                .arg(c.cost.monthly_usd, 0, 'f', 0)
                .arg(c.cost.tco_years)
                .arg(c.cost.tco_total_usd, 0, 'f', 0)
                .arg(c.cost.tco_capex_usd, 0, 'f', 0)
                .arg(c.cost.tco_opex_usd, 0, 'f', 0)
                .arg(c.cost.porting_one_time_usd, 0, 'f', 0);
    html += tr("$%1 per 1K output tokens, $%2 per 1K tokens blended, $%3 per request<br>")
                .arg(c.cost.usd_per_1k_output, 0, 'f', 5)
                .arg(c.cost.usd_per_1k_blended, 0, 'f', 5)
                .arg(c.cost.usd_per_request, 0, 'f', 5);
    html += tr("%1 kW facility, %2 J per output token; utilisation %3%<br>")
                .arg(c.power.facility_kw, 0, 'f', 1)
                .arg(c.power.joules_per_output_token, 0, 'f', 3)
                .arg(100 * c.utilisation, 0, 'f', 0);
    for (const auto& p : c.parts) html += tr("part: %1<br>").arg(qs(p).toHtmlEscaped());
    if (!c.risks.empty()) {
      html += QStringLiteral("<ul>");
      for (const auto& r : c.risks) html += QStringLiteral("<li>%1</li>").arg(qs(r).toHtmlEscaped());
      html += QStringLiteral("</ul>");
    }
    details_->setHtml(html);
  });
}

void PlannerView::setRunResult(const RunResult& r) {
  QChart* c = pareto_->chart();
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  c->setTitle(tr("Cost vs TTFT P99: every feasible plan (line: Pareto frontier)"));
  if (!r.has_plan) {
    plans_->clear();
    rejections_->setRejected({});
    details_->clear();
    caption_->setText(r.plan_error.empty() ? tr("No planner result (run cancelled before the planner step).")
                                           : tr("Planner error: %1").arg(qs(r.plan_error)));
    return;
  }
  const auto& res = r.plan;
  plans_->setResult(res);
  rejections_->setRejected(res.rejected);
  const auto& q = res.request;
  QString cap = tr("<b>%1</b> %2 (%3 in / %4 out) at %5 req/s, SLO TTFT P99 ≤ %6, TPOT P99 ≤ %7, %8 pricing: "
                   "%9 combinations evaluated, %10 plans ranked, %11 rejected.")
                    .arg(qs(q.model), qs(q.workload_name))
                    .arg(q.input_tokens)
                    .arg(q.output_tokens)
                    .arg(q.requests_per_s)
                    .arg(fmtSeconds(q.slo.ttft_p99_s), fmtSeconds(q.slo.tpot_p99_s))
                    .arg(qs(planner::pricing_mode_name(q.pricing.mode)))
                    .arg(res.evaluated)
                    .arg(res.ranked.size())
                    .arg(res.rejected.size());
  for (const auto& n : res.notes) cap += QStringLiteral("<br><i>%1</i>").arg(qs(n).toHtmlEscaped());
  caption_->setText(cap);
  if (!res.ranked.empty())
    planTable_->selectRow(0);
  else
    details_->setHtml(tr("<b>No feasible plan.</b> Every candidate is listed with its reason below."));

  auto* x = new QValueAxis;
  x->setTitleText(tr("TTFT P99 (ms)"));
  x->setLabelFormat(QStringLiteral("%g"));
  auto* y = new QValueAxis;
  y->setTitleText(tr("$ per 1K output tokens"));
  y->setLabelFormat(QStringLiteral("%.4f"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  auto* all = new QScatterSeries;
  all->setName(tr("ranked plans"));
  all->setMarkerSize(9);
  all->setColor(seriesColor(0));
  auto* mixes = new QScatterSeries;
  mixes->setName(tr("mixes"));
  mixes->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  mixes->setMarkerSize(9);
  mixes->setColor(seriesColor(1));
  auto* others = new QScatterSeries;
  others->setName(tr("costlier"));
  others->setMarkerSize(6);
  others->setColor(QColor(170, 170, 170));
  others->setBorderColor(QColor(140, 140, 140));
  auto* front = new QLineSeries;
  front->setName(tr("Pareto frontier"));
  QPen fp(seriesColor(2));
  fp.setWidthF(3);
  front->setPen(fp);
  front->setPointsVisible(true);
  double xmax = q.slo.ttft_p99_s * 1e3, ymax = 0;
  std::vector<std::pair<double, double>> frontier;
  for (const auto& cand : res.ranked) {
    const double xv = cand.ttft_p99_s * 1e3, yv = cand.cost.usd_per_1k_output;
    (cand.is_mix() ? mixes : all)->append(xv, yv);
    xmax = std::max(xmax, xv);
    ymax = std::max(ymax, yv);
    if (std::find(res.pareto.begin(), res.pareto.end(), cand.id) != res.pareto.end()) frontier.push_back({xv, yv});
  }
  for (const auto& cand : res.rejected) {
    if (cand.reason.rfind("feasible but costlier", 0) != 0) continue;
    others->append(cand.ttft_p99_s * 1e3, cand.cost.usd_per_1k_output);
    xmax = std::max(xmax, cand.ttft_p99_s * 1e3);
    ymax = std::max(ymax, cand.cost.usd_per_1k_output);
  }
  std::sort(frontier.begin(), frontier.end());
  for (const auto& [fx, fy] : frontier) front->append(fx, fy);
  auto* slo = new QLineSeries;
  slo->setName(tr("TTFT SLO"));
  slo->append(q.slo.ttft_p99_s * 1e3, 0);
  slo->append(q.slo.ttft_p99_s * 1e3, niceCeil(std::max(ymax * 1.1, 1e-4)));
  QPen sp(Qt::red);
  sp.setStyle(Qt::DashLine);
  slo->setPen(sp);
  for (QAbstractSeries* s : std::initializer_list<QAbstractSeries*>{others, front, all, mixes, slo}) {
    c->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
  x->setRange(0, niceCeil(xmax * 1.1));
  y->setRange(0, niceCeil(std::max(ymax * 1.1, 1e-4)));
  // Hover: which plan a point is.
  auto ranked = res.ranked;
  for (const auto& cand : res.rejected)
    if (cand.reason.rfind("feasible but costlier", 0) == 0) ranked.push_back(cand);
  auto hover = [ranked](const QPointF& p, bool state) {
    if (!state) return;
    for (const auto& cand : ranked)
      if (std::abs(cand.ttft_p99_s * 1e3 - p.x()) < 1e-6 && std::abs(cand.cost.usd_per_1k_output - p.y()) < 1e-12) {
        QToolTip::showText(QCursor::pos(), QStringLiteral("%1\n$%2 / 1K, TTFT P99 %3")
                                               .arg(qs(cand.id))
                                               .arg(cand.cost.usd_per_1k_output, 0, 'f', 5)
                                               .arg(fmtSeconds(cand.ttft_p99_s)));
        return;
      }
  };
  connect(all, &QScatterSeries::hovered, this, hover);
  connect(mixes, &QScatterSeries::hovered, this, hover);
  connect(others, &QScatterSeries::hovered, this, hover);
}

}  // namespace infersim::gui
