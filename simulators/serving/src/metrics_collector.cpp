#include "infersim/serving/metrics_collector.h"

#include <algorithm>

namespace infersim::serving {

MetricsCollector::MetricsCollector(const SloConfig& slo, double warmup_s) : slo_(slo), warmup_s_(warmup_s) {}

void MetricsCollector::on_request_done(const Request& q) {
  ++c_.completed_all;
  last_done_s_ = std::max(last_done_s_, q.done_s);
  if (q.arrival_s < warmup_s_ || q.warmup) return;
  if (first_arrival_s_ < 0 || q.arrival_s < first_arrival_s_) first_arrival_s_ = q.arrival_s;
  ++c_.completed;
  c_.input_tokens += std::uint64_t(q.input);
  c_.output_tokens += std::uint64_t(q.output);
  // frontend_s: client-side time outside the engine's steps (HTTP, tokenization, first-token streaming).
  const double ttft = q.first_token_s - q.arrival_s + q.frontend_s;
  const double e2e = q.done_s - q.arrival_s + q.frontend_s;
  ttft_.add(ttft);
  e2e_.add(e2e);
  queue_.add(std::max(0.0, q.scheduled_s - q.arrival_s));
  if (q.cold_wait) {
    ++c_.cold_wait;
    ttft_cold_.add(ttft);
  }
  bool ok_tpot = true;
  if (q.output > 1) {
    const double tpot = (q.done_s - q.first_token_s) / double(q.output - 1);
    tpot_.add(tpot);
    ok_tpot = !slo_.tpot_s || tpot <= *slo_.tpot_s;
  }
  const bool ok_ttft = !slo_.ttft_s || ttft <= *slo_.ttft_s;
  const bool ok_e2e = !slo_.e2e_s || e2e <= *slo_.e2e_s;
  c_.met_ttft += ok_ttft;
  c_.met_tpot += ok_tpot;
  c_.met_e2e += ok_e2e;
  c_.met_slo += ok_ttft && ok_tpot && ok_e2e;
}

void MetricsCollector::on_request_rejected(const Request& q) {
  if (q.arrival_s < warmup_s_ || q.warmup) return;
  ++c_.rejected;
}

void MetricsCollector::on_task_done(double start_s, double end_s) {
  if (start_s < warmup_s_) return;
  ++c_.tasks_completed;
  task_e2e_.add(end_s - start_s);
  c_.tasks_met_slo += !slo_.task_e2e_s || end_s - start_s <= *slo_.task_e2e_s;
}

}  // namespace infersim::serving
