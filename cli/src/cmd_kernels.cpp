#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/perf/kernel_efficiency_fit.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;

namespace {

int kernels_list(const ArgList& argv) {
  Args a(argv, {}, {"json"});
  common::Json out = common::Json::array();
  Table t(
      {"folder", "measured on", "device", "GEMM curves", "context grids", "decode grids", "all-reduce GPUs", "points"});
  for (const auto& [folder, hw] : perf::kernel_table_folders()) {
    const auto s = hwprofiles::KernelTableCatalog::shipped().get(folder);
    std::vector<std::string> gpus;
    for (const auto& [g, c] : s->allreduce) gpus.push_back(std::to_string(g));
    t.add({folder, hw, s->device, std::to_string(s->gemm.curves.size()), std::to_string(s->context.size()),
           std::to_string(s->generation.size()), fmt::format("{}", fmt::join(gpus, ",")), std::to_string(s->rows)});
    out.push_back({{"folder", folder}, {"hardware", hw}, {"device", s->device}, {"points", s->rows}});
  }
  if (a.flag("json"))
    fmt::print("{}\n", out.dump(2));
  else
    fmt::print("{}kernel tables: NVIDIA aiconfigurator perf database (Apache-2.0), data/aiconfigurator/README.md\n",
               t.render());
  return 0;
}

int kernels_fit(const ArgList& argv) {
  Args a(argv, {"write", "stride"}, {"json"});
  const int stride = int(a.integer("stride", perf::DEFAULT_FIT_STRIDE, 1, 1000));
  const auto pts = perf::kernel_points(perf::kernel_table_folders(), stride);
  const auto r = perf::fit_efficiency_model(pts);
  perf::EfficiencyModel m = r.model;
  std::size_t n = 0;
  for (const auto& [op, v] : pts.by_op) n += v.size();
  m.source = fmt::format("[FIT] infersim kernels fit --stride {}: {} measured kernel points of the bundled "
                         "aiconfigurator tables "
                         "(H100, B200, GB200, A100, L40S; TensorRT-LLM, vLLM, SGLang), squared log error",
                         stride, n);
  common::Json rep;
  for (const auto& [op, sys] : r.errors)
    for (const auto& [s, e] : sys) {
      const auto& q = r.ratios.at(op).at(s);
      rep[op][s] = {{"median_abs_pct_in_sample", 100 * e.first},
                    {"median_abs_pct_leave_system_out", 100 * e.second},
                    {"median_predicted_over_measured_in_sample", q.first},
                    {"median_predicted_over_measured_leave_system_out", q.second}};
    }
  m.fit_report = rep;
  if (auto out = a.value("write")) {
    common::write_text_file_atomic(*out, perf::efficiency_model_to_json(m).dump(2) + "\n");
    fmt::print(stderr, "wrote {}\n", *out);
  }
  if (a.flag("json")) {
    fmt::print("{}\n", perf::efficiency_model_to_json(m).dump(2));
    return 0;
  }
  Table t({"op", "floor", "compute max", "compute half", "memory max", "memory half", "per item"});
  auto row = [&](const std::string& name, const perf::OpEfficiency& e) {
    t.add({name, fmt::format("{:.1f} us", e.floor_s * 1e6), fmt::format("{:.2f}", e.compute_max),
           fmt::format("{:.1f} us", e.compute_half_s * 1e6), fmt::format("{:.2f}", e.memory_max),
           fmt::format("{:.1f} us", e.memory_half_s * 1e6),
           e.item_s > 0 ? fmt::format("{:.1f} ns", e.item_s * 1e9) : "-"});
  };
  row("gemm", m.gemm);
  for (const auto& [dt, e] : m.gemm_by_dtype) row("gemm " + dt, e);
  row("context attention", m.context_attention);
  row("generation attention", m.generation_attention);
  for (const auto& [kv, e] : m.generation_attention_by_kv) row("generation attention, " + kv + " KV", e);
  row("all-reduce", m.allreduce);
  fmt::print("roofline efficiency model: t = floor + max(F / (P x ec), B / (W x em)) + per item x items, e = max x s / "
             "(s + half); GEMMs per format and decode attention per KV format where one is listed, else the "
             "all-format row; decode attention's items are sequences x KV heads, fitted on groups of up to {:g} "
             "query heads per KV head; context attention's are sequences x query heads x {:g}-token query tiles; GEMMs "
             "with n < {:g} output columns are not fitted\n{}",
             perf::MAX_DECODE_FIT_GROUP, perf::CONTEXT_QUERY_TILE, perf::MIN_GEMM_FIT_COLUMNS, t.render());
  fmt::print("elementwise ops (norms, activations, RoPE) on chips without tables: bytes at {:.2f} of the memory "
             "bandwidth plus a {:.2f} us floor, the median over the {} GPUs with tables of their smallest BF16 GEMM\n",
             m.elementwise_memory_fraction, m.elementwise_floor_s * 1e6, pts.bf16_gemm_floor_s.size());
  std::vector<std::string> quant;
  for (const auto& [key, s] : m.gemm_quant_floor_s)
    quant.push_back(fmt::format("{} {:.1f} us", key.front() == '/' ? "any runtime" + key : key, s * 1e6));
  if (!quant.empty())
    fmt::print("activation quantization per quantized GEMM, by runtime / format (its launch floor over BF16's, median "
               "over the runtime's table sets; taken out of the GEMM fits, added back off the tables): {}\n",
               common::join(quant, ", "));
  Table e({"op", "system", "median |error| (fit)", "median |error| (system left out)", "predicted / measured (fit)",
           "predicted / measured (left out)"});
  for (const auto& [op, sys] : r.errors)
    for (const auto& [s, v] : sys) {
      const auto& q = r.ratios.at(op).at(s);
      e.add({op, s, fmt::format("{:.1f}%", 100 * v.first), fmt::format("{:.1f}%", 100 * v.second),
             fmt::format("{:.2f}", q.first), fmt::format("{:.2f}", q.second)});
    }
  fmt::print("{}", e.render());
  return 0;
}

}  // namespace

int cmd_kernels(const ArgList& argv) {
  if (argv.empty()) throw ConfigError("", "kernels", "expected a subcommand: list | fit");
  const std::string sub = argv.front();
  const ArgList rest(argv.begin() + 1, argv.end());
  if (sub == "list") return kernels_list(rest);
  if (sub == "fit") return kernels_fit(rest);
  throw ConfigError("", "kernels", fmt::format("unknown subcommand '{}' (list, fit)", sub));
}

}  // namespace infersim::cli
