// Oracle tests of the serving simulator against closed forms: one request at zero load equals the
// analytic estimate, light-load queueing equals M/D/1, saturation throughput equals the batch rate,
// a cold start equals W / B + init. Messages say what was expected and why.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "infersim/model/model_spec.h"
#include "serving_test_support.h"

using namespace infersim;
using servingtest::estimator;
using servingtest::run;

namespace {

std::string one_request(const std::string& model, const std::string& hw, int tp, int in, int out,
                        const std::string& runtime = "") {
  return fmt::format(R"({{"model": "{}", "deployment": {{"hardware": "{}", "tp": {}{}}},
    "workload": {{"arrival": {{"type": "batch"}}, "requests": 1,
                 "input": {{"type": "fixed", "value": {}}}, "output": {{"type": "fixed", "value": {}}}}}}})",
                     model, hw, tp, runtime.empty() ? "" : fmt::format(R"(, "runtime": "{}")", runtime), in, out);
}

double rel_err(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

}  // namespace

TEST(ServingOracle, OneRequestAtZeroLoadEqualsTheAnalyticEstimate) {
  struct Case {
    const char* model;
    const char* hw;
    int tp, in, out;
    const char* runtime;  // the roofline-calibrated versions: decode cost is linear in the context
  };
  for (const Case c : {Case{"llama-3.1-70b", "h100-sxm", 4, 1024, 256, "vllm@splitwise"},
                       Case{"llama-3.1-8b", "h100-sxm", 1, 2000, 100, "vllm@splitwise"},
                       Case{"llama-3.1-70b", "mi300x", 2, 300, 40, "vllm@0.5"},
                       Case{"mixtral-8x7b", "h100-sxm", 2, 777, 2, "vllm@splitwise"}}) {
    const auto est = estimator(c.model, c.hw, c.tp, 1, c.runtime);
    const auto e = perf::estimate_serving(est, {1, double(c.in), double(c.out)});
    for (const char* sched : {"continuous", "chunked", "static"}) {
      const auto r = run(one_request(c.model, c.hw, c.tp, c.in, c.out, c.runtime),
                         {std::string("scheduler.type=") + sched});
      ASSERT_EQ(r.completed, 1u);
      EXPECT_LE(rel_err(r.ttft.mean, e.ttft_s), 1e-9)
          << c.model << " on " << c.hw << " (" << sched << "): expected TTFT " << e.ttft_s
          << " s because one request at zero load is exactly its own prefill step; got " << r.ttft.mean;
      EXPECT_LE(rel_err(r.e2e.mean, e.e2e_s), 1e-9)
          << c.model << " on " << c.hw << " (" << sched << "): expected E2E " << e.e2e_s
          << " s = prefill + (output-1) decode steps at contexts input+1..input+output-1 (their mean is the "
             "estimate's mean-context step); got "
          << r.e2e.mean;
      if (c.out > 1) {
        EXPECT_LE(rel_err(r.tpot.mean, e.tpot_s), 1e-9) << c.model << " (" << sched << "): TPOT expected " << e.tpot_s;
      }
    }
  }
}

