#include "sqlite_db.h"

#include <fmt/format.h>

#include <new>

#include "infersim/common/errors.h"

namespace infersim::store::detail {

using common::ConfigError;
using common::InternalError;
using common::IoError;

Db::Db(const std::string& path, int flags) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    if (rc == SQLITE_NOMEM) throw std::bad_alloc();
    throw IoError(fmt::format("{}: cannot open the results database: {}", path, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 10'000);
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::exec(const std::string& sql, const char* doing) const {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, doing);
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  return out;
}

void Db::fail(int rc, const char* doing) const {
  // SQLite quotes damaged schema text in its messages: keep terminals safe.
  const std::string detail = printable(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  if (rc == SQLITE_ERROR && detail.find("unsupported file format") != std::string::npos)
    throw ConfigError(path_, "",
                      "unsupported SQLite file format: the header is damaged or the file was written by a much newer "
                      "SQLite; not readable as an infersim results store");
  switch (rc & 0xff) {
    case SQLITE_NOTADB: throw ConfigError(path_, "", "not an SQLite database, so not an infersim results store");
    case SQLITE_CORRUPT:
      throw IoError(
          fmt::format("{}: the results database is corrupt or truncated (SQLite: {}, while {}); its rows cannot be "
                      "trusted: re-run the "
                      "sweep into a new file (finished shards can be merged), or try `sqlite3 {} .recover`",
                      path_, detail, doing, path_));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw IoError(fmt::format("{}: the results database is locked by another process (waited 10 s) while {}: {}",
                                path_, doing, detail));
    case SQLITE_FULL: throw IoError(fmt::format("{}: disk full while {}", path_, doing));
    case SQLITE_IOERR: throw IoError(fmt::format("{}: I/O error while {}: {}", path_, doing, detail));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      throw IoError(fmt::format("{}: cannot access the results database while {}: {}", path_, doing, detail));
    case SQLITE_NOMEM: throw std::bad_alloc();
    default: throw InternalError(fmt::format("{}: SQLite error while {}: {} (code {})", path_, doing, detail, rc));
  }
}

Stmt::Stmt(const Db& db, const std::string& sql, const char* doing) : db_(db), doing_(doing) {
  const int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), int(sql.size()), &s_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s_);
    s_ = nullptr;
    db.fail(rc, doing);
  }
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

void Stmt::bind(int i, const std::string& v) {
  const int rc = sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, doing_);
}

void Stmt::bind(int i, double v) {
  const int rc = v != v ? sqlite3_bind_null(s_, i) : sqlite3_bind_double(s_, i, v);
  if (rc != SQLITE_OK) db_.fail(rc, doing_);
}

void Stmt::bind_null(int i) {
  const int rc = sqlite3_bind_null(s_, i);
  if (rc != SQLITE_OK) db_.fail(rc, doing_);
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc, doing_);
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

int Stmt::columns() const { return sqlite3_column_count(s_); }
std::string Stmt::column_name(int c) const {
  const char* n = sqlite3_column_name(s_, c);
  return n ? n : "";
}
bool Stmt::is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
std::string Stmt::text(int c) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
  return p ? std::string(p, std::size_t(sqlite3_column_bytes(s_, c))) : std::string{};
}
double Stmt::real(int c) const { return sqlite3_column_double(s_, c); }
std::int64_t Stmt::integer(int c) const { return sqlite3_column_int64(s_, c); }

Transaction::Transaction(const Db& db, const char* doing) : db_(db), doing_(doing) {
  db_.exec("BEGIN IMMEDIATE", doing_);
}

Transaction::~Transaction() {
  // Some errors (disk full, I/O) already rolled SQLite back; only roll back what is still open.
  if (!done_ && !sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT", doing_);
  done_ = true;
}

}  // namespace infersim::store::detail
