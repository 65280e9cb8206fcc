#pragma once
// Hardware probes for the machine at hand: peak arithmetic throughput per dtype and thread count
// (dependent-chain-free FMA / dot-product loops in registers), and memory bandwidth, read-only and
// STREAM triad, at working sets inside each cache level and in DRAM. These are the MEASURED peaks
// `infersim calibrate` writes into the host hardware profile; the engine's efficiency is fitted
// against them. Units: FLOP/s (int8: OP/s, a multiply-add = 2), bytes/s (STREAM convention: triad
// counts 3 x 4 bytes per element, no write-allocate). Each number is the best of several
// repetitions (interference on a shared machine only ever makes a run slower).
// Probes start their own threads; do not run two probes at once. Functions are otherwise pure.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace infersim::micro {

struct CacheSizes {
  std::int64_t l1d = 0;  // bytes per core
  std::int64_t l2 = 0;   // bytes per core
  std::int64_t l3 = 0;   // bytes, shared (0 if none)
};
CacheSizes cache_sizes();     // from sysfs; conservative defaults when unavailable
double total_memory_bytes();  // MemTotal from /proc/meminfo

enum class PeakKind { fp32_fma, bf16_dot, int8_dot };
const char* peak_kind_name(PeakKind k);  // "fp32", "bf16", "int8"

struct PeakResult {
  PeakKind kind = PeakKind::fp32_fma;
  std::string instruction;  // e.g. "vfmadd231ps zmm" or "none"
  int threads = 1;
  double ops_per_s = 0;  // 0 when the CPU has no such instruction
};

enum class BwKind { read, triad };
const char* bw_kind_name(BwKind k);

struct BandwidthResult {
  BwKind kind = BwKind::read;
  std::string level;             // "L1", "L2", "L3", "DRAM"
  std::int64_t working_set = 0;  // bytes, all threads together
  int threads = 1;
  double bytes_per_s = 0;
};

// Best-of-repetitions peak; `seconds` is the total time to spend.
PeakResult measure_peak(PeakKind kind, int threads, double seconds);
// Bandwidth over a working set of `bytes` (split between threads, each touching its own part).
BandwidthResult measure_bandwidth(BwKind kind, const std::string& level, std::int64_t bytes, int threads,
                                  double seconds);

struct ProbeOptions {
  std::vector<int> threads;  // empty = {1, all CPUs}
  double seconds_per_probe = 0.25;
  bool cache_levels = true;     // also probe inside L1 / L2 / L3
  std::int64_t dram_bytes = 0;  // 0 = max(4 x L3, 256 MiB)
  std::function<void(const std::string&)> progress;
};

struct ProbeReport {
  std::string cpu_model;
  std::string isa_flags;
  int logical_cpus = 1;
  CacheSizes caches;
  double memory_bytes = 0;
  std::vector<PeakResult> peaks;
  std::vector<BandwidthResult> bandwidth;
  double wall_s = 0;

  // 0 when not measured.
  double peak(PeakKind kind, int threads) const;
  double bw(BwKind kind, const std::string& level, int threads) const;
  int max_threads() const;
};

ProbeReport run_probes(const ProbeOptions& options);

// Read bandwidth of memory that already exists, e.g. an engine's weights, rather than of a fresh
// buffer: on a VM, guest memory can land on host memory of different speed, and two buffers of one
// process then read at very different rates (seen on the development VM: one engine's weights at
// 65-75 GB/s while the others and the fresh-buffer probe read 40-45 GB/s). Each of `threads` threads
// reads its share of every region (integer loads: any bytes); best of repetitions over `seconds`.
double measure_read_bandwidth_of(const std::vector<std::pair<const void*, std::size_t>>& regions, int threads,
                                 double seconds);
std::string format_probe_report(const ProbeReport& r);

}  // namespace infersim::micro
