#include "models/profile_json_model.h"

#include <QBrush>
#include <QColor>

#include "models/format_util.h"

namespace infersim::gui {

using common::Json;

ProfileJsonModel::ProfileJsonModel(QObject* parent) : QAbstractItemModel(parent) { nodes_.push_back({}); }

namespace {
std::string escape_token(const std::string& k) {
  std::string o;
  for (char c : k) {
    if (c == '~')
      o += "~0";
    else if (c == '/')
      o += "~1";
    else
      o += c;
  }
  return o;
}
bool is_sourced(const Json& j) { return j.is_object() && j.contains("value") && j.contains("source") && j.size() <= 3; }
QString scalar_text(const Json& j) {
  if (j.is_string()) return QString::fromStdString(j.get<std::string>());
  if (j.is_null()) return {};
  return QString::fromStdString(j.dump());
}
}  // namespace

void ProfileJsonModel::build(const Json& j, const std::string& key, const std::string& pointer, int parent) {
  const int id = int(nodes_.size());
  Node n;
  n.key = key;
  n.pointer = pointer;
  n.parent = parent;
  n.row = int(nodes_[std::size_t(parent)].children.size());
  n.sourced = is_sourced(j);
  n.container = !n.sourced && (j.is_object() || j.is_array());
  nodes_.push_back(n);
  nodes_[std::size_t(parent)].children.push_back(id);
  if (!nodes_[std::size_t(id)].container) return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      build(it.value(), it.key(), pointer + "/" + escape_token(it.key()), id);
  } else {
    for (std::size_t i = 0; i < j.size(); ++i)
      build(j[i], "[" + std::to_string(i) + "]", pointer + "/" + std::to_string(i), id);
  }
}

void ProfileJsonModel::setDocument(const Json& doc) {
  beginResetModel();
  doc_ = doc;
  nodes_.clear();
  nodes_.push_back({});
  if (doc_.is_object())
    for (auto it = doc_.begin(); it != doc_.end(); ++it) build(it.value(), it.key(), "/" + escape_token(it.key()), 0);
  endResetModel();
}

const Json* ProfileJsonModel::at(const std::string& pointer) const {
  try {
    return &doc_.at(Json::json_pointer(pointer));
  } catch (...) {
    return nullptr;
  }
}

Json* ProfileJsonModel::at(const std::string& pointer) {
  try {
    return &doc_.at(Json::json_pointer(pointer));
  } catch (...) {
    return nullptr;
  }
}

void ProfileJsonModel::setProblems(const std::map<std::string, std::string>& problems) {
  for (auto& n : nodes_) n.problem.clear();
  for (const auto& [ptr, why] : problems) {
    std::string p = ptr;
    int target = -1;
    while (target < 0) {
      for (std::size_t i = 1; i < nodes_.size(); ++i)
        if (nodes_[i].pointer == p) target = int(i);
      if (target >= 0 || p.empty()) break;
      const auto slash = p.rfind('/');
      p = slash == std::string::npos ? std::string() : p.substr(0, slash);
    }
    if (target < 0) target = nodes_.size() > 1 ? nodes_[0].children.front() : 0;
    auto& pr = nodes_[std::size_t(target)].problem;
    pr += (pr.empty() ? "" : "; ") + why;
  }
  if (rowCount() > 0) {
    // Every row may have changed colour: signal per level (dataChanged needs a common parent).
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const auto& ch = nodes_[i].children;
      if (ch.empty()) continue;
      const QModelIndex parent = i == 0 ? QModelIndex() : createIndex(nodes_[i].row, 0, quintptr(i));
      emit dataChanged(index(0, 0, parent), index(int(ch.size()) - 1, ColumnCount - 1, parent));
    }
  }
}

QModelIndex ProfileJsonModel::indexOfPointer(const std::string& pointer) const {
  for (std::size_t i = 1; i < nodes_.size(); ++i)
    if (nodes_[i].pointer == pointer) return createIndex(nodes_[i].row, 0, quintptr(i));
  return {};
}

std::vector<std::string> ProfileJsonModel::pointers() const {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < nodes_.size(); ++i) out.push_back(nodes_[i].pointer);
  return out;
}

QModelIndex ProfileJsonModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= ColumnCount) return {};
  const std::size_t p = parent.isValid() ? std::size_t(parent.internalId()) : 0;
  if (parent.isValid() && parent.column() != 0) return {};
  if (p >= nodes_.size() || row >= int(nodes_[p].children.size())) return {};
  return createIndex(row, column, quintptr(nodes_[p].children[std::size_t(row)]));
}

QModelIndex ProfileJsonModel::parent(const QModelIndex& child) const {
  if (!child.isValid()) return {};
  const int p = nodes_[std::size_t(child.internalId())].parent;
  if (p <= 0) return {};
  return createIndex(nodes_[std::size_t(p)].row, 0, quintptr(p));
}

int ProfileJsonModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() && parent.column() != 0) return 0;
  const std::size_t p = parent.isValid() ? std::size_t(parent.internalId()) : 0;
  return p < nodes_.size() ? int(nodes_[p].children.size()) : 0;
}

int ProfileJsonModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant ProfileJsonModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const Node& n = nodes_[std::size_t(index.internalId())];
  const Json* j = at(n.pointer);
  if (role == PointerRole) return qs(n.pointer);
  if (role == Qt::BackgroundRole && !n.problem.empty()) return QBrush(QColor(255, 215, 215));
  if (role == Qt::ToolTipRole)
    return n.problem.empty() ? QStringLiteral("%1").arg(qs(n.pointer))
                             : QStringLiteral("%1: %2").arg(qs(n.pointer), qs(n.problem));
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case FieldCol: return qs(n.key);
    case ValueCol:
      if (!j || n.container) return {};
      return scalar_text(n.sourced ? j->at("value") : *j);
    case SourceCol: return n.sourced && j ? scalar_text(j->at("source")) : QVariant();
    case ProblemCol: return qs(n.problem);
  }
  return {};
}

bool ProfileJsonModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
  const Node& n = nodes_[std::size_t(index.internalId())];
  Json* j = at(n.pointer);
  if (!j || n.container) return false;
  const QString text = value.toString().trimmed();
  if (index.column() == SourceCol && n.sourced) {
    (*j)["source"] = text.toStdString();
  } else if (index.column() == ValueCol) {
    Json& target = n.sourced ? (*j)["value"] : *j;
    bool ok = false;
    const double d = text.toDouble(&ok);
    if (target.is_number() && ok)
      target = d;
    else if (target.is_boolean() && (text == "true" || text == "false"))
      target = text == "true";
    else if (target.is_number() && !ok)
      target = text.toStdString();  // kept as typed: the loader names the field as not a number
    else
      target = text.toStdString();
  } else {
    return false;
  }
  emit dataChanged(this->index(index.row(), 0, index.parent()),
                   this->index(index.row(), ColumnCount - 1, index.parent()));
  emit documentEdited();
  return true;
}

Qt::ItemFlags ProfileJsonModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  const Node& n = nodes_[std::size_t(index.internalId())];
  if (!n.container && (index.column() == ValueCol || (index.column() == SourceCol && n.sourced)))
    f |= Qt::ItemIsEditable;
  return f;
}

QVariant ProfileJsonModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case FieldCol: return tr("Field");
    case ValueCol: return tr("Value");
    case SourceCol: return tr("Source");
    case ProblemCol: return tr("Problem");
  }
  return {};
}

}  // namespace infersim::gui
