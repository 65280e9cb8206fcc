#pragma once
// The Latency view: CDFs of TTFT and TPOT per request from the discrete-event run of each selected
// hardware at the workload's load, with the SLO as a vertical line, and a summary table (P50/P99,
// goodput, throughput, $/1K and J/token as the simulator measured them).
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QLabel;
class QTableWidget;

namespace infersim::gui {

class LatencyView : public QWidget {
  Q_OBJECT
 public:
  explicit LatencyView(QWidget* parent = nullptr);
  void setRunResult(const RunResult& r);
  QChartView* ttftChart() const { return ttft_; }
  QChartView* tpotChart() const { return tpot_; }

 private:
  QLabel* caption_;
  QChartView* ttft_;
  QChartView* tpot_;
  QTableWidget* table_;
};

}  // namespace infersim::gui
