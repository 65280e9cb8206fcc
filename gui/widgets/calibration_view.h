#pragma once
// The Calibration view: predicted vs measured for every bundled measurement under the shipped
// calibrations (log-log, y = x and ±25% guides), held-out rows highlighted (never used in the fit),
// the per (hardware, runtime) error table of `infersim validate`, and the overall held-out figures.
// Select table rows to restrict the scatter; choose the metric above it.
#include <QWidget>

#include "workers/run_results.h"

class QChartView;
class QComboBox;
class QLabel;
class QTableView;

namespace infersim::gui {

class CalibrationGroupModel;

class CalibrationView : public QWidget {
  Q_OBJECT
 public:
  explicit CalibrationView(QWidget* parent = nullptr);
  void setData(const CalibrationData& d);
  bool hasData() const { return loaded_; }
  CalibrationGroupModel* model() const { return groups_; }
  QChartView* chartView() const { return chart_; }

 private:
  void refresh();
  CalibrationData data_;
  bool loaded_ = false;
  CalibrationGroupModel* groups_;
  QTableView* table_;
  QComboBox* metric_;
  QLabel* summary_;
  QChartView* chart_;
};

}  // namespace infersim::gui
