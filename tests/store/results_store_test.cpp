// The SQLite results store: round trips, schema growth, idempotent writes, crash-safe resumption
// (a writer killed with SIGKILL mid-batch, then resumed), damaged and foreign files, shards and merge,
// deterministic exports. Bad files are crafted by patching bytes, so this test needs no sqlite3.h.
#include "infersim/store/results_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/store/metric_vocabulary.h"
#include "infersim/store/shard.h"

#include <algorithm>
#include <sqlite3.h>

using namespace infersim;
using store::OpenMode;
using store::ResultRow;
using store::ResultsStore;

namespace {

namespace fs = std::filesystem;

// Files of this process, removed at exit (the forked writer leaves with _exit and removes nothing).
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    std::error_code ec;
    for (const auto& p : paths)
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(p + suffix, ec);
  }
} temp_files;

std::string fresh_path(const std::string& name) {
  const std::string p = ::testing::TempDir() + "/store_" + std::to_string(::getpid()) + "_" + name + ".sqlite";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(p + suffix);
  temp_files.paths.push_back(p);
  return p;
}

// A deterministic set of rows shaped like a sweep's: content-hash ids, metrics, labels, some failures.
std::vector<ResultRow> make_rows(int n, const std::string& run = "sweep-a", std::size_t padding = 0) {
  std::vector<ResultRow> rows;
  const std::vector<std::string> hw = {"h100-sxm", "mi300x", "l40s"};
  for (int i = 0; i < n; ++i) {
    ResultRow r;
    r.run_name = run;
    r.kind = "estimate";
    r.scenario_json = fmt::format(R"({{"batch":{},"hardware":"{}","input":512,"note":"{}"}})", 1 + i % 64,
                                  hw[std::size_t(i) % hw.size()], std::string(padding, 'x'));
    r.scenario_id = common::sha256_hex(r.kind + "\n" + r.scenario_json + std::to_string(i)).substr(0, 32);
    r.model_hash = "m0123456789abcdef";
    r.hardware_hash = common::sha256_hex(hw[std::size_t(i) % hw.size()]).substr(0, 16);
    r.build_version = "0.1.0";
    if (i % 17 == 5) {
      r.error = fmt::format("scenario {}: model does not fit, by \"{}\" GiB,\nsee docs", i, i);
    } else {
      r.metrics = {{"ttft_s", 0.1 * i + 1.0 / 3.0}, {"tpot_s", 1e-3 * (i + 1)}, {"chips", double(1 + i % 8)}};
      if (i % 5 == 0) r.metrics["usd_per_1k_output"] = 1.0 / (i + 7);
    }
    r.labels = {{"hardware", hw[std::size_t(i) % hw.size()]}, {"model", "llama-3.1-8b"}};
    if (i % 3 == 0) r.labels["runtime"] = "vllm, v0.6";  // a comma: CSV must quote it
    rows.push_back(std::move(r));
  }
  return rows;
}

void put_in_batches(ResultsStore& s, const std::vector<ResultRow>& rows, std::size_t batch) {
  for (std::size_t b = 0; b < rows.size(); b += batch) {
    const auto end = std::min(rows.size(), b + batch);
    s.put_batch(std::vector<ResultRow>(rows.begin() + long(b), rows.begin() + long(end)));
  }
}

std::vector<ResultRow> without_times(std::vector<ResultRow> rows) {
  for (auto& r : rows) r.created_utc.clear();
  return rows;
}

std::vector<ResultRow> sorted(std::vector<ResultRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const ResultRow& a, const ResultRow& b) {
    return std::tie(a.run_name, a.scenario_id) < std::tie(b.run_name, b.scenario_id);
  });
  return rows;
}

std::string read_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Expects opening `path` to fail with an infersim error (never a crash) whose message names the file
// and contains `needle`.
template <class E>
void expect_open_error(const std::string& path, OpenMode mode, const std::string& needle) {
  try {
    (void)ResultsStore::open(path, mode);
    ADD_FAILURE() << path << " opened; expected an error containing '" << needle << "'";
  } catch (const E& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type for " << path << ": " << e.what();
  }
}

