#include "infersim/perf/step_estimator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/perf/runtime_resolution.h"

namespace infersim::perf {

using model::OP_CLASS_COUNT;
using model::OpClass;

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::interconnect: return "interconnect";
    case Bound::overhead: return "overhead";
  }
  return "?";
}

double StepCost::time(const hwprofiles::CalibrationParams& p) const {
  double t = 0;
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) t += op_time(i, p);
  if (kernel_path)
    t += kernel_comm_s;
  else
    t += comm_bw_s / p.interconnect_fraction + comm_latency_s;
  t += p.step_overhead_s * steps + p.layer_overhead_s * layers + p.seq_overhead_s * sequences +
       p.collective_overhead_s * collectives + p.pp_staging_fraction * staging_s;
  t += p.ttft_request_s * frontend_requests + p.ttft_token_s * frontend_tokens + p.ttft_stream_s * frontend_streams +
       p.ttft_prefill_fraction * frontend_prefill_s + p.ttft_queue_factor * queue_s;
  return t + floor_extra_s;
}

double StepCost::eager_kernel_s() const {
  double k = kernel_comm_s;
  for (double x : kernel_s) k += x;
  return k;
}

double eager_floor_extra_s(const StepCost& step, double eager_layer_s) {
  if (step.eager_layers <= 0 || eager_layer_s <= 0) return 0.0;
  return std::max(0.0, eager_layer_s * step.eager_layers - step.eager_kernel_s());
}

double StepCost::op_time(std::size_t i, const hwprofiles::CalibrationParams& p, bool* compute_bound) const {
  if (kernel_path) {
    if (compute_bound != nullptr) *compute_bound = compute_s[i] > memory_s[i];
    double k = kernel_s[i];
    if (i == std::size_t(OpClass::moe_experts))
      k += (p.moe_expert_scale - 1.0) * moe_decode_s + (p.moe_prefill_scale - 1.0) * moe_prefill_s +
           p.moe_layer_overhead_s * moe_layers;
    return (k - p.fused_quant_fraction * quant_floor_s[i]) * p.kernel_scale;
  }
  // Multiplying by the inverse, as this formula always has: with the optional terms at their
  // defaults the result is bit-identical to the plain max(c, m) of earlier versions (tested).
  double c = compute_s[i] * (1.0 / p.compute_fraction);
  double m = memory_s[i] * (1.0 / p.memory_fraction);
  if (i == std::size_t(OpClass::attention) && p.attention_fraction != 1.0) {
    c /= p.attention_fraction;
    m /= p.attention_fraction;
  }
  // Unpacking weight-only-quantised weights is integer / shuffle work on other execution ports than
  // the multiply-adds (other units than the tensor cores on a GPU): its own ceiling, not added to c.
  const double u = p.dequant_flops_per_weight > 0
                       ? p.dequant_flops_per_weight * dequant_s[i] * (1.0 / p.compute_fraction)
                       : 0.0;
  if (compute_bound != nullptr) *compute_bound = std::max(c, u) > m;
  double hi = std::max(c, m);
  if (p.roofline_norm > 0 && hi > 0) {
    const double r = std::min(c, m) / hi;  // in [0, 1]: no overflow, and exactly hi when r = 0
    hi *= std::pow(1.0 + std::pow(r, p.roofline_norm), 1.0 / p.roofline_norm);
  }
  return std::max(hi, u);
}

double StepCost::dequant_elements_s() const {
  double s = 0;
  for (double x : dequant_s) s += x;
  return s;
}

double total_time(const CostSum& terms, const hwprofiles::CalibrationParams& p) {
  double t = 0;
  for (const auto& w : terms) t += w.weight * w.cost.time(p);
  return t;
}

void append(CostSum& into, const CostSum& more, double weight) {
  for (const auto& w : more) into.push_back({w.cost, w.weight * weight});
}

StepCost StepCost::zero() {
  StepCost s;
  s.steps = 0;
  return s;
}

