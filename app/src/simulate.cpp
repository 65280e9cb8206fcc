#include "infersim/app/simulate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <utility>

#include "infersim/serving/activity_observer.h"
#include "infersim/serving/serving_simulation.h"

namespace infersim::app {

namespace {

struct Span {
  int pool = 0, replica = 0;
  double start_s = 0, dur_s = 0;
  std::int64_t seqs = 0;
  bool hydrating = false;
};

class Collector : public serving::ActivityObserver {
 public:
  Collector(bool keep_samples, bool keep_spans) : samples_(keep_samples), spans_(keep_spans) {}
  void on_span(int pool, int replica, const char* name, double start_s, double dur_s, std::int64_t seqs) override {
    if (!spans_) return;
    const bool hyd = std::string_view(name) == "hydrating";
    spans.push_back({pool, replica, start_s, dur_s, seqs, hyd});
  }
  void on_request_finished(const serving::Request& q) override {
    if (!samples_) return;
    RequestSample s;
    s.arrival_s = q.arrival_s;
    s.input = q.input;
    s.output = q.output;
    s.rejected = q.rejected;
    if (!q.rejected) {
      s.queue_s = q.scheduled_s - q.arrival_s;
      s.ttft_s = q.first_token_s - q.arrival_s + q.frontend_s;
      s.tpot_s = q.output > 1 ? (q.done_s - q.first_token_s) / double(q.output - 1) : 0.0;
      s.e2e_s = q.done_s - q.arrival_s + q.frontend_s;
    }
    requests.push_back(s);
  }
  std::vector<RequestSample> requests;
  std::vector<Span> spans;

 private:
  bool samples_, spans_;
};

// Time-weighted bins of the queue (from the requests' queueing intervals), the running batch and the
// replicas active (from the spans), and the cold-start times.
TimelineBins bin_timeline(const std::vector<RequestSample>& requests, const std::vector<Span>& spans, double end_s,
                          int bins) {
  TimelineBins tl;
  tl.bin_s = std::max(1e-3, end_s / bins);
  const int n = int(std::ceil(end_s / tl.bin_s)) + 1;
  tl.t_s.resize(std::size_t(n));
  tl.queue.assign(std::size_t(n), 0.0);
  tl.batch.assign(std::size_t(n), 0.0);
  tl.replicas.assign(std::size_t(n), 0.0);
  for (int i = 0; i < n; ++i) tl.t_s[std::size_t(i)] = i * tl.bin_s;
  auto spread = [&](double a, double b, double weight, std::vector<double>& into) {
    if (!(b > a)) return;
    const int i0 = std::max(0, int(a / tl.bin_s)), i1 = std::min(n - 1, int(b / tl.bin_s));
    for (int i = i0; i <= i1; ++i) {
      const double lo = std::max(a, i * tl.bin_s), hi = std::min(b, (i + 1) * tl.bin_s);
      if (hi > lo) into[std::size_t(i)] += weight * (hi - lo) / tl.bin_s;
    }
  };
  for (const auto& r : requests)
    if (!r.rejected) spread(r.arrival_s, r.arrival_s + r.queue_s, 1.0, tl.queue);
  std::map<std::pair<int, int>, std::vector<char>> seen;  // replica -> bins it was active in
  for (const auto& s : spans) {
    if (s.hydrating) {
      if (s.dur_s > 0) tl.cold_start_s.push_back(s.start_s);  // ready-at-start replicas log a zero-length load
    } else {
      spread(s.start_s, s.start_s + s.dur_s, double(s.seqs), tl.batch);
    }
    if (s.dur_s > 0) {
      auto& v = seen[{s.pool, s.replica}];
      if (v.empty()) v.assign(std::size_t(n), 0);
      const int i0 = std::max(0, int(s.start_s / tl.bin_s)),
                i1 = std::min(n - 1, int((s.start_s + s.dur_s) / tl.bin_s));
      for (int i = i0; i <= i1; ++i) v[std::size_t(i)] = 1;
    }
  }
  for (const auto& [key, v] : seen)
    for (int i = 0; i < n; ++i) tl.replicas[std::size_t(i)] += v[std::size_t(i)];
  std::sort(tl.cold_start_s.begin(), tl.cold_start_s.end());
  return tl;
}

}  // namespace

SimulateOutcome simulate(const serving::Scenario& scenario, const SimulateOptions& o) {
  const bool timeline = o.timeline_bins > 0;
  Collector c(o.request_samples || timeline, timeline);
  serving::SimOptions opt;
  opt.requests_csv = o.requests_csv;
  opt.trace_file = o.trace_file;
  opt.observer = &c;
  SimulateOutcome out;
  out.result = serving::simulate(scenario, opt);
  if (timeline) {
    double end_s = 0;
    for (const auto& r : c.requests)
      if (!r.rejected) end_s = std::max(end_s, r.arrival_s + r.ttft_s);
    out.timeline = bin_timeline(c.requests, c.spans, std::max(end_s, out.result.end_s), o.timeline_bins);
  }
  if (o.request_samples) out.requests = std::move(c.requests);
  return out;
}

}  // namespace infersim::app