std::string store_with_rows(const std::string& name, int n, std::size_t padding = 0) {
  const auto p = fresh_path(name);
  auto s = ResultsStore::open(p, OpenMode::create);
  put_in_batches(s, make_rows(n, "sweep-a", padding), 100);
  return p;  // closing the last connection checkpoints the WAL into the main file
}

}  // namespace

TEST(ResultsStore, RoundTripsRowsExactly) {
  const auto p = fresh_path("roundtrip");
  auto rows = make_rows(40);
  rows[3].metrics["energy_j"] = std::numeric_limits<double>::infinity();
  rows[4].metrics["avg_power_w"] = 4.9406564584124654e-324;
  rows[6].labels["empty"] = "";
  {
    auto s = ResultsStore::open(p, true);
    const auto st = s.put_batch(rows);
    EXPECT_EQ(st.inserted, rows.size());
  }
  const auto s = ResultsStore::open(p, OpenMode::read_only);
  EXPECT_EQ(s.count(), rows.size());
  const auto back = s.rows();
  ASSERT_EQ(back.size(), rows.size());
  for (const auto& r : back) EXPECT_FALSE(r.created_utc.empty());
  EXPECT_EQ(without_times(back), sorted(rows));
  EXPECT_TRUE(s.has(rows[0].scenario_id));
  EXPECT_TRUE(s.has(rows[0].scenario_id, "sweep-a"));
  EXPECT_FALSE(s.has(rows[0].scenario_id, "sweep-b"));
  EXPECT_FALSE(s.has("nope"));
  EXPECT_EQ(s.finished_ids("sweep-a").size(), rows.size());
  EXPECT_TRUE(s.finished_ids("other").empty());
  EXPECT_EQ(s.runs(), std::vector<std::string>{"sweep-a"});
  const auto info = s.info();
  EXPECT_EQ(info.schema_version, store::SCHEMA_VERSION);
  EXPECT_FALSE(info.created_by.empty());
  ASSERT_EQ(info.runs.size(), 1u);
  EXPECT_EQ(info.runs[0].rows, rows.size());
  EXPECT_EQ(info.runs[0].failed, 3u);  // i = 5, 22, 39
  EXPECT_EQ(info.runs[0].build_versions, std::vector<std::string>{"0.1.0"});
}

TEST(ResultsStore, StoreFillsBuildVersionAndTimeAndDropsNaN) {
  const auto p = fresh_path("fill");
  auto rows = make_rows(2);
  rows[0].build_version.clear();
  rows[0].metrics["hydration_s"] = std::nan("");
  rows[1].created_utc = "2024-01-02T03:04:05Z";
  auto s = ResultsStore::open(p, true);
  s.put_batch(rows);
  for (const auto& r : s.rows()) {
    EXPECT_FALSE(r.build_version.empty());
    EXPECT_EQ(r.metrics.count("hydration_s"), 0u) << "NaN is stored as missing";
    if (r.scenario_id == rows[1].scenario_id) {
      EXPECT_EQ(r.created_utc, "2024-01-02T03:04:05Z");
    }
    if (r.scenario_id == rows[0].scenario_id) {
      EXPECT_EQ(r.created_utc.size(), 20u) << r.created_utc;
    }
  }
  // Replaying the NaN row is still "identical": NaN means missing on both sides.
  const auto st = s.put_batch({rows[0]});
  EXPECT_EQ(st.identical, 1u);
}

TEST(ResultsStore, NewMetricBecomesAColumn) {
  const auto p = fresh_path("columns");
  auto s = ResultsStore::open(p, true);
  auto rows = make_rows(4);
  s.put_batch({rows[0], rows[1]});
  EXPECT_EQ(s.metric_names(), (std::vector<std::string>{"chips", "tpot_s", "ttft_s", "usd_per_1k_output"}));
  rows[2].metrics["goodput"] = 12.5;
  rows[3].labels["scheduler"] = "fcfs";
  s.put_batch({rows[2], rows[3]});
  EXPECT_EQ(s.metric_names(), (std::vector<std::string>{"chips", "goodput", "tpot_s", "ttft_s", "usd_per_1k_output"}));
  EXPECT_EQ(s.label_names(), (std::vector<std::string>{"hardware", "model", "runtime", "scheduler"}));
  for (const auto& r : s.rows()) {
    EXPECT_EQ(r.metrics.count("goodput"), r.scenario_id == rows[2].scenario_id ? 1u : 0u);
    EXPECT_EQ(r.labels.count("scheduler"), r.scenario_id == rows[3].scenario_id ? 1u : 0u);
  }
  const auto csv = s.export_csv();
  EXPECT_NE(csv.find(",m_goodput,"), std::string::npos) << csv.substr(0, 300);
}

