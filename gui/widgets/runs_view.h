#pragma once
// The Runs view: past runs recorded in the SQLite results store (each finished run of the app is
// recorded), newest first; "Open scenario" reloads the scenario a run was made from.
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace infersim::gui {

class RunsTableModel;
class BackgroundTasks;
struct ScenarioInput;

class RunsView : public QWidget {
  Q_OBJECT
 public:
  RunsView(BackgroundTasks* tasks, QWidget* parent = nullptr);
  QString databasePath() const;
  RunsTableModel* model() const { return model_; }

 public slots:
  void refresh();

 signals:
  void openScenarioRequested(const QString& id);

 private:
  BackgroundTasks* tasks_;
  RunsTableModel* model_;
  QSortFilterProxyModel* proxy_;
  QLabel* status_;
  QLineEdit* path_;
  QLineEdit* filter_;
  QTableView* table_;
  QPushButton* open_;
};

}  // namespace infersim::gui
