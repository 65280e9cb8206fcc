#pragma once
// The GUI's calls into the SQLite results store (planner/store, always linked with the GUI): every
// finished run is recorded, and the Runs view lists past runs and reopens their scenarios. No Qt;
// thread-safe per call.
#include <optional>
#include <string>
#include <vector>

#include "workers/run_results.h"

namespace infersim::gui {

// $INFERSIM_RESULTS_DB, else <data home>/infersim/gui-results.sqlite ($XDG_DATA_HOME or ~/.local/share).
std::string default_store_path();

struct StoredRuns {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;  // first column: the stored result id
  std::string error;
};
StoredRuns list_stored_runs(const std::string& db_path, int limit = 500);
// Records a finished run (one row per hardware at load, plus the scenario); returns "" or the error.
std::string record_run(const std::string& db_path, const RunResult& r);
// The GUI scenario a stored run was made from (nullopt if the row holds none).
std::optional<ScenarioInput> stored_scenario(const std::string& db_path, const std::string& id);

}  // namespace infersim::gui
