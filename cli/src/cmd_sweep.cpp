// `infersim sweep SWEEP.json --db results.sqlite [--jobs N] [--shard i/N] [--batch K] [--run NAME]`
#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/planner/sweep.h"
#include "infersim/store/shard.h"
#include "sweep_driver.h"

namespace infersim::cli {

using common::ConfigError;

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
  const auto st = run_sweep_with_progress(scenarios, {*db, run, jobs, batch}, a.flag("quiet"));
  fmt::print("sweep {} ({}): {} scenarios{}, {} already in {} (skipped), {} run, {} invalid, {:.2f} s with {} jobs{}\n",
             run, file, st.total, shard.second > 1 ? fmt::format(" in shard {}/{}", shard.first, shard.second) : "",
             st.skipped, *db, st.done, st.failed, st.elapsed_s, jobs,
             st.cancelled ? "; CANCELLED: run the same command again to resume" : "");
  return st.cancelled ? 130 : 0;
}

}  // namespace infersim::cli
