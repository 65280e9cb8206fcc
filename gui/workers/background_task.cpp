#include "workers/background_task.h"

#include <QCoreApplication>

namespace infersim::gui {

BackgroundTasks::~BackgroundTasks() {
  for (QThread* t : threads_) {
    t->wait();
    delete t;
  }
}

void BackgroundTasks::launch(std::function<void()> body) {
  // Drop finished threads first.
  std::vector<QThread*> alive;
  for (QThread* t : threads_) {
    if (t->isFinished()) {
      t->wait();
      delete t;
    } else {
      alive.push_back(t);
    }
  }
  threads_ = alive;
  QThread* t = QThread::create(std::move(body));
  threads_.push_back(t);
  t->start();
}

int BackgroundTasks::running() const {
  int n = 0;
  for (QThread* t : threads_) n += t->isRunning() ? 1 : 0;
  return n;
}

}  // namespace infersim::gui
