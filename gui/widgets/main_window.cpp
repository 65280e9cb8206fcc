#include "widgets/main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDialog>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/planner/plan_json.h"
#include "models/format_util.h"
#include "widgets/brief_dialog.h"
#include "widgets/calibration_view.h"
#include "widgets/chart_util.h"
#include "widgets/compare_view.h"
#include "widgets/hardware_editor_dialog.h"
#include "widgets/latency_view.h"
#include "widgets/planner_view.h"
#include "widgets/roofline_view.h"
#include "widgets/runs_view.h"
#include "widgets/scenario_panel.h"
#include "widgets/screenshot_tour.h"
#include "widgets/timeline_view.h"
#include "workers/background_task.h"
#include "workers/brief_calls.h"
#include "workers/core_calls.h"
#include "workers/estimate_worker.h"
#include "workers/run_worker.h"
#include "workers/scenario_input_json.h"
#include "workers/store_calls.h"
#include "workers/workload_catalog.h"

namespace infersim::gui {

namespace {
const char* TAB_NAMES[MainWindow::TabCount] = {"compare", "roofline",    "latency", "timeline",
                                               "planner", "calibration", "runs"};
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), tasks_(new BackgroundTasks(this)) {
  register_gui_metatypes();
  setWindowTitle(tr("infersim — inference hardware simulator and capacity planner"));
  resize(1500, 950);

  // ---- views ----
  tabs_ = new QTabWidget(this);
  tabs_->setObjectName(QStringLiteral("views"));
  compare_ = new CompareView(tabs_);
  roofline_ = new RooflineView(tabs_);
  latency_ = new LatencyView(tabs_);
  timeline_ = new TimelineView(tabs_);
  planner_ = new PlannerView(tabs_);
  calibration_ = new CalibrationView(tabs_);
  runs_ = new RunsView(tasks_, tabs_);
  tabs_->addTab(compare_, tr("&Compare"));
  tabs_->addTab(roofline_, tr("&Roofline"));
  tabs_->addTab(latency_, tr("&Latency"));
  tabs_->addTab(timeline_, tr("&Timeline"));
  tabs_->addTab(planner_, tr("&Planner"));
  tabs_->addTab(calibration_, tr("Cali&bration"));
  tabs_->addTab(runs_, tr("R&uns"));
  const char* tips[TabCount] = {"Table, bar charts and heat map of $/1K tokens, latency, energy and power per hardware "
                                "(Ctrl+1)",
                                "Each hardware's roofline with the prefill and decode operating points (Ctrl+2)",
                                "TTFT and TPOT distributions from the discrete-event run (Ctrl+3)",
                                "Queue, batch, replicas and cold starts over simulated time (Ctrl+4)",
                                "Ranked plans, Pareto frontier and rejection reasons (Ctrl+5)",
                                "Predicted vs measured on the bundled measurements (Ctrl+6)",
                                "Past runs in the SQLite results store (Ctrl+7)"};
  for (int i = 0; i < TabCount; ++i) tabs_->setTabToolTip(i, tr(tips[i]));
  setCentralWidget(tabs_);

  // ---- scenario dock ----
  panel_ = new ScenarioPanel;
  auto* scroll = new QScrollArea;
  scroll->setWidget(panel_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(430);
  auto* dock = new QDockWidget(tr("Scenario"), this);
  dock->setObjectName(QStringLiteral("scenarioDock"));
  dock->setWidget(scroll);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  // ---- status bar ----
  statusText_ = new QLabel(this);
  analyticInfo_ = new QLabel(this);
  progress_ = new QProgressBar(this);
  progress_->setObjectName(QStringLiteral("runProgress"));
  progress_->setMaximumWidth(280);
  progress_->setVisible(false);
  cancelButton_ = new QPushButton(tr("Cancel"), this);
  cancelButton_->setObjectName(QStringLiteral("cancelRun"));
  cancelButton_->setToolTip(tr("Stop the run after the step in progress (Esc)"));
  cancelButton_->setVisible(false);
  statusBar()->addWidget(statusText_, 1);
  statusBar()->addPermanentWidget(analyticInfo_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);
  connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);

  // ---- workers ----
  estimator_ = new EstimateWorker;
  estimator_->moveToThread(&estimateThread_);
  connect(&estimateThread_, &QThread::finished, estimator_, &QObject::deleteLater);
  connect(estimator_, &EstimateWorker::computed, this, &MainWindow::onAnalytic);
  runner_ = new RunWorker;
  runner_->moveToThread(&runThread_);
  connect(&runThread_, &QThread::finished, runner_, &QObject::deleteLater);
  connect(runner_, &RunWorker::progress, this, &MainWindow::onProgress);
  connect(runner_, &RunWorker::finished, this, &MainWindow::onRunFinished);
  estimateThread_.setObjectName(QStringLiteral("estimate"));
  runThread_.setObjectName(QStringLiteral("run"));
  estimateThread_.start();
  runThread_.start();

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(30);
  connect(debounce_, &QTimer::timeout, this, &MainWindow::requestAnalytic);
  connect(panel_, &ScenarioPanel::scenarioEdited, this, &MainWindow::scheduleAnalytic);
  connect(panel_, &ScenarioPanel::importModelRequested, this, &MainWindow::importModelDialog);
  connect(panel_, &ScenarioPanel::openHardwareProfileRequested, this, &MainWindow::openProfileDialog);
  connect(planner_, &PlannerView::exportPlanRequested, this, &MainWindow::exportPlanDialog);
  connect(runs_, &RunsView::openScenarioRequested, this, [this](const QString& id) {
    const auto s = stored_scenario(runs_->databasePath().toStdString(), id.toStdString());
    if (!s) {
      statusText_->setText(tr("Run %1 holds no GUI scenario").arg(id));
      return;
    }
    panel_->setScenario(*s);
    tabs_->setCurrentIndex(CompareTab);
  });
  buildActions();

  // ---- catalogs and the default scenario: the first analytic result lands within a second ----
  preload_catalogs();
  panel_->setCatalogs(catalog_models(), catalog_hardware(), workload_types());
  panel_->setScenario(default_scenario());
  requestAnalytic();
  loadCalibration();
  runs_->refresh();
  statusText_->setText(tr("Ready. Edit the scenario; press F5 to run the planner and the simulator."));
}

MainWindow::~MainWindow() {
  if (running_) runner_->cancel(running_);
  estimateThread_.quit();
  runThread_.quit();
  estimateThread_.wait();
  runThread_.wait();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (running_) runner_->cancel(running_);
  e->accept();
}

void MainWindow::buildActions() {
  auto* file = menuBar()->addMenu(tr("&File"));
  auto* run = menuBar()->addMenu(tr("&Run"));
  auto* view = menuBar()->addMenu(tr("&View"));
  auto* tools = menuBar()->addMenu(tr("&Tools"));
  auto* help = menuBar()->addMenu(tr("&Help"));
  auto* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolBar"));
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);

