#pragma once
// The model picker's list: catalog model cards plus imported Hugging Face configs. Display = name,
// tooltip = shape and parameter counts, NameRole = what the scenario stores (slug or path),
// SearchRole = text the search box filters on (slug, display name, family, architecture).
#include <QAbstractListModel>

#include <vector>

#include "workers/core_calls.h"

namespace infersim::gui {

class ModelListModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { NameRole = Qt::UserRole + 1, SearchRole, ImportedRole };
  using QAbstractListModel::QAbstractListModel;

  void setEntries(std::vector<ModelEntry> entries);
  // Adds (or replaces, same name) an imported model; returns its row.
  int addEntry(const ModelEntry& e);
  int rowOf(const std::string& name) const;  // -1 if absent
  const ModelEntry& entry(int row) const { return entries_.at(std::size_t(row)); }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  std::vector<ModelEntry> entries_;
};

}  // namespace infersim::gui
