// `infersim sweep SWEEP.json --db results.sqlite [--jobs N] [--shard i/N] [--batch K] [--run NAME]`
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "args.h"
#include "commands.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/planner/sweep.h"
#include "infersim/store/results_store.h"
#include "infersim/store/shard.h"
#include "sweep_evaluators.h"

namespace infersim::cli {

using common::ConfigError;

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

int cmd_sweep(const ArgList& argv) {
  Args a(argv, {"db", "jobs", "shard", "batch", "run"}, {"quiet"});
  if (a.positional().size() != 1) throw ConfigError("", "sweep", "needs exactly one SWEEP.json file");
  const std::string file = a.positional()[0];
  const auto db = a.value("db");
  if (!db) throw ConfigError("", "--db", "is required (the SQLite results file; created if missing)");
  const int hw_threads = int(std::max(1u, std::thread::hardware_concurrency()));
  const int jobs = a.integer("jobs", hw_threads, 1, 4096);
  const std::size_t batch = std::size_t(a.integer("batch", 256, 1, 1'000'000));
  std::pair<int, int> shard{0, 1};
  if (auto s = a.value("shard")) shard = store::parse_shard(*s);
  auto scenarios = planner::expand_sweep_file(file);
  const std::string run = a.value_or("run", std::filesystem::path(file).stem().string());
  if (shard.second > 1) {
    std::vector<planner::SweepScenario> mine;
    for (auto& s : scenarios)
      if (store::in_shard(s.id, shard.first, shard.second)) mine.push_back(std::move(s));
    scenarios = std::move(mine);
  }
  const auto evaluator = sweep_evaluator(scenarios.empty() ? "estimate" : scenarios.front().kind);
  auto results = store::ResultsStore::open(*db, store::OpenMode::create);
  StoreSink sink(results, run);
  const bool tty = isatty(fileno(stderr)) != 0 && !a.flag("quiet");
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  double last_line = -1;
  auto progress = [&](const planner::SweepProgress& p) {
    if (a.flag("quiet")) return;
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
      fmt::print(stderr, "sweep {}: {}/{} scenarios ({:.0f}%), {:.1f}/s, ETA {}, {} invalid\n", run, finished, p.total,
                 100 * frac, p.rate_per_s, common::format_seconds(p.eta_s), p.failed);
      last_line = p.elapsed_s;
    }
  };
  const auto st = planner::run_sweep(scenarios, evaluator, sink, jobs, batch, progress, &g_cancel);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (tty) fmt::print(stderr, "\n");
  fmt::print("sweep {} ({}): {} scenarios{}, {} already in {} (skipped), {} run, {} invalid, {:.2f} s with {} jobs{}\n", run,
             file, st.total, shard.second > 1 ? fmt::format(" in shard {}/{}", shard.first, shard.second) : "", st.skipped,
             *db, st.done, st.failed, st.elapsed_s, jobs,
             st.cancelled ? "; CANCELLED: run the same command again to resume" : "");
  return st.cancelled ? 130 : 0;
}

}  // namespace infersim::cli
