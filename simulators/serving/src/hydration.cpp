#include "infersim/serving/hydration.h"

#include <fmt/format.h>

#include <algorithm>

#include "infersim/common/text.h"

namespace infersim::serving {

const std::vector<StorageTier>& default_storage_tiers() {
  static const std::vector<StorageTier> tiers = {
      {"object_store", 1.0e9, 0.5, true}, {"network_fs", 9.0e9, 0.05, true},  {"local_nvme", 7.0e9, 0.001, false},
      {"host_ram", 100.0e9, 0.0, false},  {"peer_device", 0.0, 0.001, false},
  };
  return tiers;
}

std::string storage_tier_source(const std::string& name) {
  if (name == "object_store")
    return "[3P] Run:ai model streamer on EBS gp3 ~1.1 GB/s (NVIDIA blog 2024-10); S3 with many streams [UNV]; latency "
           "[EST]; shared by every replica loading at once";
  if (name == "network_fs")
    return "[3P] run-ai/runai-model-streamer #135: NFS over RDMA ~9 GB/s; latency [EST]; shared by every replica "
           "loading at once";
  if (name == "local_nvme") return "[EST] one PCIe Gen4 x4 data-centre SSD ~7 GB/s sequential read";
  if (name == "host_ram") return "[EST] page cache / pinned host memory; the host link is the real bound";
  if (name == "peer_device") return "[EST] device-to-device over the hardware's scale-out (or scale-up) fabric x chips";
  return "user-defined";
}

namespace {

// Engine phases when the runtime profile has no cold_start block: the previous single 20 s init
// ([EST] vLLM 10-60 s), split as engine start + warm-up.
constexpr double GENERIC_ENGINE_INIT_S = 15.0;
constexpr double GENERIC_WARMUP_S = 5.0;

}  // namespace

ColdStartPhases cold_start_phases(const HydrationConfig& h, const hwprofiles::RuntimeProfile* runtime, int chips) {
  ColdStartPhases p;
  p.provision_s = h.provision_s;
  const hwprofiles::RuntimeColdStart* cs = runtime && runtime->cold_start.present ? &runtime->cold_start : nullptr;
  if (!h.image_cached) {
    const double image_gb = cs ? cs->image_gb : 0.0;
    p.image_pull_s = h.image_pull_bytes_per_s > 0 ? image_gb * 1e9 / h.image_pull_bytes_per_s : 0.0;
  }
  if (h.runtime_init_s) {
    p.init_s = *h.runtime_init_s;
    p.source = "scenario runtime_init_s";
    return p;
  }
  if (!cs) {
    p.engine_init_s = GENERIC_ENGINE_INIT_S;
    p.warmup_s = GENERIC_WARMUP_S;
    p.source = fmt::format("[EST] generic engine ({} has no cold_start profile)", runtime ? runtime->name : "runtime");
    return p;
  }
  p.source = "runtime " + runtime->name;
  if (h.restore == "snapshot" && cs->snapshot_restore_s >= 0) {
    p.restore_s = cs->snapshot_restore_s;
    return p;
  }
  p.engine_init_s = cs->engine_init_for(chips);
  p.compile_s = cs->compile_for(h.compile_cache);
  p.graph_capture_s = cs->graph_capture_s;
  p.warmup_s = cs->warmup_s;
  return p;
}

std::pair<double, std::string> load_bandwidth(const StorageTier& tier, const hwprofiles::HardwareProfile& hw, int chips,
                                              double loader_bytes_per_s) {
  const double n = std::max(1, chips);
  double bw = tier.bandwidth_bytes_per_s;
  std::string bound = "storage";
  if (tier.name == "peer_device") {
    const double fabric = hw.scale_out_bw_bytes_per_s > 0 ? hw.scale_out_bw_bytes_per_s : hw.scale_up_bw_bytes_per_s;
    if (bw <= 0 || (fabric > 0 && fabric * n < bw)) {
      bw = fabric * n;
      bound = "fabric";
    }
  } else {
    if (loader_bytes_per_s > 0 && loader_bytes_per_s < bw) {
      bw = loader_bytes_per_s;
      bound = "loader";
    }
    if (hw.host_link_effective_bytes_per_s > 0 && hw.host_link_effective_bytes_per_s * n < bw) {
      bw = hw.host_link_effective_bytes_per_s * n;
      bound = "host link";
    }
  }
  if (hw.memory_bw() > 0 && hw.memory_bw() * n < bw) {
    bw = hw.memory_bw() * n;
    bound = "device write";
  }
  return {bw, bound};
}

double ColdStart::total_s() const {
  if (!streaming) return phases.before_weights_s() + weights_s() + phases.after_weights_s();
  const double first_layer = latency_s + transfer_s / double(std::max(1, layers));
  return phases.before_weights_s() + std::max(first_layer, phases.after_weights_s());
}

ColdStart cold_start_time(double weight_bytes, const StorageTier& tier, const hwprofiles::HardwareProfile& hw,
                          int chips, const ColdStartPhases& phases, double loader_bytes_per_s, bool streaming,
                          int layers) {
  ColdStart c;
  c.streaming = streaming;
  c.layers = std::max(1, layers);
  c.tier = tier.name;
  c.phases = phases;
  c.latency_s = tier.latency_s;
  const auto [bw, bound] = load_bandwidth(tier, hw, chips, loader_bytes_per_s);
  c.bandwidth_bytes_per_s = bw;
  c.bound = bound;
  c.transfer_s = bw > 0 ? weight_bytes / bw : 0.0;
  return c;
}

std::string ColdStart::describe(double weight_bytes) const {
  std::vector<std::string> parts;
  const auto& p = phases;
  if (p.provision_s > 0) parts.push_back(fmt::format("provision {:.1f} s", p.provision_s));
  if (p.image_pull_s > 0) parts.push_back(fmt::format("image pull {:.1f} s", p.image_pull_s));
  if (p.engine_init_s > 0) parts.push_back(fmt::format("engine init {:.1f} s", p.engine_init_s));
  if (p.restore_s > 0) parts.push_back(fmt::format("snapshot restore {:.1f} s", p.restore_s));
  parts.push_back(fmt::format("weights from {} {:.1f} s ({:.2f} s latency + {} at {}/s, {}-bound)", tier, weights_s(),
                              latency_s, common::format_bytes(weight_bytes),
                              common::format_bytes(bandwidth_bytes_per_s), bound));
  if (p.compile_s > 0) parts.push_back(fmt::format("compile {:.1f} s", p.compile_s));
  if (p.graph_capture_s > 0) parts.push_back(fmt::format("graph capture {:.1f} s", p.graph_capture_s));
  if (p.warmup_s > 0) parts.push_back(fmt::format("warm-up {:.1f} s", p.warmup_s));
  if (p.init_s > 0) parts.push_back(fmt::format("init {:.1f} s", p.init_s));
  if (streaming)
    return fmt::format("{}, streamed: serving from {:.1f} s (first of {} layers in, engine phases overlapped), all "
                       "weights in at {:.1f} s ({})",
                       common::join(parts, " + "), total_s(), layers, weights_done_s(), p.source);
  return fmt::format("{} = {:.1f} s ({})", common::join(parts, " + "), total_s(), p.source);
}

}  // namespace infersim::serving
