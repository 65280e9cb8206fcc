#pragma once
// The infersim desktop app's window: the scenario panel (dock, left) and the views (tabs: Compare,
// Roofline, Latency, Timeline, Planner, Calibration, Runs). Edits re-run the analytic comparison on a
// worker thread (debounced, newest edit wins); Run (F5) starts the full scenario on a second worker
// thread with a progress bar and Cancel (Esc). Files: scenarios (open/save), hardware profiles
// (editor), chart / view export (PNG, SVG), procurement brief export, PLAN.json export.
// The window owns its threads and stops them before it is destroyed.
#include <QMainWindow>
#include <QThread>

#include <functional>

#include "workers/brief_calls.h"
#include "workers/gui_metatypes.h"

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTimer;

namespace infersim::gui {

class BackgroundTasks;
class CalibrationView;
class CompareView;
class EstimateWorker;
class LatencyView;
class PlannerView;
class RooflineView;
class RunWorker;
class RunsView;
class ScenarioPanel;
class TimelineView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum Tab { CompareTab, RooflineTab, LatencyTab, TimelineTab, PlannerTab, CalibrationTab, RunsTab, TabCount };
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  ScenarioPanel* scenarioPanel() const { return panel_; }
  CompareView* compareView() const { return compare_; }
  RooflineView* rooflineView() const { return roofline_; }
  LatencyView* latencyView() const { return latency_; }
  TimelineView* timelineView() const { return timeline_; }
  PlannerView* plannerView() const { return planner_; }
  CalibrationView* calibrationView() const { return calibration_; }
  RunsView* runsView() const { return runs_; }
  QTabWidget* tabs() const { return tabs_; }
  QProgressBar* progressBar() const { return progress_; }

  bool loadScenario(const QString& path);  // false: the error is shown (status bar / field)
  bool saveScenario(const QString& path);
  bool isRunning() const { return running_ != 0; }
  quint64 runningId() const { return running_; }  // the run in progress; 0 when none
  // The analytic result shown is of the newest edit, and no edit waits for the debounce timer.
  bool analyticUpToDate() const;
  const RunResult& lastRun() const { return lastRun_; }
  const AnalyticResult& lastAnalytic() const { return lastAnalytic_; }
  bool exportView(int tab, const QString& path);
  // Switches through the views once everything is computed, saves each as DIR/<view>.png, then
  // calls `done` (main() quits there). Also saves the hardware editor and the brief (screenshot_tour.h).
  void takeScreenshots(const QString& dir, std::function<void(bool ok)> done);
  // Builds the procurement brief in the background and writes it to `path` (.html, .md, .pdf);
  // briefExported() reports the outcome.
  void exportBrief(const ScenarioInput& s, const BriefChoice& choice, const QString& path);

 public slots:
  void startRun();
  void cancelRun();
  void scheduleAnalytic();

 signals:
  void analyticUpdated(const infersim::gui::AnalyticResult& r);
  void runFinished(const infersim::gui::RunResult& r);
  void runStarted(quint64 id);
  void calibrationLoaded();
  void briefExported(const QString& path, const QString& error);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildActions();
  void requestAnalytic();
  void onAnalytic(const AnalyticResult& r);
  void onRunFinished(const RunResult& r);
  void onProgress(quint64 id, int done, int total, const QString& what);
  void openScenarioDialog();
  void saveScenarioDialog(bool saveAs);
  void importModelDialog();
  void openProfileDialog();
  void openHardwareEditor();
  void exportViewDialog();
  void exportBriefDialog();
  void exportPlanDialog();
  void copyCliCommand();
  void showShortcuts();
  void loadCalibration();
  void setTitleFile(const QString& path);

  ScenarioPanel* panel_;
  QTabWidget* tabs_;
  CompareView* compare_;
  RooflineView* roofline_;
  LatencyView* latency_;
  TimelineView* timeline_;
  PlannerView* planner_;
  CalibrationView* calibration_;
  RunsView* runs_;
  QLabel* statusText_;
  QLabel* analyticInfo_;
  QProgressBar* progress_;
  QPushButton* cancelButton_;
  QAction* runAction_;
  QAction* cancelAction_;
  QAction* briefAction_;
  QTimer* debounce_;
  QThread estimateThread_;
  QThread runThread_;
  EstimateWorker* estimator_;
  RunWorker* runner_;
  BackgroundTasks* tasks_;
  quint64 generation_ = 0;
  quint64 nextRunId_ = 0;
  quint64 running_ = 0;
  AnalyticResult lastAnalytic_;
  RunResult lastRun_;
  QString scenarioPath_;
  bool calibrationLoading_ = false;
};

}  // namespace infersim::gui
