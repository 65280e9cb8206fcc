// refengine_speed: the reference engine's speed goals, measured side by side in one run.
//   - batch-1 decode: weight bytes per step / step time, against the DRAM read bandwidth probe
//   - prefill GEMM (our kernels) against the peak FMA / bf16-dot probe at the same thread count
//   - our fp32 GEMM against Eigen's on the same shape (1 thread and all threads)
//   - decode attention at long context: KV-cache bytes / attention time, against the same probe
// Every quantity is measured in each of several interleaved rounds (a shared machine's interference
// comes and goes) and reported as the best of rounds plus the median of per-round ratios. Prints the
// environment first; never fails on an absolute number (CONVENTIONS.md rule 16).
//
//   refengine_speed [--model llama-3.2-1b] [--layers 4] [--threads N] [--rounds 5] [--m 512 --n 8192 --k 2048]
//                   [--attn-batch 16 --attn-context 4096]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "eigen_gemm.h"
#include "infersim/common/text.h"
#include "infersim/micro/probes.h"
#include "infersim/model/model_catalog.h"
#include "infersim/refengine/engine.h"

using namespace infersim;
using common::DType;
using Clock = std::chrono::steady_clock;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double best(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Best time of our GEMM (C = A x W^T) over a few calls.
double our_gemm_seconds(refengine::Kernels& k, const refengine::PackedWeight& w, int m) {
  std::vector<float> a(std::size_t(m) * std::size_t(w.k), 0.01f), c(std::size_t(m) * std::size_t(w.n));
  double t = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = Clock::now();
    k.matmul(refengine::CViewF::matrix(a.data(), m, w.k, w.k), w, refengine::ViewF::matrix(c.data(), m, w.n, w.n),
             false);
    t = std::min(t, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const auto card = model::ModelCatalog::shipped().resolve(arg(argc, argv, "model", "llama-3.2-1b"));
  const int layers = std::atoi(arg(argc, argv, "layers", "4").c_str());
  const int rounds = std::max(1, std::atoi(arg(argc, argv, "rounds", "5").c_str()));
  const auto& cpu = refengine::cpu_features();
  const int threads = std::atoi(arg(argc, argv, "threads", std::to_string(cpu.logical_cpus)).c_str());
  const int M = std::atoi(arg(argc, argv, "m", "512").c_str()), N = std::atoi(arg(argc, argv, "n", "8192").c_str()),
            K = std::atoi(arg(argc, argv, "k", "2048").c_str());
  const auto spec = refengine::truncated(card, layers);
  const int attn_batch = std::max(1, std::atoi(arg(argc, argv, "attn-batch", "16").c_str()));
  const int attn_ctx = std::max(64, std::atoi(arg(argc, argv, "attn-context", "4096").c_str()));

  fmt::print("refengine_speed\n  cpu: {} ({} logical CPUs)\n  isa: {}\n  kernel tier: {}\n  threads: {}\n",
             cpu.model_name, cpu.logical_cpus, cpu.flags_summary(), refengine::isa_name(refengine::active_isa()),
             threads);
#if defined(NDEBUG)
  const char* build = "release (NDEBUG)";
#else
  const char* build = "debug (assertions on)";
#endif
  fmt::print("  compiler: GCC {}, {} build, portable target (no -march)\n  load average at start: {}\n", __VERSION__,
             build, loadavg());
  const bool eigen = refengine::speed::eigen_gemm_available();
  fmt::print("  Eigen: {}{}\n",
             eigen ? refengine::speed::eigen_simd() : "skipped (needs AVX-512 for the build in this binary)",
             eigen && !refengine::speed::eigen_threads_supported() ? " (no OpenMP: single-threaded only)" : "");
  fmt::print("  decode: {} x {} layers, batch 1, context 128; GEMM shape M={} N={} K={}; decode attention: batch {} x "
             "context {}\n\n",
             spec.name, spec.num_layers, M, N, K, attn_batch, attn_ctx);

  refengine::ThreadPool pool(threads), pool1(1);
  refengine::Kernels kern(pool), kern1(pool1);
  auto rows = [&](std::int64_t r, float* out) {
    for (int c = 0; c < K; ++c) out[c] = float(((r * 131 + c * 7) % 101) - 50) * 4e-4f;
  };
  std::map<DType, refengine::PackedWeight> gemm_w;
  for (DType d : {DType::fp32, DType::bf16}) gemm_w.emplace(d, refengine::pack_weight(N, K, d, rows, &pool));

  // --m-sweep: GEMM time per row count on a decode-like shape (N x K weights streamed from DRAM),
  // GFLOP/s and weight GB/s, to see where the kernels leave the memory roof for the compute roof.
  if (arg(argc, argv, "m-sweep", "") != "") {
    const int sn = std::atoi(arg(argc, argv, "m-sweep", "32768").c_str());
    for (DType d : {DType::bf16, DType::fp32, DType::int8}) {
      const auto w = refengine::pack_weight(sn, K, d, rows, &pool);
      for (int m : {1, 2, 4, 6, 7, 8, 12, 16, 24, 32, 48, 64}) {
        const double t = our_gemm_seconds(kern, w, m);
        fmt::print("  {} N={} K={} M={:>2}: {:7.3f} ms  {:6.1f} GFLOP/s  {:5.1f} GB/s of weights\n",
                   common::dtype_name(d), sn, K, m, t * 1e3, 2.0 * m * sn * K / t / 1e9,
                   double(sn) * K * common::bytes_per_element(d) / t / 1e9);
      }
    }
    return 0;
  }
  std::map<DType, std::unique_ptr<refengine::Engine>> engines;
  std::map<DType, std::vector<refengine::StepInput>> inputs;
  for (DType d : {DType::bf16, DType::fp32, DType::int8}) {
    refengine::EngineOptions eo;
    eo.threads = threads;
    engines[d] = std::make_unique<refengine::Engine>(refengine::make_random_weights(spec, d, 1, &pool), eo);
    const int s = engines[d]->add_sequence(256);
    engines[d]->fill_context(s, 128);
    inputs[d] = {{s, {42}}};
  }
  // Decode attention at long context: bf16 KV (bf16 / int8 weights) and f32 KV (fp32 weights).
  std::map<DType, std::vector<refengine::StepInput>> attn_inputs;
  for (DType d : {DType::bf16, DType::fp32}) {
    for (int i = 0; i < attn_batch; ++i) {
      const int s = engines[d]->add_sequence(attn_ctx + 2);
      engines[d]->fill_context(s, attn_ctx, 7 + std::uint64_t(i));
      attn_inputs[d].push_back({s, {int(i % 100)}});
    }
  }

  std::map<std::string, std::vector<double>> v;  // series per quantity
  for (int round = 0; round < rounds; ++round) {
    const double bw = micro::measure_bandwidth(micro::BwKind::read, "DRAM", 512ll << 20, threads, 0.3).bytes_per_s;
    v["read_bw"].push_back(bw);
    for (auto& [d, e] : engines) {
      double t = 1e300;
      model::BatchShape shape;
      for (int rep = 0; rep < 5; ++rep) {
        e->truncate(inputs[d][0].seq, 128);
        const auto r = e->step(inputs[d]);
        t = std::min(t, r.seconds);
        shape = r.shape;
      }
      double wbytes = 0;
      for (const auto& o : model::op_costs(e->spec(), shape, e->precision())) wbytes += o.weight_bytes;
      const std::string key = std::string("decode_") + common::dtype_name(d);
      v[key].push_back(wbytes / t);
      v[key + "_ratio"].push_back(wbytes / t / bw);
    }
    for (DType d : {DType::bf16, DType::fp32}) {
      double t = 1e300;
      model::BatchShape shape;
      for (int rep = 0; rep < 3; ++rep) {
        for (const auto& in : attn_inputs[d]) engines[d]->truncate(in.seq, attn_ctx);
        const auto r = engines[d]->step(attn_inputs[d]);
        t = std::min(t, r.op_seconds[std::size_t(model::OpClass::attention)]);
        shape = r.shape;
      }
      const auto kv = model::op_costs(engines[d]->spec(), shape,
                                      engines[d]->precision())[std::size_t(model::OpClass::attention)]
                          .kv_bytes;
      const std::string key = std::string("attn_") + (d == DType::fp32 ? "f32kv" : "bf16kv");
      v[key].push_back(kv / t);
      v[key + "_ratio"].push_back(kv / t / bw);
    }
    for (DType d : {DType::fp32, DType::bf16}) {
      const auto pk = d == DType::fp32 ? micro::PeakKind::fp32_fma : micro::PeakKind::bf16_dot;
      double peak = micro::measure_peak(pk, threads, 0.2).ops_per_s;
      if (peak <= 0) peak = micro::measure_peak(micro::PeakKind::fp32_fma, threads, 0.2).ops_per_s;  // bf16 runs as f32
      const double g = 2.0 * M * N * double(K) / our_gemm_seconds(kern, gemm_w.at(d), M);
      const std::string key = std::string("gemm_") + common::dtype_name(d);
      v[key].push_back(g);
      v[key + "_peak"].push_back(peak);
      v[key + "_ratio"].push_back(g / peak);
    }
    if (eigen) {
      for (int t : {1, threads}) {
        if (t > 1 && !refengine::speed::eigen_threads_supported()) continue;
        const double ours = 2.0 * M * N * double(K) /
                            our_gemm_seconds(t == 1 ? kern1 : kern, gemm_w.at(DType::fp32), M);
        const double theirs = 2.0 * M * N * double(K) / refengine::speed::eigen_sgemm_seconds(M, N, K, t, 0.3);
        v[fmt::format("eigen_{}", t)].push_back(theirs);
        v[fmt::format("ours_{}", t)].push_back(ours);
        v[fmt::format("eigen_ratio_{}", t)].push_back(ours / theirs);
      }
    }
    fmt::print("round {}/{}: read {:.1f} GB/s | decode bf16 {:.1f} GB/s ({:.0f}%) fp32 {:.1f} int8 {:.1f} | GEMM fp32 "
               "{:.0f} "
               "GFLOP/s ({:.0f}% of {:.0f}) bf16 {:.0f} ({:.0f}% of {:.0f}){} | attention KV bf16 {:.1f} GB/s f32 "
               "{:.1f} | load {}\n",
               round + 1, rounds, bw / 1e9, v["decode_bf16"].back() / 1e9, 100 * v["decode_bf16_ratio"].back(),
               v["decode_fp32"].back() / 1e9, v["decode_int8"].back() / 1e9, v["gemm_fp32"].back() / 1e9,
               100 * v["gemm_fp32_ratio"].back(), v["gemm_fp32_peak"].back() / 1e9, v["gemm_bf16"].back() / 1e9,
               100 * v["gemm_bf16_ratio"].back(), v["gemm_bf16_peak"].back() / 1e9,
               eigen ? fmt::format(" | ours/Eigen x{} {:.2f}", threads,
                                   v.count(fmt::format("eigen_ratio_{}", threads))
                                       ? v[fmt::format("eigen_ratio_{}", threads)].back()
                                       : v["eigen_ratio_1"].back())
                     : "",
               v["attn_bf16kv"].back() / 1e9, v["attn_f32kv"].back() / 1e9, loadavg());
  }

  fmt::print("\nsummary over {} rounds (best = best of rounds; ratio = median of per-round ratios):\n", rounds);
  const double bw = best(v["read_bw"]);
  fmt::print("  DRAM read bandwidth ({} threads):          best {:.1f} GB/s, median {:.1f} GB/s\n", threads, bw / 1e9,
             median(v["read_bw"]) / 1e9);
  for (DType d : {DType::bf16, DType::fp32, DType::int8}) {
    const std::string key = std::string("decode_") + common::dtype_name(d);
    fmt::print("  batch-1 decode {} (weight bytes / step):  best {:.1f} GB/s = {:.0f}% of best read; per-round median "
               "{:.0f}%{}\n",
               common::dtype_name(d), best(v[key]) / 1e9, 100 * best(v[key]) / bw, 100 * median(v[key + "_ratio"]),
               d == DType::bf16 ? "   (goal >= 85%)" : "");
  }
  for (const char* kv : {"bf16kv", "f32kv"}) {
    const std::string key = std::string("attn_") + kv;
    fmt::print("  decode attention, {} KV cache, batch {} x context {} (KV bytes / attention time):  best {:.1f} GB/s "
               "= {:.0f}% of best read; "
               "per-round median {:.0f}%\n",
               std::string(kv).substr(0, std::string(kv).size() - 2), attn_batch, attn_ctx, best(v[key]) / 1e9,
               100 * best(v[key]) / bw, 100 * median(v[key + "_ratio"]));
  }
  for (DType d : {DType::fp32, DType::bf16}) {
    const std::string key = std::string("gemm_") + common::dtype_name(d);
    fmt::print("  prefill GEMM {} M={} N={} K={}:  best {:.0f} GFLOP/s, peak {:.0f} -> {:.0f}%; per-round median "
               "{:.0f}%   (goal >= 60%)\n",
               common::dtype_name(d), M, N, K, best(v[key]) / 1e9, best(v[key + "_peak"]) / 1e9,
               100 * best(v[key]) / best(v[key + "_peak"]), 100 * median(v[key + "_ratio"]));
  }
  if (eigen)
    for (int t : {1, threads}) {
      if (!v.count(fmt::format("eigen_{}", t))) continue;
      fmt::print("  fp32 GEMM vs Eigen, {} thread(s):  ours best {:.0f} GFLOP/s, Eigen best {:.0f} GFLOP/s, ratio of "
                 "bests {:.2f}, "
                 "median per-round ratio {:.2f}\n",
                 t, best(v[fmt::format("ours_{}", t)]) / 1e9, best(v[fmt::format("eigen_{}", t)]) / 1e9,
                 best(v[fmt::format("ours_{}", t)]) / best(v[fmt::format("eigen_{}", t)]),
                 median(v[fmt::format("eigen_ratio_{}", t)]));
      if (t == threads) break;
    }
  fmt::print("  load average at end: {}\n", loadavg());
  return 0;
}
