// `infersim contract check | gate | make | weights`: deployment contracts (docs/contract-format.md).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "args.h"
#include "commands.h"
#include "infersim/app/contract.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/contract/contract_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/model/weights_header.h"

namespace infersim::cli {

using common::ConfigError;

namespace {

std::vector<std::string> list_of(const Args& a, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& v : a.values(name))
    for (const auto& x : common::split(v, ','))
      if (!common::trim(x).empty()) out.push_back(common::trim(x));
  return out;
}

app::ContractCheckOptions check_options(const Args& a) {
  app::ContractCheckOptions o;
  o.hardware = list_of(a, "hardware");
  o.runtimes = list_of(a, "runtime");
  o.precisions = list_of(a, "precision");
  o.verify = !a.flag("no-verify");
  o.jobs = a.integer("jobs", 0, 0, 1024);
  return o;
}

// Progress on stderr when it is a terminal (never in pipes or CI logs).
std::function<void(const app::ContractProgress&)> progress_line() {
  if (!::isatty(STDERR_FILENO)) return {};
  return [](const app::ContractProgress& p) {
    fmt::print(stderr, "\r  checked {}/{}: {:<60}", p.done, p.total, p.last);
    if (p.done == p.total) fmt::print(stderr, "\r{:<80}\r", "");
  };
}

int contract_check(const ArgList& argv) {
  Args a(argv, {"hardware", "runtime", "precision", "jobs", "out", "json-out", "db", "run"}, {"json", "no-verify"});
  if (a.positional().size() != 1) throw ConfigError("", "contract check", "needs exactly one CONTRACT.json file");
  const auto c = contract::load_contract(a.positional()[0]);
  const auto res = app::check_contract(c, check_options(a), progress_line());
  const auto json = contract::check_result_to_json(res).dump(2) + "\n";
  const auto md = contract::render_check_markdown(res);
  if (auto f = a.value("out")) common::write_text_file_atomic(*f, md);
  if (auto f = a.value("json-out")) common::write_text_file_atomic(*f, json);
  if (auto db = a.value("db")) {
    const auto run = a.value_or("run", fmt::format("contract-{}-{}", c.name, c.version));
    const auto n = app::store_contract_check(res, *db, run);
    fmt::print(stderr, "stored {} new rows of kind \"contract\" in {} (run {}; {} already there)\n", n, *db, run,
               res.rows.size() - n);
  }
  fmt::print("{}", a.flag("json") ? json : md);
  return res.pass() ? 0 : 1;
}

int contract_gate(const ArgList& argv) {
  Args a(argv, {"threshold", "hardware", "runtime", "precision", "jobs", "out"}, {"json", "no-verify"});
  if (a.positional().size() != 2)
    throw ConfigError("", "contract gate",
                      "needs BASE and CANDIDATE: each a CONTRACT.json (checked now) or a saved `contract check "
                      "--json-out` result");
  const double threshold = a.number("threshold", 10, 0, 1000);
  const auto o = check_options(a);
  const auto base = app::check_or_load(a.positional()[0], o);
  const auto cand = app::check_or_load(a.positional()[1], o);
  const auto g = contract::gate(base, cand, threshold);
  const auto md = contract::render_gate_markdown(g);
  if (auto f = a.value("out")) common::write_text_file_atomic(*f, md);
  fmt::print("{}", a.flag("json") ? contract::gate_result_to_json(g).dump(2) + "\n" : md);
  return g.pass() ? 0 : 1;
}

int contract_make(const ArgList& argv) {
  Args a(argv, {"deployment", "name", "version", "headroom", "out"}, {"no-verify"});
  if (a.positional().size() != 1)
    throw ConfigError("", "contract make", "needs one PLAN.json request or `infersim plan --json` result");
  app::ContractMakeOptions o;
  o.deployment = a.value_or("deployment", "");
  o.name = a.value_or("name", "");
  o.version = a.value_or("version", "");
  o.headroom = a.number("headroom", 10, 0, 1000) / 100.0;
  o.verify = !a.flag("no-verify");
  const auto c = app::make_contract_from_plan(a.positional()[0], o);
  const auto text = contract::contract_to_json(c).dump(2) + "\n";
  if (auto f = a.value("out")) {
    common::write_text_file_atomic(*f, text);
    fmt::print("wrote {} (target {}, {} workload(s))\n", *f, c.made_from.at("deployment"), c.workloads.size());
  } else {
    fmt::print("{}", text);
  }
  return 0;
}

int contract_weights(const ArgList& argv) {
  Args a(argv, {"model", "dtype"}, {});
  if (a.positional().size() != 1)
    throw ConfigError("", "contract weights", "needs one safetensors / GGUF file or directory");
  const auto h = model::read_weights_header(a.positional()[0]);
  fmt::print("{}: {}{} with {} tensors, {:.0f} parameters, {}\n", a.positional()[0], h.format,
             h.gguf_version ? fmt::format(" v{}", h.gguf_version) : "", h.tensors.size(), h.total_params(),
             common::format_bytes(double(h.total_bytes())));
  for (const auto& g : model::group_weights(h)) {
    std::vector<std::string> ds;
    for (const auto& [d, n] : g.params_by_dtype) ds.push_back(fmt::format("{} {:.0f}", d, n));
    fmt::print("  {:<15} {:>14.0f} params {:>12} ({:.3g} bits/weight)  {}\n", g.group, g.params,
               common::format_bytes(double(g.bytes)), g.params > 0 ? 8.0 * double(g.bytes) / g.params : 0.0,
               common::join(ds, ", "));
  }
  if (auto m = a.value("model")) {
    contract::Contract c;
    c.file = "(command line)";
    c.model = *m;
    c.weights.format = h.format;
    c.weights.dtype = a.value_or("dtype", "");
    c.weights.file = c.weights.resolved_file = a.positional()[0];
    const auto w = app::check_weights(c, model::ModelCatalog::shipped().resolve(*m));
    fmt::print("against {}: {}\n", *m, w.reason);
    return w.pass ? 0 : 1;
  }
  return 0;
}

}  // namespace

int cmd_contract(const ArgList& args) {
  if (args.empty())
    throw ConfigError("", "contract", "needs a subcommand: check, gate, make or weights (`infersim contract --help`)");
  const std::string sub = args[0];
  const ArgList rest(args.begin() + 1, args.end());
  if (sub == "check") return contract_check(rest);
  if (sub == "gate") return contract_gate(rest);
  if (sub == "make") return contract_make(rest);
  if (sub == "weights") return contract_weights(rest);
  throw ConfigError("", "contract",
                    fmt::format("unknown subcommand '{}'{}", sub,
                                common::suggest_suffix(sub, {"check", "gate", "make", "weights"})));
}

}  // namespace infersim::cli