StepCost& StepCost::operator+=(const StepCost& o) {
  steps += o.steps;
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) {
    compute_s[i] += o.compute_s[i];
    memory_s[i] += o.memory_s[i];
    dequant_s[i] += o.dequant_s[i];
    kernel_s[i] += o.kernel_s[i];
    quant_floor_s[i] += o.quant_floor_s[i];
  }
  kernel_path = kernel_path || o.kernel_path;
  kernel_comm_s += o.kernel_comm_s;
  moe_decode_s += o.moe_decode_s;
  moe_prefill_s += o.moe_prefill_s;
  moe_layers += o.moe_layers;
  frontend_requests += o.frontend_requests;
  frontend_tokens += o.frontend_tokens;
  frontend_streams += o.frontend_streams;
  frontend_prefill_s += o.frontend_prefill_s;
  queue_s += o.queue_s;
  eager_layers += o.eager_layers;
  floor_extra_s += o.floor_extra_s;
  comm_bw_s += o.comm_bw_s;
  comm_latency_s += o.comm_latency_s;
  collectives += o.collectives;
  staging_s += o.staging_s;
  layers += o.layers;
  sequences += o.sequences;
  flops += o.flops;
  bytes += o.bytes;
  return *this;
}

StepCost StepCost::scaled(double f) const {
  StepCost s = *this;
  s.steps *= f;
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) {
    s.compute_s[i] *= f;
    s.memory_s[i] *= f;
    s.dequant_s[i] *= f;
    s.kernel_s[i] *= f;
    s.quant_floor_s[i] *= f;
  }
  s.kernel_comm_s *= f;
  s.moe_decode_s *= f;
  s.moe_prefill_s *= f;
  s.moe_layers *= f;
  s.frontend_requests *= f;
  s.frontend_tokens *= f;
  s.frontend_streams *= f;
  s.frontend_prefill_s *= f;
  s.queue_s *= f;
  s.eager_layers *= f;
  s.floor_extra_s *= f;
  s.comm_bw_s *= f;
  s.comm_latency_s *= f;
  s.collectives *= f;
  s.staging_s *= f;
  s.layers *= f;
  s.sequences *= f;
  s.flops *= f;
  s.bytes *= f;
  return s;
}

