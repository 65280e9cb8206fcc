#include "infersim/hwprofiles/kernel_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::hwprofiles {

namespace fs = std::filesystem;
using common::ConfigError;

double Curve::at(double v) const {
  if (x.empty()) return 0.0;
  if (v <= x.front()) return y.front();
  if (v >= x.back()) return y.back() * (v / x.back());
  const auto it = std::upper_bound(x.begin(), x.end(), v);
  const std::size_t i = std::size_t(it - x.begin());
  const double f = (v - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + f * (y[i] - y[i - 1]);
}

const Curve* GemmTable::find(const std::string& dtype, double n, double k) const {
  auto it = curves.find({dtype, n, k});
  return it == curves.end() ? nullptr : &it->second;
}

namespace {

// A CSV file read whole: header names and rows of fields (quotes honoured, no embedded newlines).
// Fields are views into the file's text (one allocation per file, not per field: the tables hold
// ~200k rows per runtime folder and load on first use).
struct Csv {
  std::string file;
  std::string text;
  std::vector<std::string> header;
  std::vector<std::string_view> cells;  // row-major, header.size() per row
  std::vector<int> line;                // 1-based source line of each row
  std::size_t size() const { return line.size(); }
  std::string_view at(std::size_t r, int c) const { return cells[r * header.size() + std::size_t(c)]; }
  int col(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return int(i);
    return -1;
  }
};

// Fields of one line as views (a quoted field keeps its quotes out; commas inside quotes stay).
void split_views(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] == '"') quoted = !quoted;
    if (i == s.size() || (s[i] == ',' && !quoted)) {
      std::string_view f = s.substr(start, i - start);
      if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
      out.push_back(f);
      start = i + 1;
    }
  }
}

Csv read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw common::IoError(fmt::format("{}: cannot open kernel table", path));
  Csv c;
  c.file = path;
  c.text.assign(std::istreambuf_iterator<char>(in), {});
  std::string_view all(c.text);
  int n = 0;
  std::vector<std::string_view> f;
  while (!all.empty()) {
    const auto nl = all.find('\n');
    std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view{} : all.substr(nl + 1);
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    split_views(line, f);
    if (c.header.empty()) {
      for (auto v : f) c.header.emplace_back(v);
      continue;
    }
    if (f.size() != c.header.size())
      throw ConfigError(path, fmt::format("line {}", n),
                        fmt::format("expected {} columns, found {}", c.header.size(), f.size()));
    c.cells.insert(c.cells.end(), f.begin(), f.end());
    c.line.push_back(n);
  }
  if (c.header.empty()) throw ConfigError(path, "line 1", "empty file: expected a CSV header");
  return c;
}

double number(const Csv& c, std::size_t r, int col, const char* name) {
  const std::string_view s = c.at(r, col);
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v))
    throw ConfigError(c.file, fmt::format("line {}, column '{}'", c.line[r], name),
                      fmt::format("'{}' is not a number", s));
  return v;
}

// Constant columns the bundling removed from a table, from ops/manifest.csv: "a=b;c=d".
using Constants = std::map<std::string, std::string>;

std::map<std::pair<std::string, std::string>, Constants> read_manifest(const std::string& root) {
  std::map<std::pair<std::string, std::string>, Constants> out;
  const std::string path = root + "/manifest.csv";
  if (!fs::exists(path)) return out;
  const Csv c = read_csv(path);
  const int sys = c.col("system"), folder = c.col("folder"), table = c.col("table"),
            consts = c.col("constant_columns_removed");
  if (sys < 0 || folder < 0 || table < 0 || consts < 0)
    throw ConfigError(path, "line 1", "expected columns system, folder, table, constant_columns_removed");
  for (std::size_t r = 0; r < c.size(); ++r) {
    Constants k;
    for (const auto& kv : common::split(std::string(c.at(r, consts)), ';')) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) k[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out[{std::string(c.at(r, sys)) + "/" + std::string(c.at(r, folder)), std::string(c.at(r, table))}] = k;
  }
  return out;
}

