#include "infersim/store/results_store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>

#include <unistd.h>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/store/metric_vocabulary.h"
#include "results_store_impl.h"

namespace infersim::store {

using common::ConfigError;
using common::InternalError;
using common::IoError;
using detail::Db;
using detail::fixed_columns;
using detail::Stmt;
using detail::Transaction;

namespace {

// "IFRS" in the SQLite header (PRAGMA application_id), so `file results.sqlite` can tell what it is.
constexpr int APPLICATION_ID = 0x49465253;
constexpr std::size_t MERGE_BATCH = 2000;
constexpr std::size_t MAX_CONFLICT_EXAMPLES = 5;

std::string now_utc() { return common::utc_now(); }

std::string quoted(const std::string& column) { return "\"" + column + "\""; }  // names are validated

std::vector<std::string> table_names(const Db& db) {
  Stmt s(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", "reading the file header");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

// No tables, views, indexes or triggers at all: a new (or zero-length) file.
bool schema_is_empty(const Db& db) {
  Stmt s(db, "SELECT count(*) FROM sqlite_schema", "reading the file header");
  s.step();
  return s.integer(0) == 0;
}

std::vector<std::string> table_columns(const Db& db, const char* table) {
  Stmt s(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", "reading the table columns");
  s.bind(1, std::string(table));
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::string> result_columns(const Db& db) { return table_columns(db, "results"); }

std::vector<std::string> prefixed(const std::vector<std::string>& columns, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& c : columns)
    if (c.rfind(prefix, 0) == 0) out.push_back(c.substr(prefix.size()));
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> read_meta(const Db& db) {
  Stmt s(db, "SELECT key, value FROM meta", "reading the meta table");
  std::map<std::string, std::string> m;
  while (s.step()) m[s.text(0)] = s.text(1);
  return m;
}

void create_schema(const Db& db) {
  Transaction t(db, "creating the results database");
  if (!schema_is_empty(db)) {  // another process created it while we waited for the lock
    t.commit();
    return;
  }
  db.exec(fmt::format("PRAGMA application_id = {};", APPLICATION_ID), "creating the results database");
  db.exec(R"sql(
    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
    CREATE TABLE results (
      run_name      TEXT NOT NULL,
      scenario_id   TEXT NOT NULL,
      kind          TEXT NOT NULL,
      scenario_json TEXT NOT NULL,
      model_hash    TEXT NOT NULL,
      hardware_hash TEXT NOT NULL,
      build_version TEXT NOT NULL,
      created_utc   TEXT NOT NULL,
      error         TEXT NOT NULL,
      PRIMARY KEY (run_name, scenario_id));
  )sql",
          "creating the results database");
  Stmt ins(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)", "creating the results database");
  const std::vector<std::pair<std::string, std::string>> meta = {{"format", "infersim-results"},
                                                                 {"schema_version", std::to_string(SCHEMA_VERSION)},
                                                                 {"created_utc", now_utc()},
                                                                 {"created_by", common::version_string()}};
  for (const auto& [k, v] : meta) {
    ins.bind(1, k);
    ins.bind(2, v);
    ins.step();
    ins.reset();
  }
  t.commit();
}

// The file passed SQLite's own checks; is it one of ours, of the version this build reads?
int check_schema(const Db& db, const std::vector<std::string>& tables) {
  const std::string& path = db.path();
  auto has_table = [&](const char* n) { return std::find(tables.begin(), tables.end(), n) != tables.end(); };
  if (!has_table("meta"))
    throw ConfigError(path, "", "an SQLite database, but not an infersim results store (it has no 'meta' table)");
  const auto meta_cols = table_columns(db, "meta");
  for (const char* c : {"key", "value"})
    if (std::find(meta_cols.begin(), meta_cols.end(), c) == meta_cols.end())
      throw ConfigError(path, "",
                        fmt::format("not an infersim results store (its 'meta' table has no '{}' column)", c));
  const auto meta = read_meta(db);
  const auto v = meta.find("schema_version");
  if (v == meta.end())
    throw ConfigError(path, "", "not an infersim results store (its 'meta' table has no schema_version)");
  int version = 0;
  const auto& s = v->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), version);
  if (ec != std::errc() || end != s.data() + s.size())
    throw ConfigError(path, "",
                      fmt::format("schema version '{}' is not a number; the file is damaged", detail::printable(s)));
  if (version != SCHEMA_VERSION && version != 1) {
    const auto by = meta.find("created_by");
    const std::string writer =
        by == meta.end() ? "" : fmt::format("; the file was created by infersim {}", detail::printable(by->second));
    const std::string hint = version > SCHEMA_VERSION ? "; read it with a newer infersim" : "";
    throw ConfigError(path, "",
                      fmt::format("schema version {} is not supported (this build reads {}){}{}", version,
                                  SCHEMA_VERSION, writer, hint));
  }
  if (!has_table("results")) throw ConfigError(path, "", "not a complete infersim results store (no 'results' table)");
  const auto cols = result_columns(db);
  for (const auto& f : fixed_columns())
    if (std::find(cols.begin(), cols.end(), f) == cols.end())
      throw ConfigError(path, "", fmt::format("the 'results' table lacks the column '{}'; the file is damaged", f));
  for (const auto& c : cols) {
    if (std::find(fixed_columns().begin(), fixed_columns().end(), c) != fixed_columns().end()) continue;
    const bool ok = (c.rfind("m_", 0) == 0 || c.rfind("l_", 0) == 0) && valid_column_name(c.substr(2));
    if (!ok)
      throw ConfigError(path, "",
                        fmt::format("the 'results' table has an unexpected column '{}'", detail::printable(c)));
  }
  return version;
}

// Schema 1 -> 2, in one transaction: the ambiguous m_usd_per_1k_tokens becomes m_usd_per_1k_blended in
// plan rows (where it was blended over input and output tokens) and m_usd_per_1k_output everywhere else
// (per output token); m_joules_per_token likewise becomes m_joules_per_output_token outside plan rows,
// and the GUI's m_sim_usd_per_1k_tokens m_sim_usd_per_1k_output. Values are moved, never recomputed.
void migrate_1_to_2(const Db& db) {
  Transaction t(db, "upgrading the results store from schema 1 to 2");
  auto cols = result_columns(db);
  auto has = [&](const std::string& c) { return std::find(cols.begin(), cols.end(), c) != cols.end(); };
  auto add = [&](const std::string& c) {
    if (has(c)) return;
    db.exec(fmt::format("ALTER TABLE results ADD COLUMN {} REAL", quoted(c)), "upgrading the results store");
    cols.push_back(c);
  };
  auto move = [&](const std::string& from, const std::string& to, const std::string& where) {
    if (!has(from)) return;
    add(to);
    db.exec(fmt::format("UPDATE results SET {1} = {0}, {0} = NULL WHERE {0} IS NOT NULL AND {1} IS NULL AND ({2})",
                        quoted(from), quoted(to), where),
            "upgrading the results store");
  };
  move("m_usd_per_1k_tokens", "m_usd_per_1k_blended", "kind = 'plan'");
  move("m_usd_per_1k_tokens", "m_usd_per_1k_output", "kind <> 'plan'");
  move("m_sim_usd_per_1k_tokens", "m_sim_usd_per_1k_output", "1");
  // J per output token everywhere but plan rows (where joules_per_token is over input + output tokens).
  move("m_joules_per_token", "m_joules_per_output_token", "kind <> 'plan'");
  for (const char* c : {"m_usd_per_1k_tokens", "m_sim_usd_per_1k_tokens"})
    if (has(c)) db.exec(fmt::format("ALTER TABLE results DROP COLUMN {}", quoted(c)), "upgrading the results store");
  db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'", "upgrading the results store");
  db.exec(fmt::format("INSERT OR REPLACE INTO meta (key, value) VALUES ('migrated_from_1', '{} by infersim {}')",
                      now_utc(), common::version_string()),
          "upgrading the results store");
  t.commit();
}

bool writable_with_side_files(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  return ::access(path.c_str(), W_OK) == 0 && ::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0;
}

void verify_integrity(const Db& db) {
  Stmt s(db, "PRAGMA quick_check(1)", "verifying the file (PRAGMA quick_check)");
  if (!s.step()) return;
  std::string r = s.text(0);
  if (r == "ok") return;
  const std::string banner = "*** in database main ***\n";
  if (r.rfind(banner, 0) == 0) r = r.substr(banner.size());
  throw IoError(fmt::format("{}: the results database is corrupt or truncated (quick_check: {}); its rows cannot be "
                            "trusted: re-run the "
                            "sweep into a new file (finished shards can be merged), or try `sqlite3 {} .recover`",
                            db.path(), detail::printable(r), db.path()));
}

void validate_row(const ResultRow& r) {
  const std::string where = fmt::format("result row '{}/{}'", r.run_name, r.scenario_id);
  if (r.run_name.empty()) throw InternalError(where + ": empty run name");
  if (r.scenario_id.empty()) throw InternalError(where + ": empty scenario id");
  for (const auto& [k, v] : r.metrics) {
    if (!valid_column_name(k))
      throw InternalError(fmt::format("{}: metric name '{}' is not [a-z0-9_]{{1,64}}", where, k));
    if (!find_metric(k))
      throw InternalError(fmt::format("{}: metric '{}' is not declared in the results-store vocabulary "
                                      "(planner/store/src/metric_vocabulary.cpp, docs/metrics.md): declare its unit "
                                      "and meaning there first",
                                      where, k));
  }
  for (const auto& [k, v] : r.labels)
    if (!valid_column_name(k))
      throw InternalError(fmt::format("{}: label name '{}' is not [a-z0-9_]{{1,64}}", where, k));
  if (!nlohmann::json::accept(r.scenario_json)) throw InternalError(where + ": scenario_json is not valid JSON");
}

// Content equality, ignoring provenance (created_utc, build_version). NaN metrics count as missing.
bool same_content(const ResultRow& incoming, const ResultRow& stored) {
  std::map<std::string, double> m;
  for (const auto& [k, v] : incoming.metrics)
    if (!std::isnan(v)) m.emplace(k, v);
  return incoming.kind == stored.kind && incoming.scenario_json == stored.scenario_json &&
         incoming.model_hash == stored.model_hash && incoming.hardware_hash == stored.hardware_hash &&
         incoming.error == stored.error && incoming.labels == stored.labels && m == stored.metrics;
}

void add_columns(const Db& db, const std::set<std::string>& metrics, const std::set<std::string>& labels) {
  const auto cols = result_columns(db);
  const std::set<std::string> have(cols.begin(), cols.end());
  for (const auto& m : metrics)
    if (!have.count("m_" + m))
      db.exec(fmt::format("ALTER TABLE results ADD COLUMN {} REAL", quoted("m_" + m)), "adding a metric column");
  for (const auto& l : labels)
    if (!have.count("l_" + l))
      db.exec(fmt::format("ALTER TABLE results ADD COLUMN {} TEXT", quoted("l_" + l)), "adding a label column");
}

void accumulate(PutStats& total, const PutStats& s) {
  total.inserted += s.inserted;
  total.identical += s.identical;
  total.conflicting += s.conflicting;
  for (const auto& e : s.conflict_examples)
    if (total.conflict_examples.size() < MAX_CONFLICT_EXAMPLES) total.conflict_examples.push_back(e);
}

}  // namespace

// ---- names ----------------------------------------------------------------------------------------------

bool valid_column_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string to_column_name(const std::string& raw) {
  std::string out;
  for (char ch : raw) {
    const char c = char(std::tolower(static_cast<unsigned char>(ch)));
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) throw ConfigError(fmt::format("'{}' cannot be used as a result column name", raw));
  if (out.size() > 64) throw ConfigError(fmt::format("'{}' is too long for a result column name (max 64)", raw));
  return out;
}

// ---- row reading ----------------------------------------------------------------------------------------

detail::RowReader::RowReader(const Stmt& s) {
  for (int c = 0; c < s.columns(); ++c) {
    const std::string n = s.column_name(c);
    if (n.rfind("m_", 0) == 0)
      metrics.emplace_back(c, n.substr(2));
    else if (n.rfind("l_", 0) == 0)
      labels.emplace_back(c, n.substr(2));
    else
      fixed[n] = c;
  }
  for (const auto& f : fixed_columns())
    if (!fixed.count(f)) throw InternalError(fmt::format("results query lacks column {}", f));
}

ResultRow detail::RowReader::read(const Stmt& s) const {
  ResultRow r;
  r.run_name = s.text(fixed.at("run_name"));
  r.scenario_id = s.text(fixed.at("scenario_id"));
  r.kind = s.text(fixed.at("kind"));
  r.scenario_json = s.text(fixed.at("scenario_json"));
  r.model_hash = s.text(fixed.at("model_hash"));
  r.hardware_hash = s.text(fixed.at("hardware_hash"));
  r.build_version = s.text(fixed.at("build_version"));
  r.created_utc = s.text(fixed.at("created_utc"));
  r.error = s.text(fixed.at("error"));
  for (const auto& [c, n] : metrics)
    if (!s.is_null(c)) r.metrics.emplace(n, s.real(c));
  for (const auto& [c, n] : labels)
    if (!s.is_null(c)) r.labels.emplace(n, s.text(c));
  return r;
}

// ---- opening ---------------------------------------------------------------------------------------------

ResultsStore::ResultsStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultsStore::ResultsStore(ResultsStore&&) noexcept = default;
ResultsStore& ResultsStore::operator=(ResultsStore&&) noexcept = default;
ResultsStore::~ResultsStore() = default;

ResultsStore ResultsStore::open(const std::string& path, bool create) {
  return open(path, create ? OpenMode::create : OpenMode::read_write);
}

ResultsStore ResultsStore::open(const std::string& path, OpenMode mode) {
  namespace fs = std::filesystem;
  if (path.empty()) throw ConfigError("", "--db", "needs the path of a results database");
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st)) throw IoError(fmt::format("{}: is a directory, not a results database", path));
  if (mode != OpenMode::create && !fs::exists(st)) throw IoError(fmt::format("{}: no such results database", path));
  if (mode != OpenMode::create && !fs::is_regular_file(st))
    throw IoError(fmt::format("{}: not a regular file, so not a results database", path));
  // A read-only use still opens read-write (with query_only) where it may: a connection that cannot
  // write leaves the WAL's -wal/-shm side files behind when it closes. Read-only media: SQLITE_OPEN_READONLY.
  int flags = SQLITE_OPEN_READWRITE;
  if (mode == OpenMode::create) flags |= SQLITE_OPEN_CREATE;
  if (mode == OpenMode::read_only && !writable_with_side_files(path)) flags = SQLITE_OPEN_READONLY;
  auto impl = std::make_unique<Impl>(path, flags, mode);
  const Db& db = impl->db;
  if (mode == OpenMode::read_only) db.exec("PRAGMA query_only = 1", "opening read-only");
  // The first read of the header fails with SQLITE_NOTADB for anything that is not SQLite.
  if (schema_is_empty(db)) {
    if (mode != OpenMode::create)
      throw ConfigError(path, "", "an empty file or database, not an infersim results store");
    create_schema(db);
  } else {
    verify_integrity(db);
  }
  const int version = check_schema(db, table_names(db));
  if (version == 1 && mode == OpenMode::read_only)
    throw ConfigError(path, "",
                      "written by an older infersim (results schema 1, where usd_per_1k_tokens meant per output token "
                      "in some rows and blended in others); upgrade it in place with `infersim results migrate --db " +
                          path + "` (any writable use, e.g. resuming a sweep into it, upgrades it too)");
  // Only now that the file is known to be ours may its journal mode change (that rewrites the header).
  if (mode != OpenMode::read_only) {
    if (sqlite3_db_readonly(db.get(), "main") == 1)
      throw IoError(fmt::format("{}: the results database cannot be written (file permissions, read-only media, or "
                                "a damaged header)",
                                path));
    db.exec("PRAGMA journal_mode = WAL", "switching to the WAL journal");
    db.exec("PRAGMA synchronous = NORMAL", "setting the sync mode");
    // Scenario ids are hashes, so each batch lands on random pages of the two key indexes; SQLite's
    // default 2 MiB page cache would re-read most of them from disk for every batch.
    db.exec("PRAGMA cache_size = -65536", "setting the page cache size");
    db.exec("PRAGMA wal_autocheckpoint = 10000", "setting the checkpoint interval");
    if (version == 1) migrate_1_to_2(db);
  }
  return ResultsStore(std::move(impl));
}

