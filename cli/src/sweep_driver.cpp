#include "sweep_driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include "infersim/common/text.h"

namespace infersim::cli {

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_sigint(int) { g_cancel.store(true); }

}  // namespace

planner::SweepStats run_sweep_with_progress(const std::vector<planner::SweepScenario>& scenarios,
                                            const app::SweepRunOptions& o, bool quiet) {
  const bool tty = isatty(fileno(stderr)) != 0 && !quiet;
  g_cancel.store(false);
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  double last_line = -1;
  auto progress = [&](const planner::SweepProgress& p) {
    if (quiet) return;
    const std::size_t finished = p.skipped + p.done + p.failed;
    const double frac = p.total ? double(finished) / double(p.total) : 1.0;
    if (tty) {
      const int width = 30;
      const int filled = int(frac * width);
      fmt::print(stderr, "\r[{}{}] {}/{} ({:.0f}%) {:.1f} scenarios/s, ETA {}{}   ", std::string(filled, '#'),
                 std::string(width - filled, '.'), finished, p.total, 100 * frac, p.rate_per_s,
                 common::format_seconds(p.eta_s), p.failed ? fmt::format(", {} invalid", p.failed) : "");
    } else if (p.elapsed_s - last_line >= 5.0 || finished == p.total) {
      // Plain lines for logs and CI: at most one every 5 s.
      fmt::print(stderr, "sweep {}: {}/{} scenarios ({:.0f}%), {:.1f}/s, ETA {}, {} invalid\n", o.run, finished,
                 p.total, 100 * frac, p.rate_per_s, common::format_seconds(p.eta_s), p.failed);
      last_line = p.elapsed_s;
    }
  };
  const auto st = app::run_sweep_into_store(scenarios, o, progress, &g_cancel);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (tty) fmt::print(stderr, "\n");
  return st;
}

}  // namespace infersim::cli