StepEstimator::StepEstimator(const model::ModelSpec& m, Deployment dep, bool bind_kernels)
    : model_(m), dep_(std::move(dep)) {
  const Deployment& d = dep_;
  validate_deployment(m, d);
  const auto& hw = d.hardware;
  if (const auto* cal = hw.calibration(d.runtime)) {
    params_ = cal->params;
    runtime_ = cal->runtime;
    calibration_source_ = cal->source;
  } else if (!d.runtime.empty() && !hw.calibrations.empty()) {
    std::vector<std::string> have;
    for (const auto& c : hw.calibrations) have.push_back(c.runtime);
    throw common::ConfigError("", "--runtime",
                              fmt::format("no calibration for runtime '{}' on {}; available: {}{}", d.runtime, hw.name,
                                          common::join(have, ", "), common::suggest_suffix(d.runtime, have)));
  } else {
    params_ = hw.datasheet_efficiency;
    runtime_ = d.runtime.empty() ? "datasheet" : d.runtime;
    calibration_source_ = "[EST] datasheet efficiency only: no calibration available (pure roofline, no overheads)";
  }
  matmul_peak_ = hw.matmul_peak(d.precision.weight, d.precision.activation);
  {
    const double p16 = hw.matmul_peak(common::DType::bf16, common::DType::bf16);
    matmul_peak16_ = p16 > 0 ? p16 : hw.matmul_peak(common::DType::fp16, common::DType::fp16);
    if (!(matmul_peak16_ > 0)) matmul_peak16_ = matmul_peak_;
  }
  vector_peak_ = hw.peak(common::DType::fp32) > 0 ? hw.peak(common::DType::fp32) : 0.25 * matmul_peak_;
  mem_bw_ = hw.memory_bw();
  if (d.ddr_weight_fraction > 0) {
    if (hw.ddr_bytes <= 0 || hw.ddr_bw_bytes_per_s <= 0)
      throw common::ConfigError("", "ddr_weight_fraction", fmt::format("{} has no DDR tier to hold weights", hw.name));
    if (!(d.ddr_weight_fraction < 1.0)) throw common::ConfigError("", "ddr_weight_fraction", "must be below 1");
    ddr_bw_ = hw.ddr_bw_bytes_per_s;
    // Routed experts go to DDR first (each token reads only the few it is routed to), then the rest.
    const double total = model::weight_bytes(m, d.precision.weight);
    const double experts =
        m.is_moe() ? model::param_breakdown(m).routed_experts * common::bytes_per_element(d.precision.weight) : 0.0;
    const double spill = d.ddr_weight_fraction * total;
    if (experts > 0) {
      ddr_expert_fraction_ = std::min(1.0, spill / experts);
      ddr_other_fraction_ = std::max(0.0, spill - experts) / std::max(total - experts, 1.0);
    } else {
      ddr_other_fraction_ = d.ddr_weight_fraction;
    }
  }
  if (d.chips() > 1) {
    if (d.tp <= hw.scale_up_domain && hw.scale_up_bw_bytes_per_s > 0) {
      link_bw_ = hw.scale_up_bw_bytes_per_s;
      link_latency_ = hw.scale_up_latency_s;
    } else if (hw.scale_out_bw_bytes_per_s > 0) {
      // No scale-up fabric, or a TP group larger than its domain: the scale-out network is the slow hop.
      link_bw_ = hw.scale_out_bw_bytes_per_s;
      link_latency_ = hw.scale_out_latency_s;
    } else if (hw.scale_up_bw_bytes_per_s > 0) {
      link_bw_ = hw.scale_up_bw_bytes_per_s;
      link_latency_ = hw.scale_up_latency_s;
    } else {
      link_bw_ = hw.host_link_bw_bytes_per_s * 0.5;  // PCIe peer-to-peer through the host bridge
      link_latency_ = 10e-6;
    }
  }
  // KV heads are split over TP ranks, replicated when there are fewer heads than ranks; an MLA latent
  // cache is replicated on every TP rank.
  kv_shard_ = m.is_mla() ? 1.0 : double(std::min(d.tp, m.num_kv_heads));
  if (d.kernel_model && bind_kernels) {
    std::shared_ptr<const hwprofiles::KernelTableSet> tables;
    const hwprofiles::HardwareProfile* source = &hw;  // the chip the tables were measured on
    if (!d.kernel_tables.empty()) {
      if (!d.kernel_tables_hardware.empty() && d.kernel_tables_hardware != hw.name)
        source = &hwprofiles::HardwareCatalog::shipped().get(d.kernel_tables_hardware);
      // The runtime version's NCCL tables measured on the same chip (collectives of attention DP).
      std::string nccl;
      auto& runtimes = hwprofiles::RuntimeCatalog::shipped();
      if (runtimes.contains(d.runtime))
        if (const auto* rv = runtimes.get(d.runtime).version(d.runtime_version))
          if (auto it = rv->nccl_tables.find(source->name); it != rv->nccl_tables.end()) nccl = it->second;
      tables = hwprofiles::KernelTableCatalog::shipped().get(d.kernel_tables, nccl);
    }
    std::shared_ptr<const hwprofiles::KernelTableSet> fused_ar;
    if (tables && d.fused_allreduce_mib.count(d.tp))
      if (const std::string folder = fused_allreduce_tables(source->name); !folder.empty())
        fused_ar = hwprofiles::KernelTableCatalog::shipped().get(folder);
    kernel_ = std::make_shared<const KernelModel>(m, d, std::move(tables), *source,
                                                  d.efficiency ? *d.efficiency : EfficiencyModel::shipped(),
                                                  std::move(fused_ar));
  }
  if (d.mtp) {
    // DeepSeek-V3's MTP module: one decoder layer (MoE) that shares the embedding and the LM head; it sits
    // on the last pipeline stage.
    model::ModelSpec mm = m;
    mm.name = m.name + " (MTP module)";
    mm.num_layers = 1;
    mm.moe.first_dense_layers = 0;
    Deployment dd = d;
    dd.mtp.reset();
    dd.pp = 1;
    mtp_ = std::make_shared<const StepEstimator>(mm, std::move(dd), bind_kernels);
  }
}

