#pragma once
// Hydration measured: how fast a weights file gets from storage into memory on this machine, with
// a warm page cache (the file was just read) and, where the OS allows it, a cold one
// (posix_fadvise(POSIX_FADV_DONTNEED) after fdatasync; mincore() then checks how much of the file
// really left the cache — on tmpfs/overlay or under memory pressure it may not, and the result says
// so instead of reporting a warm read as cold). Reads use read(2) into a reused 16 MiB buffer.
// Thread-safe (no shared state); the cold probe evicts this file from the page cache.
#include <string>

namespace infersim::refengine {

struct HydrationResult {
  std::string path;
  double bytes = 0;
  double warm_s = 0;
  double warm_bytes_per_s = 0;
  bool cold_measured = false;
  double cold_s = 0;
  double cold_bytes_per_s = 0;
  double resident_after_drop = 1.0;  // fraction of the file still cached after the drop request
  std::string cold_note;             // why the cold number is missing or doubtful
};

HydrationResult measure_hydration(const std::string& path, bool try_cold = true);

}  // namespace infersim::refengine
