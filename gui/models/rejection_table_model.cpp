#include "models/rejection_table_model.h"

#include "models/format_util.h"

namespace infersim::gui {

void RejectionTableModel::setRejected(const std::vector<planner::Candidate>& rejected) {
  beginResetModel();
  rejected_ = rejected;
  endResetModel();
}

int RejectionTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rejected_.size());
}
int RejectionTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RejectionTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& c = rejected_[std::size_t(index.row())];
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
    switch (index.column()) {
      case IdCol: return qs(c.id);
      case HardwareCol: return qs(c.hardware);
      case ReasonCol: return qs(c.reason);
    }
  }
  return {};
}

QVariant RejectionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case IdCol: return tr("Candidate");
    case HardwareCol: return tr("Hardware");
    case ReasonCol: return tr("Why rejected");
  }
  return {};
}

}  // namespace infersim::gui