const std::string& ResultsStore::path() const { return impl_->db.path(); }

// ---- queries ---------------------------------------------------------------------------------------------

bool ResultsStore::has(const std::string& scenario_id, const std::string& run_name) const {
  Stmt s(impl_->db,
         run_name.empty() ? "SELECT 1 FROM results WHERE scenario_id = ?1 LIMIT 1"
                          : "SELECT 1 FROM results WHERE scenario_id = ?1 AND run_name = ?2",
         "looking up a scenario");
  s.bind(1, scenario_id);
  if (!run_name.empty()) s.bind(2, run_name);
  return s.step();
}

std::set<std::string> ResultsStore::finished_ids(const std::string& run_name) const {
  Stmt s(impl_->db,
         run_name.empty() ? "SELECT scenario_id FROM results" : "SELECT scenario_id FROM results WHERE run_name = ?1",
         "reading finished scenarios");
  if (!run_name.empty()) s.bind(1, run_name);
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

std::size_t ResultsStore::count(const std::string& run_name) const {
  Stmt s(impl_->db,
         run_name.empty() ? "SELECT count(*) FROM results" : "SELECT count(*) FROM results WHERE run_name = ?1",
         "counting results");
  if (!run_name.empty()) s.bind(1, run_name);
  s.step();
  return std::size_t(s.integer(0));
}

void ResultsStore::for_each_row(const std::string& run_name, const std::function<void(const ResultRow&)>& fn) const {
  Stmt s(impl_->db,
         std::string("SELECT * FROM results") + (run_name.empty() ? "" : " WHERE run_name = ?1") +
             " ORDER BY run_name, scenario_id",
         "reading results");
  if (!run_name.empty()) s.bind(1, run_name);
  const detail::RowReader reader(s);
  while (s.step()) fn(reader.read(s));
}

std::vector<ResultRow> ResultsStore::rows(const std::string& run_name) const {
  std::vector<ResultRow> out;
  for_each_row(run_name, [&](const ResultRow& r) { out.push_back(r); });
  return out;
}

std::vector<std::string> ResultsStore::runs() const {
  Stmt s(impl_->db, "SELECT DISTINCT run_name FROM results ORDER BY run_name", "listing runs");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::string> ResultsStore::metric_names() const { return prefixed(result_columns(impl_->db), "m_"); }
std::vector<std::string> ResultsStore::label_names() const { return prefixed(result_columns(impl_->db), "l_"); }

StoreInfo ResultsStore::info() const {
  const Db& db = impl_->db;
  StoreInfo info;
  info.path = db.path();
  const auto meta = read_meta(db);
  info.schema_version = SCHEMA_VERSION;  // open() refused anything else
  if (auto it = meta.find("created_utc"); it != meta.end()) info.created_utc = it->second;
  if (auto it = meta.find("created_by"); it != meta.end()) info.created_by = it->second;
  info.rows = count();
  info.metric_names = metric_names();
  info.label_names = label_names();
  Stmt s(db,
         "SELECT run_name, count(*), sum(error <> ''), min(created_utc), max(created_utc) FROM results "
         "GROUP BY run_name ORDER BY run_name",
         "summarising runs");
  while (s.step()) {
    RunInfo r;
    r.name = s.text(0);
    r.rows = std::size_t(s.integer(1));
    r.failed = std::size_t(s.integer(2));
    r.first_utc = s.text(3);
    r.last_utc = s.text(4);
    info.runs.push_back(std::move(r));
  }
  Stmt v(db, "SELECT DISTINCT run_name, build_version FROM results ORDER BY run_name, build_version",
         "summarising runs");
  while (v.step())
    for (auto& r : info.runs)
      if (r.name == v.text(0)) r.build_versions.push_back(v.text(1));
  return info;
}

// ---- writing ---------------------------------------------------------------------------------------------

PutStats ResultsStore::put_batch(const std::vector<ResultRow>& rows) {
  const Db& db = impl_->db;
  if (impl_->mode == OpenMode::read_only)
    throw InternalError(fmt::format("{}: put_batch on a results store opened read-only", db.path()));
  for (const auto& r : rows) validate_row(r);
  PutStats st;
  if (rows.empty()) return st;

  std::set<std::string> metrics, labels;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.metrics) metrics.insert(k);
    for (const auto& [k, v] : r.labels) labels.insert(k);
  }
  Transaction t(db, "writing a batch of results");
  add_columns(db, metrics, labels);  // inside the transaction: a rolled-back batch adds no columns either

  std::string cols = detail::common_columns_sql();
  std::string params;
  for (std::size_t i = 1; i <= fixed_columns().size(); ++i) params += (i > 1 ? ", ?" : "?") + std::to_string(i);
  int n = int(fixed_columns().size());
  for (const auto& m : metrics) {
    cols += ", " + quoted("m_" + m);
    params += ", ?" + std::to_string(++n);
  }
  for (const auto& l : labels) {
    cols += ", " + quoted("l_" + l);
    params += ", ?" + std::to_string(++n);
  }
  Stmt ins(db, fmt::format("INSERT OR IGNORE INTO results ({}) VALUES ({})", cols, params),
           "writing a batch of results");
  std::unique_ptr<Stmt> sel;
  const std::string now = now_utc();
  const std::string version = common::version_string();
  for (const auto& r : rows) {
    ins.bind(1, r.run_name);
    ins.bind(2, r.scenario_id);
    ins.bind(3, r.kind);
    ins.bind(4, r.scenario_json);
    ins.bind(5, r.model_hash);
    ins.bind(6, r.hardware_hash);
    ins.bind(7, r.build_version.empty() ? version : r.build_version);
    ins.bind(8, r.created_utc.empty() ? now : r.created_utc);
    ins.bind(9, r.error);
    int i = int(fixed_columns().size());
    for (const auto& m : metrics) {
      auto it = r.metrics.find(m);
      if (it == r.metrics.end())
        ins.bind_null(++i);
      else
        ins.bind(++i, it->second);
    }
    for (const auto& l : labels) {
      auto it = r.labels.find(l);
      if (it == r.labels.end())
        ins.bind_null(++i);
      else
        ins.bind(++i, it->second);
    }
    ins.step();
    ins.reset();
    if (sqlite3_changes(db.get()) == 1) {
      ++st.inserted;
      continue;
    }
    if (!sel)
      sel = std::make_unique<Stmt>(db, "SELECT * FROM results WHERE run_name = ?1 AND scenario_id = ?2",
                                   "comparing with a stored row");
    sel->bind(1, r.run_name);
    sel->bind(2, r.scenario_id);
    if (!sel->step())
      throw InternalError(
          fmt::format("{}: row {}/{} was neither inserted nor found", db.path(), r.run_name, r.scenario_id));
    const auto stored = detail::RowReader(*sel).read(*sel);
    sel->reset();
    if (same_content(r, stored)) {
      ++st.identical;
    } else {
      ++st.conflicting;
      if (st.conflict_examples.size() < MAX_CONFLICT_EXAMPLES)
        st.conflict_examples.push_back(r.run_name + "/" + r.scenario_id);
    }
  }
  t.commit();
  return st;
}

