#pragma once
// The Compare view: the comparison table (CompareTableModel), bar charts of $/1K output tokens,
// TTFT P99, TPOT P99, J/token and kW for every selected hardware, and the hardware x workload-type
// heat map of $/1K tokens. Before a run the charts show the analytic estimate at the scenario's
// concurrency (titles say so); after a run, the planner's figures at the workload's load.
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;

namespace infersim::gui {

class CompareTableModel;
class HeatMapWidget;

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);

  void setAnalytic(const AnalyticResult& r);
  void setRunResult(const RunResult& r);
  void clearRunResults();
  CompareTableModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  HeatMapWidget* heatMap() const { return heat_; }
  QChartView* chart(int i) const { return charts_[i]; }
  void showHeatMap(bool on);
  static constexpr int CHART_COUNT = 5;

 private:
  void refreshCharts();
  CompareTableModel* model_;
  QSortFilterProxyModel* proxy_;
  QTableView* table_;
  QLabel* caption_;
  QLabel* chartNote_;
  QTabWidget* bottom_;
  QChartView* charts_[CHART_COUNT];
  HeatMapWidget* heat_;
  ScenarioInput scenario_;
};

}  // namespace infersim::gui
