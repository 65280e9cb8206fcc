#pragma once
// One-off background computations (calibration data, procurement briefs, results-store queries):
// the work runs on its own QThread and its value is delivered on the GUI thread, to a receiver that
// may have been destroyed in the meantime (then it is dropped). BackgroundTasks waits for every
// thread it started when destroyed, so no thread outlives the window.
#include <QObject>
#include <QPointer>
#include <QThread>

#include <QCoreApplication>

#include <functional>
#include <memory>
#include <vector>

namespace infersim::gui {

class BackgroundTasks : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  ~BackgroundTasks() override;

  template <class R>
  void start(QObject* receiver, std::function<R()> work, std::function<void(const R&)> done) {
    QPointer<QObject> guard(receiver);
    launch([guard, work = std::move(work), done = std::move(done)] {
      auto value = std::make_shared<R>(work());
      QMetaObject::invokeMethod(
          qApp,
          [guard, value, done] {
            if (guard) done(*value);
          },
          Qt::QueuedConnection);
    });
  }
  int running() const;

 private:
  void launch(std::function<void()> body);
  std::vector<QThread*> threads_;
};

}  // namespace infersim::gui
