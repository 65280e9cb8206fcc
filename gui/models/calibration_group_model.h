#pragma once
// Per (hardware, runtime) accuracy of the shipped calibrations on held-out measurements, as
// `infersim validate` prints it: basis (fitted / borrowed / datasheet), rows, and the median absolute
// error of TTFT, TPOT, whole-batch latency and throughput. ValueRole = the fraction (0.05 = 5%).
#include <QAbstractTableModel>

#include <vector>

#include "workers/run_results.h"

namespace infersim::gui {

class CalibrationGroupModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { GroupCol, BasisCol, RowsCol, HeldOutCol, TtftCol, TpotCol, E2eCol, ThroughputCol, ColumnCount };
  enum Role { ValueRole = Qt::UserRole + 1 };
  using QAbstractTableModel::QAbstractTableModel;

  void setGroups(const std::vector<CalibrationGroup>& groups);
  const CalibrationGroup& group(int row) const { return groups_.at(std::size_t(row)); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<CalibrationGroup> groups_;
};

}  // namespace infersim::gui
