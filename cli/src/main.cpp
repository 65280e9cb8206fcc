// infersim: command-line front end. Thin: parse -> config structs -> one core call -> output.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace {

const char* USAGE = R"(infersim - inference hardware simulator and capacity planner

usage: infersim <command> [options]

commands:
  estimate      analytic estimate of TTFT, TPOT, throughput, memory, power and cost for one model on
                one hardware layout (--model M --hardware H [--chips N] [--tp N] [--pp N] [--ep N]
                [--precision P] [--kv-precision P] [--batch B] [--input I] [--output O]
                [--runtime R[@VERSION]] [--mtp K [--mtp-accept A]] [--draft M2 --spec-k K --spec-accept A]
                [--sparsity S] [--state-precision fp32|bf16|fp16] [--json]); --state-precision keeps a
                hybrid model's Gated DeltaNet states in 16 bits (SGLang --mamba-ssm-dtype bfloat16);
                --batch B = B closed-loop users, as serving benchmarks measure, under the runtime's
                scheduler ([--max-num-tokens N] [--max-batch N] [--chunked-prefill on|off]
                [--eager-prompt-steps on|off] [--policy mixed|prefill_first] override it;
                [--length-range-ratio R] draws each request's lengths from R x to 1 x I and O, as
                InferenceX's client does with 0.8); --simulate also runs that benchmark in the
                discrete-event simulator ([--rounds N])
  compare       the same estimate for every catalog hardware (or --hardware a,b,c) side by side
  list          catalog names of models and hardware (--json)
  models        list | show NAME | import-hf CONFIG.json [--name N] [--out FILE]
  hardware      list | show NAME | validate FILE...
  calibrate-from  fit efficiency/overhead parameters to a measurement CSV (older software, roofline path)
                (CSV [--hardware H] [--runtime R] [--write calibrations.json] [--json])
  calibrate-serving  fit the kernel path's serving overheads to the measured 2025-26 benchmarks
                ([--write kernel_calibrations.json] [--points FILE] [--no-loso] [--fit-routing] [--jobs N] [--json])
  calibrate-dataflow  fit each dataflow vendor's per-layer latency on one published per-user speed
                ([--data vendor-speeds.json] [--write dataflow_calibrations.json] [--json])
  calibrate-power  fit the GPU power model (fraction of TDP from memory and compute utilisation) on the
                measured power of the older datasets ([--data CSV] [--write power_model.json] [--json])
  kernels       list | fit [--write FILE]: the bundled kernel tables, and the roofline efficiency model
                fitted on them for GPUs without tables
  validate      error on held-out measurements: today's stacks (random split, leave one system out),
                dataflow vendors' published speeds, the older datasets and the GPU power model on measured
                power ([--legacy] [--dataflow] [--power] [--no-loso] [--jobs N] [--json])
  plan          PLAN.json [--json] [--top N] [--verify-top N] [--no-verify]: cheapest ways to serve a
                model at a target load within SLOs: ranked plans, Pareto frontier, rejection reasons
  brief         BRIEF.json --out NAME.{pdf,html,md}[,...] [--plans-dir DIR] [--no-verify]: procurement
                brief comparing options (stay, shift X% to a second vendor, CPU fallback, LPU decode,
                move to TPU, owned vs cloud) with cost, latency, power, risks, sources and hashes
  contract      check CONTRACT.json [--hardware a,b] [--runtime a,b] [--precision a,b] [--no-verify] [--jobs N]
                [--json] [--out F.md] [--json-out F.json] [--db F [--run NAME]] | gate BASE NEW [--threshold 10]
                | make PLAN.json [--deployment ID] [--headroom 10] [--name N] [--version V] [--out F]
                | weights FILE|DIR [--model M] [--dtype D]: deployment contracts (model, weights as shipped,
                SLO / cost / energy clauses, allowed targets) checked clause by clause on every target, a 10%
                regression gate between versions or calibrations, contracts made from plans; exit 1 = fails
  sweep         SWEEP.json --db results.sqlite [--jobs N] [--shard i/N] [--batch K] [--run NAME]: a grid of
                scenarios on all cores into the SQLite store; resumable after any interruption
  results       list --db F [--json] | export --db F (--csv|--json) [--run NAME] [--out FILE] [--with-times]
                | merge --db OUT.sqlite IN.sqlite... | migrate --db F: inspect, export, join and upgrade sweep
                results files (metric names and units: docs/metrics.md)
  runtimes      list | show NAME | matrix [--model M] [--precision a,b]: serving runtimes and the
                support matrix (model x hardware x runtime x dtype) with each cell's calibration basis
  simulate      SCENARIO.json [--set path=value ...] [--seed S] [--json] [--requests-csv F] [--trace F]
                [--resolve] [--format-doc]: discrete-event serving simulation (batching, KV cache, routing,
                disaggregation, cold starts, autoscaling): latency percentiles, goodput, energy, cost
  workloads     list | show NAME [--json]: workload-type presets (chat, code, agentic, ...) with their SLOs
                | compare [--model M] [--hardware a,b] [--workloads a,b] [--rps R] [--pricing F]
                [--pricing-mode cloud|owned] [--db F] [--no-verify] [--json]: every hardware x workload type,
                the cheapest plan per cell ($/1K tokens, TTFT/TPOT P99, J/token, kW), stored in SQLite
  components    [schedulers|routers|arrivals|autoscalers|distributions] [--json]: simulator components
  refengine     make-weights | run | probe | hydrate: the reference CPU engine (a real Llama-style forward
                pass, fp32/bf16/int8 weights, safetensors) and this machine's peak FLOP/s and bandwidth
  calibrate     [--quick] [--out DIR] [--model M] [--dtypes a,b]: run the probes and the reference engine
                over a grid, fit this machine's host profile, report held-out error (results/host/)
  version       print the version

Exit codes: 0 success, 1 a check failed (contract check / gate), 2 bad input (message names the file / field),
3 internal error.
)";

