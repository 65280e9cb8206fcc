#pragma once
// Sweeps: run many scenarios (a grid over scenario fields) in parallel, stream results into a sink
// (the SQLite store, wired by the front end), and resume after any interruption: scenarios whose id is
// already in the sink are skipped, and results are written in batches, each batch atomic in the sink.
// A scenario's id is the SHA-256 of its kind and canonical resolved JSON, so the same scenario always
// has the same id, on every machine and shard. Thread-safe: the evaluator is called from `jobs`
// worker threads at once (it must be reentrant); the sink only from the calling thread.
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace infersim::planner {

struct SweepScenario {
  std::string id;                             // sha256 of kind + canonical JSON
  std::string kind;                           // "estimate" | "simulate"
  std::string json;                           // the resolved scenario (canonical JSON text)
  std::map<std::string, std::string> labels;  // axis path -> value, for filtering results
};

struct SweepOutcome {
  std::map<std::string, double> metrics;      // summary metrics (become columns in the store)
  std::map<std::string, std::string> labels;  // model, hardware, runtime, ...
  std::string model_hash, hardware_hash;      // content hashes of the inputs used
  std::string error;                          // non-empty: the scenario was invalid (kept, not retried)
};

using SweepEvaluator = std::function<SweepOutcome(const SweepScenario&)>;

class SweepSink {
 public:
  virtual ~SweepSink() = default;
  virtual std::set<std::string> finished_ids() = 0;
  // Atomic per call: either every row of the batch is stored or none.
  virtual void put_batch(const std::vector<std::pair<SweepScenario, SweepOutcome>>& rows) = 0;
};

struct SweepProgress {
  std::size_t total = 0, skipped = 0, done = 0, failed = 0;
  double elapsed_s = 0;
  double rate_per_s = 0;
  double eta_s = 0;
};

struct SweepStats {
  std::size_t total = 0, skipped = 0, done = 0, failed = 0;
  double elapsed_s = 0;
  bool cancelled = false;
};

// Expands SWEEP.json (docs/sweep-format.md) into scenarios, deterministic order.
std::vector<SweepScenario> expand_sweep_file(const std::string& path);
std::vector<SweepScenario> expand_sweep_text(const std::string& text, const std::string& origin);

// Runs what the sink does not have yet on `jobs` threads. Results are written in batches of
// `batch_size` rows, or whatever is ready once a second; `progress` is called from the calling thread
// after every write; `cancel` stops at the next write (what was written is kept).
SweepStats run_sweep(const std::vector<SweepScenario>& scenarios, const SweepEvaluator& evaluate, SweepSink& sink,
                     int jobs, std::size_t batch_size, const std::function<void(const SweepProgress&)>& progress,
                     const std::atomic<bool>* cancel = nullptr);

// The analytic evaluator (kind "estimate"): the scenario has the fields of `infersim estimate`.
SweepOutcome evaluate_estimate_scenario(const SweepScenario& s);

// Content hashes for result rows: the first 16 hex digits of the SHA-256 of the catalog file (model
// card / hardware profile) a name resolves to; of the name itself when it is not from a file.
std::string model_content_hash(const std::string& model_name);
std::string hardware_content_hash(const std::string& hardware_name);

}  // namespace infersim::planner
