#include "infersim/perf/kernel_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/perf/step_estimator.h"

namespace infersim::perf {

using common::DType;
using hwprofiles::Curve;
using hwprofiles::Grid2;
using model::OpClass;

double OpEfficiency::time(double flops, double peak, double bytes, double bw, double items) const {
  double c = 0, m = 0;
  if (flops > 0 && peak > 0) {
    const double a = flops / peak;
    c = a / (compute_max * a / (a + compute_half_s));
  }
  if (bytes > 0 && bw > 0) {
    const double b = bytes / bw;
    m = b / (memory_max * b / (b + memory_half_s));
  }
  return floor_s + std::max(c, m) + item_s * std::max(0.0, items);
}

namespace {

OpEfficiency op_eff_from(common::JsonReader& r) {
  OpEfficiency e;
  e.floor_s = r.number("floor_us", 0, 1e6) * 1e-6;
  e.compute_max = r.number("compute_max", 1e-3, 1.0);
  e.compute_half_s = r.number("compute_half_us", 0, 1e9) * 1e-6;
  e.memory_max = r.number("memory_max", 1e-3, 1.0);
  e.memory_half_s = r.number("memory_half_us", 0, 1e9) * 1e-6;
  e.item_s = r.number_or("item_us", 0.0, 0, 1e6) * 1e-6;
  return e;
}

common::Json op_eff_json(const OpEfficiency& e) {
  common::Json j = {{"floor_us", e.floor_s * 1e6},
                    {"compute_max", e.compute_max},
                    {"compute_half_us", e.compute_half_s * 1e6},
                    {"memory_max", e.memory_max},
                    {"memory_half_us", e.memory_half_s * 1e6}};
  if (e.item_s > 0) j["item_us"] = e.item_s * 1e6;
  return j;
}

void by_format_from(common::JsonReader& r, const char* name, std::map<std::string, OpEfficiency>& out) {
  if (auto g = r.optional_child(name)) {
    for (auto it = g->raw().begin(); it != g->raw().end(); ++it) {
      auto c = g->child(it.key());
      out[it.key()] = op_eff_from(c);
      c.finish();
    }
    g->finish();
  }
}

void by_format_json(common::Json& j, const char* name, const std::map<std::string, OpEfficiency>& in) {
  if (in.empty()) return;
  common::Json g = common::Json::object();
  for (const auto& [k, x] : in) g[k] = op_eff_json(x);
  j[name] = g;
}

}  // namespace

EfficiencyModel efficiency_model_from_json(const common::Json& j, const std::string& file) {
  common::JsonReader r(j, file);
  const auto v = r.integer("schema_version", 1, 1000);
  if (v != 1) r.fail("schema_version", fmt::format("unsupported schema_version {} (this build reads 1)", v));
  EfficiencyModel e;
  e.source = r.string("source");
  if (!hwprofiles::has_source_tag(e.source)) r.fail("source", "must start with a source tag such as [FIT]");
  r.string_or("generated_by", "");
  r.string_or("method", "");
  e.elementwise_memory_fraction = r.number("elementwise_memory_fraction", 0.05, 1.0);
  e.elementwise_floor_s = r.number("elementwise_floor_us", 0.1, 100.0) * 1e-6;
  for (auto [name, field] :
       {std::pair{"gemm", &EfficiencyModel::gemm}, std::pair{"context_attention", &EfficiencyModel::context_attention},
        std::pair{"generation_attention", &EfficiencyModel::generation_attention},
        std::pair{"allreduce", &EfficiencyModel::allreduce}}) {
    auto c = r.child(name);
    e.*field = op_eff_from(c);
    c.finish();
  }
  by_format_from(r, "gemm_by_dtype", e.gemm_by_dtype);
  by_format_from(r, "generation_attention_by_kv", e.generation_attention_by_kv);
  if (auto g = r.optional_child("gemm_quant_floor_us")) {
    for (auto it = g->raw().begin(); it != g->raw().end(); ++it)
      e.gemm_quant_floor_s[it.key()] = g->number(it.key(), 0.0, 1000.0) * 1e-6;
    g->finish();
  }
  if (r.has("fit_report")) e.fit_report = r.raw("fit_report");
  r.finish();
  return e;
}

common::Json efficiency_model_to_json(const EfficiencyModel& e) {
  common::Json j;
  j["schema_version"] = 1;
  j["generated_by"] = "infersim kernels fit --write hwprofiles/data/kernel_efficiency.json";
  j["method"] = "docs/calibration.md (kernel efficiency model)";
  j["source"] = e.source;
  j["elementwise_memory_fraction"] = e.elementwise_memory_fraction;
  j["elementwise_floor_us"] = e.elementwise_floor_s * 1e6;
  j["gemm"] = op_eff_json(e.gemm);
  by_format_json(j, "gemm_by_dtype", e.gemm_by_dtype);
  if (!e.gemm_quant_floor_s.empty()) {
    common::Json q = common::Json::object();
    for (const auto& [k, v] : e.gemm_quant_floor_s) q[k] = v * 1e6;
    j["gemm_quant_floor_us"] = q;
  }
  j["context_attention"] = op_eff_json(e.context_attention);
  j["generation_attention"] = op_eff_json(e.generation_attention);
  by_format_json(j, "generation_attention_by_kv", e.generation_attention_by_kv);
  j["allreduce"] = op_eff_json(e.allreduce);
  j["fit_report"] = e.fit_report.is_null() ? common::Json::object() : e.fit_report;
  return j;
}

const EfficiencyModel& EfficiencyModel::shipped() {
  static std::once_flag once;
  static EfficiencyModel m;
  std::call_once(once, [] {
    const std::string path = common::data_path("hwprofiles/data/kernel_efficiency.json");
    m = efficiency_model_from_json(common::load_json_file(path), path);
  });
  return m;
}

std::string kernel_table_framework(const std::string& runtime) {
  const auto& rc = hwprofiles::RuntimeCatalog::shipped();
  if (!rc.contains(runtime)) return "";
  for (const auto& v : rc.get(runtime).versions)
    for (const auto& [hw, folder] : v.kernel_tables) return hwprofiles::kernel_table_framework_of(folder);
  return "";
}

std::string gemm_table_dtype(DType w, DType a) {
  const bool a16 = a == DType::bf16 || a == DType::fp16 || a == DType::fp32 || a == DType::tf32;
  switch (w) {
    case DType::fp8: return a16 ? "fp8_wo" : "fp8";
    case DType::fp4: return a16 ? "fp4_wo" : "nvfp4";
    case DType::int8: return a16 ? "int8_wo" : "sq";
    case DType::int4: return "int4_wo";
    default: return "bfloat16";
  }
}

namespace {

double matmul_peak(const hwprofiles::HardwareProfile& hw, DType w, DType a) {
  const double p = hw.matmul_peak(w, a);
  return p > 0 ? p : hw.matmul_peak(DType::bf16, DType::bf16);
}

double act_bytes(DType a) { return common::bytes_per_element(a) >= 2 ? 2.0 : common::bytes_per_element(a); }

// Bracketing grid values around v (clamped to the ends) and the log-space weight of the upper one.
void bracket(const std::vector<double>& g, double v, double& lo, double& hi, double& f) {
  if (v <= g.front()) {
    lo = hi = g.front();
    f = 0;
    return;
  }
  if (v >= g.back()) {
    lo = hi = g.back();
    f = 0;
    return;
  }
  const auto it = std::lower_bound(g.begin(), g.end(), v);
  hi = *it;
  if (hi == v) {
    lo = hi;
    f = 0;
    return;
  }
  lo = *(it - 1);
  f = (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
}

}  // namespace

namespace {
// A GEMM's speed-of-light time on one chip in given formats, with the peak and byte sizes looked up once.
struct Sol {
  double peak, bw, wb, ab;
  Sol(const hwprofiles::HardwareProfile& hw, DType w, DType a)
      : peak(matmul_peak(hw, w, a)), bw(hw.memory_bw()), wb(common::bytes_per_element(w)), ab(act_bytes(a)) {}
  double operator()(double m, double n, double k) const {
    const double flops = 2.0 * m * n * k;
    const double bytes = n * k * wb + m * k * ab + 2.0 * m * n;
    return std::max(flops / peak, bytes / bw);
  }
};
}  // namespace

double KernelModel::sol_gemm(const hwprofiles::HardwareProfile& hw, double m, double n, double k, DType w,
                             DType a) const {
  return Sol(hw, w, a)(m, n, k);
}

Curve KernelModel::gemm_curve(double n, double k, const std::string& dtype, DType w, DType a,
                              double* quant_floor) const {
  Curve out;
  if (!t_) return out;
  // The table's own dtype, or bf16 carried over at this dtype's roofline (weight-only formats).
  std::string use = dtype;
  DType uw = w, ua = a;
  if (!t_->gemm.has_dtype(use)) {
    use = "bfloat16";
    uw = ua = DType::bf16;
    if (!t_->gemm.has_dtype(use)) return out;
  }
  const auto& ns = t_->gemm.ns.at(use);
  const auto& ks = t_->gemm.ks.at(use);
  double n0, n1, fn, k0, k1, fk;
  bracket(ns, n, n0, n1, fn);
  bracket(ks, k, k0, k1, fk);
  struct Corner {
    const Curve* c;
    double n, k, w;
  };
  std::vector<Corner> corners;
  for (auto [nn, wn] : {std::pair{n0, 1 - fn}, std::pair{n1, fn}})
    for (auto [kk, wk] : {std::pair{k0, 1 - fk}, std::pair{k1, fk}}) {
      if (wn * wk <= 0) continue;
      const Curve* c = t_->gemm.find(use, nn, kk);
      if (c == nullptr) continue;  // a hole in the grid: the other corners carry the weight
      corners.push_back({c, nn, kk, wn * wk});
    }
  if (corners.empty()) return out;
  double wsum = 0;
  for (const auto& c : corners) wsum += c.w;
  const double floor_use = t_->gemm.floor_s.at(use);
  const double floor16 = t_->gemm.floor_s.count("bfloat16") ? t_->gemm.floor_s.at("bfloat16") : floor_use;
  // Standalone activation quantization (FP8 / NVFP4 tables): what its launch floor adds over bf16.
  if (quant_floor != nullptr)
    *quant_floor = (use == dtype && use != "bfloat16") ? std::max(0.0, floor_use - floor16) : 0.0;
  const Sol sol_src(src_, uw, ua), sol_dst(d_.hardware, w, a);  // sol_gemm, looked up once a curve
  const bool rescale = use != dtype || transfer_;
  const auto& xs = corners.front().c->x;
  out.x.reserve(xs.size());
  out.y.reserve(xs.size());
  // A corner measured at the same m as the first reads its own sample (what Curve::at returns there).
  std::vector<char> same_grid;
  same_grid.reserve(corners.size());
  for (const auto& c : corners) same_grid.push_back(c.c->x == xs);
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const double m = xs[j];
    // Efficiency of each corner at this m, interpolated in log n / log k, applied to our own roofline.
    double e = 0;
    for (std::size_t i = 0; i < corners.size(); ++i) {
      const auto& c = corners[i];
      const double measured = same_grid[i] ? c.c->y[j] : c.c->at(m);
      e += c.w / wsum * (sol_src(m, c.n, c.k) / std::max(measured, 1e-12));
    }
    const double own = sol_src(m, n, k);
    double t = own / e;
    // Another dtype or another chip: the same efficiency at the target's roofline.
    if (rescale) {
      const double ratio = sol_dst(m, n, k) / own;
      t = floor_use + (t - floor_use) * ratio;
    }
    out.x.push_back(m);
    out.y.push_back(t);
  }
  return out;
}

namespace {
// Bound GEMM curves are shared by every deployment with the same tables, chips, shape and formats
// (the planner and `workloads compare` size the same layouts over and over). Bounded; thread-safe.
// Keyed by the table set's address, which the entry keeps alive (so no other set can take it), the
// two chips' names, the formats and the shape: a lookup formats no string and, for names within the
// short-string buffer, allocates nothing.
using CurveView = std::tuple<const void*, std::string_view, std::string_view, int, int, double, double>;
struct CurveKey {
  std::shared_ptr<const hwprofiles::KernelTableSet> tables;
  std::string source, hardware;
  int w = 0, a = 0;
  double n = 0, k = 0;
  CurveView view() const { return {tables.get(), source, hardware, w, a, n, k}; }
};
struct CurveKeyLess {
  using is_transparent = void;
  static CurveView v(const CurveKey& x) { return x.view(); }
  static const CurveView& v(const CurveView& x) { return x; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return v(a) < v(b);
  }
};
struct CurveCache {
  std::mutex mu;
  std::map<CurveKey, std::pair<std::shared_ptr<const hwprofiles::Curve>, double>, CurveKeyLess> map;
};
CurveCache& curve_cache() {
  static CurveCache c;
  return c;
}
}  // namespace

void clear_kernel_curve_cache() {
  auto& c = curve_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.map.clear();
}

KernelModel::Gemm KernelModel::bind_gemm(double n, double k, DType w, DType a) const {
  Gemm g;
  g.n = n;
  g.k = k;
  g.wdt = w;
  g.adt = a;
  g.dtype = gemm_table_dtype(w, a);
  g.eff = eff_.gemm_for(g.dtype);
  if (n > 0 && k > 0 && t_) {
    const CurveView probe{t_.get(), src_.name, d_.hardware.name, int(w), int(a), n, k};
    auto& cache = curve_cache();
    bool cached = false;
    {
      std::lock_guard<std::mutex> lock(cache.mu);
      if (auto it = cache.map.find(probe); it != cache.map.end()) {
        g.curve = it->second.first;
        g.quant_floor_s = it->second.second;
        cached = true;
      }
    }
    if (!cached) {
      auto curve = gemm_curve(n, k, g.dtype, w, a, &g.quant_floor_s);
      if (!curve.empty()) g.curve = std::make_shared<const Curve>(std::move(curve));
      std::lock_guard<std::mutex> lock(cache.mu);
      if (cache.map.size() > 20000) cache.map.clear();
      cache.map.emplace(CurveKey{t_, src_.name, d_.hardware.name, int(w), int(a), n, k},
                        std::make_pair(g.curve, g.quant_floor_s));
    }
  }
  // Off the tables (the efficiency model): the runtime's standalone activation quantization. Not cached:
  // it depends on this model's efficiency fit and runtime, which the key does not name.
  if (!g.curve) g.quant_floor_s = eff_.gemm_quant_for(framework_, g.dtype);
  return g;
}

double KernelModel::Gemm::at(const KernelModel& km, double m) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0.0;
  if (curve) return curve->at(m);
  const double flops = 2.0 * m * n * k;
  const double bytes = n * k * common::bytes_per_element(wdt) + m * k * act_bytes(adt) + 2.0 * m * n;
  return eff.time(flops, matmul_peak(km.d_.hardware, wdt, adt), bytes, km.bw_) + quant_floor_s;
}

