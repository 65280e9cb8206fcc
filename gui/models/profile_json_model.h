#pragma once
// The hardware-profile editor's tree: a profile JSON (docs/hwprofile-format.md) as field / value /
// source rows. A sourced number {"value": x, "source": "[TAG] ..."} is one row whose value and source
// are editable; plain strings and numbers are editable in place. Problems found by the loader
// (hardware_from_json, with its JSON pointer) and by check_hardware_profile are attached to the row
// they concern: the row turns red and its tooltip and Problem column give the reason.
#include <QAbstractItemModel>

#include <map>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"

namespace infersim::gui {

class ProfileJsonModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { FieldCol, ValueCol, SourceCol, ProblemCol, ColumnCount };
  enum Role { PointerRole = Qt::UserRole + 1 };
  explicit ProfileJsonModel(QObject* parent = nullptr);

  void setDocument(const common::Json& doc);
  const common::Json& document() const { return doc_; }
  // pointer -> reason; a pointer that names no row goes to its closest ancestor row (or the root).
  void setProblems(const std::map<std::string, std::string>& problems);
  QModelIndex indexOfPointer(const std::string& pointer) const;  // column FieldCol; invalid if none
  std::vector<std::string> pointers() const;                     // every row, in tree order

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 signals:
  void documentEdited();

 private:
  struct Node {
    std::string key;
    std::string pointer;
    int parent = -1;
    int row = 0;
    std::vector<int> children;
    bool container = false;  // object / array (not sourced)
    bool sourced = false;
    std::string problem;
  };
  void build(const common::Json& j, const std::string& key, const std::string& pointer, int parent);
  const common::Json* at(const std::string& pointer) const;
  common::Json* at(const std::string& pointer);
  std::vector<Node> nodes_;  // nodes_[0] = invisible root
  common::Json doc_;
};

}  // namespace infersim::gui
