#pragma once
// The Roofline view: each selected hardware's roofline per chip on log-log axes (attainable FLOP/s =
// min(peak, arithmetic intensity x memory bandwidth), datasheet peak for the deployment's matmul
// precision; dashed: the calibrated roof the estimate used) with the prefill (circle) and decode
// (square) operating points of the current scenario, at intensity = FLOPs / bytes of the step
// (StepTime, per chip). A point left of the ridge is memory-bound, right of it compute-bound; the
// table lists each point's intensity, attainable and achieved FLOP/s and the bound the estimator found.
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QTableWidget;

namespace infersim::gui {

class RooflineView : public QWidget {
  Q_OBJECT
 public:
  explicit RooflineView(QWidget* parent = nullptr);
  void setAnalytic(const AnalyticResult& r);
  QChartView* chartView() const { return chart_; }
  QTableWidget* table() const { return table_; }

 private:
  QChartView* chart_;
  QTableWidget* table_;
};

// Attainable FLOP/s of a roofline at an arithmetic intensity (FLOP per byte).
double roofline_attainable(double peak_flops, double bw_bytes_per_s, double intensity);

}  // namespace infersim::gui