TEST(ResultsStore, WritingARowTwiceKeepsOneAndReportsConflicts) {
  const auto p = fresh_path("twice");
  auto s = ResultsStore::open(p, true);
  const auto rows = make_rows(10);
  EXPECT_EQ(s.put_batch(rows).inserted, 10u);
  const auto again = s.put_batch(rows);
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_EQ(again.identical, 10u);
  EXPECT_EQ(s.count(), 10u);
  auto changed = rows[1];
  changed.metrics["ttft_s"] += 1;
  changed.build_version = "9.9.9";
  const auto c = s.put_batch({changed, rows[2]});
  EXPECT_EQ(c.conflicting, 1u);
  EXPECT_EQ(c.identical, 1u);
  ASSERT_EQ(c.conflict_examples.size(), 1u);
  EXPECT_EQ(c.conflict_examples[0], "sweep-a/" + rows[1].scenario_id);
  EXPECT_EQ(s.count(), 10u);
  for (const auto& r : s.rows())
    if (r.scenario_id == rows[1].scenario_id) {
      EXPECT_EQ(r.metrics.at("ttft_s"), rows[1].metrics.at("ttft_s"));
    }
  // The same scenario in another run is another row.
  auto other = rows[0];
  other.run_name = "sweep-b";
  EXPECT_EQ(s.put_batch({other}).inserted, 1u);
  EXPECT_EQ(s.count(), 11u);
  EXPECT_EQ(s.count("sweep-b"), 1u);
  EXPECT_EQ(s.runs(), (std::vector<std::string>{"sweep-a", "sweep-b"}));
}

TEST(ResultsStore, InvalidRowsAreRefusedAndNothingOfTheBatchIsWritten) {
  const auto p = fresh_path("invalid");
  auto s = ResultsStore::open(p, true);
  auto rows = make_rows(3);
  auto bad = [&](auto mutate) {
    auto b = rows;
    mutate(b[2]);
    EXPECT_THROW(s.put_batch(b), common::InternalError);
    EXPECT_EQ(s.count(), 0u);
    EXPECT_TRUE(s.metric_names().empty());
  };
  bad([](ResultRow& r) { r.metrics["Bad-Name"] = 1; });
  // A well-formed but undeclared metric name: the vocabulary is the only way in (docs/metrics.md).
  bad([](ResultRow& r) { r.metrics["usd_per_1k_tokens"] = 1; });
  bad([](ResultRow& r) { r.metrics["made_up_metric"] = 1; });
  bad([](ResultRow& r) { r.labels[""] = "x"; });
  bad([](ResultRow& r) { r.run_name.clear(); });
  bad([](ResultRow& r) { r.scenario_id.clear(); });
  bad([](ResultRow& r) { r.scenario_json = "{not json"; });
  EXPECT_EQ(s.put_batch({}).inserted, 0u);
  auto ro = ResultsStore::open(p, OpenMode::read_only);
  EXPECT_THROW(ro.put_batch(rows), common::InternalError);
}

