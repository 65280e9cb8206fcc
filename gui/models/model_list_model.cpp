#include "models/model_list_model.h"

#include "models/format_util.h"

namespace infersim::gui {

void ModelListModel::setEntries(std::vector<ModelEntry> entries) {
  beginResetModel();
  entries_ = std::move(entries);
  endResetModel();
}

int ModelListModel::addEntry(const ModelEntry& e) {
  const int existing = rowOf(e.name);
  if (existing >= 0) {
    entries_[std::size_t(existing)] = e;
    const QModelIndex i = index(existing);
    emit dataChanged(i, i);
    return existing;
  }
  const int row = int(entries_.size());
  beginInsertRows({}, row, row);
  entries_.push_back(e);
  endInsertRows();
  return row;
}

int ModelListModel::rowOf(const std::string& name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].name == name) return int(i);
  return -1;
}

int ModelListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }

QVariant ModelListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& e = entries_[std::size_t(index.row())];
  switch (role) {
    case Qt::DisplayRole:
      return QStringLiteral("%1  —  %2%3")
          .arg(qs(e.display_name), fmtParams(e.params),
               e.is_moe ? QStringLiteral(" (%1 active)").arg(fmtParams(e.active_params)) : QString());
    case Qt::ToolTipRole:
      return QStringLiteral("%1\nfamily %2, architecture %3\n%4 parameters%5\n%6")
          .arg(qs(e.name), qs(e.family), qs(e.architecture), fmtParams(e.params),
               e.is_moe ? QStringLiteral(", %1 active per token (MoE)").arg(fmtParams(e.active_params)) : QString(),
               qs(e.path));
    case NameRole: return qs(e.name);
    case SearchRole: return qs(e.name + " " + e.display_name + " " + e.family + " " + e.architecture);
    case ImportedRole: return e.imported;
    default: return {};
  }
}

}  // namespace infersim::gui
