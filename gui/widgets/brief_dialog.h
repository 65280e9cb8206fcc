#pragma once
// The "Export procurement brief" dialog: which workload types share the load (the edited one as
// edited, the others at their preset's figures) and the current hardware the options are compared
// against, with "Save BRIEF.json…" for the CLI; then the output file (PDF, HTML or Markdown).
// MainWindow::exportBriefDialog() asks it and builds the brief in the background.
#include <QDialog>
#include <QString>

#include <vector>

#include "workers/brief_calls.h"
#include "workers/scenario_input.h"
#include "workers/workload_catalog.h"

class QComboBox;
class QListWidget;

namespace infersim::gui {

class BriefDialog : public QDialog {
  Q_OBJECT
 public:
  explicit BriefDialog(const ScenarioInput& s, QWidget* parent = nullptr);

  // The ticked workloads and the current hardware.
  BriefChoice choice() const;
  // Asks where to write the brief (PDF, HTML or Markdown; the extension follows the chosen filter when
  // the name has none). "" when cancelled.
  static QString askOutputPath(QWidget* parent);

 signals:
  // "Save BRIEF.json…" wrote the brief request to `path`.
  void briefJsonWritten(const QString& path);

 private:
  void saveBriefJson();

  ScenarioInput scenario_;
  std::vector<WorkloadType> types_;
  QListWidget* list_;
  QComboBox* current_;
};

}  // namespace infersim::gui
