#include "workers/workload_catalog.h"

#include "workers/sim_calls.h"

namespace infersim::gui {

std::vector<WorkloadType> builtin_workload_types() {
  auto make = [](const char* name, const char* desc, double in, double out, double conc, double rps, double calls,
                 double ttft, double tpot) {
    WorkloadType t;
    t.name = name;
    t.description = desc;
    t.source = "GUI default (docs/gui.md)";
    t.defaults.preset = name;
    t.defaults.input_tokens = in;
    t.defaults.output_tokens = out;
    t.defaults.concurrency = conc;
    t.defaults.requests_per_s = rps;
    t.defaults.calls_per_task = calls;
    t.defaults.ttft_p99_s = ttft;
    t.defaults.tpot_p99_s = tpot;
    return t;
  };
  return {
      make("chat", "Interactive chat: 1K-token prompts, 256-token answers, streaming", 1024, 256, 16, 10, 1, 1.0, 0.05),
      make("agentic", "Agent loops: long growing contexts, short tool-call outputs, 8 calls per task", 8192, 384, 16, 10,
           8, 2.0, 0.05),
      make("code", "Code completion: medium prompts, short completions, tight first-token latency", 2048, 96, 16, 20, 1,
           0.3, 0.03),
      make("summarization", "Summarization / RAG: long documents in, medium answers out", 6144, 512, 8, 5, 1, 3.0,
           0.08),
      make("batch", "Offline batch: throughput first, relaxed latency", 1024, 1024, 64, 20, 1, 60.0, 0.5),
  };
}

std::vector<WorkloadType> workload_types() {
  // Presets are read once per process (thread-safe static initialisation).
  static const std::vector<WorkloadType> types = [] {
    if (simulator_available()) {
      auto t = simulator_workload_types();
      if (!t.empty()) return t;
    }
    return builtin_workload_types();
  }();
  return types;
}

const WorkloadType* find_workload_type(const std::vector<WorkloadType>& types, const std::string& name) {
  for (const auto& t : types)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace infersim::gui