// The kernel path (measured kernel tables): one request at zero load is its own prefill step plus the
// fitted frontend time, in the simulator and the estimate alike. Decode attention is interpolated
// piecewise-linearly in the context, so the estimate's 4-point mean over the output differs from the
// per-step sum by the curvature between grid points: TPOT within 0.5%.
TEST(ServingOracle, KernelPathOneRequestAtZeroLoad) {
  struct Case {
    const char* model;
    const char* hw;
    int tp, in, out;
  };
  for (const Case c : {Case{"llama-3.1-70b", "h100-sxm", 4, 1024, 256}, Case{"llama-3.1-8b", "b200", 1, 2000, 100},
                       Case{"llama-3.1-8b", "h200", 1, 300, 40}}) {
    const auto est = estimator(c.model, c.hw, c.tp);
    ASSERT_NE(est.kernel_model(), nullptr) << c.hw;
    const auto e = perf::estimate_serving(est, {1, double(c.in), double(c.out)});
    const auto& p = est.params();
    const double frontend = p.ttft_request_s + p.ttft_token_s * c.in;
    EXPECT_LE(rel_err(e.ttft_s, e.prefill.step_s + frontend), 1e-9)
        << c.model << " on " << c.hw << ": estimate TTFT " << e.ttft_s << " should be the prefill step "
        << e.prefill.step_s << " + frontend " << frontend << " (one user never waits for another)";
    const auto r = run(one_request(c.model, c.hw, c.tp, c.in, c.out), {"scheduler.type=chunked"});
    ASSERT_EQ(r.completed, 1u);
    EXPECT_LE(rel_err(r.ttft.mean, e.ttft_s), 1e-9) << c.model << " on " << c.hw << ": simulated TTFT " << r.ttft.mean;
    EXPECT_LE(rel_err(r.tpot.mean, e.tpot_s), 5e-3)
        << c.model << " on " << c.hw << ": simulated TPOT " << r.tpot.mean << " vs estimate " << e.tpot_s;
  }
}

TEST(ServingOracle, LightLoadQueueingMatchesMD1) {
  // One server, one request at a time (static batch of 1), fixed lengths: deterministic service S.
  // Pollaczek-Khinchine for M/D/1: Wq = rho S / (2 (1 - rho)). A roofline-calibrated runtime version:
  // no client-side frontend time on top of the engine's (the kernel path adds a fitted one).
  const int in = 512, out = 16;
  const auto est = estimator("llama-3.1-8b", "h100-sxm", 1, 1, "vllm@splitwise");
  double S = est.time(model::BatchShape::prefill(1, in));
  for (int k = 1; k < out; ++k) S += est.time(model::BatchShape::decode(1, in + k));
  for (double rho : {0.3, 0.6}) {
    const double lambda = rho / S;
    const auto r = run(fmt::format(
        R"({{"model": "llama-3.1-8b", "deployment": {{"hardware": "h100-sxm", "tp": 1, "runtime": "vllm@splitwise"}},
      "scheduler": {{"type": "static", "max_num_seqs": 1}},
      "workload": {{"arrival": {{"type": "poisson", "rate_per_s": {}}}, "requests": 40000,
                   "input": {{"type": "fixed", "value": {}}}, "output": {{"type": "fixed", "value": {}}}}},
      "simulation": {{"seed": 11}}}})",
        lambda, in, out));
    const double wq = rho * S / (2.0 * (1.0 - rho));
    EXPECT_LE(rel_err(r.queue.mean, wq), 0.06)
        << "rho=" << rho << ": expected mean wait " << wq << " s because M/D/1 gives rho S / (2(1-rho)) with S=" << S
        << " s; got " << r.queue.mean;
    EXPECT_LE(rel_err(r.e2e.mean, wq + S), 0.03) << "rho=" << rho << ": E2E should be wait + S";
  }
}

TEST(ServingOracle, SaturatedStaticBatchingRunsAtTheMaximumBatchRate) {
  // 4 full batches of 8 submitted at once: each batch = one prefill of 8 prompts + (out-1) decode steps.
  const int in = 512, out = 64, B = 8, batches = 4;
  const auto est = estimator("llama-3.1-70b", "h100-sxm", 4);
  double tb = est.time(model::BatchShape::prefill(B, in));
  for (int k = 1; k < out; ++k) tb += est.time(model::BatchShape::decode(B, in + k));
  const auto r = run(fmt::format(R"({{"model": "llama-3.1-70b", "deployment": {{"hardware": "h100-sxm", "tp": 4}},
      "scheduler": {{"type": "static", "max_num_seqs": {}}},
      "workload": {{"arrival": {{"type": "batch"}}, "requests": {},
                   "input": {{"type": "fixed", "value": {}}}, "output": {{"type": "fixed", "value": {}}}}}}})",
                                 B, B * batches, in, out));
  const double want = double(B) * out / tb;
  EXPECT_LE(rel_err(r.throughput_tok_s, want), 1e-9)
      << "expected " << want << " tok/s = B x out / (prefill(B) + (out-1) decode(B) steps); got " << r.throughput_tok_s;
  EXPECT_EQ(r.completed, std::uint64_t(B * batches));
}

