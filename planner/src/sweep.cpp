#include "infersim/planner/sweep.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/sha256.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::planner {

using common::ConfigError;
using common::Json;

namespace {

// "/a/b" or "a.b" -> JSON pointer.
nlohmann::json::json_pointer to_pointer(const std::string& path, const std::string& origin, const std::string& where) {
  std::string p = path;
  if (p.empty()) throw ConfigError(origin, where, "empty field path");
  if (p[0] != '/') {
    std::string q = "/";
    for (char c : p) q += c == '.' ? '/' : c;
    p = q;
  }
  try {
    return nlohmann::json::json_pointer(p);
  } catch (const std::exception& e) {
    throw ConfigError(origin, where, fmt::format("'{}' is not a valid field path: {}", path, e.what()));
  }
}

std::string label_value(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::vector<SweepScenario> expand_sweep_text(const std::string& text, const std::string& origin) {
  const Json root = common::parse_json_text(text, origin);
  common::JsonReader r(root, origin);
  const std::string kind = r.one_of("kind", {"estimate", "simulate", "plan"});
  r.string_or("name", "");
  r.string_or("description", "");
  const Json& base_raw = r.raw("base");
  if (!base_raw.is_object()) r.fail("base", "expected the base scenario object");
  // Work on a plain (sorted-key) json so the canonical dump is independent of key order in the file.
  const nlohmann::json base = nlohmann::json::parse(base_raw.dump());
  std::vector<std::pair<std::string, std::vector<nlohmann::json>>> axes;
  if (r.has("grid")) {
    const Json& g = r.raw("grid");
    if (!g.is_object()) r.fail("grid", "expected an object of field path -> list of values");
    for (auto it = g.begin(); it != g.end(); ++it) {
      const std::string where = r.pointer("grid") + "/" + common::json_pointer_escape(it.key());
      if (!it.value().is_array() || it.value().empty())
        throw ConfigError(origin, where, "expected a non-empty list of values");
      to_pointer(it.key(), origin, where);
      std::vector<nlohmann::json> vals;
      for (const auto& v : it.value()) vals.push_back(nlohmann::json::parse(v.dump()));
      axes.emplace_back(it.key(), std::move(vals));
    }
  }
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> lists = {{}};
  if (r.has("list")) {
    const Json& l = r.raw("list");
    if (!l.is_array() || l.empty()) r.fail("list", "expected a non-empty list of override objects");
    lists.clear();
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string where = r.pointer("list") + "/" + std::to_string(i);
      if (!l[i].is_object()) throw ConfigError(origin, where, "expected an object of field path -> value");
      std::vector<std::pair<std::string, nlohmann::json>> item;
      for (auto it = l[i].begin(); it != l[i].end(); ++it) {
        to_pointer(it.key(), origin, where + "/" + common::json_pointer_escape(it.key()));
        item.emplace_back(it.key(), nlohmann::json::parse(it.value().dump()));
      }
      lists.push_back(std::move(item));
    }
  }
  r.finish();
  std::size_t total = lists.size();
  for (const auto& a : axes) total *= a.second.size();
  if (total > 10'000'000)
    throw ConfigError(origin, "/grid", fmt::format("{} scenarios is more than 10 million", total));
  std::vector<SweepScenario> out;
  out.reserve(total);
  std::vector<std::size_t> idx(axes.size(), 0);
  for (const auto& item : lists) {
    std::fill(idx.begin(), idx.end(), 0);
    while (true) {
      nlohmann::json s = base;
      SweepScenario sc;
      sc.kind = kind;
      for (const auto& [path, v] : item) {
        s[to_pointer(path, origin, "/list")] = v;
        sc.labels[path] = label_value(v);
      }
      for (std::size_t a = 0; a < axes.size(); ++a) {
        s[to_pointer(axes[a].first, origin, "/grid")] = axes[a].second[idx[a]];
        sc.labels[axes[a].first] = label_value(axes[a].second[idx[a]]);
      }
      sc.json = s.dump();  // std::map-ordered keys: canonical
      sc.id = common::sha256_hex(kind + "\n" + sc.json).substr(0, 32);
      out.push_back(std::move(sc));
      std::size_t a = 0;
      while (a < axes.size() && ++idx[a] == axes[a].second.size()) idx[a++] = 0;
      if (a == axes.size()) break;
    }
  }
  // Identical scenarios (e.g. a list item repeating a grid point) run once.
  std::set<std::string> seen;
  std::vector<SweepScenario> unique;
  for (auto& s : out)
    if (seen.insert(s.id).second) unique.push_back(std::move(s));
  return unique;
}

std::vector<SweepScenario> expand_sweep_file(const std::string& path) {
  return expand_sweep_text(common::read_text_file(path), path);
}

SweepStats run_sweep(const std::vector<SweepScenario>& scenarios, const SweepEvaluator& evaluate, SweepSink& sink,
                     int jobs, std::size_t batch_size, const std::function<void(const SweepProgress&)>& progress,
                     const std::atomic<bool>* cancel) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  SweepStats st;
  st.total = scenarios.size();
  const auto finished = sink.finished_ids();
  std::vector<const SweepScenario*> todo;
  for (const auto& s : scenarios) {
    if (finished.count(s.id))
      ++st.skipped;
    else
      todo.push_back(&s);
  }
  jobs = std::max(1, jobs);
  batch_size = std::max<std::size_t>(1, batch_size);
  // Workers evaluate scenarios into result slots while this thread writes the completed prefix to
  // the sink: evaluation and writing overlap. A batch is written when `batch_size` results are
  // ready, or one second after the previous write (so an interruption loses at most about a second
  // of work), or at the end. Rows never depend on batch boundaries, so a resumed sweep is identical.
  std::vector<std::pair<SweepScenario, SweepOutcome>> slots(todo.size());
  std::vector<char> ready(todo.size(), 0);
  std::size_t contiguous = 0;  // slots [0, contiguous) are all ready
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (std::size_t i = next++; i < todo.size() && !stop.load(); i = next++) {
      std::pair<SweepScenario, SweepOutcome> r;
      r.first = *todo[i];
      try {
        r.second = evaluate(*todo[i]);
      } catch (const std::exception& e) {
        r.second.error = e.what();
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[i] = std::move(r);
        ready[i] = 1;
        while (contiguous < todo.size() && ready[contiguous]) ++contiguous;
      }
      cv.notify_one();
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
  auto join_all = [&] {
    stop.store(true);
    for (auto& t : pool)
      if (t.joinable()) t.join();
  };
  try {
    std::size_t written = 0;
    auto last_write = clock::now();
    while (written < todo.size()) {
      if (cancel && cancel->load()) {
        st.cancelled = true;
        break;
      }
      std::vector<std::pair<SweepScenario, SweepOutcome>> rows;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(100),
                    [&] { return contiguous - written >= batch_size || contiguous == todo.size(); });
        const bool due = contiguous - written >= batch_size || contiguous == todo.size() ||
                         (contiguous > written && clock::now() - last_write >= std::chrono::seconds(1));
        if (!due) continue;
        const std::size_t end = std::min(contiguous, written + batch_size);
        for (std::size_t i = written; i < end; ++i) rows.push_back(std::move(slots[i]));
      }
      sink.put_batch(rows);
      written += rows.size();
      last_write = clock::now();
      for (const auto& r : rows) (r.second.error.empty() ? st.done : st.failed)++;
      st.elapsed_s = std::chrono::duration<double>(clock::now() - t0).count();
      if (progress) {
        SweepProgress p;
        p.total = st.total;
        p.skipped = st.skipped;
        p.done = st.done;
        p.failed = st.failed;
        p.elapsed_s = st.elapsed_s;
        p.rate_per_s = st.elapsed_s > 0 ? double(st.done + st.failed) / st.elapsed_s : 0;
        p.eta_s = p.rate_per_s > 0 ? double(todo.size() - written) / p.rate_per_s : 0;
        progress(p);
      }
    }
  } catch (...) {
    join_all();
    throw;
  }
  join_all();
  st.elapsed_s = std::chrono::duration<double>(clock::now() - t0).count();
  return st;
}

