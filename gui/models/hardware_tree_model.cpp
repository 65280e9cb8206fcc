#include "models/hardware_tree_model.h"

#include <algorithm>

#include "models/format_util.h"

namespace infersim::gui {

// Internal ids: group rows carry 0, hardware rows carry group index + 1.
HardwareTreeModel::HardwareTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

const std::vector<std::string>& HardwareTreeModel::kinds() {
  static const std::vector<std::string> k = {"gpu", "lpu", "tpu", "npu", "cpu", "asic"};
  return k;
}

void HardwareTreeModel::setEntries(const std::vector<HardwareEntry>& entries) {
  beginResetModel();
  groups_.clear();
  order_.clear();
  for (const auto& kind : kinds()) {
    Group g;
    g.kind = kind;
    for (const auto& e : entries)
      if (e.kind == kind) g.items.push_back({e, false});
    if (!g.items.empty()) groups_.push_back(std::move(g));
  }
  endResetModel();
}

void HardwareTreeModel::addEntry(const HardwareEntry& e) {
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    auto& items = groups_[gi].items;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].entry.name == e.name) {
        items[i].entry = e;
        emit dataChanged(index(int(i), 0, index(int(gi), 0)), index(int(i), ColumnCount - 1, index(int(gi), 0)));
        return;
      }
  }
  const auto& k = kinds();
  const auto kpos = std::find(k.begin(), k.end(), e.kind) - k.begin();
  std::size_t gi = 0;
  while (gi < groups_.size() && (std::find(k.begin(), k.end(), groups_[gi].kind) - k.begin()) < kpos) ++gi;
  if (gi == groups_.size() || groups_[gi].kind != e.kind) {
    beginInsertRows({}, int(gi), int(gi));
    groups_.insert(groups_.begin() + std::ptrdiff_t(gi), Group{e.kind, {}});
    endInsertRows();
  }
  auto& items = groups_[gi].items;
  beginInsertRows(index(int(gi), 0), int(items.size()), int(items.size()));
  items.push_back({e, false});
  endInsertRows();
}

std::vector<std::string> HardwareTreeModel::checked() const { return order_; }

void HardwareTreeModel::noteChecked(const std::string& name, bool on) {
  const auto it = std::find(order_.begin(), order_.end(), name);
  if (on && it == order_.end()) order_.push_back(name);
  if (!on && it != order_.end()) order_.erase(it);
}

void HardwareTreeModel::setChecked(const std::vector<std::string>& names) {
  order_.clear();
  for (const auto& n : names)
    if (contains(n) && std::find(order_.begin(), order_.end(), n) == order_.end()) order_.push_back(n);
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    bool changed = false;
    for (auto& it : groups_[gi].items) {
      const bool on = std::find(names.begin(), names.end(), it.entry.name) != names.end();
      changed = changed || on != it.checked;
      it.checked = on;
    }
    if (changed) emitGroupChanged(int(gi));
  }
  emit checkedChanged();
}

bool HardwareTreeModel::contains(const std::string& name) const {
  for (const auto& g : groups_)
    for (const auto& it : g.items)
      if (it.entry.name == name) return true;
  return false;
}

void HardwareTreeModel::emitGroupChanged(int group) {
  const QModelIndex g = index(group, 0);
  emit dataChanged(g, g, {Qt::CheckStateRole});
  const int n = int(groups_[std::size_t(group)].items.size());
  if (n > 0) emit dataChanged(index(0, 0, g), index(n - 1, 0, g), {Qt::CheckStateRole});
}

Qt::CheckState HardwareTreeModel::groupState(const Group& g) const {
  const auto on = std::count_if(g.items.begin(), g.items.end(), [](const Item& i) { return i.checked; });
  if (on == 0) return Qt::Unchecked;
  return on == std::ptrdiff_t(g.items.size()) ? Qt::Checked : Qt::PartiallyChecked;
}

QModelIndex HardwareTreeModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= ColumnCount) return {};
  if (!parent.isValid()) return row < int(groups_.size()) ? createIndex(row, column, quintptr(0)) : QModelIndex();
  if (parent.internalId() != 0 || parent.row() >= int(groups_.size())) return {};
  const auto& g = groups_[std::size_t(parent.row())];
  return row < int(g.items.size()) ? createIndex(row, column, quintptr(parent.row() + 1)) : QModelIndex();
}

