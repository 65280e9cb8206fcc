#pragma once
// Cold start ("hydration") of a replica, phase by phase, in the order a serving engine goes through them:
//   provision (node / VM) -> image pull (when the node lacks the container image) -> engine init
//   (process, device context, multi-device checks) -> weight transfer -> compile -> graph capture ->
//   KV profiling and warm-up.
// The weight transfer moves W bytes from a storage tier to the devices at
//   min(tier bandwidth, loader cap, host link x chips, device write bw x chips)
// plus the tier's first-byte latency. The host link (HardwareProfile::host_link_effective_bytes_per_s, per
// chip, chips loading in parallel) bounds every path through host memory; a peer-device load goes over the
// fabric instead. Device write bandwidth is the chip's memory bandwidth.
// A tier marked shared (object store, network file system) is one pipe for every replica of the
// simulation that loads from it at the same time: the simulator splits its bandwidth between concurrent
// loads (Cluster; max-min fair), so N loads that the tier binds take N times as long as one.
// The engine phases come from the runtime profile's sourced "cold_start" block (hwprofiles); a snapshot
// restore replaces engine init, compile, capture and warm-up by the runtime's restore time. Default tiers
// carry their sources. Pure functions; thread-safe.
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/hwprofiles/runtime_profile.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

// The durations of a cold start that do not depend on the storage path, seconds.
struct ColdStartPhases {
  double provision_s = 0;      // node / VM (scenario)
  double image_pull_s = 0;     // container image, when the node does not have it
  double engine_init_s = 0;    // process, device context, allocator; multi-device checks included
  double restore_s = 0;        // snapshot restore (replaces engine init, compile, capture and warm-up)
  double compile_s = 0;        // compilation / engine build (with or without the compile cache)
  double graph_capture_s = 0;  // CUDA-graph capture
  double warmup_s = 0;         // KV-cache profiling and warm-up
  double init_s = 0;           // a scenario's single `runtime_init_s` in place of the engine phases
  double before_weights_s() const { return provision_s + image_pull_s + engine_init_s + restore_s; }
  double after_weights_s() const { return compile_s + graph_capture_s + warmup_s + init_s; }
  std::string source;  // where the engine phases come from ("runtime vllm", "scenario runtime_init_s", ...)
};

struct ColdStart {
  std::string tier;
  ColdStartPhases phases;
  double latency_s = 0;
  double transfer_s = 0;             // W / bandwidth, for a load alone on its tier
  double bandwidth_bytes_per_s = 0;  // the binding bandwidth
  std::string bound;                 // "storage", "loader", "host link", "device write", "fabric"
  bool streaming = false;            // serve layer by layer while the weights arrive (HydrationConfig::streaming)
  int layers = 1;                    // model layers (streaming: the first is needed before serving)
  double weights_s() const { return latency_s + transfer_s; }
  // Ready to take requests: after every phase, or with streaming once the first layer is in and the
  // engine phases (overlapping the transfer) are done.
  double total_s() const;
  // When the last weight byte is on the devices (from the start of the cold start).
  double weights_done_s() const { return phases.before_weights_s() + weights_s(); }
  // "provision 0.0 s + image 0.0 s + engine init 15.0 s + weights from object_store 1.2 s latency + 140 GB at
  // 1.0 GB/s (storage-bound) 140.0 s + compile 6.0 s + graphs 20.0 s + warm-up 15.0 s = 196.2 s"
  std::string describe(double weight_bytes) const;
};

// The shipped tiers: object_store, network_fs (both shared), local_nvme, host_ram, peer_device (0 = from fabric).
const std::vector<StorageTier>& default_storage_tiers();
// Source tag of a default tier's numbers.
std::string storage_tier_source(const std::string& name);

// The engine phases of a cold start for a replica of `chips` devices served by `runtime` (nullptr or a
// profile without a cold_start block: the generic estimate, see docs/serving-simulator.md), under the
// scenario's hydration settings (provision, image pull, compile cache, snapshot restore, runtime_init_s).
ColdStartPhases cold_start_phases(const HydrationConfig& h, const hwprofiles::RuntimeProfile* runtime, int chips);

// The binding bandwidth of a load from `tier` (alone on the tier) and what binds it.
std::pair<double, std::string> load_bandwidth(const StorageTier& tier, const hwprofiles::HardwareProfile& hw, int chips,
                                              double loader_bytes_per_s);

ColdStart cold_start_time(double weight_bytes, const StorageTier& tier, const hwprofiles::HardwareProfile& hw,
                          int chips, const ColdStartPhases& phases, double loader_bytes_per_s, bool streaming = false,
                          int layers = 1);

}  // namespace infersim::serving