double KernelModel::elementwise_s(double bytes) const {
  if (bytes <= 0) return 0.0;
  return floor_ + bytes / (bw_ * eff_.elementwise_memory_fraction);
}

double KernelModel::attention_lookup(const Grid2& g, double batch, double x, bool quadratic) const {
  // Along x within one row: linear between valid points; past the last valid point the work grows
  // with the pairs (quadratic, prefill) or the cached length (linear, decode).
  auto along = [&](std::size_t r, double& out) {
    double px = -1, py = 0;
    for (std::size_t c = 0; c < g.cols.size(); ++c) {
      const double v = g.get(r, c);
      if (std::isnan(v)) continue;
      if (g.cols[c] >= x) {
        if (px < 0 || g.cols[c] == x) {
          out = v;  // below the first measured point: its latency is the floor
        } else {
          const double f = (x - px) / (g.cols[c] - px);
          out = py + f * (v - py);
        }
        return true;
      }
      px = g.cols[c];
      py = v;
    }
    if (px < 0) return false;
    out = quadratic ? py * (x * (x + 1)) / (px * (px + 1)) : py * (x + 1) / (px + 1);
    return true;
  };
  const auto& rows = g.rows;
  auto it = std::lower_bound(rows.begin(), rows.end(), batch);
  std::size_t hi = std::size_t(it - rows.begin());
  // Walk down to rows that have data (large batch x long length corners are missing).
  auto value_at_row = [&](std::size_t r, double& out) { return along(r, out); };
  if (hi < rows.size() && rows[hi] == batch) {
    double v;
    if (value_at_row(hi, v)) return v;
  }
  if (hi == 0) {
    double v = 0;
    value_at_row(0, v);
    return v * std::max(1.0, batch / rows[0]);
  }
  const std::size_t lo = hi - 1;
  double vl = 0, vh = 0;
  const bool okl = value_at_row(lo, vl);
  const bool okh = hi < rows.size() && value_at_row(hi, vh);
  if (okl && okh) {
    const double f = (batch - rows[lo]) / (rows[hi] - rows[lo]);
    return vl + f * (vh - vl);
  }
  if (okl) return vl * batch / rows[lo];
  // Neither row has data at this length: the largest row that does, scaled by batch.
  for (std::size_t r = lo; r-- > 0;) {
    double v;
    if (value_at_row(r, v)) return v * batch / rows[r];
  }
  return 0.0;
}