SweepOutcome evaluate_estimate_scenario(const SweepScenario& s) {
  const Json j = common::parse_json_text(s.json, "scenario " + s.id);
  common::JsonReader r(j, "scenario " + s.id);
  SweepOutcome o;
  const auto model = model::ModelCatalog::shipped().resolve(r.string("model"));
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().resolve(r.string("hardware"));
  d.runtime = r.string_or("runtime", "");
  const std::string prec = r.string_or("precision", d.hardware.supports(common::DType::bf16) ? "bf16" : "fp16");
  const auto w = common::parse_dtype(prec);
  if (!w) r.fail("precision", fmt::format("unknown precision '{}'", prec));
  std::optional<common::DType> kv;
  if (const std::string k = r.string_or("kv_precision", ""); !k.empty()) {
    kv = common::parse_dtype(k);
    if (!kv || *kv == common::DType::tf32) r.fail("kv_precision", fmt::format("unknown precision '{}'", k));
  }
  d.precision = perf::default_precision(d.hardware, *w, kv, d.runtime);
  try {
    d.precision.state = perf::state_precision_for(model, r.string_or("state_precision", ""));
  } catch (const common::ConfigError& e) {
    r.fail("state_precision", e.reason());
  }
  const auto rr = perf::apply_runtime(model, d);
  perf::Workload wl{r.number_or("batch", 1, 1, 1e6), r.number_or("input", 1024, 1, 1e8),
                    r.number_or("output", 256, 1, 1e8)};
  const auto tp = r.integer_or("tp", 0, 0, 1 << 20), pp = r.integer_or("pp", 0, 0, 1 << 20);
  if (tp == 0 && pp == 0) {
    d = perf::auto_size(model, d, wl.batch * (wl.input + wl.output), perf::max_step_tokens(d.hardware, wl), wl.batch)
            .deployment;
  } else {
    d.tp = int(std::max<std::int64_t>(1, tp));
    d.pp = int(std::max<std::int64_t>(1, pp));
  }
  r.finish();
  perf::StepEstimator est(model, d);
  const auto e = perf::estimate_serving(est, wl);
  o.metrics = {{"ttft_s", e.ttft_s},
               {"tpot_s", e.tpot_s},
               {"e2e_s", e.e2e_s},
               {"throughput_tok_s", e.throughput_tok_s},
               {"per_user_tok_s", e.per_user_tok_s},
               {"fits", e.fits ? 1.0 : 0.0},
               {"chips", double(e.chips)},
               {"power_w", e.power_w},
               {"joules_per_output_token", e.joules_per_token},
               {"usd_per_1k_output", e.usd_per_1k_tokens},
               {"memory_used_bytes", e.memory.used_bytes()},
               {"max_concurrency", e.max_concurrency}};
  o.labels = {{"model", model.name},
              {"hardware", d.hardware.name},
              {"runtime", rr.runtime},
              {"runtime_basis", rr.basis},
              {"precision", common::dtype_name(d.precision.weight)},
              {"bound_prefill", perf::bound_name(e.prefill.bound)},
              {"bound_decode", perf::bound_name(e.decode.bound)}};
  o.model_hash = model_content_hash(model.name);
  o.hardware_hash = hardware_content_hash(d.hardware.name);
  return o;
}

std::string model_content_hash(const std::string& name) {
  const auto& cat = model::ModelCatalog::shipped();
  const auto p = cat.contains(name) ? cat.path_of(name) : std::string();
  return common::sha256_hex(p.empty() ? name : common::read_text_file(p)).substr(0, 16);
}

std::string hardware_content_hash(const std::string& name) {
  const auto& cat = hwprofiles::HardwareCatalog::shipped();
  const auto p = cat.contains(name) ? cat.path_of(name) : std::string();
  return common::sha256_hex(p.empty() ? name : common::read_text_file(p)).substr(0, 16);
}

}  // namespace infersim::planner
