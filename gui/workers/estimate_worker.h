#pragma once
// Runs the analytic comparison (run_analytic) off the GUI thread as the user edits. Requests carry a
// generation number; a request older than the newest one queued is skipped, so a burst of edits
// costs one computation, and results arrive in order. Lives in its own QThread.
#include <QObject>

#include <atomic>

#include "workers/gui_metatypes.h"

namespace infersim::gui {

class EstimateWorker : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  // Thread-safe: called from the GUI thread before queueing compute() with the same generation.
  void announce(quint64 generation) { newest_.store(generation); }

 public slots:
  void compute(const infersim::gui::ScenarioInput& scenario, quint64 generation);

 signals:
  void computed(const infersim::gui::AnalyticResult& result);

 private:
  std::atomic<quint64> newest_{0};
};

}  // namespace infersim::gui