TEST(ResultsStore, ExportsAreDeterministicAndIndependentOfWriteOrder) {
  auto rows = make_rows(57);
  const auto a = fresh_path("export_a");
  const auto b = fresh_path("export_b");
  {
    auto s = ResultsStore::open(a, true);
    put_in_batches(s, rows, 10);
  }
  {
    auto s = ResultsStore::open(b, true);
    std::reverse(rows.begin(), rows.end());
    put_in_batches(s, rows, 23);
  }
  const auto sa = ResultsStore::open(a, OpenMode::read_only);
  const auto sb = ResultsStore::open(b, OpenMode::read_only);
  EXPECT_EQ(sa.export_csv(), sb.export_csv());
  EXPECT_EQ(sa.export_json(), sb.export_json());
  EXPECT_EQ(sa.export_csv(), sa.export_csv());

  const auto csv = sa.export_csv();
  const auto header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header, "run_name,scenario_id,kind,model_hash,hardware_hash,build_version,error,m_chips,m_tpot_s,m_ttft_s,"
                    "m_usd_per_1k_output,l_hardware,l_model,l_runtime,scenario_json");
  EXPECT_NE(csv.find("\"vllm, v0.6\""), std::string::npos);
  EXPECT_NE(csv.find("\"scenario 5: model does not fit, by \"\"5\"\" GiB,\nsee docs\""), std::string::npos);
  EXPECT_NE(sa.export_csv({"", true}).substr(0, 100).find(",created_utc,"), std::string::npos);

  // The JSON export parses, and its numbers read back to the exact doubles.
  const auto j = common::parse_json_text(sa.export_json(), "export");
  EXPECT_EQ(j["schema_version"].get<int>(), store::SCHEMA_VERSION);
  ASSERT_EQ(j["rows"].size(), 57u);
  const auto stored = sa.rows();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& jr = j["rows"][i];
    EXPECT_EQ(jr["scenario_id"].get<std::string>(), stored[i].scenario_id);
    for (const auto& [k, v] : stored[i].metrics) EXPECT_EQ(jr["metrics"][k].get<double>(), v) << k;
    EXPECT_TRUE(jr["scenario"].is_object());
  }
  // CSV numbers are the shortest round-trip form.
  const auto& r0 = stored[0];
  if (r0.metrics.count("ttft_s")) {
    const std::string s = fmt::format("{}", r0.metrics.at("ttft_s"));
    EXPECT_EQ(std::stod(s), r0.metrics.at("ttft_s"));
    EXPECT_NE(csv.find(s), std::string::npos);
  }
  EXPECT_EQ(sa.export_csv({"sweep-a", false}), csv);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'),
            1 + 57 + 4 /* newlines inside the 4 quoted errors (i = 5, 22, 39, 56) */);
  const auto none = sa.export_json({"no-such-run", false});
  EXPECT_EQ(none, "{\"format\":\"infersim-results\",\"schema_version\":2,\"rows\":[\n]}\n");
}

