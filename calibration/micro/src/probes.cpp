#include "infersim/micro/probes.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "infersim/common/text.h"
#include "infersim/refengine/cpu_features.h"
#include "infersim/refengine/tensor.h"
#include "probe_kernels.h"

namespace infersim::micro {

namespace {

using Clock = std::chrono::steady_clock;
volatile float g_sink = 0;

std::int64_t read_size_file(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  if (!(in >> s) || s.empty()) return 0;
  std::int64_t v = std::atoll(s.c_str());
  const char unit = s.back();
  if (unit == 'K')
    v *= 1024;
  else if (unit == 'M')
    v *= 1024 * 1024;
  return v;
}

std::string read_word(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  in >> s;
  return s;
}

struct AlignedFloats {
  float* p = nullptr;
  // Same allocation policy as the engine's weights (refengine AlignedBuffer): big buffers on
  // transparent huge pages unless INFERSIM_NO_HUGEPAGES is set, so that the bandwidth the engine is
  // compared with is measured under the same paging.
  explicit AlignedFloats(std::int64_t n) {
    const std::size_t bytes = std::size_t(n) * 4;
    const bool huge = bytes >= refengine::HUGE_MIN_BYTES && refengine::use_huge_pages();
    const std::size_t align = huge ? refengine::HUGE_PAGE_BYTES : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    p = static_cast<float*>(std::aligned_alloc(align, rounded));
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    if (huge) ::madvise(p, rounded, MADV_HUGEPAGE);
#endif
  }

  ~AlignedFloats() { std::free(p); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
};

// Runs body(thread) on `threads` threads released together; returns the wall time until the last one
// finished. (A hand-rolled start/finish handshake: GCC 12's std::barrier has wake-up bugs.)
template <class F>
double timed_parallel(int threads, F&& body) {
  std::atomic<int> ready{0}, done{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> ts;
  ts.reserve(std::size_t(threads));
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      body(t);
      done.fetch_add(1, std::memory_order_release);
    });
  while (ready.load() < threads) std::this_thread::yield();
  const auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : ts) t.join();
  const double el = std::chrono::duration<double>(Clock::now() - t0).count();
  return el;
}

}  // namespace

const char* peak_kind_name(PeakKind k) {
  switch (k) {
    case PeakKind::fp32_fma: return "fp32";
    case PeakKind::bf16_dot: return "bf16";
    case PeakKind::int8_dot: return "int8";
  }
  return "?";
}

const char* bw_kind_name(BwKind k) { return k == BwKind::read ? "read" : "triad"; }

CacheSizes cache_sizes() {
  CacheSizes c;
  for (int i = 0; i < 8; ++i) {
    const std::string base = fmt::format("/sys/devices/system/cpu/cpu0/cache/index{}/", i);
    const std::string type = read_word(base + "type");
    if (type.empty()) break;
    const int level = std::atoi(read_word(base + "level").c_str());
    const std::int64_t size = read_size_file(base + "size");
    if (level == 1 && (type == "Data" || type == "Unified")) c.l1d = size;
    if (level == 2) c.l2 = size;
    if (level == 3) c.l3 = size;
  }
  if (c.l1d <= 0) c.l1d = 32 * 1024;
  if (c.l2 <= 0) c.l2 = 256 * 1024;
  return c;
}

double total_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemTotal:") return kb * 1024.0;
  return 0;
}

PeakResult measure_peak(PeakKind kind, int threads, double seconds) {
  const auto& f = refengine::cpu_features();
  PeakResult r;
  r.kind = kind;
  r.threads = threads;
  float (*fn)(std::int64_t) = nullptr;
  double ops_per_iter = 0;
  const double acc = detail::ACCUMULATORS;
  switch (kind) {
    case PeakKind::fp32_fma:
      if (f.avx512f) {
        fn = &detail::fma_avx512;
        ops_per_iter = acc * 16 * 2;
        r.instruction = "vfmadd231ps zmm";
      } else if (f.avx2 && f.fma) {
        fn = &detail::fma_avx2;
        ops_per_iter = acc * 8 * 2;
        r.instruction = "vfmadd231ps ymm";
      } else {
        fn = &detail::fma_scalar;
        ops_per_iter = acc * 2;
        r.instruction = "scalar mul+add";
      }
      break;
    case PeakKind::bf16_dot:
      if (f.avx512bf16) {
        fn = &detail::bf16_avx512;
        ops_per_iter = acc * 16 * 4;
        r.instruction = "vdpbf16ps zmm";
      }
      break;
    case PeakKind::int8_dot:
      if (f.avx512vnni) {
        fn = &detail::int8_vnni512;
        ops_per_iter = acc * 16 * 8;
        r.instruction = "vpdpbusd zmm";
      } else if (f.avx_vnni) {
        fn = &detail::int8_vnni256;
        ops_per_iter = acc * 8 * 8;
        r.instruction = "vpdpbusd ymm (AVX-VNNI)";
      }
      break;
  }
  if (fn == nullptr) {
    r.instruction = "none (not supported by this CPU)";
    return r;
  }
  // Calibrate the iteration count on one thread, then take the best of several timed repetitions.
  std::int64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = Clock::now();
    g_sink = g_sink + fn(iters);
    const double el = std::chrono::duration<double>(Clock::now() - t0).count();
    if (el > 0.01 || iters > (std::int64_t(1) << 40)) {
      iters = std::max<std::int64_t>(1024, std::int64_t(double(iters) * (seconds / 5.0) / std::max(el, 1e-9)));
      break;
    }
    iters *= 4;
  }
  double best = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int rep = 0; rep < 5 || (rep < 3 && Clock::now() < end); ++rep) {
    std::atomic<float> sink{0};
    const double el = timed_parallel(threads, [&](int) { sink.store(fn(iters)); });
    g_sink = g_sink + sink.load();
    best = std::max(best, double(iters) * ops_per_iter * threads / el);
    if (Clock::now() > end && rep >= 2) break;
  }
  r.ops_per_s = best;
  return r;
}

