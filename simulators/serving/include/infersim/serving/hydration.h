#pragma once
// Cold start ("hydration") of a replica: its weight bytes move from a storage tier to the devices.
//   t = provision + tier latency + W / min(tier bandwidth, host link x chips, device write bw x chips)
//       + runtime init (graph capture / compilation)
// The host link (HardwareProfile::host_link_effective_bytes_per_s, per chip, chips loading in
// parallel) bounds every path through host memory; a peer-device load goes over the fabric instead.
// Device write bandwidth is the chip's memory bandwidth. Default tiers carry their sources
// (/work/shared hardware datasheet section 5). Pure functions; thread-safe.
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_profile.h"
#include "infersim/serving/scenario.h"

namespace infersim::serving {

struct ColdStart {
  std::string tier;
  double provision_s = 0;
  double latency_s = 0;
  double transfer_s = 0;
  double init_s = 0;
  double bandwidth_bytes_per_s = 0;  // the binding bandwidth
  std::string bound;                 // "storage", "host link", "device write", "fabric"
  double total_s() const { return provision_s + latency_s + transfer_s + init_s; }
};

// The shipped tiers: object_store, network_fs, local_nvme, host_ram, peer_device (0 = from fabric).
const std::vector<StorageTier>& default_storage_tiers();
// Source tag of a default tier's numbers.
std::string storage_tier_source(const std::string& name);

ColdStart cold_start_time(double weight_bytes, const StorageTier& tier, const hwprofiles::HardwareProfile& hw,
                          int chips, double provision_s, double init_s);

}  // namespace infersim::serving
