#include "infersim/serving/hydration.h"

#include <algorithm>

namespace infersim::serving {

const std::vector<StorageTier>& default_storage_tiers() {
  static const std::vector<StorageTier> tiers = {
      {"object_store", 1.0e9, 0.5}, {"network_fs", 9.0e9, 0.05}, {"local_nvme", 7.0e9, 0.001},
      {"host_ram", 100.0e9, 0.0},   {"peer_device", 0.0, 0.001},
  };
  return tiers;
}

std::string storage_tier_source(const std::string& name) {
  if (name == "object_store")
    return "[3P] Run:ai model streamer on EBS gp3 ~1.1 GB/s (NVIDIA blog 2024-10); S3 with many streams [UNV]; latency "
           "[EST]";
  if (name == "network_fs") return "[3P] run-ai/runai-model-streamer #135: NFS over RDMA ~9 GB/s; latency [EST]";
  if (name == "local_nvme") return "[EST] one PCIe Gen4 x4 data-centre SSD ~7 GB/s sequential read";
  if (name == "host_ram") return "[EST] page cache / pinned host memory; the host link is the real bound";
  if (name == "peer_device") return "[EST] device-to-device over the hardware's scale-out (or scale-up) fabric x chips";
  return "user-defined";
}

ColdStart cold_start_time(double weight_bytes, const StorageTier& tier, const hwprofiles::HardwareProfile& hw,
                          int chips, double provision_s, double init_s) {
  ColdStart c;
  c.tier = tier.name;
  c.provision_s = provision_s;
  c.latency_s = tier.latency_s;
  c.init_s = init_s;
  const double n = std::max(1, chips);
  double bw = tier.bandwidth_bytes_per_s;
  c.bound = "storage";
  const bool peer = tier.name == "peer_device";
  if (peer) {
    const double fabric = hw.scale_out_bw_bytes_per_s > 0 ? hw.scale_out_bw_bytes_per_s : hw.scale_up_bw_bytes_per_s;
    if (bw <= 0 || (fabric > 0 && fabric * n < bw)) {
      bw = fabric * n;
      c.bound = "fabric";
    }
  } else if (hw.host_link_effective_bytes_per_s > 0 && hw.host_link_effective_bytes_per_s * n < bw) {
    bw = hw.host_link_effective_bytes_per_s * n;
    c.bound = "host link";
  }
  if (hw.memory_bw() > 0 && hw.memory_bw() * n < bw) {
    bw = hw.memory_bw() * n;
    c.bound = "device write";
  }
  c.bandwidth_bytes_per_s = bw;
  c.transfer_s = bw > 0 ? weight_bytes / bw : 0.0;
  return c;
}

}  // namespace infersim::serving
