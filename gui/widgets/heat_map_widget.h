#pragma once
// Heat map of $/1K output tokens for hardware (rows) x workload type (columns), each cell the
// planner's cheapest feasible layout at that workload type's default load and SLOs. Colour on a log
// scale from green (cheapest in the map) to red (dearest); grey cells are infeasible (tooltip: why).
// The last row is the buy-tokens lane: the cheapest hosted API serving the model on each workload
// type (tooltip: provider, prices, date, SLO check).
#include <QWidget>

#include "workers/run_results.h"

namespace infersim::gui {

class HeatMapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatMapWidget(QWidget* parent = nullptr);
  void setHeatMap(const HeatMap& h);
  void clear();
  const HeatMap& heatMap() const { return heat_; }
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* e) override;
  bool event(QEvent* e) override;

 private:
  QRect cellRect(int row, int col) const;
  int labelWidth() const;
  HeatMap heat_;
};

}  // namespace infersim::gui