// The tentpole: a writer killed with SIGKILL at an arbitrary moment (here: right after it reported a
// commit, so usually inside the next transaction), then resumed with different batching, yields exactly
// the rows and exports of an uninterrupted run. Committed batches are whole: never half a batch.
TEST(ResultsStore, KilledWriterResumesToExactlyTheUninterruptedResult) {
  const auto rows = make_rows(1200, "sweep-a", 2000);  // ~2.5 MB: each batch spans many WAL pages
  const std::size_t batch = 60;
  const auto ref_path = fresh_path("uninterrupted");
  {
    auto s = ResultsStore::open(ref_path, true);
    put_in_batches(s, rows, batch);
  }
  const auto ref = ResultsStore::open(ref_path, OpenMode::read_only);
  const auto ref_csv = ref.export_csv();
  const auto ref_json = ref.export_json();
  const auto ref_rows = without_times(ref.rows());

  int killed_midway = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const auto p = fresh_path("killed" + std::to_string(attempt));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {  // the doomed writer: reports each commit, then keeps writing (and replaying) forever
      ::close(fds[0]);
      try {
        auto s = ResultsStore::open(p, true);
        for (;;) {
          for (std::size_t b = 0; b < rows.size(); b += batch) {
            const auto end = std::min(rows.size(), b + batch);
            s.put_batch(std::vector<ResultRow>(rows.begin() + long(b), rows.begin() + long(end)));
            const char c = 'x';
            if (::write(fds[1], &c, 1) != 1) ::_exit(3);
          }
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(fds[1]);
    const int wait_for = 1 + attempt * 4;  // commits to see before the kill
    for (int seen = 0; seen < wait_for;) {
      char c;
      const auto n = ::read(fds[0], &c, 1);
      ASSERT_EQ(n, 1) << "writer died early";
      ++seen;
    }
    if (attempt % 2) ::usleep(500 * attempt);  // vary where in the next batch the kill lands
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ::close(fds[0]);

    auto s = ResultsStore::open(p, OpenMode::read_write);
    const auto done = s.finished_ids("sweep-a");
    EXPECT_EQ(done.size() % batch, 0u) << "a batch was half-committed";
    EXPECT_GE(done.size(), std::size_t(wait_for) * batch);
    if (done.size() < rows.size()) ++killed_midway;
    // Whole batches, in order: the first done.size() rows are exactly the ones stored.
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(done.count(rows[i].scenario_id), i < done.size() ? 1u : 0u);
    // Resume: what is not finished, in another batch size; plus one replayed finished batch.
    std::vector<ResultRow> todo;
    for (const auto& r : rows)
      if (!done.count(r.scenario_id)) todo.push_back(r);
    put_in_batches(s, todo, 45);
    const auto replay = s.put_batch(std::vector<ResultRow>(rows.begin(), rows.begin() + long(batch)));
    EXPECT_EQ(replay.inserted, 0u);
    EXPECT_EQ(s.count(), rows.size());
    EXPECT_EQ(s.export_csv(), ref_csv);
    EXPECT_EQ(s.export_json(), ref_json);
    EXPECT_EQ(without_times(s.rows()), ref_rows);
  }
  EXPECT_GE(killed_midway, 1) << "no attempt killed the writer before it finished; the test proved nothing";
}

TEST(ResultsStore, WrongSchemaVersionIsAClearConfigError) {
  const auto p = store_with_rows("version", 5);
  auto bytes = read_bytes(p);
  const std::string key = "schema_version2";
  const auto at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find(key, at + 1), std::string::npos);
  bytes[at + key.size() - 1] = '7';
  write_bytes(p, bytes);
  for (auto mode : {OpenMode::read_only, OpenMode::read_write, OpenMode::create})
    expect_open_error<common::ConfigError>(p, mode, "schema version 7 is not supported (this build reads 2)");
  EXPECT_EQ(read_bytes(p), bytes) << "a refused file must not be modified";
}

TEST(ResultsStore, ForeignSqliteDatabaseIsRefused) {
  // Rename the meta table (and its index) by patching bytes: an SQLite file that is not ours.
  const auto p = store_with_rows("foreign", 3);
  auto bytes = read_bytes(p);
  std::size_t n = 0;
  for (auto at = bytes.find("meta"); at != std::string::npos; at = bytes.find("meta", at + 4), ++n) bytes[at + 2] = 'x';
  ASSERT_GE(n, 2u);
  write_bytes(p, bytes);
  expect_open_error<common::ConfigError>(p, OpenMode::read_write, "not an infersim results store");
}

TEST(ResultsStore, GarbageEmptyAndMissingFilesGiveClearErrors) {
  const auto garbage = fresh_path("garbage");
  write_bytes(garbage, std::string(5000, 'g') + "this is not a database");
  for (auto mode : {OpenMode::read_only, OpenMode::read_write, OpenMode::create})
    expect_open_error<common::ConfigError>(garbage, mode, "not an SQLite database");
  EXPECT_EQ(fs::file_size(garbage), 5022u) << "a refused file must not be modified";

  const auto text = fresh_path("json");
  write_bytes(text, R"({"kind": "estimate"})");
  expect_open_error<common::ConfigError>(text, OpenMode::read_only, "not an SQLite database");

  const auto empty = fresh_path("empty");
  write_bytes(empty, "");
  expect_open_error<common::ConfigError>(empty, OpenMode::read_only, "empty");
  expect_open_error<common::ConfigError>(empty, OpenMode::read_write, "empty");
  EXPECT_NO_THROW(ResultsStore::open(empty, OpenMode::create));  // an empty file may become a store

  const auto missing = fresh_path("missing");
  expect_open_error<common::IoError>(missing, OpenMode::read_only, "no such results database");
  expect_open_error<common::IoError>(missing, OpenMode::read_write, "no such results database");
  EXPECT_FALSE(fs::exists(missing));
  expect_open_error<common::IoError>(::testing::TempDir(), OpenMode::read_only, "is a directory");
  EXPECT_THROW(ResultsStore::open("", OpenMode::read_only), common::ConfigError);
}

TEST(ResultsStore, TruncatedOrDamagedDatabasesGiveClearErrorsNotCrashes) {
  const auto p = store_with_rows("truncated_src", 300, 500);
  const auto bytes = read_bytes(p);
  ASSERT_GT(bytes.size(), 100'000u);
  const std::vector<std::size_t> cuts = {bytes.size() / 2, bytes.size() / 3, bytes.size() - 4096, 4096 * 3};
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    const auto t = fresh_path("truncated" + std::to_string(k));
    write_bytes(t, bytes.substr(0, cuts[k]));
    expect_open_error<common::IoError>(t, OpenMode::read_only, "corrupt or truncated");
    expect_open_error<common::IoError>(t, OpenMode::read_write, "corrupt or truncated");
  }
  // Shorter than SQLite's header: not recognisable as a database at all.
  const auto tiny = fresh_path("avg_power_w");
  write_bytes(tiny, bytes.substr(0, 60));
  try {
    (void)ResultsStore::open(tiny, OpenMode::read_only);
    ADD_FAILURE() << "a 60-byte file opened";
  } catch (const std::runtime_error& e) {  // ConfigError or IoError: both name the file
    EXPECT_NE(std::string(e.what()).find(tiny), std::string::npos) << e.what();
  }
  // Scribbled pages in the middle of an otherwise full-length file.
  auto damaged = bytes;
  for (std::size_t i = damaged.size() / 2; i < damaged.size() / 2 + 3000; ++i) damaged[i] = char(i * 7);
  const auto d = fresh_path("damaged");
  write_bytes(d, damaged);
  expect_open_error<common::IoError>(d, OpenMode::read_only, "corrupt or truncated");
}

TEST(ResultsStore, MergingShardsEqualsOneDatabase) {
  auto rows = make_rows(300);
  auto rows_b = make_rows(40, "sweep-b");
  rows.insert(rows.end(), rows_b.begin(), rows_b.end());
  const auto single = fresh_path("single");
  {
    auto s = ResultsStore::open(single, true);
    put_in_batches(s, rows, 50);
  }
  const int shards = 3;
  std::vector<std::string> parts;
  for (int i = 0; i < shards; ++i) {
    parts.push_back(fresh_path("shard" + std::to_string(i)));
    auto s = ResultsStore::open(parts.back(), true);
    std::vector<ResultRow> mine;
    for (const auto& r : rows)
      if (store::in_shard(r.scenario_id, i, shards)) mine.push_back(r);
    EXPECT_GT(mine.size(), 60u);
    put_in_batches(s, mine, 33);
  }
  const auto merged = fresh_path("merged");
  auto m = ResultsStore::open(merged, true);
  std::size_t inserted = 0;
  for (const auto& part : parts) inserted += m.merge_from(part).inserted;
  EXPECT_EQ(inserted, rows.size());
  const auto one = ResultsStore::open(single, OpenMode::read_only);
  EXPECT_EQ(m.export_csv(), one.export_csv());
  EXPECT_EQ(m.export_json(), one.export_json());
  EXPECT_EQ(without_times(m.rows()), without_times(one.rows()));
  // Merging again changes nothing; a conflicting row is reported and the first one kept.
  const auto again = m.merge_from(parts[0]);
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_GT(again.identical, 0u);
  EXPECT_EQ(m.export_csv(), one.export_csv());
  const auto conflicting = fresh_path("conflicting");
  {
    auto s = ResultsStore::open(conflicting, true);
    auto r = rows[7];
    r.metrics["ttft_s"] = 123;
    s.put_batch({r});
  }
  const auto c = m.merge_from(conflicting);
  EXPECT_EQ(c.conflicting, 1u);
  EXPECT_EQ(m.export_csv(), one.export_csv());
  // A file cannot be merged into itself; a bad input is a clear error.
  EXPECT_THROW(m.merge_from(merged), common::ConfigError);
  const auto garbage = fresh_path("merge_garbage");
  write_bytes(garbage, std::string(4096, 'z'));
  EXPECT_THROW(m.merge_from(garbage), common::ConfigError);
}

TEST(ResultsStore, MergeCarriesColumnsThatNoRowFills) {
  const auto a = fresh_path("nan_cols");
  {
    auto s = ResultsStore::open(a, true);
    auto r = make_rows(1)[0];
    r.metrics["preemptions"] = std::nan("");
    s.put_batch({r});
  }
  const auto b = fresh_path("nan_cols_merged");
  auto m = ResultsStore::open(b, true);
  m.merge_from(a);
  EXPECT_EQ(m.metric_names(), ResultsStore::open(a, OpenMode::read_only).metric_names());
}

TEST(ResultsStore, IsMovable) {
  const auto p = fresh_path("move");
  auto a = ResultsStore::open(p, true);
  a.put_batch(make_rows(3));
  ResultsStore b = std::move(a);
  EXPECT_EQ(b.count(), 3u);
  auto c = ResultsStore::open(fresh_path("move2"), true);
  c = std::move(b);
  EXPECT_EQ(c.count(), 3u);
  EXPECT_EQ(c.path(), p);
}

TEST(ResultsStore, TwoConnectionsToOneFile) {
  // Readers see committed batches while a writer holds the file (WAL); two writers take turns.
  const auto p = fresh_path("two");
  auto w1 = ResultsStore::open(p, true);
  auto w2 = ResultsStore::open(p, false);
  const auto rows = make_rows(20);
  w1.put_batch({rows.begin(), rows.begin() + 10});
  const auto r = ResultsStore::open(p, OpenMode::read_only);
  EXPECT_EQ(r.count(), 10u);
  w2.put_batch({rows.begin() + 5, rows.end()});
  EXPECT_EQ(r.count(), 20u);
  EXPECT_EQ(w1.count(), 20u);
}

TEST(ColumnNames, ValidationAndNormalisation) {
  EXPECT_TRUE(store::valid_column_name("ttft_s"));
  EXPECT_TRUE(store::valid_column_name("p99_ttft_s"));
  EXPECT_FALSE(store::valid_column_name(""));
  EXPECT_FALSE(store::valid_column_name("TTFT"));
  EXPECT_FALSE(store::valid_column_name("a-b"));
  EXPECT_FALSE(store::valid_column_name("a\"b"));
  EXPECT_FALSE(store::valid_column_name(std::string(65, 'a')));
  EXPECT_EQ(store::to_column_name("/hardware"), "hardware");
  EXPECT_EQ(store::to_column_name("/serving/scheduler"), "serving_scheduler");
  EXPECT_EQ(store::to_column_name("workload.Input-Tokens"), "workload_input_tokens");
  EXPECT_EQ(store::to_column_name("batch"), "batch");
  EXPECT_THROW(store::to_column_name("/"), common::ConfigError);
  EXPECT_THROW(store::to_column_name(std::string(70, 'a')), common::ConfigError);
}

TEST(Shard, ParseAcceptsOnlyIOverN) {
  EXPECT_EQ(store::parse_shard("0/1"), std::make_pair(0, 1));
  EXPECT_EQ(store::parse_shard("3/4"), std::make_pair(3, 4));
  EXPECT_EQ(store::parse_shard("999/1000"), std::make_pair(999, 1000));
  for (const char* bad : {"",     "1",     "/",    "1/",    "/4",    "a/b",       "4/4",
                          "5/4",  "-1/4",  "1/-4", "1/0",   "0/0",   " 1/4",      "1/4 ",
                          "1//4", "1/4/5", "+1/4", "0x1/4", "1.0/4", "0/1000001", "99999999/100000000"}) {
    try {
      store::parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("--shard"), std::string::npos) << e.what();
    }
  }
  try {
    store::parse_shard("4/4");
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("0..3"), std::string::npos) << e.what();
  }
}