double StepEstimator::padded_decode_batch(double n) const {
  const auto& sc = dep_.scheduler;
  if (!sc.cuda_graph_padding || n <= 0 || n > sc.cuda_graph_max_batch) return n;
  for (int b : sc.cuda_graph_sizes)
    if (b >= n) return b;
  return n;
}

StepEstimator StepEstimator::with_params(const hwprofiles::CalibrationParams& p) const {
  StepEstimator e = *this;
  e.params_ = p;
  return e;
}

StepCost StepEstimator::cost(const model::BatchShape& b) const {
  StepCost s = cost_impl(b, kernel_ == nullptr);
  apply_eager_floor(b, s);
  return s;
}

void StepEstimator::apply_eager_floor(const model::BatchShape& b, StepCost& s) const {
  // Steps that carry prompt tokens run without CUDA graphs on the kernel path's serving stacks, unless
  // the runtime replays piecewise graphs for them (SchedulerDefaults::eager_prompt_steps).
  if (kernel_ == nullptr || b.prefill_tokens <= 0 || !dep_.scheduler.eager_prompt_steps) return;
  s.eager_layers = model_.num_layers;
  s.floor_extra_s = eager_floor_extra_s(s, params_.eager_layer_s);
}

double StepEstimator::micro_batches(double units) const {
  if (dep_.pp <= 1 || !dep_.pp_micro_batches) return 1.0;
  return std::max(1.0, std::min(double(dep_.pp), std::floor(units)));
}

StepCost StepEstimator::pipelined_cost(const model::BatchShape& b, double units,
                                       const model::BatchShape* heaviest) const {
  const double m = micro_batches(units);
  if (m <= 1.0) return cost(b);
  StepCost even = cost(b.scaled(1.0 / m));
  if (heaviest == nullptr) return even;
  // The heaviest unit's micro-batch holds it and its share of the rest. Units are never split, so it
  // holds ceil(units / m) of them: (ceil(units / m) - 1) / (units - 1) of the rest (about 1 / m of many
  // small decodes; exactly the right number of whole prompts when they are all alike).
  const double share = units > 1.0 ? (std::ceil(units / m) - 1.0) / (units - 1.0) : 0.0;
  model::BatchShape heavy = b;
  heavy += heaviest->scaled(-1.0);  // the rest of the step
  heavy = heavy.scaled(share);      // ... its share in the heaviest unit's micro-batch
  heavy += *heaviest;
  StepCost slow = cost(heavy);
  return slow.time(params_) > even.time(params_) ? slow : even;
}

std::optional<StepEstimator::MtpStep> StepEstimator::mtp_step(const model::BatchShape& b) const {
  if (!mtp_ || b.decode_seqs <= 0 || b.decode_queries > 1) return std::nullopt;
  // Multi-token prediction: the step verifies 1 + k tokens per decode sequence (they attend the cached
  // context, read once), and the MTP module drafts the next k, one pass each at one token per sequence.
  MtpStep m{b, model::BatchShape::decode(b.decode_seqs, b.decode_ctx_sum / b.decode_seqs),
            double(dep_.mtp->draft_tokens)};
  m.verify.decode_queries = 1.0 + m.drafts;
  return m;
}

