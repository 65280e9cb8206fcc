// `infersim results list|export|merge`: look into, export and join sweep results files (the SQLite
// results store, docs/results-store.md). Thin: parse -> one store call -> print.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/store/results_store.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::Json;
using store::OpenMode;
using store::ResultsStore;

namespace {

const char* RESULTS_USAGE =
    "usage: infersim results list --db FILE [--json]\n"
    "       infersim results export --db FILE (--csv | --json) [--run NAME] [--out FILE] [--with-times]\n"
    "       infersim results merge --db OUT.sqlite IN.sqlite [IN.sqlite ...]\n"
    "       infersim results migrate --db FILE   (upgrade a file written by an older infersim, in place)";

std::string required_db(const Args& a) {
  const auto db = a.value("db");
  if (!db || db->empty()) throw ConfigError("", "--db", fmt::format("is required\n{}", RESULTS_USAGE));
  return *db;
}

void no_positionals(const Args& a, const char* sub) {
  if (!a.positional().empty())
    throw ConfigError("", "",
                      fmt::format("results {}: unexpected argument '{}'\n{}", sub, a.positional()[0], RESULTS_USAGE));
}

int results_list(const ArgList& args) {
  const Args a(args, {"db"}, {"json"});
  no_positionals(a, "list");
  const auto s = ResultsStore::open(required_db(a), OpenMode::read_only);
  const auto info = s.info();
  if (a.flag("json")) {
    Json j;
    j["path"] = info.path;
    j["schema_version"] = info.schema_version;
    j["created_utc"] = info.created_utc;
    j["created_by"] = info.created_by;
    j["rows"] = info.rows;
    j["metrics"] = info.metric_names;
    j["labels"] = info.label_names;
    Json runs = Json::array();
    for (const auto& r : info.runs)
      runs.push_back({{"name", r.name},
                      {"rows", r.rows},
                      {"failed", r.failed},
                      {"first_utc", r.first_utc},
                      {"last_utc", r.last_utc},
                      {"build_versions", r.build_versions}});
    j["runs"] = runs;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{}: infersim results store, schema version {}, created {} by infersim {}\n", info.path,
             info.schema_version, info.created_utc, info.created_by);
  fmt::print("{} rows in {} run{}; {} metric columns, {} label columns\n", info.rows, info.runs.size(),
             info.runs.size() == 1 ? "" : "s", info.metric_names.size(), info.label_names.size());
  if (!info.runs.empty()) {
    Table t({"run", "rows", "failed", "first written (UTC)", "last written (UTC)", "build"});
    for (const auto& r : info.runs)
      t.add({r.name, std::to_string(r.rows), std::to_string(r.failed), r.first_utc, r.last_utc,
             common::join(r.build_versions, ", ")});
    fmt::print("\n{}", t.render());
  }
  if (!info.metric_names.empty()) fmt::print("\nmetrics: {}\n", common::join(info.metric_names, ", "));
  if (!info.label_names.empty()) fmt::print("labels:  {}\n", common::join(info.label_names, ", "));
  return 0;
}

int results_export(const ArgList& args) {
  const Args a(args, {"db", "run", "out"}, {"csv", "json", "with-times"});
  no_positionals(a, "export");
  if (a.flag("csv") == a.flag("json"))
    throw ConfigError("", "--csv / --json", fmt::format("give exactly one export format\n{}", RESULTS_USAGE));
  const auto s = ResultsStore::open(required_db(a), OpenMode::read_only);
  store::ExportOptions o;
  o.run_name = a.value_or("run", "");
  o.include_created_utc = a.flag("with-times");
  if (!o.run_name.empty()) {
    const auto runs = s.runs();
    if (std::find(runs.begin(), runs.end(), o.run_name) == runs.end())
      throw ConfigError(s.path(), "--run",
                        fmt::format("no run named '{}'{} (runs: {})", o.run_name,
                                    common::suggest_suffix(o.run_name, runs),
                                    runs.empty() ? "none" : common::join(runs, ", ")));
  }
  auto write = [&](std::ostream& out) {
    if (a.flag("csv"))
      s.export_csv(out, o);
    else
      s.export_json(out, o);
  };
  const auto out_path = a.value("out");
  if (!out_path) {
    std::cout.flush();
    write(std::cout);
    std::cout.flush();
    if (!std::cout) throw common::IoError("stdout: write failed");
    return 0;
  }
  // Streamed to a temporary file, then renamed into place (as common::write_text_file_atomic does, but
  // without holding a multi-gigabyte export in memory): a failure never leaves a half-written file.
  namespace fs = std::filesystem;
  const std::string tmp = *out_path + ".tmp-infersim";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw common::IoError(fmt::format("{}: cannot open file for writing", *out_path));
    try {
      write(f);
    } catch (...) {
      f.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      throw;
    }
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw common::IoError(fmt::format("{}: write failed", *out_path));
    }
  }
  std::error_code ec;
  fs::rename(tmp, *out_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw common::IoError(fmt::format("{}: cannot move temporary file into place", *out_path));
  }
  fmt::print(stderr, "wrote {} rows to {}\n", s.count(o.run_name), *out_path);
  return 0;
}

