#pragma once
// Capacity planning: the cheapest ways to serve a model at a target load within latency SLOs.
//
// Method: enumerate candidates (hardware x runtime x precision x layout), prune by support and
// memory fit, size each analytically (per-replica capacity at the largest concurrency whose
// estimated P99 TTFT / TPOT meet the SLOs under Poisson arrivals, Erlang-C queueing on the
// sequence slots), rank by $/1K output tokens; then, if a verifier is given (the discrete-event
// simulator), verify the top candidates and find the minimum replica count by bisection. Mixed
// deployments (a share of traffic on a second vendor, a CPU fallback lane) are composed from the
// single-pool winners. "No feasible plan" is a result with reasons, never an error.
// Pure apart from the verifier callback; thread-safe per call.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/planner/cost_model.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/pricing.h"
#include "infersim/planner/token_prices.h"

namespace infersim::planner {

// The analytic sizing's P99 / mean TPOT: prefill interference spikes (the simulator refines it).
inline constexpr double TPOT_TAIL = 1.15;

struct Slo {
  double ttft_p99_s = 1.0;
  double tpot_p99_s = 0.05;
  double goodput = 0.99;  // share of requests that must meet every SLO (checked by the verifier)
};

struct PlanRequest {
  std::string model = "llama-3.1-70b";
  std::string workload_name = "custom";
  double input_tokens = 1024;  // mean prompt length
  // The 99th-percentile prompt, for TTFT P99 (its prefill in place of the mean prompt's); 0 = fixed
  // lengths (the mean prompt).
  double input_tokens_p99 = 0;
  double output_tokens = 256;  // mean generated length
  double requests_per_s = 10;  // target load, whole deployment
  double calls_per_task = 1;   // agentic: model calls per task (for $ per task)
  Slo slo;
  std::vector<std::string> hardware;  // allowed; empty = whole catalog
  std::vector<std::string> runtimes;  // allowed; empty = each hardware's default runtime only
  std::vector<std::string> precisions = {"bf16", "fp8"};
  // A hybrid linear-attention model's recurrent states: "" = fp32 (the runtimes' default), bf16 or fp16
  // (SGLang --mamba-ssm-dtype); every candidate plans with it (perf::state_precision_for).
  std::string state_precision;
  bool allow_int4 = false;  // 4-bit tiers only on opt-in (accuracy risk is flagged)
  int max_chips_per_replica = 64;
  // SRAM-only dataflow chips hold a model across hundreds of chips by design (Groq ran 70B models on
  // ~576, an LPX rack has 256): their own limit.
  int max_sram_chips_per_replica = 4096;
  // A pinned layout (a deployment contract's): only tp x pp is sized (0 = the planner's layouts; pp 0
  // with tp set = the pipeline depth of the smallest layout that fits, which may not fit at that tp).
  int layout_tp = 0, layout_pp = 0;
  // The site's limits (facility.h): plans that do not fit are rejected with the limit they break.
  std::optional<Site> site;
  int top = 10;
  int verify_top = 5;
  bool mixes = true;  // compose second-vendor shares and a CPU fallback lane
  std::vector<double> mix_shares = {0.25};
  Pricing pricing;
};

// Why a candidate was rejected. The order is the ranking of "most telling first" used wherever one
// reason must stand for a whole infeasible plan (summarize_rejections): the simulator's refutation,
// a missed SLO, no memory fit, a layout over the chip limit, the simulator refusing to build it, no
// price on this basis, an unsupported runtime or dtype; "costlier" is not a defect.
// A candidate is one deployment on one chip, or a mix: shares of the traffic on two of them.
enum class CandidateKind { single, mix };

enum class Rejection {
  none,
  des_refuted,
  misses_slo,
  does_not_fit,
  site_limits,
  too_many_chips,
  des_failed,
  no_price,
  unsupported,
  costlier
};
const char* rejection_name(Rejection r);

struct Candidate {
  std::string id;  // "h100-sxm/vllm/bf16/tp4"
  std::string hardware, vendor, runtime, runtime_basis, precision, kv_precision;
  std::string state_precision;  // a hybrid model's recurrent states ("" for a model without them)
  CandidateKind kind = CandidateKind::single;
  hwprofiles::HardwareKind hardware_kind = hwprofiles::HardwareKind::gpu;  // of the chip (a mix: the primary's)
  bool is_mix() const { return kind == CandidateKind::mix; }
  // "mix", else the chip's kind ("gpu", "cpu", "lpu", ...): the plan JSON's "kind".
  std::string kind_label() const;
  int tp = 1, pp = 1, chips_per_replica = 1;
  double batch = 1;          // concurrency per replica the sizing chose
  double replica_req_s = 0;  // sustainable requests/s per replica within the SLOs
  double replicas = 0;       // whole number except inside mixes
  double ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0;
  double utilisation = 0;  // offered load / capacity of the chosen replicas
  PowerBreakdown power;
  CostBreakdown cost;
  FacilityFootprint facility;  // servers, racks, kW/rack, MW, floor (single candidates)
  bool verified = false;       // P99s below come from the discrete-event simulator
  bool announced = false;      // the chip is announced, not shipping: ranked after shipping chips
  double verified_goodput = 0;
  std::string bound_prefill, bound_decode;
  std::vector<std::string> risks;  // quantisation accuracy, porting, maturity, borrowed calibration
  std::vector<std::string> parts;  // for mixes: the member candidate ids with their shares
  // Plausibility against the chip vendor's own per-token price (Groq, Cerebras, SambaNova sell tokens
  // from the chips they plan on): plan cost / API cost per output token on the same workload (0 = the
  // vendor has no API price for the model). Outside 0.2x-2x it is flagged as a modelling error to
  // investigate (a risk), not an answer.
  double vendor_price_ratio = 0;
  std::string vendor_price_check;
  bool feasible = false;
  std::string reason;                     // why rejected, in words (empty when feasible)
  Rejection rejection = Rejection::none;  // why rejected, as a kind
};

struct VerifyOutcome {
  bool meets = false;
  double ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0, goodput = 0;
  double busy_fraction = 0, prefill_share = 0;
  std::string detail;
};
// Runs the candidate at the target load with `replicas` replicas (discrete-event simulation).
using Verifier = std::function<VerifyOutcome(const PlanRequest&, const Candidate&, int replicas)>;

struct PlanResult {
  PlanRequest request;
  std::vector<Candidate> ranked;      // feasible, cheapest first (top N)
  std::vector<Candidate> rejected;    // with reasons
  std::vector<std::string> pareto;    // ids on the cost vs TTFT P99 frontier, cheapest first
  std::vector<TokenCost> buy_tokens;  // the hosted-API lane for the model on this workload, cheapest first
  int evaluated = 0;                  // hardware x runtime x precision combinations considered
  int sized = 0;                      // layouts that went through the full analytic sizing
  std::vector<std::string> notes;
};

PlanResult plan(const PlanRequest& req, const Verifier& verifier = nullptr);

// The deployment plan() evaluated for candidate `c` (its hardware, runtime, precision with the same
// default rules, tp and pp), for re-estimating a chosen plan step by step.
perf::Deployment candidate_deployment(const model::ModelSpec& m, const Candidate& c);

// Up to `n` distinct reasons from the rejected candidates, most telling first (the Rejection order,
// alphabetical within a kind); "costlier than the top plans" never counts. Empty when none.
std::vector<std::string> summarize_rejections(const PlanResult& r, std::size_t n = 3);

// Analytic P99 of the wait for one of `slots` sequence slots (M/D/c via Erlang C with the
// Allen-Cunneen correction for deterministic service): arrival rate `lambda`, service time `service_s`.
double p99_slot_wait_s(double lambda, double service_s, double slots);

// A replica's TTFT terms at a concurrency limit, from perf::estimate_serving (benchmark mode):
struct OpenLoopTtft {
  double unloaded_s = 0;      // ttft_s less its closed-loop queueing and its per-stream term
  double streams_s = 0;       // the per-stream term with every slot in flight (concurrency - 1 other streams)
  double tail_prefill_s = 0;  // the P99 prompt's prefill less the mean prompt's (PlanRequest::input_tokens_p99)
  double prefill_s = 0;       // how long one prompt holds the prefill engine: its prefill step (a pipelined
                              // replica: one stage's share of it, StepEstimator::micro_batches over pp)
  double e2e_s = 0;           // one request's end-to-end time
  double concurrency = 1;     // the concurrency limit (sequence slots)
};
// Analytic P99 TTFT of the replica fed open-loop (Poisson) arrivals at `lambda`: the unloaded TTFT of
// the P99 prompt, the per-stream term for the P99 of the requests in flight (Little: lambda x e2e, plus 2.33 standard
// deviations of a Poisson count, at most `concurrency`), the P99 wait for a sequence slot (service: one
// request's end-to-end time) and the P99 wait for the prefill engine behind other prompts (one server,
// service: one prompt's prefill step, one stage's share of it in a pipelined replica). The closed-loop
// benchmark's queueing term is not used: it belongs to users who re-arrive as they finish. The waits are
// added, which errs on the safe side; the discrete-event check in plan() verifies the plans ranked first.
double open_loop_ttft_p99_s(const OpenLoopTtft& t, double lambda);

}  // namespace infersim::planner