double KernelModel::attention_model_s(double flops, double bytes, bool context, double items) const {
  return context ? eff_.context_attention.time(flops, peak16_, bytes, bw_, items)
                 : gen_eff_.time(flops, peak16_, bytes, bw_, items);
}

double KernelModel::dsa_indexer_s(double pairs, double keys, bool context, double seqs) const {
  if (!m_.is_dsa() || pairs <= 0) return 0.0;
  // The scoring kernel (every index head against every cached key, FP8 keys read, FP32 logits
  // written) as an attention kernel of those FLOPs and bytes, then the top-k pass over the logits.
  const double flops = 2.0 * m_.dsa.index_heads * m_.dsa.index_head_dim * pairs;
  const double logits = 4.0 * pairs;
  return attention_model_s(flops, keys * model::dsa_index_bytes_per_token_per_layer(m_) + logits, context, seqs) +
         elementwise_s(logits);
}

namespace {

// The grid for this head configuration: exact, else the nearest head count with the same head dim
// and dtypes (same query/KV group ratio first), scaled by the head ratio.
const Grid2* find_grid(const std::map<hwprofiles::AttentionKey, Grid2>& grids, hwprofiles::AttentionKey want,
                       double& scale, bool by_kv) {
  scale = 1.0;
  if (auto it = grids.find(want); it != grids.end()) return &it->second;
  const hwprofiles::AttentionKey* best = nullptr;
  double best_score = std::numeric_limits<double>::infinity();
  for (const auto& [k, g] : grids) {
    if (k.attn_dtype != want.attn_dtype || k.kv_dtype != want.kv_dtype) continue;
    const double ratio_k = double(k.heads) / k.kv_heads, ratio_w = double(want.heads) / want.kv_heads;
    const double score = std::fabs(std::log(double(k.heads) / want.heads)) +
                         4.0 * std::fabs(std::log(ratio_k / ratio_w)) +
                         8.0 * std::fabs(std::log(double(k.head_dim) / want.head_dim));
    if (score < best_score) {
      best_score = score;
      best = &k;
    }
  }
  if (best == nullptr) return nullptr;
  scale = (by_kv ? double(want.kv_heads) / best->kv_heads : double(want.heads) / best->heads) *
          (double(want.head_dim) / best->head_dim);
  return &grids.at(*best);
}

}  // namespace

