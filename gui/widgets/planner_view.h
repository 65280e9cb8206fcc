#pragma once
// The Planner view: the planner over the selected hardware at the workload's load and SLOs
// (`infersim plan` on the PLAN.json "Export PLAN.json…" writes): ranked plans, the cost vs TTFT P99
// scatter with its Pareto frontier, the best plan's cost breakdown and risks, and every rejected
// candidate with the planner's reason (filterable).
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;

namespace infersim::gui {

class PlanTableModel;
class RejectionTableModel;

class PlannerView : public QWidget {
  Q_OBJECT
 public:
  explicit PlannerView(QWidget* parent = nullptr);
  void setRunResult(const RunResult& r);
  PlanTableModel* planModel() const { return plans_; }
  RejectionTableModel* rejectionModel() const { return rejections_; }
  QChartView* paretoChart() const { return pareto_; }

 signals:
  void exportPlanRequested();

 private:
  QLabel* caption_;
  PlanTableModel* plans_;
  RejectionTableModel* rejections_;
  QSortFilterProxyModel* rejectionProxy_;
  QTableView* planTable_;
  QTableView* rejectionTable_;
  QLineEdit* rejectionFilter_;
  QChartView* pareto_;
  QTextBrowser* details_;
};

}  // namespace infersim::gui