PutStats ResultsStore::merge_from(const std::string& other_path) {
  namespace fs = std::filesystem;
  if (impl_->mode == OpenMode::read_only)
    throw InternalError(fmt::format("{}: merge_from on a results store opened read-only", path()));
  std::error_code ec;
  if (fs::exists(other_path, ec) && fs::equivalent(path(), other_path, ec))
    throw ConfigError(other_path, "", "is the output database itself; a file cannot be merged into itself");
  const auto other = open(other_path, OpenMode::read_only);
  {
    // Columns first, so a column the other file has but no row fills (NaN-only metrics) still appears.
    const auto m = other.metric_names();
    const auto l = other.label_names();
    Transaction t(impl_->db, "adding the merged file's columns");
    add_columns(impl_->db, {m.begin(), m.end()}, {l.begin(), l.end()});
    t.commit();
  }
  PutStats total;
  std::vector<ResultRow> batch;
  batch.reserve(MERGE_BATCH);
  other.for_each_row("", [&](const ResultRow& r) {
    batch.push_back(r);
    if (batch.size() >= MERGE_BATCH) {
      accumulate(total, put_batch(batch));
      batch.clear();
    }
  });
  accumulate(total, put_batch(batch));
  return total;
}

const std::vector<std::string>& detail::fixed_columns() {
  static const std::vector<std::string> c = {"run_name",      "scenario_id", "kind",
                                             "scenario_json", "model_hash",  "hardware_hash",
                                             "build_version", "created_utc", "error"};
  return c;
}

std::string detail::common_columns_sql() {
  std::string s;
  for (const auto& c : fixed_columns()) s += (s.empty() ? "" : ", ") + c;
  return s;
}

}  // namespace infersim::store