namespace {
// The numbers the kernel path reads from a profile (a full copy carries every source string: the
// planner builds one KernelModel per candidate).
hwprofiles::HardwareProfile slim(const hwprofiles::HardwareProfile& h) {
  hwprofiles::HardwareProfile s;
  s.name = h.name;
  s.family = h.family;
  s.kind = h.kind;
  s.peak_flops = h.peak_flops;
  s.sram_bytes = h.sram_bytes;
  s.sram_bw_bytes_per_s = h.sram_bw_bytes_per_s;
  s.main_memory_bytes = h.main_memory_bytes;
  s.main_memory_bw_bytes_per_s = h.main_memory_bw_bytes_per_s;
  s.scale_up_bw_bytes_per_s = h.scale_up_bw_bytes_per_s;
  s.scale_up_domain = h.scale_up_domain;
  s.scale_out_bw_bytes_per_s = h.scale_out_bw_bytes_per_s;
  s.scale_out_latency_s = h.scale_out_latency_s;
  s.host_link_bw_bytes_per_s = h.host_link_bw_bytes_per_s;
  s.pcie_gen = h.pcie_gen;
  return s;
}
Deployment slim(const Deployment& d) {
  Deployment s;
  s.hardware = slim(d.hardware);
  s.tp = d.tp;
  s.pp = d.pp;
  s.ep = d.ep;
  s.attention_dp = d.attention_dp;
  s.precision = d.precision;
  s.fused_quant = d.fused_quant;
  return s;
}
EfficiencyModel slim(const EfficiencyModel& e) {
  EfficiencyModel s;
  s.gemm = e.gemm;
  s.gemm_by_dtype = e.gemm_by_dtype;
  s.gemm_quant_floor_s = e.gemm_quant_floor_s;
  s.context_attention = e.context_attention;
  s.generation_attention = e.generation_attention;  // the KV format's own fit is bound at construction
  s.allreduce = e.allreduce;
  s.elementwise_memory_fraction = e.elementwise_memory_fraction;
  s.elementwise_floor_s = e.elementwise_floor_s;
  s.source = e.source;
  return s;
}
}  // namespace

