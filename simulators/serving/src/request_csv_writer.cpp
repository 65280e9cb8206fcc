#include "infersim/serving/request_csv_writer.h"

#include <fmt/format.h>

#include "infersim/common/errors.h"

namespace infersim::serving {

RequestCsvWriter::RequestCsvWriter(const std::string& path) : path_(path) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) throw common::IoError(fmt::format("{}: cannot open for writing", path));
  fmt::print(f_,
             "id,arrival_s,input_tokens,output_tokens,cached_tokens,pool,replica,status,queue_s,ttft_s,tpot_s,e2e_s,"
             "preemptions,cold_wait,session,call\n");
}

RequestCsvWriter::~RequestCsvWriter() {
  try {
    finish();
  } catch (...) {
  }
}

void RequestCsvWriter::write(const Request& q, const std::string& pool) {
  if (!f_) return;
  if (q.rejected) {
    fmt::print(f_, "{},{:.9f},{},{},0,{},{},rejected,,,,,0,{},{},{}\n", q.id, q.arrival_s, q.input, q.output, pool,
               q.replica, q.cold_wait ? 1 : 0, q.session, q.call);
    return;
  }
  const double tpot = q.output > 1 ? (q.done_s - q.first_token_s) / double(q.output - 1) : 0.0;
  fmt::print(f_, "{},{:.9f},{},{},{},{},{},done,{:.9f},{:.9f},{:.9f},{:.9f},{},{},{},{}\n", q.id, q.arrival_s, q.input,
             q.output, q.cached, pool, q.replica, q.scheduled_s - q.arrival_s,
             q.first_token_s - q.arrival_s + q.frontend_s, tpot, q.done_s - q.arrival_s + q.frontend_s, q.preemptions,
             q.cold_wait ? 1 : 0, q.session, q.call);
}

void RequestCsvWriter::finish() {
  if (!f_) return;
  const bool bad = std::fclose(f_) != 0;
  f_ = nullptr;
  if (bad) throw common::IoError(fmt::format("{}: write failed", path_));
}

}  // namespace infersim::serving