StepEstimator::RooflineWork StepEstimator::roofline_work(const model::BatchShape& b) const {
  const auto m = mtp_step(b);
  if (!m) return roofline_work_one(b);
  RooflineWork w = roofline_work_one(m->verify);
  const RooflineWork d = mtp_->roofline_work_one(m->draft);
  w.compute_s += m->drafts * d.compute_s;
  w.memory_s += m->drafts * d.memory_s;
  return w;
}

StepEstimator::RooflineWork StepEstimator::roofline_work_one(const model::BatchShape& b) const {
  StepCost s;
  fill_roofline_ops(model::op_costs(model_, b, dep_.precision), s);
  RooflineWork w;
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) {
    w.compute_s += s.compute_s[i];
    w.memory_s += s.memory_s[i];
  }
  return w;
}

void StepEstimator::fill_roofline_ops(const model::OpCosts& ops, StepCost& s) const {
  const double tp = dep_.tp;
  // Pruned weights are stored compressed with index metadata (~1/8 extra, EST, as NVIDIA 2:4).
  const double sparse_w = dep_.weight_sparsity > 0 ? (1.0 - dep_.weight_sparsity) * 1.125 : 1.0;
  const double sparse_f = 1.0 - dep_.weight_sparsity;
  // Weight-only quantisation: weights stored narrower than the activations they multiply are
  // unpacked on the compute units every step (cost per element: a calibration parameter).
  const double wbpe = common::bytes_per_element(dep_.precision.weight);
  const bool unpack = dep_.precision.weight != dep_.precision.activation &&
                      wbpe < common::bytes_per_element(dep_.precision.activation);
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) {
    const auto& o = ops[i];
    const auto op = static_cast<OpClass>(i);
    // Work is split over the TP group, except what every rank repeats (norms, router, embedding gather).
    const double shard = (op == OpClass::norm || op == OpClass::moe_router || op == OpClass::embedding) ? 1.0 : tp;
    const bool weights_sparse = o.matmul && op != OpClass::attention;
    const double flops = o.flops * (weights_sparse ? sparse_f : 1.0) / shard;
    const double bytes = o.weight_bytes * (weights_sparse ? sparse_w : 1.0) / shard + o.act_bytes / shard +
                         o.kv_bytes / kv_shard_;
    if (o.matmul) {
      const double f16 = o.flops16 * (weights_sparse ? sparse_f : 1.0) / shard;
      s.compute_s[i] = (flops - f16) / matmul_peak_ + f16 / matmul_peak16_;
    } else {
      s.compute_s[i] = flops / vector_peak_;
    }
    if (unpack && o.matmul && o.weight_bytes > o.weight_bytes16)
      s.dequant_s[i] = (o.weight_bytes - o.weight_bytes16) / wbpe / shard / matmul_peak_;
    // Weights placed in a DDR tier stream at its bandwidth; the rest from main memory.
    const double f_ddr = op == OpClass::moe_experts ? ddr_expert_fraction_ : ddr_other_fraction_;
    const double wb_ddr = f_ddr > 0 ? f_ddr * o.weight_bytes * (weights_sparse ? sparse_w : 1.0) / shard : 0.0;
    s.memory_s[i] = (bytes - wb_ddr) / mem_bw_ + (wb_ddr > 0 ? wb_ddr / ddr_bw_ : 0.0);
    s.flops += flops;
    s.bytes += bytes;
  }
}

StepCost StepEstimator::cost_impl(const model::BatchShape& b, bool roofline) const {
  const auto m = mtp_step(b);
  if (!m) return cost_one(b, roofline);
  // The drafts run inside the step (same launch, same sequences): they add op and collective time, no
  // step or per-sequence overhead.
  StepCost s = cost_one(m->verify, roofline);
  StepCost d = mtp_->cost_one(m->draft, roofline).scaled(m->drafts);
  d.steps = 0;
  d.sequences = 0;
  d.layers = 0;
  s += d;
  return s;
}