KernelModel::KernelModel(const model::ModelSpec& m, const Deployment& d,
                         std::shared_ptr<const hwprofiles::KernelTableSet> tables,
                         const hwprofiles::HardwareProfile& source_hw, const EfficiencyModel& eff,
                         std::shared_ptr<const hwprofiles::KernelTableSet> fused_allreduce)
    : m_(m),
      d_(slim(d)),
      t_(std::move(tables)),
      src_(slim(source_hw)),
      eff_(slim(eff)),
      fused_t_(std::move(fused_allreduce)) {
  const auto& hw = d.hardware;
  framework_ = t_ ? t_->framework : kernel_table_framework(d.runtime);  // no catalog walk on the table path
  transfer_ = t_ && src_.name != hw.name;
  basis_ = !t_ ? "efficiency model" : (transfer_ ? "transferred" : "tables");
  peak16_ = matmul_peak(hw, DType::bf16, DType::bf16);
  bw_ = hw.memory_bw();
  floor_ = t_ && t_->gemm.floor_s.count("bfloat16") ? t_->gemm.floor_s.at("bfloat16") : eff_.elementwise_floor_s;
  tp_ = d.tp;
  heads_ = std::max(1, m.num_heads / tp_);
  kv_heads_ = std::max(1, m.num_kv_heads / tp_);
  head_dim_ = m.head_dim;
  ab_ = act_bytes(d.precision.activation);
  kvb_ = common::bytes_per_element(d.precision.kv);
  gen_eff_ = eff.generation_for(d.precision.kv == DType::fp8                                     ? "fp8"
                                : d.precision.kv == DType::bf16 || d.precision.kv == DType::fp16 ? "bfloat16"
                                                                                                 : "");
  sb_ = common::bytes_per_element(d.precision.state);
  const DType w = d.precision.weight, a = d.precision.activation;
  const DType sixteen = hw.supports(DType::bf16) ? DType::bf16 : DType::fp16;
  // Weights outside the routed experts that the model's checkpoints keep at 16 bits run 16-bit GEMMs.
  const bool keep16 = model::keeps_16bit_outside_experts(m, w);
  const DType ow = keep16 ? sixteen : w, oa = keep16 ? sixteen : a;
  const double h = double(m.hidden_size);
  const double tp = tp_;
  // Attention projections (MLA: every projection of the latent path as one GEMM of the same weight).
  const double o_params = m.is_mla() ? double(m.num_heads) * m.mla.v_head_dim * h : double(model::q_dim(m)) * h;
  const double qkv_params = model::attention_params_per_layer(m) - o_params;
  if (m.is_mla()) {
    // A DSA indexer is not split over the TP ranks (every rank selects the same tokens): its own GEMM.
    const double idx_params = model::dsa_indexer_params_per_layer(m);
    qkv_ = bind_gemm((qkv_params - idx_params) / h / tp, h, ow, oa);
    if (idx_params > 0) idx_ = bind_gemm(idx_params / h, h, ow, oa);
    o_ = bind_gemm(h, double(m.num_heads) * m.mla.v_head_dim / tp, ow, oa);
  } else {
    // Gated attention (Qwen3.5): the query projection emits the output gate too.
    const int q_heads = m.attention_output_gate ? 2 * heads_ : heads_;
    qkv_ = bind_gemm(double(q_heads + 2 * kv_heads_) * head_dim_, h, ow, oa);
    o_ = bind_gemm(h, double(heads_) * head_dim_, ow, oa);
  }
  if (m.is_hybrid_linear()) {
    // Gated DeltaNet layers: their heads split over the TP ranks like attention heads.
    lin_in_ = bind_gemm(model::linear_in_proj_params(m) / h / tp, h, ow, oa);
    lin_out_ = bind_gemm(h, double(model::linear_value_dim(m)) / tp, ow, oa);
  }
  const double mats = m.mlp == model::MlpType::swiglu ? 2.0 : 1.0;
  if (model::dense_layers(m) > 0 && m.intermediate_size > 0) {
    up_ = bind_gemm(mats * double(m.intermediate_size) / tp, h, ow, oa);
    down_ = bind_gemm(h, double(m.intermediate_size) / tp, ow, oa);
  }
  // The LM head stays 16-bit in the serving stacks' quantized checkpoints.
  lm_ = bind_gemm(double(m.vocab_size) / tp, h, sixteen, sixteen);
  if (m.is_moe()) {
    const double moe_tp = std::max(1.0, tp * d.attention_dp / d.ep);
    router_ = bind_gemm(m.moe.num_experts, h, sixteen, sixteen);
    routing_ = model::ExpertRouting(m.moe.num_experts, m.moe.top_k,
                                    m.moe.num_experts >= model::ROUTING_SKEW_MIN_EXPERTS ? d.moe_routing_skew : 0.0);
    ex_up_ = bind_gemm(mats * double(m.moe.expert_intermediate_size) / moe_tp, h, w, a);
    ex_down_ = bind_gemm(h, double(m.moe.expert_intermediate_size) / moe_tp, w, a);
    if (m.moe.shared_expert_intermediate_size > 0) {
      sh_up_ = bind_gemm(mats * double(m.moe.shared_expert_intermediate_size) / tp, h, ow, oa);
      sh_down_ = bind_gemm(h, double(m.moe.shared_expert_intermediate_size) / tp, ow, oa);
    }
  }
  // Attention grids (not for MLA: the bundled tables hold standard multi-head attention only).
  const std::string kvname = d.precision.kv == DType::fp8 ? "fp8" : "bfloat16";
  if (t_ && !m.is_mla()) {
    ctx_grid_ = find_grid(t_->context, {heads_, kv_heads_, head_dim_, "bfloat16", kvname}, ctx_scale_, false);
    if (ctx_grid_ == nullptr && kvname != "bfloat16")
      ctx_grid_ = find_grid(t_->context, {heads_, kv_heads_, head_dim_, "bfloat16", "bfloat16"}, ctx_scale_, false);
    gen_grid_ = find_grid(t_->generation, {heads_, kv_heads_, head_dim_, "", kvname}, gen_scale_, true);
    if (gen_grid_ == nullptr && kvname != "bfloat16") {
      gen_grid_ = find_grid(t_->generation, {heads_, kv_heads_, head_dim_, "", "bfloat16"}, gen_scale_, true);
      gen_scale_ *= kvb_ / 2.0;  // an 8-bit cache streams half the bytes of the measured 16-bit one
    }
    if (tp_ > 1 && t_->allreduce.count(tp_)) ar_ = &t_->allreduce.at(tp_);
    if (const auto f = d.fused_allreduce_mib.find(tp_);
        tp_ > 1 && fused_t_ && fused_t_->allreduce.count(tp_) && f != d.fused_allreduce_mib.end() && f->second > 0) {
      fused_ar_ = &fused_t_->allreduce.at(tp_);
      fused_max_elements_ = f->second * 1024.0 * 1024.0 / 2.0;  // 16-bit activations
    }
  }
  if (ctx_grid_ != nullptr) {
    double mn = std::numeric_limits<double>::infinity();
    for (double v : ctx_grid_->v)
      if (!std::isnan(v)) mn = std::min(mn, v);
    ctx_floor_ = mn;
  }
  if (gen_grid_ != nullptr) {
    double mn = std::numeric_limits<double>::infinity();
    for (double v : gen_grid_->v)
      if (!std::isnan(v)) mn = std::min(mn, v);
    gen_floor_ = mn;
  }
}

std::string KernelModel::describe() const {
  const std::string dt = gemm_table_dtype(d_.precision.weight, d_.precision.activation);
  const double quant = eff_.gemm_quant_for(framework_, dt);
  return !t_ ? fmt::format("roofline efficiency model ({}){}", eff_.source,
                           quant > 0 ? fmt::format("; {} GEMMs pay {}'s activation quantization, {:.1f} us a call", dt,
                                                   framework_.empty() ? "the median runtime" : framework_, quant * 1e6)
                                     : "")
             : fmt::format("kernel tables {}{} (aiconfigurator, {})", t_->folder,
                           transfer_ ? fmt::format(" measured on {}, scaled to {} by the roofline", src_.name,
                                                   d_.hardware.name)
                                     : "",
                           t_->device) +
                   (routing_.skew() > 0
                        ? fmt::format("; MoE routing skew {:.2f} (expert popularity ~ rank^-skew, fitted)",
                                      routing_.skew())
                        : "") +
                   (fused_ar_ != nullptr
                        ? fmt::format("; TP all-reduces up to {:.3g} MiB fused (FlashInfer, TensorRT-LLM's kernel: {})",
                                      fused_max_elements_ * 2.0 / (1024.0 * 1024.0), fused_t_->folder)
                        : "");
}

double KernelModel::gemm_point(double m, double n, double k, DType w, DType a) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0.0;
  // Off the tables a grouped expert GEMM is priced like any other GEMM of its format (its runtime's
  // activation quantization included, as the tables' curves include it).
  if (!t_) return bind_gemm(n, k, w, a).at(*this, m);
  // One m of gemm_curve: the bracketing (n, k) corners' efficiency at this m, on our roofline.
  std::string use = gemm_table_dtype(w, a);
  DType uw = w, ua = a;
  if (!t_->gemm.has_dtype(use)) {
    use = "bfloat16";
    uw = ua = DType::bf16;
  }
  const auto& ns = t_->gemm.ns.at(use);
  const auto& ks = t_->gemm.ks.at(use);
  double n0, n1, fn, k0, k1, fk;
  bracket(ns, n, n0, n1, fn);
  bracket(ks, k, k0, k1, fk);
  double e = 0, wsum = 0;
  for (auto [nn, wn] : {std::pair{n0, 1 - fn}, std::pair{n1, fn}})
    for (auto [kk, wk] : {std::pair{k0, 1 - fk}, std::pair{k1, fk}}) {
      if (wn * wk <= 0) continue;
      const Curve* c = t_->gemm.find(use, nn, kk);
      if (c == nullptr) continue;
      e += wn * wk * sol_gemm(src_, m, nn, kk, uw, ua) / std::max(c->at(m), 1e-12);
      wsum += wn * wk;
    }
  if (wsum <= 0) return 0.0;
  double t = sol_gemm(src_, m, n, k, uw, ua) / (e / wsum);
  if (use != gemm_table_dtype(w, a) || transfer_) {
    const double fl = t_->gemm.floor_s.at(use);
    t = fl + (t - fl) * sol_gemm(d_.hardware, m, n, k, w, a) / sol_gemm(src_, m, n, k, uw, ua);
  }
  return t;
}