TEST(ServingOracle, SaturatedContinuousBatchingRunsAtItsBatchRate) {
  // Offered load far above capacity: the replica keeps max_num_seqs sequences running. With vLLM-style
  // prefill priority, each sequence that finishes frees one slot, which the next step fills with a
  // prefill-only step of one prompt: per generation of B sequences, (out-1) decode steps of B plus B
  // single-prompt prefills. Bounds: that rate (lower) and decode-only full batches (upper).
  const int in = 256, out = 128, B = 32;
  const auto est = estimator("llama-3.1-8b", "h100-sxm", 1);
  double dec = 0;
  for (int k = 1; k < out; ++k) dec += est.time(model::BatchShape::decode(B, in + k));
  const double upper = double(B) * out / dec;
  const double lower = double(B) * out / (dec + B * est.time(model::BatchShape::prefill(1, in)));
  const auto r = run(fmt::format(R"({{"model": "llama-3.1-8b", "deployment": {{"hardware": "h100-sxm", "tp": 1}},
      "scheduler": {{"type": "continuous", "max_num_seqs": {}}},
      "workload": {{"arrival": {{"type": "poisson", "rate_per_s": 400}}, "duration_s": 30,
                   "input": {{"type": "fixed", "value": {}}}, "output": {{"type": "fixed", "value": {}}}}},
      "simulation": {{"warmup_s": 5}}}})",
                                 B, in, out));
  EXPECT_GE(r.throughput_tok_s, 0.98 * lower)
      << "expected at least B x out / ((out-1) decode(B) + B prefill(1)) = " << lower << " tok/s";
  EXPECT_LE(r.throughput_tok_s, 1.01 * upper) << "cannot beat decode-only full batches: " << upper;
  EXPECT_NEAR(r.batch_size.p90, B, 1.0) << "a saturated replica runs full batches";
}

TEST(ServingOracle, ColdStartIsWeightBytesOverBandwidthPlusInit) {
  const double bw = 2.0e9, init = 30.0;
  const int in = 512, out = 32;
  const auto r = run(fmt::format(R"({{"model": "llama-3.1-8b",
      "deployment": {{"hardware": "h100-sxm", "tp": 1, "replicas": 0,
        "autoscaler": {{"type": "queue_length", "min_replicas": 0, "max_replicas": 1}},
        "hydration": {{"source": "object_store", "runtime_init_s": {},
                      "tiers": {{"object_store": {{"bandwidth_gb_s": {}, "latency_s": 0}}}}}}}},
      "workload": {{"arrival": {{"type": "batch"}}, "requests": 1,
                   "input": {{"type": "fixed", "value": {}}}, "output": {{"type": "fixed", "value": {}}}}}}})",
                                 init, bw / 1e9, in, out));
  const double w = model::weight_bytes(model::ModelCatalog::shipped().get("llama-3.1-8b"), common::DType::bf16);
  const double want = w / bw + init;
  ASSERT_EQ(r.cold_starts, 1);
  EXPECT_LE(rel_err(r.hydration_s, want), 1e-12)
      << "expected W/B + init = " << w << " / " << bw << " + " << init << " = " << want << " s; got " << r.hydration_s;
  const auto est = estimator("llama-3.1-8b", "h100-sxm", 1);
  const auto& p = est.params();  // kernel path: plus the fitted frontend time (HTTP, tokenization)
  const double ttft = want + est.time(model::BatchShape::prefill(1, in)) + p.ttft_request_s + p.ttft_token_s * in;
  EXPECT_LE(rel_err(r.ttft.max, ttft), 1e-9) << "the request waits for the cold start, then prefills: " << ttft;
  EXPECT_EQ(r.cold_wait_requests, 1u);
}