TEST(Shard, EveryIdBelongsToExactlyOneShard) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(common::sha256_hex(std::to_string(i)).substr(0, 32));
  ids.push_back("");
  ids.push_back("x");
  for (int n : {1, 2, 3, 4, 7, 16, 100}) {
    std::vector<int> per(std::size_t(n), 0);
    for (const auto& id : ids) {
      int owners = 0;
      for (int i = 0; i < n; ++i)
        if (store::in_shard(id, i, n)) {
          ++owners;
          ++per[std::size_t(i)];
        }
      ASSERT_EQ(owners, 1) << id << " in " << n << " shards";
    }
    const double expect = double(ids.size()) / n;
    for (int c : per) EXPECT_NEAR(c, expect, 6 * std::sqrt(expect) + 1) << "unbalanced shards for N=" << n;
  }
  // The assignment is part of the on-disk contract (docs/results-store.md): pin the hash.
  // Values from the Python reference in the doc.
  EXPECT_EQ(store::shard_hash(""), 17665956581633026203ULL);
  EXPECT_EQ(store::shard_hash("abc"), 996580060897260808ULL);
  EXPECT_EQ(store::shard_hash("0123456789abcdef0123456789abcdef"), 15144335078485491721ULL);
  EXPECT_THROW(store::in_shard("a", 4, 4), common::InternalError);
  EXPECT_THROW(store::in_shard("a", 0, 0), common::InternalError);
}

