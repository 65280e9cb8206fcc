#include "infersim/refengine/cpu_features.h"

#include <sched.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace infersim::refengine {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::generic: return "generic";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

std::optional<Isa> parse_isa(const std::string& s) {
  if (s == "generic") return Isa::generic;
  if (s == "avx2") return Isa::avx2;
  if (s == "avx512") return Isa::avx512;
  return std::nullopt;
}

std::string CpuFeatures::flags_summary() const {
  std::string s;
  auto add = [&](bool b, const char* n) {
    if (!b) return;
    if (!s.empty()) s += ' ';
    s += n;
  };
  add(avx2, "avx2");
  add(fma, "fma");
  add(f16c, "f16c");
  add(avx512f, "avx512f");
  add(avx512bw, "avx512bw");
  add(avx512dq, "avx512dq");
  add(avx512vl, "avx512vl");
  add(avx512bf16, "avx512_bf16");
  add(avx512vnni, "avx512_vnni");
  add(avx_vnni, "avx_vnni");
  return s.empty() ? "baseline" : s;
}

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#endif
  f.model_name = "unknown";
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 && f.model_name == "unknown") {
      auto p = line.find(':');
      if (p != std::string::npos) f.model_name = line.substr(p + 2);
    }
    if (line.rfind("flags", 0) == 0) {
      f.f16c = line.find(" f16c") != std::string::npos;
      f.avx_vnni = line.find(" avx_vnni") != std::string::npos;
    }
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    f.logical_cpus = CPU_COUNT(&set);
  else
    f.logical_cpus = int(std::max(1u, std::thread::hardware_concurrency()));
  if (f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.avx512bf16 && f.fma)
    f.best = Isa::avx512;
  else if (f.avx2 && f.fma)
    f.best = Isa::avx2;
  else
    f.best = Isa::generic;
  return f;
}

std::atomic<int> g_override{-1};

Isa env_cap() {
  static const Isa cap = [] {
    const char* e = std::getenv("INFERSIM_REFENGINE_ISA");
    if (e == nullptr) return Isa::avx512;
    return parse_isa(e).value_or(Isa::avx512);
  }();
  return cap;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

Isa active_isa() {
  int best = static_cast<int>(cpu_features().best);
  best = std::min(best, static_cast<int>(env_cap()));
  const int o = g_override.load(std::memory_order_relaxed);
  if (o >= 0) best = std::min(best, o);
  return static_cast<Isa>(best);
}

void set_isa_override(std::optional<Isa> isa) { g_override.store(isa ? static_cast<int>(*isa) : -1); }

}  // namespace infersim::refengine
