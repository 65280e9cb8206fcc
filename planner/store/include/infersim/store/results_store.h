#pragma once
// The results store: one SQLite file holding the rows of one or more sweeps ("runs"). A row is one
// scenario's result: its id (content hash of the resolved scenario), the resolved scenario JSON, the
// content hashes of the model card and hardware profile used, the build version, and every summary
// metric as a REAL column `m_<name>` and every label as a TEXT column `l_<name>` (columns are added
// when a new name first appears). Key: (run_name, scenario_id); writing a row that is already there
// is a no-op, so replaying a batch after a crash never duplicates anything.
//
// Durability: WAL journal, one transaction per put_batch(); a writer killed at any moment (kill -9)
// leaves every committed batch and none of the batch in flight. Every open verifies the file
// (SQLite header, PRAGMA quick_check, schema version); problems become ConfigError / IoError naming
// the file, never a crash. Format, guarantees and the sharding recipe: docs/results-store.md.
//
// Units: metrics are whatever their names say (ttft_s, power_w, ...); NaN is stored as missing.
// Ownership and threads: a ResultsStore owns one SQLite connection; movable, not copyable, not
// synchronised (use it from one thread at a time). Several processes may use one file at once
// (WAL readers never block; writers wait up to 10 s for each other).
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace infersim::store {

// 2: metrics are checked against the declared vocabulary (metric_vocabulary.h) and the ambiguous
// usd_per_1k_tokens is gone: per output token it is usd_per_1k_output, blended (plan rows)
// usd_per_1k_blended. A schema-1 file is upgraded in place by any writable open (or
// `infersim results migrate`); a read-only open of one says so.
inline constexpr int SCHEMA_VERSION = 2;

struct ResultRow {
  std::string run_name;                       // the sweep this row belongs to; non-empty
  std::string scenario_id;                    // stable content hash of the resolved scenario; non-empty
  std::string kind;                           // "estimate" | "simulate" | ...
  std::string scenario_json;                  // the resolved scenario, valid JSON text
  std::string model_hash;                     // content hash of the model card used
  std::string hardware_hash;                  // content hash of the hardware profile used
  std::string build_version;                  // infersim version that computed the row; empty -> this build's
  std::string created_utc;                    // ISO 8601 UTC ("2025-01-31T12:00:00Z"); empty -> set by the store
  std::string error;                          // non-empty: the scenario was invalid; still a finished row
  std::map<std::string, double> metrics;      // name [a-z0-9_]+ -> value (NaN is stored as missing)
  std::map<std::string, std::string> labels;  // name [a-z0-9_]+ -> value (model, hardware, ...)

  bool operator==(const ResultRow&) const = default;
};

// What a put_batch() / merge_from() did. A row whose key is already stored is "identical" when its
// content (everything but created_utc and build_version) equals the stored one, else "conflicting";
// either way the stored row is kept.
struct PutStats {
  std::size_t inserted = 0;
  std::size_t identical = 0;
  std::size_t conflicting = 0;
  std::vector<std::string> conflict_examples;  // "run/scenario_id", at most 5
};

struct RunInfo {
  std::string name;
  std::size_t rows = 0;
  std::size_t failed = 0;  // rows with an error
  std::string first_utc, last_utc;
  std::vector<std::string> build_versions;  // sorted
};

struct StoreInfo {
  std::string path;
  int schema_version = 0;
  std::string created_utc;  // when the file was created
  std::string created_by;   // infersim version that created it
  std::size_t rows = 0;
  std::vector<std::string> metric_names;  // sorted, without the m_ prefix
  std::vector<std::string> label_names;   // sorted, without the l_ prefix
  std::vector<RunInfo> runs;              // sorted by name
};

struct ExportOptions {
  std::string run_name;              // empty: every run
  bool include_created_utc = false;  // off by default so the same results export byte-identically
};

enum class OpenMode {
  read_only,   // never writes (exports, listing, merge inputs)
  read_write,  // the file must exist and be a results store
  create,      // create the file if missing; an existing file must be a results store
};

class ResultsStore {
 public:
  static ResultsStore open(const std::string& path, OpenMode mode);
  static ResultsStore open(const std::string& path, bool create);  // read_write or create

  ResultsStore(ResultsStore&&) noexcept;
  ResultsStore& operator=(ResultsStore&&) noexcept;
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;
  ~ResultsStore();

  const std::string& path() const;

  // run_name "" means every run (then has() scans the table: the key index starts with run_name).
  bool has(const std::string& scenario_id, const std::string& run_name = "") const;
  std::set<std::string> finished_ids(const std::string& run_name = "") const;
  std::size_t count(const std::string& run_name = "") const;

  // One transaction: every row is stored (or already was) or, on any error, none is.
  // Invalid rows (empty run/id, bad names, scenario_json not JSON) -> InternalError before writing.
  PutStats put_batch(const std::vector<ResultRow>& rows);

  // Ordered by (run_name, scenario_id) for determinism.
  std::vector<ResultRow> rows(const std::string& run_name = "") const;
  void for_each_row(const std::string& run_name, const std::function<void(const ResultRow&)>& fn) const;

  std::vector<std::string> runs() const;  // sorted
  std::vector<std::string> metric_names() const;
  std::vector<std::string> label_names() const;
  StoreInfo info() const;

  // Copies every row of another results file into this one (its columns first, then rows in batches,
  // one transaction each); idempotent, so a killed merge can simply be run again.
  PutStats merge_from(const std::string& other_path);

  // CSV (RFC 4180, "\n" line ends) and JSON exports; byte-identical for the same rows.
  void export_csv(std::ostream& out, const ExportOptions& options = {}) const;
  void export_json(std::ostream& out, const ExportOptions& options = {}) const;
  std::string export_csv(const ExportOptions& options = {}) const;
  std::string export_json(const ExportOptions& options = {}) const;

 private:
  struct Impl;
  explicit ResultsStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A metric or label name usable as a column: 1..64 characters of [a-z0-9_].
bool valid_column_name(const std::string& name);
// Maps a free-form name (a sweep axis such as "/serving/scheduler") to a valid column name
// ("serving_scheduler"): lower case, other characters become '_', runs of '_' collapse, no '_' at the
// ends. Throws ConfigError when nothing usable is left.
std::string to_column_name(const std::string& raw);

}  // namespace infersim::store
