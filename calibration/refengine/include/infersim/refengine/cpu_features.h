#pragma once
// Which instruction-set tier the reference engine's optimised kernels run on. The default build is
// portable (no -march=native): every tier is compiled with per-function target attributes
// (`#pragma GCC target` regions in src/kernels_*.cpp) and the tier is chosen at run time from cpuid:
//   avx512  : AVX-512 F/BW/DQ/VL + AVX512_BF16 (bf16 dot products with vdpbf16ps)
//   avx2    : AVX2 + FMA (bf16 and int8 are widened to f32 in registers)
//   generic : baseline x86-64 / any other CPU (plain C++ vector code)
// The environment variable INFERSIM_REFENGINE_ISA=generic|avx2|avx512 caps the tier (tests use
// set_isa_override()). A cap above what the CPU has is clamped to the detected tier.
// Thread-safe: detection runs once; the override is an atomic.
#include <optional>
#include <string>

namespace infersim::refengine {

enum class Isa : int { generic = 0, avx2 = 1, avx512 = 2 };
const char* isa_name(Isa isa);
std::optional<Isa> parse_isa(const std::string& s);

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool avx512bf16 = false, avx512vnni = false, avx_vnni = false;
  std::string model_name;  // /proc/cpuinfo "model name" (or "unknown")
  int logical_cpus = 1;    // CPUs this process may run on
  Isa best = Isa::generic;
  std::string flags_summary() const;  // "avx2 fma avx512f ... avx512_bf16"
};

const CpuFeatures& cpu_features();
// The tier kernels dispatch to now: min(detected, override, env cap).
Isa active_isa();
// Tests force a lower tier to check every implementation on one machine; nullopt restores the default.
void set_isa_override(std::optional<Isa> isa);

}  // namespace infersim::refengine
