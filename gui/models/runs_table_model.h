#pragma once
// Past runs read from the SQLite results store, as a table of text cells (one row per stored
// result, the columns the store reports). ValueRole = the number behind numeric cells; IdRole
// (column 0) = the stored result's id.
#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace infersim::gui {

class RunsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Role { ValueRole = Qt::UserRole + 1, IdRole };
  using QAbstractTableModel::QAbstractTableModel;

  void setTable(const QStringList& headers, const std::vector<QStringList>& rows);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  QStringList headers_;
  std::vector<QStringList> rows_;
};

}  // namespace infersim::gui
