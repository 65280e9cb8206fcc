#include "infersim/serving/trace_writer.h"

#include <fmt/format.h>

#include "infersim/common/errors.h"

namespace infersim::serving {

namespace {
std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}
}  // namespace

TraceWriter::TraceWriter(const std::string& path, std::int64_t max_events) : path_(path), max_events_(max_events) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) throw common::IoError(fmt::format("{}: cannot open trace file for writing", path));
  fmt::print(f_, "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
}

TraceWriter::~TraceWriter() {
  try {
    finish();
  } catch (...) {
  }
}

bool TraceWriter::reserve(int n) {
  if (!f_) return false;
  if (events_ + n > max_events_) {
    truncated_ = true;
    return false;
  }
  events_ += n;
  return true;
}

void TraceWriter::name_process(int pid, const std::string& name) {
  if (!f_) return;
  fmt::print(f_, "{}{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"args\":{{\"name\":\"{}\"}}}}",
             first_ ? "" : ",\n", pid, escape(name));
  first_ = false;
}

void TraceWriter::name_thread(int pid, int tid, const std::string& name) {
  if (!f_) return;
  fmt::print(f_, "{}{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":\"{}\"}}}}",
             first_ ? "" : ",\n", pid, tid, escape(name));
  first_ = false;
}

void TraceWriter::complete(int pid, int tid, const char* name, double start_s, double dur_s, std::int64_t seqs,
                           std::int64_t tokens) {
  if (!reserve(1)) return;
  fmt::print(f_,
             "{}{{\"ph\":\"X\",\"name\":\"{}\",\"pid\":{},\"tid\":{},\"ts\":{:.3f},\"dur\":{:.3f},"
             "\"args\":{{\"seqs\":{},\"tokens\":{}}}}}",
             first_ ? "" : ",\n", name, pid, tid, start_s * 1e6, dur_s * 1e6, seqs, tokens);
  first_ = false;
}

void TraceWriter::request(const Request& q, int pid) {
  if (!reserve(6)) return;
  const char* sep = first_ ? "" : ",\n";
  first_ = false;
  auto ev = [&](const char* ph, const char* name, double t) {
    fmt::print(f_, "{}{{\"ph\":\"{}\",\"cat\":\"request\",\"name\":\"{}\",\"id\":{},\"pid\":{},\"tid\":0,\"ts\":{:.3f}",
               sep, ph, name, q.id, pid, t * 1e6);
    sep = ",\n";
  };
  ev("b", "request", q.arrival_s);
  fmt::print(f_, ",\"args\":{{\"input\":{},\"output\":{},\"replica\":{},\"session\":{},\"preemptions\":{}}}}}", q.input,
             q.output, q.replica, q.session, q.preemptions);
  const double sched = q.scheduled_s >= 0 ? q.scheduled_s : q.first_token_s;
  ev("b", "queued", q.arrival_s);
  fmt::print(f_, "}}");
  ev("e", "queued", sched);
  fmt::print(f_, "}}");
  ev("b", "generate", q.first_token_s);
  fmt::print(f_, "}}");
  ev("e", "generate", q.done_s);
  fmt::print(f_, "}}");
  ev("e", "request", q.done_s);
  fmt::print(f_, "}}");
}

void TraceWriter::finish() {
  if (!f_) return;
  fmt::print(f_,
             "{}{{\"ph\":\"M\",\"name\":\"infersim\",\"pid\":0,\"args\":{{\"events\":{},\"truncated\":{}}}}}\n]}}\n",
             first_ ? "" : ",\n", events_, truncated_ ? "true" : "false");
  const bool bad = std::fclose(f_) != 0;
  f_ = nullptr;
  if (bad) throw common::IoError(fmt::format("{}: write failed", path_));
}

}  // namespace infersim::serving