  auto add = [this](QMenu* menu, const QString& text, const QKeySequence& key, const QString& tip, auto slot) {
    auto* a = new QAction(text, this);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setToolTip(key.isEmpty() ? tip : QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
    a->setStatusTip(tip);
    connect(a, &QAction::triggered, this, slot);
    menu->addAction(a);
    return a;
  };
  auto* open = add(file, tr("&Open scenario…"), QKeySequence::Open, tr("Open a scenario file"),
                   [this] { openScenarioDialog(); });
  auto* save = add(file, tr("&Save scenario"), QKeySequence::Save, tr("Save the scenario"),
                   [this] { saveScenarioDialog(false); });
  add(file, tr("Save scenario &as…"), QKeySequence::SaveAs, tr("Save the scenario under a new name"),
      [this] { saveScenarioDialog(true); });
  file->addSeparator();
  add(file, tr("&Import Hugging Face config.json…"), QKeySequence(Qt::CTRL | Qt::Key_I),
      tr("Import a model from a config.json"), [this] { importModelDialog(); });
  add(file, tr("Open hardware &profile…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
      tr("Add a hardware profile JSON to the comparison"), [this] { openProfileDialog(); });
  file->addSeparator();
  auto* exportView = add(file, tr("&Export view as PNG/SVG…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                         tr("Export the current view (charts included) as a PNG or SVG image"),
                         [this] { exportViewDialog(); });
  briefAction_ = add(file, tr("Export procurement &brief…"), QKeySequence(Qt::CTRL | Qt::Key_B),
                     tr("Write the procurement brief (HTML, Markdown or PDF) for this scenario"),
                     [this] { exportBriefDialog(); });
  add(file, tr("Export P&LAN.json…"), QKeySequence(Qt::CTRL | Qt::Key_L),
      tr("Write the planner request (`infersim plan FILE`)"), [this] { exportPlanDialog(); });
  file->addSeparator();
  add(file, tr("&Quit"), QKeySequence::Quit, tr("Quit"), [this] { close(); });

  runAction_ = add(run, tr("&Run scenario"), QKeySequence(Qt::Key_F5),
                   tr("Plan every hardware at the workload's load, fill the heat map, rank plans and simulate"),
                   [this] { startRun(); });
  cancelAction_ = add(run, tr("&Cancel run"), QKeySequence(Qt::Key_Escape), tr("Stop the run in progress"),
                      [this] { cancelRun(); });
  cancelAction_->setEnabled(false);
  run->addSeparator();
  add(run, tr("Copy CLI &command"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
      tr("Copy the `infersim compare` command that gives the comparison table"), [this] { copyCliCommand(); });

  for (int i = 0; i < TabCount; ++i) {
    auto* a = new QAction(tabs_->tabText(i).remove('&'), this);
    a->setShortcut(QKeySequence(Qt::CTRL | (Qt::Key_1 + i)));
    connect(a, &QAction::triggered, this, [this, i] { tabs_->setCurrentIndex(i); });
    view->addAction(a);
  }
  view->addSeparator();
  auto* find = new QAction(tr("&Search models"), this);
  find->setShortcut(QKeySequence::Find);
  connect(find, &QAction::triggered, this, [this] {
    panel_->modelSearch()->setFocus();
    panel_->modelSearch()->selectAll();
  });
  view->addAction(find);

  auto* editor = add(tools, tr("&Hardware profile editor…"), QKeySequence(Qt::CTRL | Qt::Key_H),
                     tr("Create or edit a hardware profile with validation at each field"),
                     [this] { openHardwareEditor(); });
  add(help, tr("&Keyboard shortcuts"), QKeySequence::HelpContents, tr("List the keyboard shortcuts"),
      [this] { showShortcuts(); });
  add(help, tr("&About"), QKeySequence(), tr("About infersim"), [this] {
    QMessageBox::about(this, tr("About infersim"),
                       tr("<b>infersim %1</b><br>Inference hardware simulator and capacity planner.<br>"
                          "Every number here comes from the same core calls as the <code>infersim</code> CLI.")
                           .arg(QStringLiteral(INFERSIM_GUI_VERSION)));
  });

  bar->addAction(runAction_);
  bar->addAction(cancelAction_);
  bar->addSeparator();
  bar->addAction(open);
  bar->addAction(save);
  bar->addSeparator();
  bar->addAction(exportView);
  bar->addAction(briefAction_);
  bar->addAction(editor);
}

void MainWindow::scheduleAnalytic() { debounce_->start(); }

void MainWindow::requestAnalytic() {
  const ScenarioInput s = panel_->scenario();
  const auto problems = check_scenario(s);
  panel_->showProblems(problems);
  // Edits make earlier run results stale for the comparison (other views keep the run's own caption).
  if (lastRun_.id != 0) compare_->clearRunResults();
  bool blocking = false;
  for (const auto& p : problems) blocking = blocking || p.field != "hardware";
  if (!problems.empty()) {
    statusText_->setText(tr("Fix the highlighted fields: %1").arg(qs(problems.front().reason)));
    if (blocking || s.hardware.empty()) {
      AnalyticResult empty;
      empty.scenario = s;
      if (s.hardware.empty()) {
        compare_->setAnalytic(empty);
        roofline_->setAnalytic(empty);
      }
      return;
    }
  }
  ++generation_;
  estimator_->announce(generation_);
  QMetaObject::invokeMethod(estimator_, "compute", Qt::QueuedConnection, Q_ARG(infersim::gui::ScenarioInput, s),
                            Q_ARG(quint64, generation_));
}

void MainWindow::onAnalytic(const AnalyticResult& r) {
  if (r.generation != generation_) return;  // superseded by a newer edit
  lastAnalytic_ = r;
  panel_->setModelError(qs(r.model_error));
  compare_->setAnalytic(r);
  roofline_->setAnalytic(r);
  int errors = 0;
  for (const auto& row : r.rows) errors += row.error.empty() ? 0 : 1;
  analyticInfo_->setText(tr("analytic: %1 hardware in %2 ms").arg(r.rows.size()).arg(r.elapsed_ms, 0, 'f', 1));
  if (!r.model_error.empty())
    statusText_->setText(tr("Model: %1").arg(qs(r.model_error)));
  else if (!running_)
    statusText_->setText(
        errors ? tr("%1 hardware cannot run this scenario (hover the red rows for the reason)").arg(errors)
               : tr("Analytic comparison up to date. F5 runs the planner and the simulator."));
  emit analyticUpdated(r);
}

void MainWindow::startRun() {
  if (running_) return;
  const ScenarioInput s = panel_->scenario();
  const auto problems = check_scenario(s);
  panel_->showProblems(problems);
  if (!problems.empty()) {
    statusText_->setText(tr("Cannot run: %1").arg(qs(problems.front().reason)));
    return;
  }
  running_ = ++nextRunId_;
  progress_->setRange(0, 0);
  progress_->setValue(0);
  progress_->setVisible(true);
  cancelButton_->setVisible(true);
  cancelButton_->setEnabled(true);
  runAction_->setEnabled(false);
  cancelAction_->setEnabled(true);
  statusText_->setText(tr("Running…"));
  QMetaObject::invokeMethod(runner_, "run", Qt::QueuedConnection, Q_ARG(infersim::gui::ScenarioInput, s),
                            Q_ARG(quint64, running_));
  emit runStarted(running_);
}

void MainWindow::cancelRun() {
  if (!running_) return;
  runner_->cancel(running_);
  cancelButton_->setEnabled(false);
  statusText_->setText(tr("Cancelling after the current step…"));
}

void MainWindow::onProgress(quint64 id, int done, int total, const QString& what) {
  if (id != running_) return;
  progress_->setRange(0, std::max(1, total));
  progress_->setValue(done);
  progress_->setFormat(QStringLiteral("%v / %m"));
  if (cancelButton_->isEnabled()) statusText_->setText(what);
}

void MainWindow::onRunFinished(const RunResult& r) {
  if (r.id != running_) return;
  running_ = 0;
  progress_->setVisible(false);
  cancelButton_->setVisible(false);
  runAction_->setEnabled(true);
  cancelAction_->setEnabled(false);
  lastRun_ = r;
  compare_->setRunResult(r);
  latency_->setRunResult(r);
  timeline_->setRunResult(r);
  planner_->setRunResult(r);
  if (r.cancelled) {
    statusText_->setText(tr("Run cancelled after %1 s; finished steps are shown.").arg(r.elapsed_s, 0, 'f', 1));
  } else {
    QString msg = tr("Run finished in %1 s.").arg(r.elapsed_s, 0, 'f', 1);
    if (r.has_plan && !r.plan.ranked.empty())
      msg += tr(" Best plan: %1 at $%2 per 1K output tokens.")
                 .arg(qs(r.plan.ranked.front().id))
                 .arg(r.plan.ranked.front().cost.usd_per_1k_output, 0, 'f', 5);
    for (const auto& n : r.notes) msg += QStringLiteral(" ") + qs(n) + QStringLiteral(".");
    statusText_->setText(msg);
    const std::string db = runs_->databasePath().toStdString();
    tasks_->start<std::string>(
        this, [db, r] { return record_run(db, r); },
        [this](const std::string& err) {
          if (!err.empty()) statusText_->setText(statusText_->text() + tr(" (not recorded: %1)").arg(qs(err)));
          runs_->refresh();
        });
  }
  emit runFinished(r);
}

void MainWindow::loadCalibration() {
  if (calibrationLoading_ || calibration_->hasData()) return;
  calibrationLoading_ = true;
  tasks_->start<CalibrationData>(
      this, [] { return load_calibration_data(); },
      [this](const CalibrationData& d) {
        calibrationLoading_ = false;
        calibration_->setData(d);
        emit calibrationLoaded();
      });
}

bool MainWindow::loadScenario(const QString& path) {
  try {
    const ScenarioInput s = load_scenario_input(path.toStdString());
    panel_->setScenario(s);
    setTitleFile(path);
    statusText_->setText(tr("Opened %1").arg(path));
    return true;
  } catch (const common::ConfigError& e) {
    statusText_->setText(tr("Cannot open %1: %2").arg(path, QString::fromUtf8(e.what())));
    if (e.pointer().rfind("/model", 0) == 0) panel_->setModelError(qs(e.reason()));
    return false;
  } catch (const std::exception& e) {
    statusText_->setText(tr("Cannot open %1: %2").arg(path, QString::fromUtf8(e.what())));
    return false;
  }
}

bool MainWindow::saveScenario(const QString& path) {
  try {
    save_scenario_input(path.toStdString(), panel_->scenario());
    setTitleFile(path);
    statusText_->setText(tr("Saved %1").arg(path));
    return true;
  } catch (const std::exception& e) {
    statusText_->setText(tr("Cannot save %1: %2").arg(path, QString::fromUtf8(e.what())));
    return false;
  }
}

void MainWindow::setTitleFile(const QString& path) {
  scenarioPath_ = path;
  setWindowTitle(tr("infersim — %1").arg(QFileInfo(path).fileName()));
}

void MainWindow::openScenarioDialog() {
  const QString p = QFileDialog::getOpenFileName(this, tr("Open scenario"), {}, tr("Scenario JSON (*.json)"));
  if (!p.isEmpty() && !loadScenario(p)) QMessageBox::warning(this, tr("Open scenario"), statusText_->text());
}

void MainWindow::saveScenarioDialog(bool saveAs) {
  QString p = scenarioPath_;
  if (saveAs || p.isEmpty())
    p = QFileDialog::getSaveFileName(this, tr("Save scenario"), QStringLiteral("scenario.json"),
                                     tr("Scenario JSON (*.json)"));
  if (!p.isEmpty()) saveScenario(p);
}

void MainWindow::importModelDialog() {
  const QString p = QFileDialog::getOpenFileName(this, tr("Import Hugging Face config.json or model card"), {},
                                                 tr("JSON (*.json)"));
  if (!p.isEmpty()) panel_->importModel(p);
}

void MainWindow::openProfileDialog() {
  const QString p = QFileDialog::getOpenFileName(this, tr("Open hardware profile"), {},
                                                 tr("Hardware profile (*.json)"));
  if (p.isEmpty()) return;
  try {
    panel_->addHardwareProfile(hardware_entry(p.toStdString()), true);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Hardware profile"),
                         tr("%1\n\nOpen it in the hardware profile editor (Ctrl+H) to see the problem at its field.")
                             .arg(QString::fromUtf8(e.what())));
  }
}

void MainWindow::openHardwareEditor() {
  auto* dlg = new HardwareEditorDialog(this);
  dlg->setAttribute(Qt::WA_DeleteOnClose);
  connect(dlg, &HardwareEditorDialog::profileSaved, this, [this](const QString& path, bool add) {
    if (!add) return;
    try {
      panel_->addHardwareProfile(hardware_entry(path.toStdString()), true);
    } catch (const std::exception& e) {
      statusText_->setText(QString::fromUtf8(e.what()));
    }
  });
  dlg->show();
}

bool MainWindow::exportView(int tab, const QString& path) {
  QWidget* w = tabs_->widget(tab);
  return exportWidget(w, path, tabs_->tabText(tab).remove('&'));
}

void MainWindow::exportViewDialog() {
  const int tab = tabs_->currentIndex();
  const QString p = exportWidgetInteractive(tabs_->currentWidget(), this,
                                            QStringLiteral("infersim-%1").arg(TAB_NAMES[tab]));
  if (!p.isEmpty()) statusText_->setText(tr("Exported %1").arg(p));
}

void MainWindow::exportPlanDialog() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Export PLAN.json"), QStringLiteral("plan.json"),
                                                 tr("PLAN.json (*.json)"));
  if (p.isEmpty()) return;
  try {
    common::write_text_file_atomic(p.toStdString(),
                                   planner::plan_request_to_json(plan_request(panel_->scenario())).dump(2) + "\n");
    statusText_->setText(tr("Wrote %1: `infersim plan %1` gives the Planner view's result").arg(p));
  } catch (const std::exception& e) {
    statusText_->setText(QString::fromUtf8(e.what()));
  }
}

void MainWindow::exportBriefDialog() {
  const ScenarioInput s = panel_->scenario();
  if (!check_scenario(s).empty()) {
    statusText_->setText(tr("Fix the highlighted fields before exporting a brief"));
    return;
  }
  // What the brief compares: which workload types share the load, and the current deployment.
  BriefDialog dlg(s, this);
  connect(&dlg, &BriefDialog::briefJsonWritten, this, [this](const QString& p) {
    statusText_->setText(tr("Wrote %1: `infersim brief %1 --out brief.pdf` gives the same brief").arg(p));
  });
  if (dlg.exec() != QDialog::Accepted) return;
  const BriefChoice c = dlg.choice();
  const QString p = BriefDialog::askOutputPath(this);
  if (p.isEmpty()) return;
  exportBrief(s, c, p);
}

void MainWindow::exportBrief(const ScenarioInput& s, const BriefChoice& c, const QString& p) {
  statusText_->setText(tr("Building the procurement brief (every option through the planner)…"));
  briefAction_->setEnabled(false);
  const std::string path = p.toStdString();
  tasks_->start<std::string>(
      this, [s, c, path] { return export_brief(s, c, path); },
      [this, p](const std::string& err) {
        briefAction_->setEnabled(true);
        statusText_->setText(err.empty() ? tr("Wrote the procurement brief to %1").arg(p)
                                         : tr("Brief failed: %1").arg(qs(err)));
        emit briefExported(p, qs(err));
      });
}

void MainWindow::copyCliCommand() {
  const QString cmd = qs(cli_compare_command(panel_->scenario()));
  QApplication::clipboard()->setText(cmd);
  statusText_->setText(tr("Copied: %1").arg(cmd));
}

void MainWindow::showShortcuts() {
  QMessageBox::information(this, tr("Keyboard shortcuts"),
                           tr("<table>"
                              "<tr><td><b>F5</b></td><td>Run the scenario</td></tr>"
                              "<tr><td><b>Esc</b></td><td>Cancel the run</td></tr>"
                              "<tr><td><b>Ctrl+1 … Ctrl+7</b></td><td>Compare, Roofline, Latency, Timeline, Planner, "
                              "Calibration, Runs</td></tr>"
                              "<tr><td><b>Ctrl+F</b></td><td>Search models</td></tr>"
                              "<tr><td><b>Ctrl+O / Ctrl+S / Ctrl+Shift+S</b></td><td>Open / save / save scenario "
                              "as</td></tr>"
                              "<tr><td><b>Ctrl+I</b></td><td>Import a Hugging Face config.json</td></tr>"
                              "<tr><td><b>Ctrl+Shift+O</b></td><td>Open a hardware profile</td></tr>"
                              "<tr><td><b>Ctrl+H</b></td><td>Hardware profile editor</td></tr>"
                              "<tr><td><b>Ctrl+E</b></td><td>Export the current view (PNG/SVG)</td></tr>"
                              "<tr><td><b>Ctrl+B</b></td><td>Export the procurement brief</td></tr>"
                              "<tr><td><b>Ctrl+L</b></td><td>Export PLAN.json</td></tr>"
                              "<tr><td><b>Ctrl+Shift+C</b></td><td>Copy the equivalent CLI command</td></tr>"
                              "<tr><td><b>Ctrl+Q</b></td><td>Quit</td></tr></table>"));
}

void MainWindow::takeScreenshots(const QString& dir, std::function<void(bool)> done) {
  run_screenshot_tour(this, dir, std::move(done));
}

bool MainWindow::analyticUpToDate() const { return lastAnalytic_.generation == generation_ && !debounce_->isActive(); }

}  // namespace infersim::gui
