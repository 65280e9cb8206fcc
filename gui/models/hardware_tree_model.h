#pragma once
// The hardware multi-select: catalog profiles (and user profiles opened from files) grouped by kind
// (GPU, LPU, TPU, NPU, CPU, ASIC). Hardware rows are checkable; a kind row shows the state of its
// children and (un)checks them all. Columns: name, vendor, memory, bandwidth, on-demand price.
#include <QAbstractItemModel>

#include <string>
#include <vector>

#include "workers/core_calls.h"

namespace infersim::gui {

class HardwareTreeModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { NameColumn, VendorColumn, MemoryColumn, BandwidthColumn, PriceColumn, ColumnCount };
  enum Role { NameRole = Qt::UserRole + 1 };
  explicit HardwareTreeModel(QObject* parent = nullptr);

  void setEntries(const std::vector<HardwareEntry>& entries);
  void addEntry(const HardwareEntry& e);  // a user profile (file path as name); replaces one with that name
  // In the order they were checked (setChecked() sets that order), so the comparison follows the
  // user's (or the scenario file's) order.
  std::vector<std::string> checked() const;
  void setChecked(const std::vector<std::string>& names);  // others unchecked; unknown names ignored
  bool contains(const std::string& name) const;
  static const std::vector<std::string>& kinds();

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 signals:
  void checkedChanged();

 private:
  struct Item {
    HardwareEntry entry;
    bool checked = false;
  };
  struct Group {
    std::string kind;
    std::vector<Item> items;
  };
  Qt::CheckState groupState(const Group& g) const;
  void emitGroupChanged(int group);
  void noteChecked(const std::string& name, bool on);
  std::vector<Group> groups_;       // one per kind that has hardware, in kinds() order
  std::vector<std::string> order_;  // checked names in check order
};

}  // namespace infersim::gui