// Column value of row r, or the manifest constant, or `fallback`.
struct Field {
  int col = -1;
  std::string constant;
  std::string_view get(const Csv& c, std::size_t r) const {
    return col >= 0 ? c.at(r, col) : std::string_view(constant);
  }
};

Field field(const Csv& c, const Constants& k, const std::string& name, const std::string& fallback) {
  Field f;
  f.col = c.col(name);
  if (f.col < 0) {
    auto it = k.find(name);
    f.constant = it != k.end() ? it->second : fallback;
  }
  return f;
}

int need(const Csv& c, const std::string& name) {
  const int i = c.col(name);
  if (i < 0) throw ConfigError(c.file, "line 1", fmt::format("missing column '{}'", name));
  return i;
}

// Collects (x, y) points per key and turns them into ascending curves; repeated x keep the first.
template <class Key>
struct CurveBuilder {
  std::map<Key, std::map<double, double>> pts;
  void add(const Key& k, double x, double y) { pts[k].emplace(x, y); }
  std::map<Key, Curve> build() const {
    std::map<Key, Curve> out;
    for (const auto& [k, m] : pts) {
      Curve c;
      for (const auto& [x, y] : m) {
        c.x.push_back(x);
        c.y.push_back(y);
      }
      out[k] = std::move(c);
    }
    return out;
  }
};

std::map<AttentionKey, Grid2> build_grids(
    const std::map<AttentionKey, std::map<std::pair<double, double>, double>>& pts) {
  std::map<AttentionKey, Grid2> out;
  for (const auto& [key, m] : pts) {
    std::set<double> rs, cs;
    for (const auto& [rc, v] : m) {
      rs.insert(rc.first);
      cs.insert(rc.second);
    }
    Grid2 g;
    g.rows.assign(rs.begin(), rs.end());
    g.cols.assign(cs.begin(), cs.end());
    g.v.assign(g.rows.size() * g.cols.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& [rc, v] : m) {
      const auto ri = std::size_t(std::lower_bound(g.rows.begin(), g.rows.end(), rc.first) - g.rows.begin());
      const auto ci = std::size_t(std::lower_bound(g.cols.begin(), g.cols.end(), rc.second) - g.cols.begin());
      g.v[ri * g.cols.size() + ci] = v;
    }
    out[key] = std::move(g);
  }
  return out;
}

