#include "infersim/perf/request_estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/perf/power_model.h"

namespace infersim::perf {

using model::BatchShape;

CostSum mean_decode_cost(const StepEstimator& est, double batch, double input, double output) {
  // Decode cost is piecewise linear in the context; a 4-point midpoint rule over the output is exact
  // for the linear parts and close where an op switches bound.
  const int segments = output > 8 ? 4 : 1;
  CostSum sum;
  sum.reserve(std::size_t(segments));
  for (int s = 0; s < segments; ++s) {
    const double ctx = input + output * (s + 0.5) / segments;
    sum.push_back({est.cost(BatchShape::decode(batch, ctx)), 1.0 / segments});
  }
  return sum;
}

double price_per_chip_hour(const hwprofiles::HardwareProfile& hw, std::string& basis) {
  const auto& q = hw.prices.on_demand;
  if (q.known()) {
    basis = fmt::format("cloud on-demand ({}, {})", q.provider, q.as_of);
    return q.usd;
  }
  // No fallback to another basis: `infersim plan` / `workloads compare` cost the other tiers and owned.
  basis = hw.prices.rented() ? "no public on-demand price (see `infersim plan --pricing` for other tiers)"
                             : fmt::format("no public cloud price: {}", hw.prices.no_cloud_price);
  return 0.0;
}

int tp_for_chips(const model::ModelSpec& m, const hwprofiles::HardwareProfile& hw, int chips) {
  int t = std::min(chips, std::max(1, hw.scale_up_domain));
  while (t > 1 && (chips % t != 0 || m.num_heads % t != 0)) --t;
  return t;
}

std::vector<int> sram_stage_widths(const model::ModelSpec& m, const hwprofiles::HardwareProfile& hw, int minimal_tp) {
  std::vector<int> out = {minimal_tp};
  const int kvh = std::max(1, m.num_kv_heads);
  for (int t = 2 * minimal_tp; t < kvh; t *= 2)
    if (hw.node_aligned_tp(t)) out.push_back(t);
  if (kvh > minimal_tp && hw.node_aligned_tp(kvh)) out.push_back(kvh);
  return out;
}

std::string place_weights(const model::ModelSpec& m, Deployment& d, double kv_tokens, double max_step_tokens,
                          double sequences) {
  d.ddr_weight_fraction = 0;
  if (d.hardware.ddr_bytes <= 0) return "";
  const auto f = StepEstimator(m, d, false).memory_fit(kv_tokens, max_step_tokens, sequences);
  if (f.fits) return "";
  const double over = f.used_bytes() - f.usable_bytes();
  if (over >= f.weights_bytes) return "";  // KV and activations alone overflow main memory
  // A little more than the overflow, so the placed layout fits despite rounding.
  d.ddr_weight_fraction = std::min(0.999, over * (1.0 + 1e-9) / f.weights_bytes + 1e-12);
  return fmt::format("{} of each chip's {} of weights placed in the DDR tier ({}/s{}); KV and activations stay in "
                     "{} memory",
                     common::format_bytes(d.ddr_weight_fraction * f.weights_bytes),
                     common::format_bytes(f.weights_bytes), common::format_bytes(d.hardware.ddr_bw_bytes_per_s),
                     m.is_moe() ? ", routed experts first" : "",
                     d.hardware.main_memory_type.empty() ? "main" : d.hardware.main_memory_type);
}

double max_step_tokens(const hwprofiles::HardwareProfile& hw, const Workload& w) {
  const double prompt = hw.sram_only() ? std::min(w.input, 128.0) : std::min(w.input, 8192.0);
  return std::max(prompt, w.batch);
}

Estimate estimate_serving(const StepEstimator& est, const Workload& w, bool detail) {
  if (!(w.batch >= 1)) throw common::ConfigError("", "--batch", "must be >= 1");
  if (!(w.input >= 1)) throw common::ConfigError("", "--input", "must be >= 1");
  if (!(w.output >= 1)) throw common::ConfigError("", "--output", "must be >= 1");
  const auto& dep = est.deployment();
  const auto& m = est.model();
  const auto& hw = dep.hardware;
  Estimate e;
  e.model = m.name;
  e.hardware = hw.name;
  e.runtime = est.runtime();
  e.runtime_version = dep.runtime_version;
  if (detail)
    e.step_model = est.kernel_model() ? est.kernel_model()->describe()
                   : hw.static_dataflow()
                       ? "static dataflow: roofline op times + modelled chip-to-chip transfers + the "
                         "chip's own fitted latencies (nothing borrowed from kernel-launch chips)"
                       : "roofline calibration (fitted efficiency and overheads)";
  e.calibration_source = est.calibration_source();
  e.chips = dep.chips();
  e.tp = dep.tp;
  e.pp = dep.pp;
  e.ep = dep.ep;
  e.precision = common::dtype_name(dep.precision.weight);
  e.kv_precision = common::dtype_name(dep.precision.kv);
  e.state_precision = common::dtype_name(dep.precision.state);
  e.workload = w;

  const double B = w.batch, I = w.input, O = w.output;
  // Pipeline parallelism: min(B, pp) micro-batches of B / m sequences in flight (1 without pp, or on a
  // runtime that runs one batch through the stages at a time).
  const double m_micro = est.micro_batches(B);
  const double micro = std::max(1.0, B / m_micro);  // sequences per micro-batch
  const auto& p = est.params();

  // Prefill of the request's own prompt.
  const StepCost pc = est.cost(BatchShape::prefill(1, I));
  const double t_p = pc.time(p);
  e.prefill.step_s = t_p;
  if (detail) {
    e.prefill.detail = est.explain(BatchShape::prefill(1, I));
    e.prefill.bound = e.prefill.detail.bound;
  }

  // Benchmark mode (kernel path) prices its own decode step at the batch that runs at once, below.
  const bool benchmark_mode = est.kernel_model() != nullptr && !dep.speculative;
  // Decode step of a micro-batch at the mean context.
  double t_d = benchmark_mode ? 0.0 : total_time(mean_decode_cost(est, micro, I, O), p);
  double decode_seqs = micro;  // sequences in the decode step t_d times (for its power)
  if (detail && !benchmark_mode) {
    e.decode.detail = est.explain(BatchShape::decode(micro, I + O / 2.0));
    e.decode.bound = e.decode.detail.bound;
  }

  double tokens_per_step = 1.0;
  // The decode step's roofline work and full time for its power, where the step is not one plain decode
  // pass (a draft model's k passes plus the verify pass).
  std::optional<std::pair<StepEstimator::RooflineWork, double>> spec_power;
  if (dep.speculative) {
    const auto& sd = *dep.speculative;
    Deployment dd = dep;
    dd.speculative.reset();
    dd.ep = 1;
    StepEstimator draft(sd.draft, dd);
    const double t_draft = draft.cost(BatchShape::decode(micro, I + O / 2.0)).time(draft.params());
    // Verification: k+1 tokens per sequence on top of the cached context.
    BatchShape verify;
    for (int i = 0; i < 1; ++i) verify += BatchShape::prefill_chunk(sd.k + 1.0, I + O / 2.0, false);
    verify.prefill_tokens *= micro;
    verify.prefill_attn_pairs *= micro;
    verify.prefill_cached_tokens *= micro;
    verify.prefill_seqs = micro;
    verify.prefill_seqs_finishing = micro;
    const double t_verify = est.cost(verify).time(p);
    tokens_per_step = sd.expected_tokens();
    t_d = (sd.k * t_draft + t_verify) / tokens_per_step;
    auto work = est.roofline_work(verify);
    const auto wd = draft.roofline_work(BatchShape::decode(micro, I + O / 2.0));
    work.compute_s += sd.k * wd.compute_s;
    work.memory_s += sd.k * wd.memory_s;
    spec_power.emplace(work, sd.k * t_draft + t_verify);
    if (detail)
      e.notes.push_back(fmt::format("speculative decoding: draft {} k={} acceptance={:.2f} -> {:.2f} tokens per target "
                                    "step; draft step {}, verify step {}",
                                    sd.draft.name, sd.k, sd.acceptance, tokens_per_step,
                                    common::format_seconds(t_draft), common::format_seconds(t_verify)));
  }
  // Multi-token prediction: each decode step (verify + drafts, StepEstimator::cost) gains E tokens.
  const double E = est.decode_tokens_per_step();
  if (dep.mtp) {
    tokens_per_step = E;
    if (!benchmark_mode) t_d /= E;
    if (detail)
      e.notes.push_back(fmt::format(
          "multi-token prediction: {} draft token{} from the MTP module per step, acceptance {:.2f} per position -> "
          "{:.2f} tokens per decode step; each step verifies {} tokens per sequence and runs {} MTP pass{}",
          dep.mtp->draft_tokens, dep.mtp->draft_tokens == 1 ? "" : "s", dep.mtp->acceptance, E,
          dep.mtp->draft_tokens + 1, dep.mtp->draft_tokens, dep.mtp->draft_tokens == 1 ? "" : "es"));
  }
  e.spec_tokens_per_step = tokens_per_step;
  e.decode.step_s = t_d;

  if (benchmark_mode) {
    // Benchmark mode (closed loop, C users, zero think time), the analytic counterpart of
    // serving::simulate_benchmark: users out of phase, the runtime version's scheduler.
    // Each running decode takes its draft tokens of the budget too where the runtime counts them (a copy
    // of the scheduler only then: the planner calls this for every candidate).
    std::optional<hwprofiles::SchedulerDefaults> drafted;
    if (const int t = decode_budget_tokens(dep); t != dep.scheduler.decode_budget_tokens) {
      drafted = dep.scheduler;
      drafted->decode_budget_tokens = t;
    }
    const auto fit0 = est.memory_fit(0, max_step_tokens(hw, w));
    // Hybrid linear-attention models: no more sequences run than their recurrent states fit.
    double kv_capacity = fit0.max_kv_tokens;
    if (fit0.state_bytes_per_sequence > 0) {
      if (!drafted) drafted = dep.scheduler;
      kv_capacity = cap_state_slots(fit0, drafted->max_batch, I + O);
      if (detail && drafted->max_batch < dep.scheduler.max_batch)
        e.notes.push_back(fmt::format(
            "recurrent states: each sequence holds {} per chip of Gated DeltaNet state; {} sequences' states fit{}, "
            "so at most {} run at once (max batch {})",
            common::format_bytes(fit0.state_bytes_per_sequence), drafted->max_batch,
            fit0.state_pool_bytes > 0
                ? fmt::format(" in SGLang's state pool ({} per chip, {:g} x its KV pool)",
                              common::format_bytes(fit0.state_pool_bytes), SGLANG_MAMBA_FULL_MEMORY_RATIO)
                : " beside their KV cache",
            drafted->max_batch, dep.scheduler.max_batch));
    }
    const auto& sc = drafted ? *drafted : dep.scheduler;
    const double R = running_at_once(B, sc, kv_capacity, I, O);
    // A request arriving as another finishes finds the next step already launched, plus the join delay
    // of an overlap scheduler; an idle engine (one user) takes it at once.
    // Attention-DP balancing holds a new prompt until every rank has one (adp_balance_delay_steps).
    const int adp_wait = adp_balance_delay_steps(est.model(), dep, sc, B, I, O);
    // Batch waiting holds it until enough prompt tokens gather (batch_wait_delay_steps).
    const int batch_wait = batch_wait_delay_steps(est.model(), dep, sc, B, I, O);
    // SGLang's receive interval holds it until the scheduler next takes requests in (recv_interval_delay_steps).
    const int recv_wait = recv_interval_delay_steps(sc);
    const double J = R > 1 ? 1.0 + sc.join_delay_steps + adp_wait + batch_wait + recv_wait : 0.0;
    const double budget = std::max(1.0, double(sc.max_num_tokens) - (R - 1.0) * sc.decode_budget_tokens);
    const double chunks = sc.chunked_prefill ? std::ceil(I / budget) : 1.0;
    const double N = (O - 1.0) / E + chunks + J;  // steps one request's cycle spans
    const double per_step = R / N;                // prompts starting per step (evenly spread)
    const double ctx = I + O / 2.0;
    const bool mixed = sc.policy != "prefill_first";
    // Time a prompt adds to a step: with R-1 decodes (mixed steps), or alone (prefill-first steps, decodes wait).
    // Pipeline parallelism: each step runs as min(pp, sequences) micro-batches (StepEstimator::pipelined_cost).
    const double t_dec_rest = R > 1 ? est.pipelined_time(BatchShape::decode(R - 1, ctx), R - 1) : 0.0;
    BatchShape with_prompt = BatchShape::prefill(1, I);
    if (mixed && R > 1) with_prompt += BatchShape::decode(R - 1, ctx);
    const BatchShape prompt = BatchShape::prefill(1, I);
    const double t_with = est.pipelined_time(with_prompt, mixed ? R : 1, &prompt);
    const double delta = mixed ? std::max(0.0, t_with - t_dec_rest) : t_p;
    const double m_run = est.micro_batches(R);
    t_d = total_time(mean_decode_cost(est, R / m_run, I, O), p);
    decode_seqs = R / m_run;
    e.decode.step_s = t_d;
    if (detail) {
      e.decode.detail = est.explain(BatchShape::decode(R / m_run, ctx));
      e.decode.bound = e.decode.detail.bound;
    }
    // Prefill-first: whole prompts per prefill step within the token budget, besides the first one alone.
    const double wave_step =
        R > 1 ? std::min(R - 1.0, std::max(1.0, std::floor(double(std::max(1, sc.max_num_tokens)) / I))) : 1.0;
    double ttft = 0;
    if (mixed) {
      // Others' prompts during my decode window.
      e.tpot_s = t_d + (R > 1 ? (R - 1.0) * (O - 1.0) / N / (O - 1.0 > 0 ? O - 1.0 : 1.0) * delta : 0.0);
      if (E > 1.0) e.tpot_s /= E;  // each of my (O - 1) / E decode steps gains E tokens
      const double t_mean = t_d + per_step * delta;
      // My prompt's step(s): the join delay, then its chunk steps (sharing a step with the prompts that
      // start with it).
      const double shared = std::max(0.0, per_step - 1.0);
      // Attention-DP balancing releases the ranks' prompts together, so the steps a held prompt waits
      // through are decode steps (its clump's prompt step is counted below).
      // So are those a request waits for SGLang's scheduler to take it in: a prompt step would take it at once.
      const double held = R > 1 ? double(adp_wait + recv_wait) : 0.0;  // J's share of such steps
      ttft = (J - held) * t_mean + held * t_d + (chunks * t_dec_rest + delta * (1.0 + shared));
      // Closed-loop bunching: real users do not stay evenly spread; those released together finish and
      // return together, so a prompt finds a share of the other users' prompts ahead of it. Measured TTFT
      // grows by a fixed share of one prompt's prefill per user (docs/calibration.md, "Bunching").
      e.ttft_queue_s = p.ttft_queue_factor * (R - 1.0) * t_p;
      ttft += e.ttft_queue_s;
    } else {
      // Prefill-first steps keep the users in lockstep waves (serving::BenchmarkSpec::stagger): all R
      // prompts run before any decode. The idle engine takes the first prompt at once, alone; the other
      // R - 1 follow in prefill-only steps of k whole prompts within the token budget, each answering at
      // the end of its step. Then the wave decodes together, those answered early having waited for the
      // later prefill steps.
      ttft = t_p;
      double wave = t_p;
      if (R > 1) {
        const double others = R - 1.0;
        const double k = wave_step;
        const double K = std::ceil(others / k);
        const double rest = others - (K - 1.0) * k;  // prompts in the last step
        // Whole prompts over the micro-batches: the slowest holds ceil(k / m) of them (as the simulator).
        const double t_full = est.pipelined_time(BatchShape::prefill(k, I), k, &prompt);
        const double t_last = rest == k ? t_full : est.pipelined_time(BatchShape::prefill(rest, I), rest, &prompt);
        wave = t_p + (K - 1.0) * t_full + t_last;
        ttft = (R * t_p + k * t_full * (K - 1.0) * K / 2.0 + rest * ((K - 1.0) * t_full + t_last)) / R;
      }
      e.tpot_s = t_d / E + (O > 1.0 ? (wave - ttft) / (O - 1.0) : 0.0);
    }
    const double e2e_engine = ttft + (O - 1.0) * e.tpot_s;
    // More users than the engine holds: the rest wait for a slot (Little's law on the cycle).
    if (B > R) {
      const double x = R / e2e_engine;  // requests/s
      const double wait = std::max(0.0, B / x - e2e_engine);
      ttft += wait;
      // What the engine would hold, were it not for whole prompts waiting for room in the budget.
      const double R_held = running_held(B, sc, kv_capacity, I, O);
      if (detail && R < R_held)
        e.notes.push_back(fmt::format(
            "only {:.0f} of {:.0f} users run at once: {} runs prompts whole (no chunked prefill), and a "
            "{:.0f}-token prompt joins a step only if it fits in the {}-token budget beside {} per running "
            "decode, so {}; the rest wait {} for a slot (a budget of {} or chunked prefill lets all {:.0f} run: "
            "--max-num-tokens, --chunked-prefill on)",
            R, B, e.runtime.empty() ? std::string("the runtime") : e.runtime, I, sc.max_num_tokens,
            sc.decode_budget_tokens > 1 ? fmt::format("{} tokens (1 + its MTP draft tokens)", sc.decode_budget_tokens)
                                        : std::string("one token"),
            R > 1 ? fmt::format("it waits while more than {:.0f} sequences decode", R - 1.0)
                  : std::string("it runs only on an idle engine, one request at a time"),
            common::format_seconds(wait), whole_prompt_budget(sc, std::min(B, R_held), I), std::min(B, R_held)));
      else if (detail)
        e.notes.push_back(
            fmt::format("only {:.0f} of {:.0f} users fit at once (KV cache / max batch): the rest wait {} for a slot",
                        R, B, common::format_seconds(wait)));
    }
    // A whole prompt longer than the budget: the runtimes refuse it outright (TensorRT-LLM's LLM API
    // _check_arguments: "The sum of prompt length ... should not exceed max_num_tokens" without chunked
    // prefill; vLLM wants max_num_batched_tokens >= max_model_len then), where the simulator runs it alone.
    if (detail && !sc.chunked_prefill && I > sc.max_num_tokens)
      e.notes.push_back(fmt::format(
          "{}-token prompts exceed the {}-token budget with chunked prefill off: {} refuses such requests (\"should "
          "not exceed max_num_tokens\"); these figures assume each ran alone. Raise --max-num-tokens to at least {} "
          "or turn chunked prefill on",
          I, sc.max_num_tokens, e.runtime.empty() ? std::string("the runtime") : e.runtime,
          std::max(whole_prompt_budget(sc, B, I), int(std::ceil(I)))));
    // Client-side time outside the engine (HTTP, tokenization, streaming).
    // Streams open when a request arrives: all the others out of phase, half of them in a lockstep wave.
    e.ttft_streams_s = p.ttft_stream_s * (std::min(B, R) - 1.0) * (mixed ? 1.0 : 0.5);
    ttft += p.ttft_request_s + p.ttft_token_s * I + p.ttft_prefill_fraction * t_p + e.ttft_streams_s;
    e.ttft_s = ttft;
    e.e2e_s = e.ttft_s + (O - 1.0) * e.tpot_s;
    e.throughput_tok_s = B * O / e.e2e_s;
    e.per_user_tok_s = 1.0 / e.tpot_s;
    if (detail && mixed)
      e.notes.push_back(fmt::format(
          "benchmark mode: {} closed-loop users, {} steps ({}), token budget {}, max batch {}, {}{}{}{}{}; "
          "`--simulate` runs the same loop in the discrete-event simulator",
          B, sc.policy, sc.chunked_prefill ? "chunked prompts" : "whole prompts", sc.max_num_tokens, sc.max_batch,
          fmt::format("{} running at once", R), J > 0 ? fmt::format(", new requests join {:.0f} step late", J) : "",
          adp_wait > 0 ? fmt::format(" (of which {} waiting for every one of the {} attention-DP ranks to have a "
                                     "prompt: balancing, timeout {} iterations)",
                                     adp_wait, dep.attention_dp, sc.adp_timeout_iters)
                       : "",
          batch_wait > 0 ? fmt::format(" (of which {} batch waiting: prompts held until their tokens reach {:g} of the "
                                       "budget, at most {} iterations)",
                                       batch_wait, sc.batch_wait_max_tokens_ratio, sc.batch_wait_timeout_iters)
                         : "",
          recv_wait > 0 ? fmt::format(" (of which {} waiting for the scheduler, which takes new requests in every {} "
                                      "decode iterations)",
                                      recv_wait, sc.recv_interval_iters)
                        : ""));
    else if (detail)
      e.notes.push_back(fmt::format(
          "benchmark mode: {} closed-loop users in lockstep waves (prefill-first steps: each wave's {:.0f} prompts "
          "are prefilled, {:.0f} per step within the token budget {}, before the wave decodes together), max batch "
          "{}; `--simulate` runs the same loop in the discrete-event simulator",
          B, R, wave_step, sc.max_num_tokens, sc.max_batch));
  } else {
    // Other sequences' prompts interleave with our decode steps: (B-1) replacements over O tokens.
    const double interleave = B > 1 ? (B - 1.0) / O * t_p / m_micro : 0.0;
    e.tpot_s = t_d + interleave;
    e.ttft_s = t_p + (B > 1 ? 0.5 * t_d : 0.0);
    e.e2e_s = e.ttft_s + (O - 1.0) * e.tpot_s;
    e.throughput_tok_s = B * O / e.e2e_s;
    e.per_user_tok_s = 1.0 / e.tpot_s;
  }

  e.memory = est.memory_fit(B * (I + O), max_step_tokens(hw, w), B);
  e.fits = e.memory.fits;
  e.max_concurrency = e.memory.sequences_for(I + O);
  if (!e.fits) e.notes.push_back(e.memory.message);
  if (detail && model::keeps_16bit_outside_experts(est.model(), dep.precision.weight)) {
    const auto& card = est.model();
    e.notes.push_back(fmt::format(
        "weights: {}'s checkpoints hold only the routed experts in {} ({} of the parameters); attention, embeddings "
        "and the LM head stay 16-bit, so their GEMMs run at the 16-bit rate (qkv_proj, out_proj rows) and the "
        "weights take {} (the card's quantized_weights; its source: infersim models show {})",
        card.name, common::dtype_name(dep.precision.weight),
        fmt::format("{:.0f}%", 100.0 * model::param_breakdown(card).routed_experts / model::param_count(card)),
        common::format_bytes(model::weight_bytes(card, dep.precision.weight)), card.name));
  }
  if (detail && p.eager_layer_s > 0 && pc.eager_layers > 0) {
    const double floor = p.eager_layer_s * pc.eager_layers;
    e.notes.push_back(fmt::format(
        "prompt steps run without CUDA graphs ({}: graphs for decode-only batches): a step that carries a prompt "
        "launches its kernels one by one, {:.0f} us of host time a layer x {:g} layers = {:.2f} ms (the calibration "
        "line says where that host time comes from; docs/calibration.md \"Eager prompt steps\"), against {:.2f} ms of "
        "kernel time in the tables for this prompt, so the launches add {}",
        e.runtime.empty() ? std::string("the runtime") : e.runtime, p.eager_layer_s * 1e6, pc.eager_layers, floor * 1e3,
        pc.eager_kernel_s() * 1e3,
        pc.floor_extra_s > 0 ? fmt::format("{:.2f} ms to its step (in the overheads row)", pc.floor_extra_s * 1e3)
                             : std::string("nothing to its step")));
  } else if (detail && p.eager_layer_s > 0 && !dep.scheduler.eager_prompt_steps) {
    e.notes.push_back(fmt::format(
        "prompt steps replay piecewise CUDA graphs ({}'s default), so the host time of {:.0f} us a layer for its "
        "eager prompt steps (cudagraph_mode FULL_DECODE_ONLY recipes; the calibration line says where it comes "
        "from) adds nothing; --eager-prompt-steps on prices such a recipe (docs/calibration.md \"Eager prompt steps\")",
        e.runtime.empty() ? std::string("the runtime") : e.runtime, p.eager_layer_s * 1e6));
  }
  if (detail && est.model().is_dsa()) {
    const auto& ds = est.model().dsa;
    const double ctx = I + O / 2.0;
    e.notes.push_back(fmt::format(
        "sparse attention (DSA): each query attends to the {} highest-scoring of its context's tokens ({} at the mean "
        "decode context of {:.0f}); a {}-head x {} indexer scores every cached token first (attention row above), "
        "its projections replicated on every TP rank (qkv_proj row)",
        ds.index_topk,
        ctx > ds.index_topk ? fmt::format("{:.0f}% of them", 100.0 * ds.index_topk / ctx) : "all of them", ctx,
        ds.index_heads, ds.index_head_dim));
  }
  if (detail && dep.pp > 1) {
    const double in_flight = est.micro_batches(B);
    e.notes.push_back(
        !dep.pp_micro_batches
            ? fmt::format("pipeline: {} stages, and the {} runtime runs one batch through them at a time, so {} of {} "
                          "stages "
                          "idle at any moment; more stages add memory, not throughput",
                          dep.pp, e.runtime, dep.pp - 1, dep.pp)
            : fmt::format(
                  "pipeline: {} stages with {:g} micro-batch{} of {:.3g} sequences in flight{}; a token's latency is "
                  "the traversal of every stage (one decode step above), throughput grows with micro-batches "
                  "until {} are in flight",
                  dep.pp, in_flight, in_flight == 1 ? "" : "es", micro,
                  in_flight < dep.pp ? fmt::format(" ({:g} stages idle: the pipeline bubble)", dep.pp - in_flight) : "",
                  dep.pp));
  }

  // Power: phase-weighted chip power.
  const double prefill_share = B > 1 ? std::min(1.0, ((B / O) * t_p / m_micro) / std::max(e.tpot_s * 1.0, 1e-12))
                                     : t_p / e.e2e_s;
  // A pipelined replica keeps min(B, pp) of its pp stages busy; the others idle (pipeline bubble).
  const double occupancy = est.stage_occupancy(m_micro);
  // Active power of each phase from its utilisation (perf/power_model.h): measured-power model on GPUs,
  // the profile's phase constants elsewhere.
  const auto& pm = PowerModel::shipped();
  e.prefill_chip_w = pm.active_w(hw, est.roofline_work(BatchShape::prefill(1, I)), t_p, true);
  // A decode step's work (verify + MTP passes under multi-token prediction) over its full time: t_d is
  // per token outside benchmark mode under MTP (divided by E above).
  const double t_step = dep.mtp && !benchmark_mode ? t_d * E : t_d;
  e.decode_chip_w = spec_power ? pm.active_w(hw, spec_power->first, spec_power->second, false)
                               : pm.active_w(hw, est.roofline_work(BatchShape::decode(decode_seqs, I + O / 2.0)),
                                             t_step, false);
  e.idle_chip_w = hw.idle_w;
  if (detail) e.power_model = pm.describe(hw);
  e.power_w = dep.chips() * (occupancy * (prefill_share * e.prefill_chip_w + (1 - prefill_share) * e.decode_chip_w) +
                             (1.0 - occupancy) * hw.idle_w);
  e.joules_per_token = e.power_w / e.throughput_tok_s;
  e.usd_per_hour = price_per_chip_hour(hw, e.price_basis) * dep.chips();
  e.usd_per_1k_tokens = e.usd_per_hour > 0 ? e.usd_per_hour / (e.throughput_tok_s * 3600.0) * 1000.0 : 0.0;
  return e;
}

double estimate_offline_batch(const StepEstimator& est, double batch, double input, double output, CostSum* cost_out,
                              double* waves_out) {
  const auto fit = est.memory_fit(0, std::min(batch * input, 8192.0));
  double concurrent = batch;
  if (fit.max_kv_tokens > 0) concurrent = std::min(batch, std::max(1.0, fit.sequences_for(input + output)));
  const double waves = std::ceil(batch / concurrent);
  const double per_wave = batch / waves;
  // Pipeline parallelism: a wave runs as m micro-batches of per_wave / m sequences (one traversal per
  // step), and each wave fills the empty pipeline once: (m - 1) / pp of a prefill traversal.
  const double m = est.micro_batches(per_wave);
  const double fill = est.fill_fraction(m);
  CostSum total{{est.cost(BatchShape::prefill(per_wave / m, input)), waves * (1.0 + fill)}};
  if (output > 1) append(total, mean_decode_cost(est, per_wave / m, input, output), (output - 1.0) * waves);
  if (waves_out) *waves_out = waves;
  const double t = total_time(total, est.params());
  if (cost_out) *cost_out = std::move(total);
  return t;
}

SizingResult auto_size(const model::ModelSpec& m, Deployment d, double kv_tokens, double max_step_tokens,
                       double sequences) {
  SizingResult r;
  const auto& hw = d.hardware;
  const double reserve = 1.0 - d.memory_reserve_fraction;
  auto fits = [&](int tp, int pp) {
    Deployment x = d;
    x.tp = tp;
    x.pp = pp;
    try {
      StepEstimator e(m, std::move(x), /*bind_kernels=*/false);
      return e.memory_fit(kv_tokens, max_step_tokens, sequences).fits;
    } catch (const common::ConfigError&) {
      return false;
    }
  };
  const double need = model::weight_bytes(m, d.precision.weight) +
                      kv_tokens * model::kv_bytes_per_token(m, d.precision.kv) +
                      sequences *
                          model::recurrent_state_bytes_per_sequence(m, common::bytes_per_element(d.precision.state));
  const double per_chip = hw.memory_bytes() * reserve;
  if (hw.sram_only()) {
    // SRAM-only chips: pipeline layers across chips, then split each stage over more chips.
    const int min_chips = int(std::ceil(need / per_chip));
    int pp = std::min(m.num_layers, std::max(1, min_chips));
    // A stage's chips tile the fully connected nodes where the profile has them (node_aligned_tp).
    auto next_tp = [&](int t) {
      while (!hw.node_aligned_tp(t)) ++t;
      return t;
    };
    int tp = next_tp(std::max(1, int(std::ceil(double(min_chips) / pp))));
    // KV per chip stops shrinking once TP exceeds the KV heads (they are replicated beyond that; an MLA
    // latent cache is replicated on every rank): if the KV alone overflows a chip at that split, no
    // layout fits, and the limit is KV capacity, not weights. Say so instead of widening TP forever.
    const int kv_split = m.is_mla() ? 1 : std::max(1, m.num_kv_heads);
    const double kv_total = kv_tokens * model::kv_bytes_per_token(m, d.precision.kv);
    const double kv_per_chip_min = kv_total / (double(kv_split) * pp);
    if (kv_per_chip_min >= per_chip) {
      const double max_tokens = per_chip * double(kv_split) * pp / model::kv_bytes_per_token(m, d.precision.kv);
      d.tp = kv_split;  // the widest split that still shrinks the KV per chip
      d.pp = pp;
      r.fits = false;
      r.deployment = d;
      r.explanation = fmt::format(
          "{} holds weights and KV in on-chip SRAM ({} usable per chip): the KV cache of {:.0f} tokens ({}) needs {} "
          "per chip even split over all {} KV heads x {} pipeline stages, more than a chip holds. KV capacity, not "
          "weights, is the limit: at most ~{:.0f} tokens of KV fit (fewer with the weights), i.e. fewer concurrent "
          "sequences or shorter contexts per replica",
          hw.name, common::format_bytes(per_chip), kv_tokens, common::format_bytes(kv_total),
          common::format_bytes(kv_per_chip_min), kv_split, pp, max_tokens);
      return r;
    }
    while (!fits(tp, pp) && tp < 4096) tp = next_tp(tp + 1);
    d.tp = tp;
    d.pp = pp;
    r.fits = fits(tp, pp);
    const std::string node =
        hw.scale_up_node > 1
            ? (tp <= hw.scale_up_node
                   ? fmt::format(": each stage lies in one {}-chip fully connected node, so its tensor-parallel "
                                 "traffic stays on direct links",
                                 hw.scale_up_node)
                   : fmt::format(", more than one {}-chip node", hw.scale_up_node))
            : "";
    r.explanation = fmt::format(
        "{} holds weights in on-chip SRAM only ({} usable per chip): weights {} + KV {} need at least {} chips; "
        "layers are pipelined over {} stages (pp={}) and each stage is split over {} chips (tp={}{}) -> {} chips",
        hw.name, common::format_bytes(per_chip), common::format_bytes(model::weight_bytes(m, d.precision.weight)),
        common::format_bytes(kv_tokens * model::kv_bytes_per_token(m, d.precision.kv)), min_chips, pp, pp, tp, tp, node,
        tp * pp);
    r.deployment = d;
    return r;
  }
  const int domain = std::max(1, hw.scale_up_domain);
  for (int pp = 1; pp <= m.num_layers; pp *= 2) {
    for (int tp = 1; tp <= std::max(domain, 1); tp *= 2) {
      if (!hw.multi_chip_capable() && tp > 1) break;
      if (d.ep > 1 && tp % d.ep != 0) continue;
      if (fits(tp, pp)) {
        d.tp = tp;
        d.pp = pp;
        r.fits = true;
        r.deployment = d;
        r.explanation =
            tp * pp == 1
                ? fmt::format("fits on one {} ({} needed of {} usable)", hw.name, common::format_bytes(need),
                              common::format_bytes(per_chip))
                : fmt::format("auto-sized to {} chips (tp={}, pp={}): weights + KV = {} vs {} usable per {}", tp * pp,
                              tp, pp, common::format_bytes(need), common::format_bytes(per_chip), hw.name);
        return r;
      }
    }
    if (pp * domain >= 4096 || !hw.multi_chip_capable()) break;
  }
  d.tp = 1;
  d.pp = 1;
  r.deployment = d;
  r.fits = false;
  r.explanation = fmt::format("no layout of {} fits: weights + KV need {}, a chip has {} usable", hw.name,
                              common::format_bytes(need), common::format_bytes(per_chip));
  return r;
}

double adp_balance_wait_steps(const hwprofiles::SchedulerDefaults& s, int ranks, double users, double cycle_steps) {
  if (!s.adp_balance || ranks <= 1 || !(cycle_steps > 0)) return 0.0;
  const double T = std::max(0, s.adp_timeout_iters);
  if (!(T > 0)) return 0.0;
  // The timeout counter is one free-running count for the engine, not a clock per prompt: it counts every
  // iteration in which not all ranks hold a prompt (with no prompt anywhere as well) and releases whatever
  // waits when it reaches T, then starts again. A prompt arrives at a uniform phase of it, so it waits
  // until every rank has one or the count's remaining R ~ U(0, T) runs out, whichever comes first.
  // Fewer users than ranks: the ranks never all hold a prompt, and the wait is the remaining count, T / 2.
  const double lambda = users < ranks ? 0.0 : users / ranks / cycle_steps;
  const double others = ranks - 1.0;
  auto all_have = [&](double t) { return lambda > 0 ? std::pow(1.0 - std::exp(-lambda * t), others) : 0.0; };
  // E[min(tau, R)] = integral_0^T (1 - F(t)) (1 - t / T) dt; the batching wait follows when every rank had
  // one first, P(tau < R) = integral_0^T F(t) dt / T. Midpoint rule on 400 panels: F is smooth on [0, T].
  constexpr int panels = 400;
  double w = 0, p_all = 0;
  for (int i = 0; i < panels; ++i) {
    const double t = (i + 0.5) * T / panels, f = all_have(t);
    w += (1.0 - f) * (1.0 - t / T);
    p_all += f;
  }
  w *= T / panels;
  p_all /= panels;
  return w + p_all * std::max(0, s.adp_batching_wait_iters);
}

namespace {
// A closed-loop wait in whole iterations: `wait_at(cycle)` is the expected wait when a request's cycle
// spans `cycle` iterations, which the wait itself lengthens (output steps, prompt chunks, the join
// delay, the wait): a short fixed-point iteration.
template <class WaitAt>
int closed_loop_wait(const hwprofiles::SchedulerDefaults& s, double input, double output, WaitAt wait_at) {
  const double chunks = s.chunked_prefill ? std::ceil(input / std::max(1, s.max_num_tokens)) : 1.0;
  const double base = (output - 1.0) + chunks + 1.0 + s.join_delay_steps;
  double w = 0;
  for (int i = 0; i < 4; ++i) w = wait_at(base + w);
  return int(std::lround(w));
}
}  // namespace

int recv_interval_delay_steps(const hwprofiles::SchedulerDefaults& s) {
  return s.recv_interval_iters > 1 ? int(std::lround(0.5 * (s.recv_interval_iters - 1))) : 0;
}

int adp_balance_delay_steps(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s,
                            double users, double input, double output) {
  if (!m.is_moe() || d.attention_dp <= 1 || !s.adp_balance) return 0;
  return closed_loop_wait(s, input, output,
                          [&](double cycle) { return adp_balance_wait_steps(s, d.attention_dp, users, cycle); });
}

double batch_wait_steps(const hwprofiles::SchedulerDefaults& s, double users, double running, double input,
                        double cycle_steps) {
  if (s.batch_wait_timeout_iters <= 0 || !(s.batch_wait_max_tokens_ratio > 0) || users <= 1 || !(cycle_steps > 0) ||
      !(input > 0))
    return 0.0;
  const double threshold = s.batch_wait_max_tokens_ratio * std::max(1, s.max_num_tokens) -
                           std::max(0.0, running - 1.0) * std::max(1, s.decode_budget_tokens);
  const double K = std::max(1.0, std::ceil(threshold / input));
  if (K <= 1.0) return 0.0;
  const double r = users / cycle_steps;
  return std::min(double(s.batch_wait_timeout_iters), (K - 1.0) / r);
}

double running_held(double users, const hwprofiles::SchedulerDefaults& s, double kv_capacity_tokens, double input,
                    double output) {
  const double held = s.reserve_output ? input + output : input + output / 2.0;
  const double kv_seqs = kv_capacity_tokens > 0 ? std::floor(kv_capacity_tokens / held) : users;
  return std::max(1.0, std::min({users, double(std::max(1, s.max_batch)), kv_seqs}));
}

double cap_state_slots(const MemoryFit& fit, int& max_batch, double tokens_per_sequence) {
  if (!(fit.state_bytes_per_sequence > 0)) return fit.max_kv_tokens;
  const double slots = fit.state_pool_bytes > 0 ? fit.state_pool_slots() : fit.sequences_for(tokens_per_sequence);
  max_batch = int(std::max(1.0, std::min(double(std::max(1, max_batch)), slots)));
  return fit.kv_tokens_beside(max_batch);
}

int decode_budget_tokens(const Deployment& d) {
  if (!d.mtp || d.runtime == "sglang") return 1;
  return 1 + std::max(0, d.mtp->draft_tokens);
}

double running_at_once(double users, const hwprofiles::SchedulerDefaults& s, double kv_capacity_tokens, double input,
                       double output) {
  return std::min(running_held(users, s, kv_capacity_tokens, input, output), whole_prompt_room(s, input));
}

double whole_prompt_room(const hwprofiles::SchedulerDefaults& s, double input) {
  if (s.chunked_prefill || s.policy == "prefill_first") return std::numeric_limits<double>::infinity();
  const double budget = std::max(1, s.max_num_tokens);
  return input >= budget ? 1.0 : std::floor((budget - input) / std::max(1, s.decode_budget_tokens)) + 1.0;
}

int whole_prompt_budget(const hwprofiles::SchedulerDefaults& s, double running, double input) {
  if (whole_prompt_room(s, input) >= running) return 0;
  return int(std::ceil((std::max(1.0, running) * std::max(1, s.decode_budget_tokens) + std::ceil(input) + 1500.0) /
                       32.0)) *
         32;
}

bool batch_waits(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s) {
  return s.batch_wait_timeout_iters > 0 && s.batch_wait_max_tokens_ratio > 0 && !(m.is_moe() && d.attention_dp > 1);
}

int batch_wait_delay_steps(const model::ModelSpec& m, const Deployment& d, const hwprofiles::SchedulerDefaults& s,
                           double users, double input, double output) {
  if (!batch_waits(m, d, s)) return 0;
  const double running = std::min(users, double(std::max(1, s.max_batch)));
  return closed_loop_wait(s, input, output,
                          [&](double cycle) { return batch_wait_steps(s, users, running, input, cycle); });
}

}  // namespace infersim::perf
