#pragma once
// Per-request CSV, streamed as requests finish (nothing kept in memory): arrival, lengths, where it
// ran, queueing, TTFT, TPOT, E2E, preemptions, cold-start wait, session and call. Times in seconds.
// Not thread-safe.
#include <cstdio>
#include <string>

#include "infersim/serving/request.h"

namespace infersim::serving {

class RequestCsvWriter {
 public:
  explicit RequestCsvWriter(const std::string& path);
  ~RequestCsvWriter();
  RequestCsvWriter(const RequestCsvWriter&) = delete;
  RequestCsvWriter& operator=(const RequestCsvWriter&) = delete;
  void write(const Request& q, const std::string& pool);
  void finish();

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
};

}  // namespace infersim::serving