StepCost StepEstimator::cost_one(const model::BatchShape& b, bool roofline) const {
  StepCost s;
  if (!roofline) {
    // Kernel path: the op times come from the kernel model; the roofline terms only name the bound
    // (explain()), so a step the simulator or the planner times skips them.
    s.layers = model_.num_layers;
    s.sequences = b.sequences();
    fill_kernel(b, s);
    return s;
  }
  const auto ops = model::op_costs(model_, b, dep_.precision);
  const double tp = dep_.tp;
  fill_roofline_ops(ops, s);
  const double L = model_.num_layers;
  const double T = b.tokens();
  const double ab = common::bytes_per_element(dep_.precision.activation);
  const double h = double(model_.hidden_size);
  if (dep_.tp > 1 && link_bw_ > 0) {
    const double n = tp;
    const double per = 2.0 * (n - 1.0) / n * T * h * ab;  // ring all-reduce bytes per rank
    const double count = 2.0 * L;                         // after attention and after the MLP
    // Latency-bound parts of a collective grow with the number of ranks (tree/ring steps): log2(n).
    const double steps = std::log2(n);
    s.comm_bw_s += count * per / link_bw_;
    s.comm_latency_s += count * steps * link_latency_;
    s.collectives += count * steps;
  }
  if (dep_.ep > 1 && model_.is_moe() && link_bw_ > 0) {
    const double e = dep_.ep;
    const double per = T * h * ab * model_.moe.top_k * (e - 1.0) / e / tp;  // dispatch; combine is the same
    const double count = 2.0 * model::moe_layers(model_);
    const double steps = std::log2(e);
    s.comm_bw_s += count * per / link_bw_;
    s.comm_latency_s += count * steps * link_latency_;
    s.collectives += count * steps;
  }
  if (dep_.pp > 1) {
    // Stage-to-stage sends (each rank of a stage sends its 1/tp of the activations to its peer in the
    // next stage). Stages of tp chips fill a scale-up domain in order; a hop between domains takes the
    // scale-out network (or, without one, the host link through host memory).
    const auto& hw = dep_.hardware;
    const double hops = dep_.pp - 1.0;
    const StageHops sh = stage_hops(dep_);
    const double bytes = T * h * ab / tp;
    if (sh.inside > 0) {
      s.comm_bw_s += sh.inside * bytes / hw.scale_up_bw_bytes_per_s;
      s.comm_latency_s += sh.inside * hw.scale_up_latency_s;
    }
    if (sh.cross > 0) {
      s.comm_bw_s += sh.cross * bytes / std::max(sh.cross_bw, 1.0);
      s.comm_latency_s += sh.cross * sh.cross_latency_s;
    }
    s.collectives += hops;
    if (hw.host_link_effective_bytes_per_s > 0) {
      double weights = 0;
      for (const auto& o : ops) weights += o.weight_bytes;
      s.staging_s = weights * (dep_.pp - 1.0) / dep_.pp / tp / hw.host_link_effective_bytes_per_s;
    }
  }
  s.layers = L;
  s.sequences = b.sequences();
  if (kernel_) fill_kernel(b, s);
  return s;
}

void StepEstimator::fill_kernel(const model::BatchShape& b, StepCost& s) const {
  // A decode-only step replays a CUDA graph captured for a batch at least this large.
  model::BatchShape k = b;
  if (b.prefill_tokens <= 0 && b.decode_seqs > 0) {
    const double pad = padded_decode_batch(b.decode_seqs);
    if (pad > b.decode_seqs) {
      k.decode_ctx_sum *= pad / b.decode_seqs;
      k.decode_seqs = pad;
    }
  }
  kernel_->fill(k, s);
}