double KernelModel::gemm_s(double m, double n, double k, const std::string& dtype) const {
  DType w = DType::bf16, a = DType::bf16;
  if (dtype == "fp8")
    w = a = DType::fp8;
  else if (dtype == "nvfp4")
    w = a = DType::fp4;
  Gemm g = bind_gemm(n, k, w, a);
  return g.at(*this, m);
}

double KernelModel::context_attention_s(double batch, double isl) const {
  if (batch <= 0 || isl <= 0) return 0.0;
  const double pairs = batch * isl * (isl + 1) / 2.0;
  if (ctx_grid_ != nullptr) {
    double t = attention_lookup(*ctx_grid_, batch, isl, true) * ctx_scale_;
    if (transfer_) t = ctx_floor_ + (t - ctx_floor_) * (matmul_peak(src_, DType::bf16, DType::bf16) / peak16_);
    return t;
  }
  const double flops = pairs * 4.0 * heads_ * head_dim_;
  const double bytes = batch * isl * (2.0 * heads_ + 2.0 * kv_heads_) * head_dim_ * ab_;
  return attention_model_s(flops, bytes, true, context_attention_items(batch, heads_, isl));
}

double KernelModel::generation_attention_s(double batch, double ctx) const {
  if (batch <= 0) return 0.0;
  if (gen_grid_ != nullptr) {
    // The tables key decode attention on `step`, the tokens already cached: the new token attends to
    // step + 1 keys, our `ctx`.
    double t = attention_lookup(*gen_grid_, batch, std::max(1.0, ctx - 1.0), false) * gen_scale_;
    if (transfer_) t = gen_floor_ + (t - gen_floor_) * (src_.memory_bw() / bw_);
    return t;
  }
  const double flops = batch * ctx * 4.0 * heads_ * head_dim_;
  const double bytes = batch * (ctx * 2.0 * kv_heads_ * head_dim_ * kvb_ + 2.0 * heads_ * head_dim_ * ab_);
  return attention_model_s(flops, bytes, false, batch * kv_heads_);
}

double KernelModel::allreduce_s(double elements) const {
  if (tp_ <= 1 || elements <= 0) return 0.0;
  const auto& hw = d_.hardware;
  const int domain = std::max(1, hw.scale_up_domain);
  // One all-reduce among `g` GPUs of one scale-up domain: the measured table at that GPU count (scaled
  // by the two scale-up links when transferred), else the efficiency model on the scale-up link.
  auto inside = [&](int g) {
    if (g == tp_ && fused_ar_ != nullptr && elements <= fused_max_elements_) return comm_table_s(*fused_ar_, elements);
    const hwprofiles::Curve* table = g == tp_ ? ar_ : (t_ && t_->allreduce.count(g) ? &t_->allreduce.at(g) : nullptr);
    if (table != nullptr) return comm_table_s(*table, elements);
    return eff_.allreduce.time(0, 0, 2.0 * (g - 1.0) / g * elements * 2.0, hw.scale_up_bw_bytes_per_s);
  };
  if (tp_ > domain && domain > 1 && hw.scale_up_bw_bytes_per_s > 0 && hw.scale_out_bw_bytes_per_s > 0) {
    // A TP group spanning n scale-up domains runs NCCL's hierarchical all-reduce: reduce-scatter inside
    // each domain, an all-reduce of each GPU's 1/g shard across the n domains on that GPU's own NIC
    // (the domains' NICs work in parallel), then an all-gather inside the domain. The two in-domain
    // halves cost one in-domain all-reduce of the whole message. A flat ring over the scale-out link
    // would send the whole message through one NIC: g times the bytes.
    // The cross-domain stage also pays the network's latency on each hop of NCCL's tree (up and down a
    // tree of depth log2 n; the efficiency model's floor is an in-domain one, ~1.5 us).
    const double g = domain, n = std::ceil(double(tp_) / domain);
    const double across = eff_.allreduce.time(0, 0, 2.0 * (n - 1.0) / n * elements * 2.0 / g,
                                              hw.scale_out_bw_bytes_per_s) +
                          2.0 * std::ceil(std::log2(n)) * hw.scale_out_latency_s;
    return inside(domain) + across;
  }
  if (ar_ != nullptr || (tp_ <= domain && hw.scale_up_bw_bytes_per_s > 0)) return inside(tp_);
  const double link = hw.scale_out_bw_bytes_per_s > 0 ? hw.scale_out_bw_bytes_per_s : hw.host_link_bw_bytes_per_s * 0.5;
  const double bytes = 2.0 * (tp_ - 1.0) / tp_ * elements * 2.0;
  return eff_.allreduce.time(0, 0, bytes, link);
}

double KernelModel::comm_table_s(const hwprofiles::Curve& table, double elements) const {
  const double t = table.at(elements);
  const auto& hw = d_.hardware;
  if (!transfer_ || src_.scale_up_bw_bytes_per_s <= 0 || hw.scale_up_bw_bytes_per_s <= 0) return t;
  const double fl = table.y.front();
  return fl + (t - fl) * (src_.scale_up_bw_bytes_per_s / hw.scale_up_bw_bytes_per_s);
}

