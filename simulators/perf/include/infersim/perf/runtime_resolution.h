#pragma once
// Which serving runtime runs a deployment, whether it can (support matrix), and which calibration
// describes its speed there. Resolution order for the calibration of runtime R on hardware H:
//   1. fitted on H                        (basis "fitted")
//   2. fitted on H's family or vendor     (basis "family": H200 <- H100; "vendor": B200 <- H100)
//   3. transferred: H's reference-runtime (vLLM) calibration scaled by R's measured speed relative
//      to vLLM on a hardware X where both were fitted — prefill factor on the compute fraction,
//      decode factor on the bandwidth fraction and overheads (basis "transferred")
//   4. assumed equal to the reference runtime on H when R was never measured (basis "assumed")
//   5. the hardware's own default calibration (cross-family median) or the datasheet (basis "default")
// Everything except "fitted" carries an [EST] source saying where it came from. An unsupported
// combination (runtime not on that hardware, model architecture not served, dtype unsupported there)
// is a ConfigError, never a silent number. Uses the shipped catalogs; thread-safe after they load.
#include <optional>
#include <string>

#include "infersim/hwprofiles/runtime_profile.h"
#include "infersim/model/model_spec.h"
#include "infersim/perf/deployment.h"

namespace infersim::perf {

inline constexpr const char* REFERENCE_RUNTIME = "vllm";

struct RuntimeResolution {
  std::string runtime;
  std::string version;                // runtime version used ("" = unversioned)
  std::vector<std::string> versions;  // every version the runtime profile lists (newest first)
  // Kernel path: step times from kernel tables (`kernel_tables`, measured on `kernel_tables_hardware`)
  // or the roofline efficiency model (kernel_tables empty).
  bool kernel_model = false;
  std::string kernel_tables, kernel_tables_hardware;
  std::vector<common::DType> fused_quant;
  std::map<int, double> fused_allreduce_mib;  // the version's fused all-reduce on this chip's family
  hwprofiles::SchedulerDefaults scheduler;
  bool has_scheduler = false;
  bool pipeline_micro_batches = true;  // the runtime's features.pipeline_micro_batches
  bool defaulted = false;              // the user named no runtime: the hardware's default was used
  std::string maturity;                // backend maturity on this hardware
  std::string backend;
  std::string basis;  // fitted | family | vendor | transferred | assumed | default | datasheet
  hwprofiles::Calibration calibration;
};

// Whether a basis means the speed was measured on this hardware with this runtime ("fitted", or the
// kernel path on the chip's own "kernel tables" with fitted overheads).
bool basis_is_measured(const std::string& basis);
// The calibration risk a basis carries: low (measured), medium (a sibling chip's measurements scaled),
// high (a model or an assumption).
const char* basis_risk(const std::string& basis);

// Checks support and picks the calibration; d.runtime may be empty (default runtime) and may name a
// version ("vllm@0.24"; default: the newest). The newest versions of TensorRT-LLM, vLLM and SGLang
// take the kernel path on GPUs (own tables, a same-family chip's tables scaled by the roofline, or the
// efficiency model); older versions and other chips keep their fitted roofline calibrations.
RuntimeResolution resolve_runtime(const model::ModelSpec& m, const Deployment& d);
// resolve_runtime() and install the result into d (d.runtime, d.hardware.calibrations).
RuntimeResolution apply_runtime(const model::ModelSpec& m, Deployment& d);

// The all-reduce table vLLM's FlashInfer all-reduce fusion runs on a chip (Deployment::fused_allreduce_*):
// FlashInfer's fused all-reduce is TensorRT-LLM's kernel, so TensorRT-LLM's newest kernel tables measured
// on `tables_hardware` (the deployment's kernel_tables_hardware); "" where none was measured there.
std::string fused_allreduce_tables(const std::string& tables_hardware);

// Precision for `weight` on hw under `runtime` ("" = the hardware's default runtime): fp8/fp4 run
// W8A8/W4A4 where the chip computes in them; int8 runs W8A8 where the chip has int8 math; int4 is
// weight-only (16-bit activations). KV: `kv` if given, else 8-bit with fp8 weights, else the 16-bit
// format the runtime can store (llama.cpp keeps fp16 where others keep bf16).
model::Precision default_precision(const hwprofiles::HardwareProfile& hw, common::DType weight,
                                   std::optional<common::DType> kv, const std::string& runtime);

// The format a hybrid model's recurrent states are kept in, from a request's text: "" = fp32 (the
// runtimes' default; SGLang --mamba-ssm-dtype float32), else fp32, bf16 or fp16 on a model that keeps
// recurrent states. Throws ConfigError on field "state_precision" (the caller adds its file / pointer).
common::DType state_precision_for(const model::ModelSpec& m, const std::string& text);

}  // namespace infersim::perf