StepTime StepEstimator::explain(const model::BatchShape& b) const {
  StepCost c = cost_impl(b, true);
  apply_eager_floor(b, c);
  StepTime t;
  for (std::size_t i = 0; i < OP_CLASS_COUNT; ++i) {
    bool cb = false;
    t.op_s[i] = c.op_time(i, params_, &cb);
    t.op_compute_bound[i] = cb;
    (cb ? t.compute_bound_s : t.memory_bound_s) += t.op_s[i];
  }
  t.kernel_path = c.kernel_path;
  t.comm_s = c.kernel_path ? c.kernel_comm_s : c.comm_bw_s / params_.interconnect_fraction + c.comm_latency_s;
  t.overhead_s = params_.step_overhead_s * c.steps + params_.layer_overhead_s * c.layers +
                 params_.seq_overhead_s * c.sequences + params_.collective_overhead_s * c.collectives +
                 params_.pp_staging_fraction * c.staging_s + c.floor_extra_s;
  t.total_s = c.time(params_);
  t.flops = c.flops;
  t.bytes = c.bytes;
  const double parts[] = {t.compute_bound_s, t.memory_bound_s, t.comm_s, t.overhead_s};
  const int k = int(std::max_element(std::begin(parts), std::end(parts)) - std::begin(parts));
  t.bound = static_cast<Bound>(k);
  return t;
}

double MemoryFit::sequences_for(double tokens) const {
  const double t = std::max(1.0, tokens);
  if (state_bytes_per_sequence <= 0 || kv_bytes_per_token <= 0) return std::max(0.0, std::floor(max_kv_tokens / t));
  if (state_pool_bytes > 0) return std::max(0.0, std::min(std::floor(max_kv_tokens / t), state_pool_slots()));
  const double state_tokens = state_bytes_per_sequence / kv_bytes_per_token;
  return std::max(0.0, std::floor(max_kv_tokens / (t + state_tokens)));
}

double MemoryFit::state_pool_slots() const {
  if (state_bytes_per_sequence <= 0 || state_pool_bytes <= 0) return std::numeric_limits<double>::infinity();
  return std::floor(state_pool_bytes / state_bytes_per_sequence);
}

double MemoryFit::kv_tokens_beside(double sequences) const {
  if (state_bytes_per_sequence <= 0 || kv_bytes_per_token <= 0 || state_pool_bytes > 0) return max_kv_tokens;
  return std::max(0.0, max_kv_tokens - sequences * state_bytes_per_sequence / kv_bytes_per_token);
}

