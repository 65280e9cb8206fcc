#include "sweep_driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>

#include "infersim/common/text.h"

namespace infersim::cli {

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_sigint(int) { g_cancel.store(true); }

// Ctrl-C / SIGTERM set the cancel flag while a display is alive; the progress callback draws a bar
// on a terminal, plain lines at most every 5 s otherwise.
class ProgressDisplay {
 public:
  ProgressDisplay(std::string run, bool quiet) : run_(std::move(run)), quiet_(quiet) {
    tty_ = isatty(fileno(stderr)) != 0 && !quiet;
    g_cancel.store(false);
    std::signal(SIGINT, on_sigint);
    std::signal(SIGTERM, on_sigint);
  }
  ~ProgressDisplay() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (tty_) fmt::print(stderr, "\n");
  }
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  std::function<void(const planner::SweepProgress&)> callback() {
    return [this](const planner::SweepProgress& p) { show(p); };
  }
  const std::atomic<bool>* cancel() const { return &g_cancel; }

 private:
  void show(const planner::SweepProgress& p) {
    if (quiet_) return;
    const std::size_t finished = p.skipped + p.done + p.failed;
    const double frac = p.total ? double(finished) / double(p.total) : 1.0;
    if (tty_) {
      const int width = 30;
      const int filled = int(frac * width);
      fmt::print(stderr, "\r[{}{}] {}/{} ({:.0f}%) {:.1f} scenarios/s, ETA {}{}   ", std::string(filled, '#'),
                 std::string(width - filled, '.'), finished, p.total, 100 * frac, p.rate_per_s,
                 common::format_seconds(p.eta_s), p.failed ? fmt::format(", {} invalid", p.failed) : "");
    } else if (p.elapsed_s - last_line_ >= 5.0 || finished == p.total) {
      // Plain lines for logs and CI: at most one every 5 s.
      fmt::print(stderr, "sweep {}: {}/{} scenarios ({:.0f}%), {:.1f}/s, ETA {}, {} invalid\n", run_, finished, p.total,
                 100 * frac, p.rate_per_s, common::format_seconds(p.eta_s), p.failed);
      last_line_ = p.elapsed_s;
    }
  }

  std::string run_;
  bool quiet_ = false, tty_ = false;
  double last_line_ = -1;
};

}  // namespace

planner::SweepStats run_sweep_with_progress(const std::vector<planner::SweepScenario>& scenarios,
                                            const app::SweepRunOptions& o, bool quiet) {
  ProgressDisplay display(o.run, quiet);
  return app::run_sweep_into_store(scenarios, o, display.callback(), display.cancel());
}

app::WorkloadComparison run_with_progress(const app::WorkloadCompareRequest& r, bool quiet) {
  ProgressDisplay display(r.run.empty() ? "workloads-compare-" + r.model : r.run, quiet);
  return app::compare_workloads(r, display.callback(), display.cancel());
}

}  // namespace infersim::cli
