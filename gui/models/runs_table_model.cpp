#include "models/runs_table_model.h"

namespace infersim::gui {

void RunsTableModel::setTable(const QStringList& headers, const std::vector<QStringList>& rows) {
  beginResetModel();
  headers_ = headers;
  rows_ = rows;
  for (auto& r : rows_)
    while (r.size() < headers_.size()) r << QString();
  endResetModel();
}

int RunsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int RunsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(headers_.size()); }

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const QString& text = rows_[std::size_t(index.row())].at(index.column());
  switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: return text;
    case ValueRole: {
      bool ok = false;
      const double v = text.toDouble(&ok);
      return ok ? QVariant(v) : QVariant(text);
    }
    case IdRole: return rows_[std::size_t(index.row())].at(0);
  }
  return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= headers_.size()) return {};
  return headers_.at(section);
}

}  // namespace infersim::gui