int results_merge(const ArgList& args) {
  const Args a(args, {"db"}, {});
  const std::string out = required_db(a);
  const auto& inputs = a.positional();
  if (inputs.empty()) throw ConfigError("", "", fmt::format("results merge: no input files\n{}", RESULTS_USAGE));
  // Check every input first, so a bad file fails the merge before anything is written.
  for (const auto& in : inputs) (void)ResultsStore::open(in, OpenMode::read_only);
  auto dst = ResultsStore::open(out, OpenMode::create);
  std::size_t conflicts = 0;
  std::vector<std::string> examples;
  for (const auto& in : inputs) {
    const auto st = dst.merge_from(in);
    fmt::print("{}: {} new rows, {} already present{}\n", in, st.inserted, st.identical,
               st.conflicting ? fmt::format(", {} conflicting", st.conflicting) : "");
    conflicts += st.conflicting;
    for (const auto& e : st.conflict_examples)
      if (examples.size() < 5) examples.push_back(e);
  }
  if (conflicts)
    fmt::print(stderr,
               "warning: {} rows had the same run and scenario id as a stored row but different results (another "
               "build or input data?); the row merged first was kept, e.g. {}\n",
               conflicts, common::join(examples, ", "));
  const auto runs = dst.runs();
  fmt::print("{}: {} rows in {} run{}\n", out, dst.count(), runs.size(), runs.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace

// Opening for writing upgrades an older schema in place (ResultsStore::open); report what it is now.
int results_migrate(const ArgList& args) {
  const Args a(args, {"db"}, {});
  no_positionals(a, "migrate");
  const auto s = ResultsStore::open(required_db(a), OpenMode::read_write);
  const auto info = s.info();
  fmt::print("{}: results schema {} ({} rows, {} metrics: {})\n", info.path, info.schema_version, info.rows,
             info.metric_names.size(), common::join(info.metric_names, ", "));
  return 0;
}

int cmd_results(const ArgList& args) {
  const std::vector<std::string> subs = {"list", "export", "merge", "migrate"};
  if (args.empty()) throw ConfigError("", "", fmt::format("results: missing subcommand\n{}", RESULTS_USAGE));
  const ArgList rest(args.begin() + 1, args.end());
  if (args[0] == "list") return results_list(rest);
  if (args[0] == "export") return results_export(rest);
  if (args[0] == "merge") return results_merge(rest);
  if (args[0] == "migrate") return results_migrate(rest);
  throw ConfigError("", "",
                    fmt::format("results: unknown subcommand '{}'{}\n{}", args[0],
                                common::suggest_suffix(args[0], subs), RESULTS_USAGE));
}

}  // namespace infersim::cli
