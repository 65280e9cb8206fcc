#pragma once
// A serving runtime (software stack) as the planner sees it: where it runs (backends matched to
// hardware families and kinds), which weight / KV dtypes and quantisation methods it supports there,
// which serving features it has, which model architectures it serves, how mature each backend is
// and what moving onto it costs (porting effort). Speed is not stored here: it comes from fitted
// calibrations (hwprofiles/data/calibrations.json) or, where a runtime was not measured on a
// hardware, from the transfer rules in simulators/perf/runtime_resolution.h.
// Plain copyable value; thread-safe to share.
#include <map>
#include <string>
#include <vector>

#include "infersim/common/dtype.h"
#include "infersim/hwprofiles/hardware_profile.h"

namespace infersim::hwprofiles {

struct RuntimeBackend {
  std::string name;                          // cuda, rocm, xpu, cpu, metal, ...
  std::vector<std::string> hardware_families;
  std::vector<std::string> hardware_kinds;   // empty = any kind of those families
  bool is_default = false;                   // the runtime used on this hardware when none is named
  std::vector<common::DType> weight_dtypes;
  std::vector<common::DType> kv_dtypes;
  std::map<common::DType, std::vector<std::string>> dtype_families;  // dtype -> families where it works
  std::vector<std::string> quantization;
  std::string maturity;                      // mature | production | early | experimental
  std::string source;
  bool matches(const HardwareProfile& h) const;
};

struct RuntimeFeatures {
  bool continuous_batching = false, paged_kv = false, chunked_prefill = false, prefix_caching = false,
       speculative_decoding = false, pd_disaggregation = false;
  std::string source;
};

struct RuntimeProfile {
  std::string name;
  std::string display_name;
  std::string license;
  bool vendor_neutral = false;
  std::string notes;
  std::string source;
  double porting_effort_weeks = 0;
  std::string porting_effort_source;
  RuntimeFeatures features;
  std::vector<std::string> architectures;  // HF model_type values it serves ("llama", "deepseek_v3", ...)
  std::string architectures_source;
  std::vector<RuntimeBackend> backends;

  const RuntimeBackend* backend_for(const HardwareProfile& h) const;  // nullptr if it does not run there
  bool serves(const std::string& architecture) const;
  // "" when weight/kv dtypes are supported on h, else the reason.
  std::string dtype_problem(const HardwareProfile& h, common::DType weight, common::DType kv) const;
};

}  // namespace infersim::hwprofiles