bool eager_row(const Csv& c, std::size_t r) {
  for (const char* name : {"backend", "kernel_source", "implementation"}) {
    const int i = c.col(name);
    if (i >= 0 && c.at(r, i).find("eager") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string kernel_table_framework_of(const std::string& folder) {
  const auto slash = folder.find('/');
  const std::string leaf = slash == std::string::npos ? folder : folder.substr(slash + 1);
  return leaf.substr(0, leaf.find('-'));
}

KernelTableSet load_kernel_tables(const std::string& root, const std::string& folder, const std::string& nccl_folder) {
  KernelTableSet s;
  s.folder = folder;
  s.path = root + "/" + folder;
  const auto slash = folder.find('/');
  if (slash == std::string::npos)
    throw ConfigError("", "kernel tables", fmt::format("'{}' is not <system>/<runtime>-<version>", folder));
  s.system = folder.substr(0, slash);
  const std::string leaf = folder.substr(slash + 1);
  const auto dash = leaf.find('-');
  s.framework = kernel_table_framework_of(folder);
  s.version = dash == std::string::npos ? "" : leaf.substr(dash + 1);
  if (!fs::is_directory(s.path)) throw common::IoError(fmt::format("{}: kernel table folder not found", s.path));
  const auto manifest = read_manifest(root);
  auto consts = [&](const std::string& table) {
    auto it = manifest.find({folder, table});
    return it == manifest.end() ? Constants{} : it->second;
  };

  {  // GEMM
    const Csv c = read_csv(s.path + "/gemm_perf.csv");
    const auto k = consts("gemm_perf");
    if (auto it = k.find("device"); it != k.end()) s.device = it->second;
    const Field dt = field(c, k, "gemm_dtype", "bfloat16");
    const int m = need(c, "m"), n = need(c, "n"), kk = need(c, "k"), lat = need(c, "latency");
    // Points grouped by (dtype, n, k) in a hash map (the tables hold ~70k GEMM rows per folder).
    struct Key {
      std::string_view d;
      double n, k;
      bool operator==(const Key& o) const { return d == o.d && n == o.n && k == o.k; }
    };
    struct Hash {
      std::size_t operator()(const Key& x) const {
        return std::hash<std::string_view>()(x.d) ^ (std::hash<double>()(x.n) * 31) ^ (std::hash<double>()(x.k) * 1031);
      }
    };
    std::unordered_map<Key, std::vector<std::pair<double, double>>, Hash> groups;
    std::map<std::string, std::set<double>> ns, ks;
    for (std::size_t r = 0; r < c.size(); ++r) {
      const std::string_view d = dt.get(c, r);
      const double nv = number(c, r, n, "n"), kv = number(c, r, kk, "k");
      const double y = number(c, r, lat, "latency") * 1e-3;
      groups[{d, nv, kv}].emplace_back(number(c, r, m, "m"), y);
    }
    for (auto& [key, pts] : groups) {
      const std::string d(key.d);
      // Ascending m; a repeated m keeps its first measurement (as aiconfigurator does).
      std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b2) { return a.first < b2.first; });
      Curve cv;
      for (const auto& [x, y] : pts) {
        if (!cv.x.empty() && cv.x.back() == x) continue;
        cv.x.push_back(x);
        cv.y.push_back(y);
        auto [it, fresh] = s.gemm.floor_s.emplace(d, y);
        if (!fresh) it->second = std::min(it->second, y);
      }
      // A GEMM of fewer rows can always run as a larger one, padded, so a sample slower than the typical
      // (median) of the next five measured m is a slow outlier: it takes that median. This removes
      // isolated slow samples (e.g. B200 vLLM fp8 n 2560 k 8192: 32 us at m = 4 between 13 us at m = 3
      // and m = 5), which the serving measurements do not show, without pulling a flat, noisy stretch
      // down to its fastest sample (docs/calibration.md, "GEMM samples slower than larger ones").
      {
        const std::vector<double> raw = cv.y;
        for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
          double nb[5] = {0, 0, 0, 0, 0};
          int n_nb = 0;
          for (std::size_t j = i + 1; j < raw.size() && n_nb < 5; ++j) {
            int at = n_nb++;  // insertion sort
            while (at > 0 && nb[at - 1] > raw[j]) {
              nb[at] = nb[at - 1];
              --at;
            }
            nb[at] = raw[j];
          }
          cv.y[i] = std::min(raw[i], nb[(n_nb - 1) / 2]);
        }
        if (cv.y != raw) cv.y_measured = raw;
      }
      ns[d].insert(key.n);
      ks[d].insert(key.k);
      s.gemm.curves.emplace(std::make_tuple(d, key.n, key.k), std::move(cv));
    }
    for (auto& [d, v] : ns) s.gemm.ns[d].assign(v.begin(), v.end());
    for (auto& [d, v] : ks) s.gemm.ks[d].assign(v.begin(), v.end());
    s.rows += c.size();
  }
  {  // context attention
    const Csv c = read_csv(s.path + "/context_attention_perf.csv");
    const auto k = consts("context_attention_perf");
    const Field hd = field(c, k, "head_dim", "128"), adt = field(c, k, "attn_dtype", "bfloat16"),
                kdt = field(c, k, "kv_cache_dtype", "bfloat16");
    const int b = need(c, "batch_size"), isl = need(c, "isl"), h = need(c, "num_heads"),
              kvh = need(c, "num_key_value_heads"), lat = need(c, "latency");
    std::map<AttentionKey, std::map<std::pair<double, double>, double>> pts;
    for (std::size_t r = 0; r < c.size(); ++r) {
      AttentionKey key{int(number(c, r, h, "num_heads")), int(number(c, r, kvh, "num_key_value_heads")),
                       std::stoi(std::string(hd.get(c, r))), std::string(adt.get(c, r)), std::string(kdt.get(c, r))};
      pts[key].emplace(std::make_pair(number(c, r, b, "batch_size"), number(c, r, isl, "isl")),
                       number(c, r, lat, "latency") * 1e-3);
    }
    s.context = build_grids(pts);
    s.rows += c.size();
  }
  {  // generation attention
    const Csv c = read_csv(s.path + "/generation_attention_perf.csv");
    const auto k = consts("generation_attention_perf");
    const Field hd = field(c, k, "head_dim", "128"), kdt = field(c, k, "kv_cache_dtype", "bfloat16");
    const int b = need(c, "batch_size"), step = need(c, "step"), h = need(c, "num_heads"),
              kvh = need(c, "num_key_value_heads"), lat = need(c, "latency");
    std::map<AttentionKey, std::map<std::pair<double, double>, double>> pts;
    for (std::size_t r = 0; r < c.size(); ++r) {
      AttentionKey key{int(number(c, r, h, "num_heads")), int(number(c, r, kvh, "num_key_value_heads")),
                       std::stoi(std::string(hd.get(c, r))), "", std::string(kdt.get(c, r))};
      pts[key].emplace(std::make_pair(number(c, r, b, "batch_size"), number(c, r, step, "step")),
                       number(c, r, lat, "latency") * 1e-3);
    }
    s.generation = build_grids(pts);
    s.rows += c.size();
  }
  {  // the runtime's own all-reduce (CUDA-graph rows only: the serving engines replay graphs)
    const Csv c = read_csv(s.path + "/custom_allreduce_perf.csv");
    const int g = need(c, "num_gpus"), msg = need(c, "message_size"), lat = need(c, "latency");
    CurveBuilder<int> b;
    for (std::size_t r = 0; r < c.size(); ++r) {
      if (eager_row(c, r)) continue;
      b.add(int(number(c, r, g, "num_gpus")), number(c, r, msg, "message_size"), number(c, r, lat, "latency") * 1e-3);
    }
    s.allreduce = b.build();
    s.rows += c.size();
  }
  if (!nccl_folder.empty()) {
    const Csv c = read_csv(root + "/" + nccl_folder + "/nccl_perf.csv");
    const int op = need(c, "op_name"), dt = need(c, "nccl_dtype"), g = need(c, "num_gpus"),
              msg = need(c, "message_size"), lat = need(c, "latency");
    std::map<std::string, CurveBuilder<int>> b;
    for (std::size_t r = 0; r < c.size(); ++r)
      b[std::string(c.at(r, op)) + "|" + std::string(c.at(r, dt))].add(int(number(c, r, g, "num_gpus")),
                                                                       number(c, r, msg, "message_size"),
                                                                       number(c, r, lat, "latency") * 1e-3);
    for (auto& [name, cb] : b) s.nccl[name] = cb.build();
    s.rows += c.size();
  }
  if (s.gemm.curves.empty() || s.context.empty() || s.generation.empty())
    throw ConfigError(s.path, "", "kernel table folder lacks GEMM or attention measurements");
  return s;
}

KernelTableCatalog::KernelTableCatalog(std::string ops_root) : root_(std::move(ops_root)) {}

KernelTableCatalog& KernelTableCatalog::shipped() {
  static KernelTableCatalog c(common::data_path("data/aiconfigurator/ops"));
  return c;
}

bool KernelTableCatalog::exists(const std::string& folder) const {
  return fs::exists(root_ + "/" + folder + "/gemm_perf.csv");
}

std::shared_ptr<const KernelTableSet> KernelTableCatalog::get(const std::string& folder,
                                                              const std::string& nccl) const {
  const std::string key = folder + "+" + nccl;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto s = std::make_shared<const KernelTableSet>(load_kernel_tables(root_, folder, nccl));
  cache_[key] = s;
  return s;
}

}  // namespace infersim::hwprofiles
