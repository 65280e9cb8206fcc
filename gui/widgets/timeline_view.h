#pragma once
// The Timeline view: the focus hardware's cluster over simulated time, from the discrete-event run:
// requests waiting in queue, sequences in the running batches, replicas stepping or loading, and
// cold starts (markers), on one shared time axis.
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QLabel;

namespace infersim::gui {

class TimelineView : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineView(QWidget* parent = nullptr);
  void setRunResult(const RunResult& r);
  QChartView* chart(int i) const { return charts_[i]; }
  static constexpr int CHART_COUNT = 4;

 private:
  QLabel* caption_;
  QChartView* charts_[CHART_COUNT];
};

}  // namespace infersim::gui
