// Host calibration orchestration: the presets and run_host_calibration(), which runs the stages in order
// (measure.cpp, then fit.cpp) with progress reporting. The refit of a saved report is in refit.cpp.
#include "infersim/hostcal/host_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "host_calibration_internal.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/refengine/engine.h"
#include "infersim/refengine/kernels.h"

namespace infersim::hostcal {

Options Options::quick(const model::ModelSpec& card) {
  Options o;
  o.card = card;
  o.label = "quick";
  o.layers = std::min(2, card.num_layers);
  o.depth_layers = std::min(6, card.num_layers) > o.layers ? std::min(6, card.num_layers) : 0;
  o.decode_batches = {1, 4, 16, 64};
  o.decode_contexts = {128, 1024, 4096};
  o.max_decode_tokens = 64 * 1024;
  o.prefill_batches = {1, 4};
  o.prefill_lengths = {16, 64, 256, 1024};
  o.max_prefill_tokens = 1024;
  o.repeats = 5;
  o.probe_seconds = 0.15;
  o.probe_cache_levels = true;
  return o;
}

Options Options::full(const model::ModelSpec& card) {
  Options o;
  o.card = card;
  o.label = "full";
  o.layers = std::min(4, card.num_layers);
  o.depth_layers = std::min(12, card.num_layers) > o.layers ? std::min(12, card.num_layers) : 0;
  o.decode_batches = {1, 2, 4, 8, 16, 32, 64};
  o.decode_contexts = {128, 512, 1024, 2048, 4096};
  o.max_decode_tokens = 64 * 2048;
  o.prefill_batches = {1, 2, 4, 8};
  o.prefill_lengths = {16, 32, 64, 128, 256, 512, 1024, 2048};
  o.max_prefill_tokens = 2048;
  o.repeats = 5;
  o.probe_seconds = 0.4;
  return o;
}

namespace {

std::string today() { return common::utc_now("%Y-%m-%d"); }

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

}  // namespace

Result run_host_calibration(const Options& o) {
  const auto t0 = Clock::now();
  auto say = [&](const std::string& s) {
    if (o.progress)
      o.progress(fmt::format("[{:5.1f} s] {}", std::chrono::duration<double>(Clock::now() - t0).count(), s));
  };
  if (auto p = refengine::engine_support_problem(o.card); !p.empty()) throw common::ConfigError("", "--model", p);
  Result r;
  r.options = o;
  r.options.progress = nullptr;
  r.date = today();
  r.load_before = loadavg();
  refengine::ThreadPool pool(o.threads);
  r.threads = pool.size();
  r.isa = refengine::isa_name(refengine::active_isa());

  measure_host(r, pool, say);  // steps 1-3 and the hydration probe
  fit_points(r, say);          // steps 4-5
  r.load_after = loadavg();
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace infersim::hostcal