MemoryFit StepEstimator::memory_fit(double kv_tokens, double max_step_tokens, double sequences) const {
  MemoryFit f;
  const auto& hw = dep_.hardware;
  const double chips = dep_.chips();
  f.capacity_bytes = hw.memory_bytes();
  f.reserve_bytes = dep_.memory_reserve_fraction * f.capacity_bytes;
  const double sparse_w = dep_.weight_sparsity > 0 ? (1.0 - dep_.weight_sparsity) * 1.125 : 1.0;
  f.weights_bytes = model::weight_bytes(model_, dep_.precision.weight) * sparse_w / chips;
  if (dep_.attention_dp > 1 && model_.is_moe()) {
    // Attention (and everything but the routed experts) is replicated on every data-parallel rank.
    const double wb = common::bytes_per_element(dep_.precision.weight);
    const double experts = model::param_breakdown(model_).routed_experts * wb;
    const double rest = model::weight_bytes(model_, dep_.precision.weight) - experts;
    f.weights_bytes = (rest / (dep_.tp * dep_.pp) + experts / chips) * sparse_w;
  }
  if (dep_.ddr_weight_fraction > 0) {
    f.ddr_weights_bytes = f.weights_bytes * dep_.ddr_weight_fraction;
    f.weights_bytes -= f.ddr_weights_bytes;
  }
  const double kv_per_token_chip = model::kv_bytes_per_token(model_, dep_.precision.kv) / (kv_shard_ * dep_.pp);
  f.kv_bytes = kv_tokens * kv_per_token_chip;
  const double ab = common::bytes_per_element(dep_.precision.activation);
  const double h = double(model_.hidden_size);
  const double inter = double(std::max<std::int64_t>(model_.intermediate_size, model_.moe.expert_intermediate_size));
  f.activation_bytes = max_step_tokens * (4.0 * h + 2.0 * inter / dep_.tp) * ab +
                       std::min(max_step_tokens, 256.0) * double(model_.vocab_size) / dep_.tp * 4.0;
  if (dep_.kernel_model) {
    // The runtime version's own KV sizing: a share of all GPU memory (vLLM gpu_memory_utilization,
    // SGLang mem_fraction_static) or of what weights and activations leave free (TensorRT-LLM
    // free_gpu_memory_fraction).
    const double frac = dep_.scheduler.kv_memory_fraction;
    f.reserve_bytes = dep_.scheduler.kv_memory_basis == "free"
                          ? std::max(0.0, f.capacity_bytes - f.weights_bytes - f.activation_bytes) * (1.0 - frac)
                          : f.capacity_bytes * (1.0 - frac);
  }
  const double free_for_kv = f.usable_bytes() - f.weights_bytes - f.activation_bytes;
  f.max_kv_tokens = free_for_kv > 0 ? free_for_kv / kv_per_token_chip : 0.0;
  f.kv_bytes_per_token = kv_per_token_chip;
  if (model_.is_hybrid_linear()) {
    // The value heads are split over the TP ranks and the layers over the stages.
    f.state_bytes_per_sequence =
        model::recurrent_state_bytes_per_sequence(model_, common::bytes_per_element(dep_.precision.state)) /
        (std::min(dep_.tp, model_.linear.num_value_heads) * double(dep_.pp));
    if (dep_.runtime == "sglang" && free_for_kv > 0) {
      // SGLang: the state pool is mamba_full_memory_ratio (default 0.9) times the KV pool
      // (server_args.py; model_runner: total_rest_memory x ratio / (1 + ratio)).
      constexpr double ratio = SGLANG_MAMBA_FULL_MEMORY_RATIO;
      f.state_pool_bytes = free_for_kv * ratio / (1.0 + ratio);
      f.max_kv_tokens = (free_for_kv - f.state_pool_bytes) / kv_per_token_chip;
    }
    f.state_bytes = f.state_pool_bytes > 0 ? f.state_pool_bytes : sequences * f.state_bytes_per_sequence;
  }
  const bool states_fit = sequences <= f.state_pool_slots();
  f.fits = f.used_bytes() <= f.usable_bytes() && f.ddr_weights_bytes <= hw.ddr_bytes && states_fit;
  if (f.ddr_weights_bytes > hw.ddr_bytes) {
    f.message = fmt::format("does not fit: {} of weights per chip placed in DDR, which holds {} on {}",
                            common::format_bytes(f.ddr_weights_bytes), common::format_bytes(hw.ddr_bytes), hw.name);
  } else if (!states_fit) {
    f.message = fmt::format("does not fit: {:g} sequences' recurrent states need {} per chip; SGLang's state pool "
                            "({:g} x its KV pool) holds {} per chip, {:g} sequences",
                            sequences, common::format_bytes(sequences * f.state_bytes_per_sequence),
                            SGLANG_MAMBA_FULL_MEMORY_RATIO, common::format_bytes(f.state_pool_bytes),
                            f.state_pool_slots());
  } else if (!f.fits) {
    const std::string states = f.state_bytes > 0
                                   ? fmt::format(" + recurrent states {}", common::format_bytes(f.state_bytes))
                                   : "";
    f.message = fmt::format(
        "does not fit: needs {} per chip (weights {} + KV {}{} + activations {}), has {} usable of {} on {}; short by "
        "{}",
        common::format_bytes(f.used_bytes()), common::format_bytes(f.weights_bytes), common::format_bytes(f.kv_bytes),
        states, common::format_bytes(f.activation_bytes), common::format_bytes(f.usable_bytes()),
        common::format_bytes(f.capacity_bytes), hw.name, common::format_bytes(f.used_bytes() - f.usable_bytes()));
  }
  return f;
}

}  // namespace infersim::perf