BandwidthResult measure_bandwidth(BwKind kind, const std::string& level, std::int64_t bytes, int threads,
                                  double seconds) {
  const auto& f = refengine::cpu_features();
  BandwidthResult r;
  r.kind = kind;
  r.level = level;
  r.threads = threads;
  const int arrays = kind == BwKind::read ? 1 : 3;
  // Elements per thread per array, a multiple of 128 floats.
  std::int64_t n = bytes / 4 / arrays / threads / 128 * 128;
  n = std::max<std::int64_t>(n, 128);
  r.working_set = n * 4 * arrays * threads;
  std::vector<std::unique_ptr<AlignedFloats>> bufs(std::size_t(threads * arrays));
  // First touch by the thread that will use the memory.
  timed_parallel(threads, [&](int t) {
    for (int a = 0; a < arrays; ++a) {
      auto& b = bufs[std::size_t(t * arrays + a)];
      b = std::make_unique<AlignedFloats>(n);
      for (std::int64_t i = 0; i < n; ++i) b->p[i] = 1.0f + float(i & 7) * 0.125f;
    }
  });
  float (*rd)(const float*, std::int64_t) = f.avx512f ? &detail::read_avx512
                                                      : (f.avx2 ? &detail::read_avx2 : &detail::read_scalar);
  void (*tr)(float*, const float*, const float*, float, std::int64_t) =
      f.avx512f ? &detail::triad_avx512 : (f.avx2 && f.fma ? &detail::triad_avx2 : &detail::triad_scalar);
  const double bytes_per_pass = double(n) * 4.0 * arrays * threads;
  // Passes per repetition: at least ~2 ms of work so that timing and thread start are negligible.
  int passes = 1;
  {
    const auto t0 = Clock::now();
    if (kind == BwKind::read)
      g_sink = g_sink + rd(bufs[0]->p, n);
    else
      tr(bufs[0]->p, bufs[1]->p, bufs[2]->p, 0.5f, n);
    const double el = std::chrono::duration<double>(Clock::now() - t0).count() * threads;
    passes = int(std::clamp(0.004 / std::max(el, 1e-9), 1.0, 1e6));
  }
  double best = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int rep = 0; rep < 64; ++rep) {
    std::atomic<float> sink{0};
    const double el = timed_parallel(threads, [&](int t) {
      float s = 0;
      for (int p = 0; p < passes; ++p) {
        if (kind == BwKind::read) {
          s += rd(bufs[std::size_t(t)]->p, n);
        } else {
          auto* a = bufs[std::size_t(t * 3)]->p;
          tr(a, bufs[std::size_t(t * 3 + 1)]->p, bufs[std::size_t(t * 3 + 2)]->p, 0.5f, n);
          s += a[p % n];
        }
      }
      sink.store(s);
    });
    g_sink = g_sink + sink.load();
    best = std::max(best, bytes_per_pass * passes / el);
    if (rep >= 4 && Clock::now() > end) break;
  }
  r.bytes_per_s = best;
  return r;
}

double ProbeReport::peak(PeakKind kind, int threads) const {
  for (const auto& p : peaks)
    if (p.kind == kind && p.threads == threads) return p.ops_per_s;
  return 0;
}

double ProbeReport::bw(BwKind kind, const std::string& level, int threads) const {
  for (const auto& b : bandwidth)
    if (b.kind == kind && b.level == level && b.threads == threads) return b.bytes_per_s;
  return 0;
}

int ProbeReport::max_threads() const {
  int t = 1;
  for (const auto& p : peaks) t = std::max(t, p.threads);
  return t;
}

