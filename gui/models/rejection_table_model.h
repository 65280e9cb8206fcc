#pragma once
// Why the planner rejected each candidate (planner::PlanResult::rejected): candidate id, hardware,
// and the reason in the planner's words.
#include <QAbstractTableModel>

#include <vector>

#include "infersim/planner/plan.h"

namespace infersim::gui {

class RejectionTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { IdCol, HardwareCol, ReasonCol, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;

  void setRejected(const std::vector<planner::Candidate>& rejected);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<planner::Candidate> rejected_;
};

}  // namespace infersim::gui
