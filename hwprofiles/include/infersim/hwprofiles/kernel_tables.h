#pragma once
// Measured per-kernel latency tables of one GPU under one serving runtime version: GEMM by (m, n, k,
// dtype), context (prefill) attention by (batch, prompt length, heads, KV heads, head dim, dtypes),
// generation (decode) attention by (batch, cached length, heads, ...), the runtime's in-node
// all-reduce by (GPUs, message elements), and NCCL collectives. The data are NVIDIA aiconfigurator's
// perf database (data/aiconfigurator/ops/, Apache-2.0; data/aiconfigurator/README.md says how they
// were measured): CUDA-graph replays of the runtime's own kernels, so latencies exclude CPU launch
// and scheduling cost. All latencies here are seconds (the files hold milliseconds).
//
// This layer only stores and looks up measured points; binding a model's layer shapes to them and
// interpolating between grid points is simulators/perf/kernel_model.h.
//
// KernelTableCatalog loads a folder lazily on first use (a few MB of CSV, ~50 ms) and keeps it for
// the life of the process; loading is thread-safe and the returned sets are immutable, so share them
// freely between threads.
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace infersim::hwprofiles {

// Piecewise-linear y(x) over ascending x. Below the first point: the first y (a latency floor);
// above the last: the last y scaled by (x / x_last) (work grows linearly past the grid).
struct Curve {
  std::vector<double> x, y;
  // The samples as measured where `y` was cleaned (GEMM samples slower than the next five's median);
  // empty when y is as measured. The efficiency-model fit reads these (perf::kernel_points).
  std::vector<double> y_measured;
  bool empty() const { return x.empty(); }
  double at(double v) const;
};

// Latencies on a (row, column) grid with holes (NaN where the source did not measure the corner).
struct Grid2 {
  std::vector<double> rows, cols;  // ascending; rows = batch size
  std::vector<double> v;           // rows.size() x cols.size(), row-major, NaN = missing
  double get(std::size_t r, std::size_t c) const { return v[r * cols.size() + c]; }
};

struct AttentionKey {
  int heads = 0, kv_heads = 0, head_dim = 0;
  std::string attn_dtype;  // compute dtype of the fused attention ("bfloat16", "fp8"); "" for decode
  std::string kv_dtype;    // KV cache dtype ("bfloat16", "fp8")
  auto tie() const { return std::tie(heads, kv_heads, head_dim, attn_dtype, kv_dtype); }
  bool operator<(const AttentionKey& o) const { return tie() < o.tie(); }
  bool operator==(const AttentionKey& o) const { return tie() == o.tie(); }
};

struct GemmTable {
  // (dtype, n, k) -> latency over m (tokens); dtype as in the source ("bfloat16", "fp8", "nvfp4",
  // "int8_wo", "int4_wo", "sq").
  std::map<std::tuple<std::string, double, double>, Curve> curves;
  std::map<std::string, std::vector<double>> ns, ks;  // per dtype: the n and k grid values present
  std::map<std::string, double> floor_s;              // per dtype: the smallest latency measured
  const Curve* find(const std::string& dtype, double n, double k) const;
  bool has_dtype(const std::string& dtype) const { return ns.count(dtype) > 0; }
};

struct KernelTableSet {
  std::string folder;     // "h100_sxm/trtllm-1.3.0rc20"
  std::string system;     // aiconfigurator system name ("h100_sxm")
  std::string framework;  // "trtllm" | "vllm" | "sglang"
  std::string version;    // version of the data folder ("1.3.0rc20")
  std::string device;     // device string recorded by the collector ("NVIDIA H100 80GB HBM3")
  std::string path;       // directory the tables were read from
  GemmTable gemm;
  std::map<AttentionKey, Grid2> context;             // rows = batch, cols = isl (prompt tokens, empty cache)
  std::map<AttentionKey, Grid2> generation;          // rows = batch, cols = cached tokens (`step`)
  std::map<int, Curve> allreduce;                    // GPUs -> latency over message size (BF16 elements)
  std::map<std::string, std::map<int, Curve>> nccl;  // "all_reduce|half" -> GPUs -> latency over elements
  std::size_t rows = 0;                              // measured points loaded
};

// Reads one table folder (with the constant columns the bundling moved to ops/manifest.csv). Throws
// ConfigError naming the file and line on malformed input, IoError when a file is missing.
// The framework a table folder "<system>/<framework>-<version>" was measured under ("trtllm", "vllm", "sglang").
std::string kernel_table_framework_of(const std::string& folder);

KernelTableSet load_kernel_tables(const std::string& ops_root, const std::string& folder,
                                  const std::string& nccl_folder = "");

class KernelTableCatalog {
 public:
  explicit KernelTableCatalog(std::string ops_root);
  static KernelTableCatalog& shipped();  // data/aiconfigurator/ops

  // "h100_sxm/trtllm-1.3.0rc20" (+ optional "h100_sxm/nccl-2.29.2"); loaded once and cached.
  std::shared_ptr<const KernelTableSet> get(const std::string& folder, const std::string& nccl_folder = "") const;
  bool exists(const std::string& folder) const;
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const KernelTableSet>> cache_;
};

}  // namespace infersim::hwprofiles
