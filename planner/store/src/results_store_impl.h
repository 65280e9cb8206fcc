#pragma once
// Private parts of ResultsStore shared by its source files: the connection it owns and the mapping
// from a SELECT's columns to a ResultRow. Not synchronised.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "infersim/store/results_store.h"
#include "sqlite_db.h"

namespace infersim::store {

struct ResultsStore::Impl {
  Impl(const std::string& path, int flags, OpenMode m) : db(path, flags), mode(m) {}
  detail::Db db;
  OpenMode mode;
};

namespace detail {

// The columns every results table has, in table order (metric and label columns follow).
const std::vector<std::string>& fixed_columns();
std::string common_columns_sql();  // "run_name, scenario_id, ..."

class RowReader {
 public:
  explicit RowReader(const Stmt& s);
  ResultRow read(const Stmt& s) const;

 private:
  std::map<std::string, int> fixed;
  std::vector<std::pair<int, std::string>> metrics, labels;
};

}  // namespace detail
}  // namespace infersim::store
