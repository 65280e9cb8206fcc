#include "sweep_driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "infersim/common/data_dir.h"
#include "infersim/common/text.h"
#include "infersim/store/results_store.h"
#include "sweep_evaluators.h"

namespace infersim::cli {

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_sigint(int) { g_cancel.store(true); }

class StoreSink : public planner::SweepSink {
 public:
  StoreSink(store::ResultsStore& s, std::string run) : store_(s), run_(std::move(run)) {}
  std::set<std::string> finished_ids() override { return store_.finished_ids(run_); }
  void put_batch(const std::vector<std::pair<planner::SweepScenario, planner::SweepOutcome>>& rows) override {
    std::vector<store::ResultRow> out;
    out.reserve(rows.size());
    for (const auto& [s, o] : rows) {
      store::ResultRow r;
      r.run_name = run_;
      r.scenario_id = s.id;
      r.kind = s.kind;
      r.scenario_json = s.json;
      r.model_hash = o.model_hash;
      r.hardware_hash = o.hardware_hash;
      r.build_version = common::version_string();
      r.error = o.error;
      r.metrics = o.metrics;
      for (const auto& [k, v] : o.labels) r.labels[store::to_column_name(k)] = v;
      for (const auto& [k, v] : s.labels) r.labels["axis_" + store::to_column_name(k)] = v;
      out.push_back(std::move(r));
    }
    store_.put_batch(out);
  }

 private:
  store::ResultsStore& store_;
  std::string run_;
};

}  // namespace

planner::SweepStats run_sweep_into_store(const std::vector<planner::SweepScenario>& scenarios,
                                         const SweepDriverOptions& o) {
  const auto evaluator = sweep_evaluator(scenarios.empty() ? "estimate" : scenarios.front().kind);
  const int jobs = o.jobs > 0 ? o.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  auto results = store::ResultsStore::open(o.db, store::OpenMode::create);
  StoreSink sink(results, o.run);
  const bool tty = isatty(fileno(stderr)) != 0 && !o.quiet;
  g_cancel.store(false);
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  double last_line = -1;
  auto progress = [&](const planner::SweepProgress& p) {
    if (o.quiet) return;
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
  const auto st = planner::run_sweep(scenarios, evaluator, sink, jobs, o.batch, progress, &g_cancel);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (tty) fmt::print(stderr, "\n");
  return st;
}

}  // namespace infersim::cli
