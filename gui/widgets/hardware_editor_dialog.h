#pragma once
// The hardware-profile editor: start from a catalog profile or a file, edit values and their source
// tags in a tree, and see problems at the field as you type — the loader's (hardware_from_json:
// unknown keys, missing sources, impossible values, with their JSON pointer) and the physical sanity
// checks (check_hardware_profile). A valid profile can be saved and added to the comparison (it is
// then used by file path, exactly as `--hardware my-chip.json` in the CLI).
#include <QDialog>

#include <map>
#include <string>

#include "infersim/common/json_util.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QTreeView;

namespace infersim::gui {

class ProfileJsonModel;

class HardwareEditorDialog : public QDialog {
  Q_OBJECT
 public:
  explicit HardwareEditorDialog(QWidget* parent = nullptr);

  void loadCatalogProfile(const QString& name);
  bool loadFile(const QString& path);
  // Validates the current document; returns problems by JSON pointer (empty = valid).
  std::map<std::string, std::string> validate();
  bool saveTo(const QString& path);  // refuses an invalid profile
  ProfileJsonModel* model() const { return model_; }
  QTreeView* tree() const { return tree_; }

 signals:
  void profileSaved(const QString& path, bool addToComparison);

 private:
  ProfileJsonModel* model_;
  QComboBox* base_;
  QTreeView* tree_;
  QListWidget* problems_;
  QLabel* status_;
  QPushButton* save_;
  QPushButton* use_;
};

// Maps a check_hardware_profile() message to the JSON pointer of the field it is about.
std::string pointer_for_check_message(const std::string& message);
// Every problem of a profile document by JSON pointer: the loader's (hardware_from_json, which also
// runs check_hardware_profile and reports its findings together at "/"), split per finding and
// attached to the field each names. Empty = a valid profile.
std::map<std::string, std::string> profile_problems(const common::Json& doc);

}  // namespace infersim::gui
