#pragma once
// RAII wrappers over one SQLite connection and its prepared statements, with every SQLite failure
// turned into infersim's error policy (the file name plus what is wrong, never a crash). Private to
// planner/store: nothing else in infersim includes sqlite3.h. Not synchronised.
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace infersim::store::detail {

class Db {
 public:
  // Opens without touching the file's contents (SQLite reads lazily); flags are sqlite3_open_v2's.
  Db(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }
  void exec(const std::string& sql, const char* doing) const;
  // Throws the error that `rc` stands for: ConfigError (not a database), IoError (corrupt, locked,
  // disk full, I/O), std::bad_alloc, or InternalError (a bug in our SQL).
  [[noreturn]] void fail(int rc, const char* doing) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Stmt {
 public:
  Stmt(const Db& db, const std::string& sql, const char* doing);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, const std::string& v);
  void bind(int i, double v);  // NaN binds NULL (SQLite would store NULL anyway)
  void bind_null(int i);
  bool step();  // true: a row is ready; false: done
  void reset();
  int columns() const;
  std::string column_name(int c) const;
  bool is_null(int c) const;
  std::string text(int c) const;
  double real(int c) const;
  std::int64_t integer(int c) const;

 private:
  const Db& db_;
  sqlite3_stmt* s_ = nullptr;
  const char* doing_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class Transaction {
 public:
  explicit Transaction(const Db& db, const char* doing);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  const Db& db_;
  const char* doing_;
  bool done_ = false;
};

// Non-printable bytes -> '?', for messages that quote file contents.
std::string printable(const std::string& s);

}  // namespace infersim::store::detail