// The help of one command: its entry in USAGE (the line that starts with "  <cmd> " and the more
// indented lines that continue it), so the overview and `infersim <cmd> --help` never disagree.
std::string command_help(const std::string& cmd) {
  const std::string text = USAGE;
  std::string out;
  bool in = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const bool entry = line.size() > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ';
    if (entry) {
      const std::string name = line.substr(2, line.find(' ', 2) - 2);
      in = name == cmd;
      if (in) out += line + "\n";
    } else if (in && line.rfind("    ", 0) == 0) {
      out += line + "\n";
    } else {
      in = false;
    }
  }
  return out;
}

bool wants_help(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace infersim;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    std::fputs(USAGE, stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  const cli::ArgList rest(args.begin() + 1, args.end());
  // `infersim CMD --help` (and `infersim help CMD`): the command's entry of the overview. `calibrate`
  // and `refengine` print their own longer help.
  if (cmd == "help" || (wants_help(rest) && cmd != "calibrate" && cmd != "refengine")) {
    const std::string name = cmd == "help" ? (rest.empty() ? "" : rest[0]) : cmd;
    const std::string h = command_help(name);
    if (h.empty()) {
      fmt::print(stderr, "infersim: no command '{}'; `infersim --help` lists them\n", name);
      return 2;
    }
    fmt::print("usage: infersim {} [options]\n\n{}\nExit codes: 0 success, 2 bad input (message names the file / "
               "field), "
               "3 internal error.\n",
               name, h);
    return 0;
  }
  try {
    if (cmd == "estimate") return cli::cmd_estimate(rest);
    if (cmd == "compare") return cli::cmd_compare(rest);
    if (cmd == "list") return cli::cmd_list(rest);
    if (cmd == "models") return cli::cmd_models(rest);
    if (cmd == "hardware") return cli::cmd_hardware(rest);
    if (cmd == "calibrate-from") return cli::cmd_calibrate_from(rest);
    if (cmd == "validate") return cli::cmd_validate(rest);
    if (cmd == "calibrate-serving") return cli::cmd_calibrate_serving(rest);
    if (cmd == "calibrate-dataflow") return cli::cmd_calibrate_dataflow(rest);
    if (cmd == "calibrate-power") return cli::cmd_calibrate_power(rest);
    if (cmd == "kernels") return cli::cmd_kernels(rest);
    if (cmd == "runtimes") return cli::cmd_runtimes(rest);
    if (cmd == "plan") return cli::cmd_plan(rest);
    if (cmd == "brief") return cli::cmd_brief(rest);
    if (cmd == "contract") return cli::cmd_contract(rest);
    if (cmd == "sweep") return cli::cmd_sweep(rest);
    if (cmd == "results") return cli::cmd_results(rest);
    if (cmd == "simulate") return cli::cmd_simulate(rest);
    if (cmd == "workloads") return cli::cmd_workloads(rest);
    if (cmd == "components") return cli::cmd_components(rest);
    if (cmd == "refengine") return cli::cmd_refengine(rest);
    if (cmd == "calibrate") return cli::cmd_calibrate(rest);
    if (cmd == "version" || cmd == "--version") {
      fmt::print("infersim {}\n", common::version_string());
      return 0;
    }
    const std::vector<std::string> known = {"estimate",
                                            "compare",
                                            "list",
                                            "models",
                                            "hardware",
                                            "calibrate-from",
                                            "calibrate-serving",
                                            "calibrate-dataflow",
                                            "calibrate-power",
                                            "kernels",
                                            "validate",
                                            "version",
                                            "runtimes",
                                            "plan",
                                            "brief",
                                            "contract",
                                            "sweep",
                                            "results",
                                            "simulate",
                                            "workloads",
                                            "components",
                                            "refengine",
                                            "calibrate"};
    fmt::print(stderr, "infersim: unknown command '{}'{}\n\n{}", cmd, common::suggest_suffix(cmd, known), USAGE);
    return 2;
  } catch (const common::ConfigError& e) {
    fmt::print(stderr, "infersim {}: error: {}\n", cmd, e.what());
    return 2;
  } catch (const common::IoError& e) {
    fmt::print(stderr, "infersim {}: error: {}\n", cmd, e.what());
    return 2;
  } catch (const common::InternalError& e) {
    fmt::print(stderr, "infersim {}: {}\n", cmd, e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "infersim {}: internal error: {}\n", cmd, e.what());
    return 3;
  }
}