double KernelModel::ring_collective_s(const char* op, double bytes, int g, int domains) const {
  if (g <= 1 || bytes <= 0) return 0.0;
  const auto& hw = d_.hardware;
  domains = std::clamp(domains, 1, g);
  const int inner = (g + domains - 1) / domains;  // group members per scale-up domain
  // Inside one domain: nccl-tests' measured curve (message = total elements in 16 bits; the smallest
  // measured GPU count >= inner); else the efficiency model on the scale-up link.
  double in = 0;
  if (inner > 1) {
    const hwprofiles::Curve* table = nullptr;
    if (t_) {
      if (auto it = t_->nccl.find(std::string(op) + "|half"); it != t_->nccl.end()) {
        auto c = it->second.lower_bound(inner);
        if (c != it->second.end()) table = &c->second;
      }
    }
    const double link = hw.scale_up_bw_bytes_per_s > 0 ? hw.scale_up_bw_bytes_per_s : hw.host_link_bw_bytes_per_s;
    in = table != nullptr ? comm_table_s(*table, bytes / 2.0)
                          : eff_.allreduce.time(0, 0, (inner - 1.0) / inner * bytes, link);
  }
  if (domains == 1) return in;
  // Across domains: each GPU moves its 1/inner share of the message through its own NIC (the domains'
  // NICs work in parallel), on a ring of `domains` hops each paying the network's latency.
  const double link = hw.scale_out_bw_bytes_per_s > 0 ? hw.scale_out_bw_bytes_per_s : hw.host_link_bw_bytes_per_s * 0.5;
  const double n = domains;
  return in + eff_.allreduce.time(0, 0, (n - 1.0) / n * bytes / inner, link) + (n - 1.0) * hw.scale_out_latency_s;
}