// Every declared metric has a unit and a meaning, sorted and unique, and the retired ambiguous name is gone.
TEST(ResultsStore, MetricVocabularyIsDeclaredOnce) {
  const auto& v = store::metric_vocabulary();
  ASSERT_GT(v.size(), 40u);
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(store::valid_column_name(v[i].name)) << v[i].name;
    EXPECT_FALSE(v[i].unit.empty()) << v[i].name;
    EXPECT_GT(v[i].meaning.size(), 10u) << v[i].name;
    if (i > 0) {
      EXPECT_LT(v[i - 1].name, v[i].name) << "sorted and unique";
    }
    EXPECT_EQ(store::find_metric(v[i].name), &v[i]);
  }
  EXPECT_EQ(store::find_metric("usd_per_1k_tokens"), nullptr);
  for (const char* n : {"usd_per_1k_output", "usd_per_1k_blended", "joules_per_output_token", "joules_per_token"})
    EXPECT_NE(store::find_metric(n), nullptr) << n;
}

// A schema-1 file (written before the vocabulary) is refused read-only with the upgrade command, and a
// writable open upgrades it in place: usd_per_1k_tokens moves to usd_per_1k_blended in plan rows and to
// usd_per_1k_output elsewhere, joules_per_token to joules_per_output_token outside plan rows.
TEST(ResultsStore, SchemaOneFilesAreMigratedInPlace) {
  const auto p = fresh_path("schema1");
  {
    auto s = ResultsStore::open(p, true);
    auto rows = make_rows(2);
    rows[0].kind = "estimate";
    rows[1].kind = "plan";
    rows[0].metrics = {{"ttft_s", 1.0}};
    rows[1].metrics = {{"ttft_s", 2.0}};
    s.put_batch(rows);
  }
  // Rewrite it as schema 1 would have stored it.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    const char* sql = "ALTER TABLE results ADD COLUMN m_usd_per_1k_tokens REAL;"
                      "ALTER TABLE results ADD COLUMN m_joules_per_token REAL;"
                      "UPDATE results SET m_usd_per_1k_tokens = 0.25, m_joules_per_token = 3.0 WHERE kind = 'estimate';"
                      "UPDATE results SET m_usd_per_1k_tokens = 0.125, m_joules_per_token = 1.5 WHERE kind = 'plan';"
                      "UPDATE meta SET value = '1' WHERE key = 'schema_version';";
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  try {
    ResultsStore::open(p, store::OpenMode::read_only);
    FAIL() << "a schema-1 file opened read-only";
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("infersim results migrate"), std::string::npos) << e.what();
  }
  {
    auto s = ResultsStore::open(p, store::OpenMode::read_write);
    EXPECT_EQ(s.info().schema_version, store::SCHEMA_VERSION);
  }
  const auto s = ResultsStore::open(p, store::OpenMode::read_only);
  const auto names = s.metric_names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "usd_per_1k_tokens"), 0);
  for (const auto& r : s.rows()) {
    if (r.kind == "estimate") {
      EXPECT_EQ(r.metrics.at("usd_per_1k_output"), 0.25);
      EXPECT_EQ(r.metrics.at("joules_per_output_token"), 3.0);
      EXPECT_EQ(r.metrics.count("usd_per_1k_blended"), 0u);
    } else {
      EXPECT_EQ(r.metrics.at("usd_per_1k_blended"), 0.125);
      EXPECT_EQ(r.metrics.at("joules_per_token"), 1.5);
      EXPECT_EQ(r.metrics.count("usd_per_1k_output"), 0u);
    }
  }
}