ProbeReport run_probes(const ProbeOptions& o) {
  const auto t0 = Clock::now();
  const auto& f = refengine::cpu_features();
  ProbeReport r;
  r.cpu_model = f.model_name;
  r.isa_flags = f.flags_summary();
  r.logical_cpus = f.logical_cpus;
  r.caches = cache_sizes();
  r.memory_bytes = total_memory_bytes();
  std::vector<int> threads = o.threads;
  if (threads.empty()) {
    threads.push_back(1);
    if (f.logical_cpus > 1) threads.push_back(f.logical_cpus);
  }
  auto say = [&](const std::string& s) {
    if (o.progress) o.progress(s);
  };
  for (int t : threads)
    for (PeakKind k : {PeakKind::fp32_fma, PeakKind::bf16_dot, PeakKind::int8_dot}) {
      auto p = measure_peak(k, t, o.seconds_per_probe);
      say(fmt::format("peak {} x{} threads: {} ({})", peak_kind_name(k), t,
                      p.ops_per_s > 0 ? common::format_si(p.ops_per_s, k == PeakKind::int8_dot ? "OP/s" : "FLOP/s")
                                      : "-",
                      p.instruction));
      r.peaks.push_back(p);
    }
  std::vector<std::pair<std::string, std::int64_t>> levels;  // bytes for ALL threads at thread count 1
  const std::int64_t dram = o.dram_bytes > 0 ? o.dram_bytes : std::max<std::int64_t>(4 * r.caches.l3, 256ll << 20);
  for (int t : threads) {
    std::vector<std::pair<std::string, std::int64_t>> sizes;
    if (o.cache_levels) {
      sizes.push_back({"L1", r.caches.l1d / 2 * t});
      sizes.push_back({"L2", r.caches.l2 / 2 * t});
      if (r.caches.l3 > 0) sizes.push_back({"L3", r.caches.l3 / 2});
    }
    sizes.push_back({"DRAM", dram});
    for (const auto& [lvl, bytes] : sizes)
      for (BwKind k : {BwKind::read, BwKind::triad}) {
        auto b = measure_bandwidth(k, lvl, bytes, t, lvl == "DRAM" ? o.seconds_per_probe * 2 : o.seconds_per_probe);
        say(fmt::format("bandwidth {} {} ({}) x{} threads: {:.1f} GB/s", bw_kind_name(k), lvl,
                        common::format_bytes(double(b.working_set)), t, b.bytes_per_s / 1e9));
        r.bandwidth.push_back(b);
      }
  }
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

double measure_read_bandwidth_of(const std::vector<std::pair<const void*, std::size_t>>& regions, int threads,
                                 double seconds) {
  threads = std::max(1, threads);
  const bool avx512 = refengine::cpu_features().avx512f;
  // Each thread's share of each region, in 512-byte units (the unrolled kernel's step) inside the
  // 64-byte aligned part of the region.
  struct Slice {
    const std::uint8_t* p;
    std::int64_t bytes;
  };
  std::vector<std::vector<Slice>> work(static_cast<std::size_t>(threads));
  double total = 0;
  for (const auto& [ptr, len] : regions) {
    const auto a = reinterpret_cast<std::uintptr_t>(ptr);
    const std::uintptr_t lo = (a + 63) / 64 * 64;
    if (a + len < lo + 1024) continue;
    const std::int64_t n = std::int64_t(a + len - lo) / 512;
    for (int t = 0; t < threads; ++t) {
      const std::int64_t b = n * t / threads, e = n * (t + 1) / threads;
      if (e > b) work[std::size_t(t)].push_back({reinterpret_cast<const std::uint8_t*>(lo) + b * 512, (e - b) * 512});
    }
    total += double(n) * 512;
  }
  if (total <= 0) return 0;
  std::atomic<std::uint64_t> sink{0};
  double best = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int rep = 0; rep < 64; ++rep) {
    const double el = timed_parallel(threads, [&](int t) {
      std::uint64_t s = 0;
      for (const auto& sl : work[std::size_t(t)])
        s |= avx512 ? detail::read_bytes_avx512(sl.p, sl.bytes) : detail::read_bytes_scalar(sl.p, sl.bytes);
      sink.fetch_or(s, std::memory_order_relaxed);
    });
    if (el > 0) best = std::max(best, total / el);
    if (rep >= 1 && Clock::now() > end) break;
  }
  return best;
}

std::string format_probe_report(const ProbeReport& r) {
  std::string s = fmt::format("cpu: {} ({} logical CPUs; {})\ncaches: L1d {} / L2 {} per core, L3 {}; memory {}\n",
                              r.cpu_model, r.logical_cpus, r.isa_flags, common::format_bytes(double(r.caches.l1d)),
                              common::format_bytes(double(r.caches.l2)), common::format_bytes(double(r.caches.l3)),
                              common::format_bytes(r.memory_bytes));
  s += "peak throughput (best of repetitions):\n";
  for (const auto& p : r.peaks)
    s += fmt::format("  {:<5} x{:<3} {:>14}   {}\n", peak_kind_name(p.kind), p.threads,
                     p.ops_per_s > 0 ? common::format_si(p.ops_per_s, p.kind == PeakKind::int8_dot ? "OP/s" : "FLOP/s")
                                     : "-",
                     p.instruction);
  s += "memory bandwidth (best of repetitions; triad counts 12 bytes per element):\n";
  for (const auto& b : r.bandwidth)
    s += fmt::format("  {:<5} {:<5} {:>10} x{:<3} {:8.1f} GB/s\n", bw_kind_name(b.kind), b.level,
                     common::format_bytes(double(b.working_set)), b.threads, b.bytes_per_s / 1e9);
  s += fmt::format("probes took {:.1f} s\n", r.wall_s);
  return s;
}

}  // namespace infersim::micro
