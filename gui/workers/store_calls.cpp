#include "workers/store_calls.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/store/results_store.h"
#include "workers/scenario_input_json.h"

namespace infersim::gui {

std::string default_store_path() {
  if (const char* p = std::getenv("INFERSIM_RESULTS_DB"); p && *p) return p;
  std::string base;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = std::string(h) + "/.local/share";
  else
    base = ".";
  return base + "/infersim/gui-results.sqlite";
}

using common::Json;

namespace {

std::string utc_stamp() { return common::utc_now("%Y%m%dT%H%M%SZ"); }

std::string fmt_num(double v, int decimals) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : ""; }

}  // namespace

std::string record_run(const std::string& db_path, const RunResult& r) {
  try {
    namespace fs = std::filesystem;
    if (fs::path(db_path).has_parent_path()) fs::create_directories(fs::path(db_path).parent_path());
    auto db = store::ResultsStore::open(db_path, store::OpenMode::create);
    // One store "run" per GUI run; one row per hardware: the planner at load, and the simulator's
    // figures when it ran. scenario_json is the GUI scenario focused on that hardware (reopenable).
    const std::string run_name = "gui-" + utc_stamp();
    std::vector<store::ResultRow> rows;
    for (const auto& l : r.load) {
      ScenarioInput one = r.scenario;
      one.focus = l.hardware;
      store::ResultRow row;
      row.run_name = run_name;
      row.kind = "gui-plan";
      row.scenario_json = scenario_input_to_json(one).dump();
      row.scenario_id = common::sha256_hex(row.kind + "\n" + row.scenario_json);
      row.labels = {{"model", r.scenario.model},
                    {"hardware", l.hardware},
                    {"workload", r.scenario.workload.preset},
                    {"precision", r.scenario.precision.empty() ? "default" : r.scenario.precision},
                    {"pricing", planner::pricing_mode_name(r.scenario.pricing.mode)}};
      if (l.feasible) {
        const auto& c = l.best;
        row.labels["plan"] = c.id;
        row.labels["runtime"] = c.runtime;
        row.metrics = {{"requests_per_s", r.scenario.workload.requests_per_s},
                       {"usd_per_1k_output", c.cost.usd_per_1k_output},
                       {"ttft_p99_s", c.ttft_p99_s},
                       {"tpot_p99_s", c.tpot_p99_s},
                       {"replicas", c.replicas},
                       {"chips", c.replicas * c.chips_per_replica},
                       {"facility_kw", c.power.facility_kw},
                       {"joules_per_output_token", c.power.joules_per_output_token},
                       {"monthly_usd", c.cost.monthly_usd}};
      } else {
        row.error = l.reason.empty() ? "no feasible plan" : l.reason;
      }
      for (const auto& s : r.sims)
        if (s.hardware == l.hardware && s.error.empty()) {
          row.metrics["sim_ttft_p99_s"] = s.ttft_p99_s;
          row.metrics["sim_tpot_p99_s"] = s.tpot_p99_s;
          row.metrics["sim_goodput"] = s.goodput;
          row.metrics["sim_usd_per_1k_output"] = s.usd_per_1k_tokens;
        }
      rows.push_back(std::move(row));
    }
    if (!rows.empty()) db.put_batch(rows);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

StoredRuns list_stored_runs(const std::string& db_path, int limit) {
  StoredRuns out;
  out.headers = {"id",       "run",        "when (UTC)", "kind",           "model",       "hardware", "workload",
                 "$/1K out", "TTFT P99 s", "TPOT P99 s", "sim TTFT P99 s", "sim goodput", "kW",       "status"};
  try {
    if (!std::filesystem::exists(db_path)) {
      out.error = fmt::format("{}: no runs recorded yet (the file is created by the first finished run)", db_path);
      return out;
    }
    auto db = store::ResultsStore::open(db_path, store::OpenMode::read_only);
    auto rows = db.rows();
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.created_utc > b.created_utc; });
    for (const auto& r : rows) {
      if (int(out.rows.size()) >= limit) break;
      auto label = [&](const char* k) {
        auto it = r.labels.find(k);
        return it == r.labels.end() ? std::string() : it->second;
      };
      auto metric = [&](const char* k, int d) {
        auto it = r.metrics.find(k);
        return it == r.metrics.end() ? std::string() : fmt_num(it->second, d);
      };
      std::string usd = metric("usd_per_1k_output", 5), kw = metric("facility_kw", 1);
      if (kw.empty()) kw = r.metrics.count("power_w") ? fmt_num(r.metrics.at("power_w") / 1e3, 2) : "";
      std::string ttft = metric("ttft_p99_s", 4), tpot = metric("tpot_p99_s", 4);
      if (ttft.empty()) ttft = metric("ttft_s", 4);
      if (tpot.empty()) tpot = metric("tpot_s", 4);
      out.rows.push_back({r.run_name + "|" + r.scenario_id, r.run_name, r.created_utc, r.kind, label("model"),
                          label("hardware"), label("workload"), usd, ttft, tpot, metric("sim_ttft_p99_s", 4),
                          metric("sim_goodput", 3), kw, r.error.empty() ? "ok" : r.error});
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

std::optional<ScenarioInput> stored_scenario(const std::string& db_path, const std::string& id) {
  const auto bar = id.find('|');
  if (bar == std::string::npos) return std::nullopt;
  const std::string run = id.substr(0, bar), sid = id.substr(bar + 1);
  try {
    auto db = store::ResultsStore::open(db_path, store::OpenMode::read_only);
    for (const auto& r : db.rows(run)) {
      if (r.scenario_id != sid) continue;
      const Json j = common::parse_json_text(r.scenario_json, db_path);
      if (r.kind == "gui-plan") return scenario_input_from_json(j, db_path);
      if (r.kind == "estimate" && j.is_object()) {
        // A sweep's analytic scenario (the fields of `infersim estimate`).
        ScenarioInput s = default_scenario();
        s.model = j.value("model", s.model);
        s.hardware = {j.value("hardware", std::string("h100-sxm"))};
        s.precision = j.value("precision", std::string());
        s.workload.preset = "custom";
        s.workload.concurrency = j.value("batch", s.workload.concurrency);
        s.workload.input_tokens = j.value("input", s.workload.input_tokens);
        s.workload.output_tokens = j.value("output", s.workload.output_tokens);
        return s;
      }
      return std::nullopt;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace infersim::gui