QModelIndex HardwareTreeModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == 0) return {};
  return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int HardwareTreeModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return int(groups_.size());
  if (parent.column() != 0 || parent.internalId() != 0) return 0;
  return int(groups_[std::size_t(parent.row())].items.size());
}

int HardwareTreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant HardwareTreeModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  if (index.internalId() == 0) {
    const auto& g = groups_[std::size_t(index.row())];
    if (role == Qt::DisplayRole && index.column() == NameColumn)
      return QStringLiteral("%1 (%2)").arg(qs(g.kind).toUpper()).arg(g.items.size());
    if (role == Qt::CheckStateRole && index.column() == NameColumn) return groupState(g);
    if (role == Qt::ToolTipRole)
      return QStringLiteral("Check to compare every %1 in the catalog").arg(qs(g.kind).toUpper());
    return {};
  }
  const auto& it = groups_[std::size_t(index.internalId() - 1)].items[std::size_t(index.row())];
  const auto& e = it.entry;
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case NameColumn: return qs(e.user_profile ? e.display_name + " (file)" : e.name);
        case VendorColumn: return qs(e.vendor);
        case MemoryColumn: return fmtBytes(e.memory_bytes);
        case BandwidthColumn: return QStringLiteral("%1 GB/s").arg(e.memory_bw / 1e9, 0, 'f', 0);
        case PriceColumn:
          return e.usd_per_hour > 0 ? QStringLiteral("$%1/h").arg(e.usd_per_hour, 0, 'f', 2) : QStringLiteral("-");
      }
      return {};
    case Qt::CheckStateRole:
      return index.column() == NameColumn ? QVariant(it.checked ? Qt::Checked : Qt::Unchecked) : QVariant();
    case Qt::ToolTipRole:
      return QStringLiteral("%1 (%2, %3)\n16-bit peak %4 TFLOP/s, memory %5 at %6 GB/s, TDP %7 W, on-demand %8")
          .arg(qs(e.display_name), qs(e.vendor), qs(e.kind).toUpper())
          .arg(e.peak_bf16 / 1e12, 0, 'f', 0)
          .arg(fmtBytes(e.memory_bytes))
          .arg(e.memory_bw / 1e9, 0, 'f', 0)
          .arg(e.tdp_w, 0, 'f', 0)
          .arg(e.usd_per_hour > 0 ? QStringLiteral("$%1 per chip-hour").arg(e.usd_per_hour, 0, 'f', 2)
                                  : QStringLiteral("no price"));
    case NameRole: return qs(e.name);
    default: return {};
  }
}

bool HardwareTreeModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::CheckStateRole || !checkIndex(index, CheckIndexOption::IndexIsValid) || index.column() != NameColumn)
    return false;
  const bool on = value.toInt() == Qt::Checked;
  if (index.internalId() == 0) {
    for (auto& it : groups_[std::size_t(index.row())].items) {
      it.checked = on;
      noteChecked(it.entry.name, on);
    }
    emitGroupChanged(index.row());
  } else {
    const int g = int(index.internalId() - 1);
    auto& it = groups_[std::size_t(g)].items[std::size_t(index.row())];
    it.checked = on;
    noteChecked(it.entry.name, on);
    emitGroupChanged(g);
  }
  emit checkedChanged();
  return true;
}

Qt::ItemFlags HardwareTreeModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == NameColumn) f |= Qt::ItemIsUserCheckable;
  return f;
}

QVariant HardwareTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::DisplayRole) {
    switch (section) {
      case NameColumn: return tr("Hardware");
      case VendorColumn: return tr("Vendor");
      case MemoryColumn: return tr("Memory");
      case BandwidthColumn: return tr("Bandwidth");
      case PriceColumn: return tr("Price");
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case MemoryColumn: return tr("Memory per chip (GiB) holding the weights");
      case BandwidthColumn: return tr("Memory bandwidth per chip (GB/s)");
      case PriceColumn: return tr("On-demand cloud price per chip-hour (USD)");
    }
  }
  return {};
}

}  // namespace infersim::gui
