#include "widgets/screenshot_tour.h"

#include <QDir>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>

#include <cstdio>
#include <memory>
#include <vector>

#include "models/profile_json_model.h"
#include "widgets/calibration_view.h"
#include "widgets/compare_view.h"
#include "widgets/hardware_editor_dialog.h"
#include "widgets/main_window.h"
#include "widgets/runs_view.h"
#include "widgets/scenario_panel.h"
#include "workers/brief_calls.h"
#include "workers/workload_catalog.h"

namespace infersim::gui {

void run_screenshot_tour(MainWindow* w, const QString& dir, std::function<void(bool)> done) {
  QDir().mkpath(dir);
  // A chain of steps, each calling `next` when it is done; waits poll without blocking the window.
  using Next = std::function<void()>;
  using Step = std::function<void(Next)>;
  auto ok = std::make_shared<bool>(true);
  auto steps = std::make_shared<std::vector<Step>>();
  auto run = std::make_shared<std::function<void(std::size_t)>>();
  *run = [steps, run, done, ok](std::size_t i) {
    if (i == steps->size()) return done(*ok);
    (*steps)[i]([run, i] { (*run)(i + 1); });
  };
  auto waitFor = [w](std::function<bool()> cond) -> Step {
    return [w, cond](Next next) {
      auto poll = std::make_shared<std::function<void()>>();
      *poll = [w, cond, next, poll] {
        if (cond()) return next();
        QTimer::singleShot(100, w, [poll] { (*poll)(); });
      };
      (*poll)();
    };
  };
  auto analyticReady = [w] { return w->analyticUpToDate(); };
  auto runToEnd = [w, waitFor, analyticReady]() -> std::vector<Step> {
    auto started = std::make_shared<quint64>(0);
    return {waitFor(analyticReady),
            [w, started](Next next) {
              w->startRun();
              *started = w->runningId();
              next();
            },
            waitFor([w, started] { return !w->isRunning() && w->lastRun().id >= *started; })};
  };
  auto shoot = [w, dir, ok](int tab, const QString& name, std::function<void()> setup = {}) -> Step {
    return [w, dir, ok, tab, name, setup](Next next) {
      w->tabs()->setCurrentIndex(tab);
      if (setup) setup();
      QTimer::singleShot(600, w, [w, dir, ok, name, next] {
        *ok = w->grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))) && *ok;
        next();
      });
    };
  };
  auto append = [steps](std::vector<Step> more) { steps->insert(steps->end(), more.begin(), more.end()); };
  CompareView* compare = w->compareView();

  append({waitFor([w, analyticReady] { return analyticReady() && w->calibrationView()->hasData(); })});
  append(runToEnd());
  append({shoot(MainWindow::CompareTab, "compare", [compare] { compare->showHeatMap(false); }),
          shoot(MainWindow::CompareTab, "compare-heatmap", [compare] { compare->showHeatMap(true); }),
          shoot(MainWindow::RooflineTab, "roofline"), shoot(MainWindow::LatencyTab, "latency"),
          shoot(MainWindow::TimelineTab, "timeline"), shoot(MainWindow::PlannerTab, "planner"),
          shoot(MainWindow::CalibrationTab, "calibration")});
  // The same hardware on the agentic workload type, then the run history.
  const auto types = workload_types();
  if (find_workload_type(types, "agentic") && w->scenarioPanel()->scenario().workload.preset != "agentic") {
    append({[w](Next next) {
      w->scenarioPanel()->selectWorkloadType(QStringLiteral("agentic"));
      next();
    }});
    append(runToEnd());
    append({shoot(MainWindow::CompareTab, "compare-agentic", [compare] { compare->showHeatMap(false); })});
  }
  append({[w](Next next) {
            w->runsView()->refresh();
            QTimer::singleShot(800, w, next);
          },
          shoot(MainWindow::RunsTab, "runs")});
  // The hardware-profile editor with a physically impossible value, to show field-level validation.
  append({[w, dir, ok](Next next) {
    auto* dlg = new HardwareEditorDialog(w);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->show();
    const QModelIndex idle = dlg->model()->indexOfPointer("/power/idle_w");
    if (idle.isValid()) {
      dlg->model()->setData(idle.siblingAtColumn(1), QStringLiteral("500"));
      dlg->tree()->scrollTo(idle, QAbstractItemView::PositionAtCenter);
    }
    QTimer::singleShot(500, w, [w, dlg, dir, ok, next] {
      *ok = dlg->grab().save(QDir(dir).filePath(QStringLiteral("hardware-editor.png"))) && *ok;
      dlg->close();
      w->tabs()->setCurrentIndex(MainWindow::CompareTab);
      next();
    });
  }});
  // The procurement brief over the workloads just compared (the current one plus chat or agentic).
  append({[w, dir, ok](Next next) {
    const ScenarioInput s = w->scenarioPanel()->scenario();
    BriefChoice c;
    const auto all = workload_types();
    for (const char* name : {"chat", "agentic"}) {
      if (s.workload.preset == name)
        c.workloads.push_back(s.workload);
      else if (const auto* t = find_workload_type(all, name))
        c.workloads.push_back(t->defaults);
    }
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = QObject::connect(w, &MainWindow::briefExported, w, [conn, next, ok](const QString&, const QString& err) {
      QObject::disconnect(*conn);
      if (!err.isEmpty()) std::fprintf(stderr, "infersim-gui: brief: %s\n", qPrintable(err));
      *ok = *ok && err.isEmpty();
      next();
    });
    w->exportBrief(s, c, QDir(dir).filePath(QStringLiteral("brief.pdf")));
  }});
  QTimer::singleShot(100, w, [run] { (*run)(0); });
}

}  // namespace infersim::gui
