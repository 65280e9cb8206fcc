#include "infersim/app/estimate.h"

#include <fmt/format.h>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/perf/estimate_json.h"

namespace infersim::app {

EstimateOutcome estimate(const EstimateRequest& r) {
  EstimateOutcome o;
  o.resolved = resolve_deployment(r.deployment);
  o.resolved.deployment.scheduler = serving::benchmark_scheduler(o.resolved.deployment, r.scheduler);
  const auto& p = o.resolved;
  perf::StepEstimator est(p.model, p.deployment);
  const double ratio = r.scheduler.length_range_ratio;
  if (!(ratio > 0 && ratio <= 1)) throw common::ConfigError("", "--length-range-ratio", "must be in (0, 1]");
  perf::Workload w = p.workload;
  w.input = serving::BenchmarkSpec::mean_length(p.workload.input, ratio);
  w.output = serving::BenchmarkSpec::mean_length(p.workload.output, ratio);
  o.estimate = perf::estimate_serving(est, w);
  if (ratio < 1)
    o.estimate.notes.push_back(fmt::format(
        "lengths drawn per request, uniformly from {:g} x to 1 x the {:g} input / {:g} output tokens (as InferenceX's "
        "benchmark client does with --random-range-ratio {:g}): the estimate is at the mean lengths, {:g} / {:g}{}",
        ratio, p.workload.input, p.workload.output, ratio, w.input, w.output,
        r.simulate ? "; the simulation draws them" : ""));
  if (!p.mtp_note.empty()) o.estimate.notes.push_back(p.mtp_note);
  const auto& dep = est.deployment();
  if (dep.tp > 1 && !dep.hardware.node_aligned_tp(dep.tp))
    o.estimate.notes.push_back(fmt::format(
        "tp {} does not divide {}'s {}-chip fully connected node: some stages straddle two nodes, whose "
        "all-reduces cross the global links; the estimate prices them on the in-node links, so it is optimistic "
        "there (auto-sizing keeps each stage in one node)",
        dep.tp, dep.hardware.name, dep.hardware.scale_up_node));
  o.activation = dep.precision.activation;
  o.peak_flops = dep.hardware.matmul_peak(dep.precision.weight, dep.precision.activation);
  o.memory_bw_bytes_per_s = dep.hardware.memory_bw();
  o.compute_fraction = est.params().compute_fraction;
  o.memory_fraction = est.params().memory_fraction;
  if (r.simulate) {
    serving::BenchmarkSpec bs = *r.simulate;
    bs.max_num_tokens.reset();  // already applied to the deployment's scheduler
    bs.max_batch.reset();
    bs.chunked_prefill.reset();
    bs.eager_prompt_steps.reset();
    bs.policy.reset();
    bs.concurrency = int(p.workload.batch);
    bs.input = p.workload.input;
    bs.output = p.workload.output;
    bs.length_range_ratio = ratio;
    o.simulated = serving::simulate_benchmark(p.model, p.deployment, bs);
  }
  return o;
}

common::Json estimate_outcome_json(const EstimateOutcome& o) {
  auto j = perf::estimate_to_json(o.estimate);
  if (o.simulated) {
    const auto& s = *o.simulated;
    j["simulated"] = {{"ttft_s", s.ttft_s},      {"tpot_s", s.tpot_s},
                      {"e2e_s", s.e2e_s},        {"throughput_tok_s", s.throughput_tok_s},
                      {"steps", s.steps},        {"requests", s.requests},
                      {"scheduler", s.scheduler}};
  }
  const auto& rt = o.resolved.runtime;
  j["layout"] = o.resolved.layout_note;
  j["runtime_default"] = rt.defaulted;
  j["runtime_basis"] = rt.basis;
  j["runtime_backend"] = rt.backend;
  j["runtime_maturity"] = rt.maturity;
  return j;
}

std::vector<CompareRow> compare(const DeploymentRequest& base, const std::vector<std::string>& hardware) {
  const auto names = hardware.empty() ? hwprofiles::HardwareCatalog::shipped().names() : hardware;
  std::vector<CompareRow> rows;
  for (const auto& raw : names) {
    CompareRow row;
    row.hardware = common::trim(raw);
    try {
      EstimateRequest r;
      r.deployment = base;
      r.deployment.hardware = row.hardware;
      row.outcome = estimate(r);
    } catch (const common::ConfigError& e) {
      row.error = e.what();
      row.reason = e.reason();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace infersim::app
