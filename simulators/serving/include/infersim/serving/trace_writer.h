#pragma once
// Writes a Chrome / Perfetto trace (JSON trace-event format) while the simulation runs: one process
// per pool, one thread per replica with its steps ("prefill", "decode", "mixed") and cold starts as
// complete events, and each request as an async span (queued -> prefill -> decode) in a "requests"
// process. Streams to the file (nothing kept in memory); stops after `max_events` events and says so
// in the trace metadata. Open in ui.perfetto.dev or chrome://tracing. Not thread-safe.
#include <cstdint>
#include <cstdio>
#include <string>

#include "infersim/serving/request.h"

namespace infersim::serving {

class TraceWriter {
 public:
  TraceWriter(const std::string& path, std::int64_t max_events);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void name_process(int pid, const std::string& name);
  void name_thread(int pid, int tid, const std::string& name);
  void complete(int pid, int tid, const char* name, double start_s, double dur_s, std::int64_t seqs,
                std::int64_t tokens);
  void request(const Request& q, int pid);
  void finish();  // closes the JSON (also done by the destructor)
  bool truncated() const { return truncated_; }
  std::int64_t events() const { return events_; }

 private:
  bool reserve(int n);
  std::FILE* f_ = nullptr;
  std::string path_;
  std::int64_t max_events_;
  std::int64_t events_ = 0;
  bool truncated_ = false;
  bool first_ = true;
};

}  // namespace infersim::serving
