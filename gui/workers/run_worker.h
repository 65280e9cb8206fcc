#pragma once
// Runs a full scenario off the GUI thread: for every selected hardware the planner at the workload's
// load (the comparison's "at load" columns and bar charts), the hardware x workload-type heat map,
// the planner over all selected hardware (ranked plans, Pareto frontier, rejections) and one
// discrete-event run per hardware with the serving simulator (latency CDFs, timeline).
// Reports progress after every unit of work and stops at the next unit boundary when cancelled
// (what was finished is returned, marked cancelled). Lives in its own QThread.
#include <QObject>
#include <QString>

#include <atomic>

#include "workers/gui_metatypes.h"

namespace infersim::gui {

class RunWorker : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  // Thread-safe: cancels the run with this id (and any earlier one), queued or in flight.
  void cancel(quint64 id) {
    quint64 cur = cancelled_.load();
    while (cur < id && !cancelled_.compare_exchange_weak(cur, id)) {
    }
  }

 public slots:
  void run(const infersim::gui::ScenarioInput& scenario, quint64 id);

 signals:
  void progress(quint64 id, int done, int total, const QString& what);
  void finished(const infersim::gui::RunResult& result);

 private:
  bool cancelled(quint64 id) const { return cancelled_.load() >= id; }
  std::atomic<quint64> cancelled_{0};
};

}  // namespace infersim::gui