void KernelModel::fill(const model::BatchShape& b, StepCost& s) const {
  const auto& m = m_;
  const double T = b.tokens();
  if (T <= 0) return;
  const double L = m.num_layers, Ld = model::dense_layers(m), Lm = model::moe_layers(m);
  // Hybrid models: softmax attention (and its KV cache) on Lf layers, Gated DeltaNet on Ll.
  const double Lf = model::full_attention_layers(m), Ll = model::linear_attention_layers(m);
  const double h = double(m.hidden_size);
  auto add = [&](OpClass op, double seconds, double quant = 0.0) {
    s.kernel_s[std::size_t(op)] += seconds;
    s.quant_floor_s[std::size_t(op)] += quant;
  };
  const bool fuse = std::find(d_.fused_quant.begin(), d_.fused_quant.end(), d_.precision.weight) !=
                    d_.fused_quant.end();
  auto qf = [&](const Gemm& g, double calls) { return fuse ? g.quant_floor_s * calls : 0.0; };

  add(OpClass::embedding, elementwise_s(T * h * ab_ * 2.0));
  add(OpClass::norm, (2.0 * L + 1.0) * elementwise_s(T * h * ab_ * 3.0));
  add(OpClass::qkv_proj, Lf * (qkv_.at(*this, T) + idx_.at(*this, T)) + Ll * lin_in_.at(*this, T),
      qf(qkv_, Lf) + qf(idx_, Lf) + qf(lin_in_, Ll));
  add(OpClass::out_proj, Lf * o_.at(*this, T) + Ll * lin_out_.at(*this, T), qf(o_, Lf) + qf(lin_out_, Ll));

  // Attention: prompt chunks as `prefill_seqs` sequences of their mean length, scaled by the real
  // query-key pairs (cached context included); decodes at their mean context.
  double att = 0;
  const double f_slide = (m.sliding_window > 0) ? m.sliding_layer_fraction : 0.0;
  if (b.prefill_seqs > 0 && b.prefill_tokens > 0) {
    const double n = b.prefill_seqs, len = b.prefill_tokens / n;
    const double base_pairs = n * len * (len + 1) / 2.0;
    double full = 0;
    if (m.is_mla()) {
      const double fpp = 2.0 * m.num_heads / tp_ * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim + m.mla.v_head_dim);
      // DSA: each query attends to its index_topk selected tokens; the indexer scores every pair first.
      const double pairs = m.is_dsa() ? std::min(b.prefill_attn_pairs, b.prefill_tokens * m.dsa.index_topk)
                                      : b.prefill_attn_pairs;
      full = attention_model_s(pairs * fpp,
                               b.prefill_tokens * model::kv_elems_per_token_per_layer(m) * kvb_ +
                                   b.prefill_tokens * h * ab_ * 2.0,
                               true, context_attention_items(n, double(m.num_heads) / tp_, len));
      full += dsa_indexer_s(b.prefill_attn_pairs, b.prefill_tokens + b.prefill_cached_tokens, true);
    } else if (b.prefill_attn_pairs > base_pairs * (1.0 + 1e-9)) {
      // Chunks on top of a cached prefix: look the kernel up at the equivalent length (the prompt
      // whose own query-key pairs equal the chunk's, cached keys included), so its launch floor is
      // paid once per chunk, not once per multiple of the chunk's own pairs.
      const double eq = 0.5 * (std::sqrt(1.0 + 8.0 * b.prefill_attn_pairs / n) - 1.0);
      full = context_attention_s(n, eq) * (b.prefill_attn_pairs / (n * eq * (eq + 1.0) / 2.0));
    } else {
      full = context_attention_s(n, len) * (b.prefill_attn_pairs / base_pairs);
    }
    double windowed = full;
    if (f_slide > 0) {
      // A sliding-window layer attends to at most `window` keys per query: the full-length kernel's
      // time scaled by the pairs it keeps (a short-prompt lookup would scale a launch floor instead).
      const double w = double(m.sliding_window);
      const double wp = std::min(b.prefill_attn_pairs, b.prefill_tokens * w);
      windowed = full * (wp / std::max(b.prefill_attn_pairs, 1.0));
    }
    att += (1.0 - f_slide) * Lf * full + f_slide * Lf * windowed;
  }
  if (b.decode_seqs > 0) {
    const double n = b.decode_seqs, ctx = b.decode_ctx_sum / n, q = b.decode_queries;
    double full = 0;
    if (m.is_mla()) {
      const double fpp = 2.0 * m.num_heads / tp_ * (2.0 * m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
      const double keys = m.is_dsa() ? std::min(ctx, double(m.dsa.index_topk)) : ctx;
      // Verifying draft tokens (q > 1): every query attends the same cached keys, read once.
      // One latent KV head per sequence.
      full = attention_model_s(n * q * keys * fpp, n * keys * model::kv_elems_per_token_per_layer(m) * kvb_, false, n);
      full += dsa_indexer_s(n * q * ctx, n * ctx, false, n);
    } else if (q > 1) {
      // The decode tables hold one query per sequence: a verify step takes the efficiency model.
      full = attention_model_s(n * q * ctx * 4.0 * heads_ * head_dim_,
                               n * (ctx * 2.0 * kv_heads_ * head_dim_ * kvb_ + 2.0 * q * heads_ * head_dim_ * ab_),
                               false, n * kv_heads_);
    } else {
      full = generation_attention_s(n, ctx);
    }
    const double windowed =
        f_slide > 0 ? (m.is_mla() ? full : generation_attention_s(n, std::min(ctx, double(m.sliding_window)))) : full;
    att += (1.0 - f_slide) * Lf * full + f_slide * Lf * windowed;
  }
  // RoPE and the KV-cache write of the new tokens.
  att += Lf * elementwise_s(T * double(heads_ + 2 * kv_heads_) * head_dim_ * ab_ * 2.0);
  if (Ll > 0) {
    // Gated DeltaNet: the convolution and chunked delta rule of the prompt tokens, the recurrent step of
    // the decode tokens (each reads and writes its sequence's state, FP32 unless Precision::state says), on this rank's
    // 1 / tp of the heads, as attention kernels of those FLOPs and bytes; then the gated output norm.
    const model::LinearAttentionCost lc = model::linear_attention_core(m, b, ab_, sb_);
    const double tp = tp_;
    double lin = 0;
    if (b.prefill_tokens > 0)
      lin += attention_model_s(lc.prefill_flops / tp, (lc.prefill_state_bytes + lc.prefill_act_bytes) / tp, true);
    if (b.decode_seqs > 0)  // recurrent states are not in the KV format: the all-format decode fit
      lin += eff_.generation_attention.time(lc.decode_flops / tp, peak16_,
                                            (lc.decode_state_bytes + lc.decode_act_bytes) / tp, bw_,
                                            b.decode_seqs * std::max(1.0, m.linear.num_value_heads / tp));
    lin += elementwise_s(T * double(model::linear_value_dim(m)) / tp * ab_ * 3.0);
    att += Ll * lin;
  }
  add(OpClass::attention, att);

  if (Ld > 0 && up_.n > 0) {
    const double act = elementwise_s(T * (up_.n + up_.n / (m.mlp == model::MlpType::swiglu ? 2.0 : 1.0)) * ab_);
    add(OpClass::mlp, Ld * (up_.at(*this, T) + down_.at(*this, T) + act), qf(up_, Ld) + qf(down_, Ld));
  }
  if (Lm > 0) {
    add(OpClass::moe_router, Lm * router_.at(*this, T));
    // Every attention-DP rank's tokens reach the MoE layer; the experts are spread over `ep` groups.
    const double dp = d_.attention_dp, ep = d_.ep;
    const double T_all = T * dp;
    const double k = m.moe.top_k;
    const double touched = routing_.touched(T_all);
    const double local = std::max(1.0, touched / ep);       // experts this chip runs
    const double m_e = T_all * k / std::max(touched, 1.0);  // tokens per expert
    // A grouped GEMM over the local experts costs what one GEMM of their stacked weights costs at the
    // per-expert token count (same FLOPs, same weight bytes, one launch).
    const double experts = gemm_point(m_e, local * ex_up_.n, ex_up_.k, ex_up_.wdt, ex_up_.adt) +
                           gemm_point(m_e, local * ex_down_.n, ex_down_.k, ex_down_.wdt, ex_down_.adt);
    double shared = 0;
    if (sh_up_.n > 0) shared = sh_up_.at(*this, T) + sh_down_.at(*this, T);
    const double act = elementwise_s(m_e * local * (ex_up_.n * 1.5) * ab_);
    add(OpClass::moe_experts, Lm * (experts + shared + act));
    (b.prefill_tokens <= 0 ? s.moe_decode_s : s.moe_prefill_s) += Lm * (experts + shared + act);
    s.moe_layers += Lm;
  }
  add(OpClass::lm_head, b.emitting() > 0 ? lm_.at(*this, b.emitting()) : 0.0);

  double comm = 0;
  if (tp_ > 1) comm += 2.0 * L * allreduce_s(T * h);
  if (m.is_moe() && d_.attention_dp > 1) {
    // Attention data parallelism: every MoE layer gathers all ranks' tokens before the experts
    // (all-gather, in the activation format) and scatters the sums back after them (reduce-scatter,
    // 16-bit), among the `attention_dp` ranks of each TP position. A group wider than one scale-up
    // domain crosses the NICs. Small steps are latency-bound: tens of microseconds per layer.
    const auto& hw = d_.hardware;
    const int dp = d_.attention_dp;
    const int domain = std::max(1, hw.scale_up_domain);
    const int domains = hw.scale_out_bw_bytes_per_s > 0 || hw.host_link_bw_bytes_per_s > 0
                            ? std::min(dp, (tp_ * dp + domain - 1) / domain)
                            : 1;
    const double T_all = T * dp;
    comm += Lm * (ring_collective_s("all_gather", T_all * h * ab_, dp, domains) +
                  ring_collective_s("reduce_scatter", T_all * h * 2.0, dp, domains));
  } else if (m.is_moe() && d_.ep > 1) {
    // Expert parallelism without attention DP: each token's hidden state to its top-k experts' ranks
    // and back. Over the scale-up link while the TP group sits in one scale-up domain; a group spread
    // over several domains sends its routed copies through each GPU's NIC.
    const auto& hw = d_.hardware;
    const bool spans = double(tp_) > std::max(1, hw.scale_up_domain) && hw.scale_out_bw_bytes_per_s > 0;
    const double link = hw.scale_up_bw_bytes_per_s > 0 && !spans ? hw.scale_up_bw_bytes_per_s
                                                                 : hw.scale_out_bw_bytes_per_s;
    const double bytes = T * h * ab_ * m.moe.top_k * (d_.ep - 1.0) / std::max(1.0, double(d_.ep)) / tp_;
    comm += 2.0 * Lm * eff_.allreduce.time(0, 0, bytes, link);
  }
  if (d_.pp > 1) {
    // Stage-to-stage sends; hops between scale-up domains take the scale-out network (as the roofline
    // path, StepEstimator::cost_impl).
    const StageHops sh = stage_hops(d_);
    const double bytes = T * h * ab_ / tp_;
    if (sh.inside > 0) comm += sh.inside * eff_.allreduce.time(0, 0, bytes, d_.hardware.scale_up_bw_bytes_per_s);
    if (sh.cross > 0) comm += sh.cross * eff_.allreduce.time(0, 0, bytes, sh.cross_bw);
  }
  s.kernel_comm_s += comm;
  s.kernel_path = true;
}

}  // namespace infersim::perf
