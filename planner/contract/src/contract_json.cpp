#include "infersim/contract/contract_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "infersim/common/dtype.h"
#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/model/op_cost.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::contract {

using common::Json;
using common::JsonReader;

bool Clauses::empty() const {
  return !ttft_p99_s && !tpot_p99_s && !min_output_tok_s_per_chip && !max_usd_per_1k_output &&
         !max_joules_per_output_token;
}

const std::vector<std::string>& tensor_group_names() {
  static const std::vector<std::string> names = {"embedding",      "attention",      "dense_mlp", "router",
                                                 "routed_experts", "shared_experts", "norms",     "lm_head"};
  return names;
}

namespace {

std::string relative_to(const std::string& file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || file.empty()) return path;
  return (std::filesystem::path(file).parent_path() / path).lexically_normal().string();
}

std::string checked_dtype(JsonReader& r, const std::string& key, const std::string& value) {
  if (!common::parse_dtype(value))
    r.fail(key, fmt::format("unknown dtype '{}' (one of: {}){}", value, common::join(common::dtype_names(), ", "),
                            common::suggest_suffix(value, common::dtype_names())));
  return value;
}

std::optional<double> clause(JsonReader& r, const std::string& key, double min, double max) {
  return r.optional_number(key, min, max);
}

Clauses read_clauses(JsonReader& c) {
  Clauses k;
  k.ttft_p99_s = clause(c, "ttft_p99_s", 1e-4, 1e5);
  k.tpot_p99_s = clause(c, "tpot_p99_s", 1e-5, 1e3);
  k.min_output_tok_s_per_chip = clause(c, "min_output_tok_s_per_chip", 0, 1e9);
  k.max_usd_per_1k_output = clause(c, "max_usd_per_1k_output", 0, 1e9);
  k.max_joules_per_output_token = clause(c, "max_joules_per_output_token", 0, 1e9);
  c.finish();
  return k;
}

Predicted read_predicted(JsonReader& p) {
  Predicted x;
  x.target = p.string("target");
  x.ttft_p99_s = p.number_or("ttft_p99_s", NAN, 0, 1e9);
  x.tpot_p99_s = p.number_or("tpot_p99_s", NAN, 0, 1e9);
  x.output_tok_s_per_chip = p.number_or("output_tok_s_per_chip", NAN, 0, 1e12);
  x.usd_per_1k_output = p.number_or("usd_per_1k_output", NAN, 0, 1e12);
  x.joules_per_output_token = p.number_or("joules_per_output_token", NAN, 0, 1e12);
  x.verified = p.boolean_or("verified", false);
  x.cost_basis = p.string_or("cost_basis", "");
  p.finish();
  return x;
}

void put(Json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = *v;
}
void put(Json& j, const char* key, double v) {
  if (std::isfinite(v)) j[key] = v;
}
void put(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

}  // namespace

Contract contract_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  Contract c;
  c.file = file;
  c.format = int(r.integer("contract_format", 1, 1000));
  if (c.format != CONTRACT_FORMAT)
    r.fail("contract_format",
           fmt::format("this infersim reads contract_format {}; the file has {}", CONTRACT_FORMAT, c.format));
  c.name = r.string("name");
  if (c.name.empty()) r.fail("name", "must not be empty");
  c.version = r.string("version");
  if (c.version.empty()) r.fail("version", "must not be empty");
  c.description = r.string_or("description", "");
  if (auto rb = r.optional_child("rollback")) {
    c.rollback_version = rb->string("version");
    c.rollback_file = rb->string_or("file", "");
    rb->finish();
    if (c.rollback_version == c.version) r.fail("rollback", "the rollback target must be another version");
  }
  c.model = r.string("model");
  if (c.model.empty()) r.fail("model", "must not be empty");
  // A card or config.json given as a path is relative to the contract; a catalog name stays a name.
  if (c.model.find('/') != std::string::npos ||
      (c.model.size() > 5 && c.model.compare(c.model.size() - 5, 5, ".json") == 0))
    c.model = relative_to(file, c.model);
  if (auto w = r.optional_child("weights")) {
    c.weights.format = w->one_of_or("format", {"safetensors", "gguf", "other"}, "safetensors");
    if (w->has("dtype")) c.weights.dtype = checked_dtype(*w, "dtype", w->string("dtype"));
    if (auto g = w->optional_child("groups")) {
      for (auto it = g->raw().begin(); it != g->raw().end(); ++it) {
        const auto& names = tensor_group_names();
        if (std::find(names.begin(), names.end(), it.key()) == names.end())
          g->fail(it.key(), fmt::format("unknown tensor group '{}' (one of: {}){}", it.key(), common::join(names, ", "),
                                        common::suggest_suffix(it.key(), names)));
        c.weights.group_dtypes[it.key()] = checked_dtype(*g, it.key(), g->string(it.key()));
      }
      g->finish();
    }
    c.weights.file = w->string_or("file", "");
    c.weights.resolved_file = relative_to(file, c.weights.file);
    w->finish();
  }
  if (auto q = r.optional_child("quantization")) {
    c.quantization.method = q->string_or("method", "");
    c.quantization.calibration_dataset = q->string_or("calibration_dataset", "");
    c.quantization.statistics = q->string_or("statistics", "");
    c.quantization.notes = q->string_or("notes", "");
    q->finish();
  }
  if (auto t = r.optional_child("targets")) {
    c.targets.hardware = t->string_list_or("hardware", {});
    if (c.targets.hardware.size() == 1 && c.targets.hardware[0] == "*") c.targets.hardware.clear();
    c.targets.runtimes = t->string_list_or("runtimes", {});
    c.targets.precisions = t->string_list_or("precisions", {});
    for (std::size_t i = 0; i < c.targets.precisions.size(); ++i)
      checked_dtype(*t, fmt::format("precisions/{}", i), c.targets.precisions[i]);
    c.targets.state_precision = t->string_or("state_precision", "");
    if (!c.targets.state_precision.empty() && !model::parse_state_precision(c.targets.state_precision))
      t->fail("state_precision",
              fmt::format("'{}': a recurrent state is kept in fp32, bf16 or fp16", c.targets.state_precision));
    if (auto l = t->optional_child("layout")) {
      c.targets.layout.tp = int(l->integer_or("tp", 0, 0, 4096));
      c.targets.layout.pp = int(l->integer_or("pp", 0, 0, 4096));
      c.targets.layout.max_chips_per_replica = int(l->integer_or("max_chips_per_replica", 0, 0, 100000));
      if (c.targets.layout.pp > 0 && c.targets.layout.tp == 0) l->fail("pp", "give tp with pp");
      l->finish();
    }
    if (auto h = t->optional_child("compile_hints")) {
      for (auto it = h->raw().begin(); it != h->raw().end(); ++it) {
        auto rt = h->child(it.key());
        for (auto kv = rt.raw().begin(); kv != rt.raw().end(); ++kv) {
          const Json& v = rt.raw(kv.key());
          if (v.is_string())
            c.targets.compile_hints[it.key()][kv.key()] = v.get<std::string>();
          else if (v.is_number() || v.is_boolean())
            c.targets.compile_hints[it.key()][kv.key()] = v.dump();
          else
            rt.fail(kv.key(), "a compile hint is a string, number or boolean");
        }
        rt.finish();
      }
      h->finish();
    }
    t->finish();
  }
  if (c.targets.precisions.empty()) c.targets.precisions = {c.weights.dtype.empty() ? "bf16" : c.weights.dtype};
  if (r.has("pricing")) {
    const Json& pj = r.raw("pricing");
    if (pj.is_string()) {
      c.pricing_label = pj.get<std::string>();
      c.pricing = planner::load_pricing(c.pricing_label == "default" ? c.pricing_label
                                                                     : relative_to(file, c.pricing_label));
    } else if (pj.is_object()) {
      c.pricing_label = "inline";
      c.pricing = planner::pricing_from_json(pj, file + " /pricing");
    } else {
      r.fail("pricing", "expected \"default\", a pricing file path or an inline pricing object");
    }
  } else {
    c.pricing = planner::load_pricing("default");
  }
  auto ws = r.array_of_objects("workloads");
  if (ws.empty()) r.fail("workloads", "give at least one workload with its clauses");
  for (auto& w : ws) {
    WorkloadContract x;
    x.preset = w.string_or("preset", "");
    x.name = w.string_or("name", x.preset);
    if (x.name.empty()) w.fail("name", "give a name or a preset");
    x.input_tokens = w.optional_number("input_tokens", 1, 1e7);
    x.output_tokens = w.optional_number("output_tokens", 1, 1e7);
    if (x.preset.empty() && (!x.input_tokens || !x.output_tokens))
      w.fail(x.input_tokens ? "output_tokens" : "input_tokens", "required when no preset is given");
    x.requests_per_s = w.optional_number("requests_per_s", 1e-9, 1e9);
    if (x.preset.empty() && !x.requests_per_s) w.fail("requests_per_s", "required when no preset is given");
    x.goodput = w.number_or("goodput", x.goodput, 0, 1);
    auto cl = w.child("clauses");
    x.clauses = read_clauses(cl);
    if (x.clauses.empty()) w.fail("clauses", "give at least one clause");
    if (auto p = w.optional_child("predicted")) x.predicted = read_predicted(*p);
    w.finish();
    for (const auto& o : c.workloads)
      if (o.name == x.name) w.fail("name", fmt::format("workload '{}' appears twice", x.name));
    c.workloads.push_back(std::move(x));
  }
  if (auto m = r.optional_child("made_from")) {
    for (auto it = m->raw().begin(); it != m->raw().end(); ++it) c.made_from[it.key()] = m->string(it.key());
    m->finish();
  }
  r.finish();
  return c;
}

Contract load_contract(const std::string& path) { return contract_from_json(common::load_json_file(path), path); }

Json contract_to_json(const Contract& c) {
  Json j;
  j["contract_format"] = c.format;
  j["name"] = c.name;
  j["version"] = c.version;
  put(j, "description", c.description);
  if (!c.rollback_version.empty()) {
    Json rb = {{"version", c.rollback_version}};
    put(rb, "file", c.rollback_file);
    j["rollback"] = rb;
  }
  j["model"] = c.model;
  Json w = {{"format", c.weights.format}};
  put(w, "dtype", c.weights.dtype);
  if (!c.weights.group_dtypes.empty()) {
    Json g = Json::object();
    for (const auto& name : tensor_group_names()) {
      const auto it = c.weights.group_dtypes.find(name);
      if (it != c.weights.group_dtypes.end()) g[name] = it->second;
    }
    w["groups"] = g;
  }
  put(w, "file", c.weights.file);
  j["weights"] = w;
  Json q = Json::object();
  put(q, "method", c.quantization.method);
  put(q, "calibration_dataset", c.quantization.calibration_dataset);
  put(q, "statistics", c.quantization.statistics);
  put(q, "notes", c.quantization.notes);
  if (!q.empty()) j["quantization"] = q;
  Json t;
  t["hardware"] = c.targets.hardware;
  t["runtimes"] = c.targets.runtimes;
  t["precisions"] = c.targets.precisions;
  if (!c.targets.state_precision.empty()) t["state_precision"] = c.targets.state_precision;
  Json l = Json::object();
  if (c.targets.layout.max_chips_per_replica > 0) l["max_chips_per_replica"] = c.targets.layout.max_chips_per_replica;
  if (c.targets.layout.tp > 0) l["tp"] = c.targets.layout.tp;
  if (c.targets.layout.pp > 0) l["pp"] = c.targets.layout.pp;
  t["layout"] = l;
  if (!c.targets.compile_hints.empty()) {
    Json h = Json::object();
    for (const auto& [rt, kv] : c.targets.compile_hints) {
      Json o = Json::object();
      for (const auto& [k, v] : kv) o[k] = v;
      h[rt] = o;
    }
    t["compile_hints"] = h;
  }
  j["targets"] = t;
  if (c.pricing_label == "inline")
    j["pricing"] = planner::pricing_to_json(c.pricing);
  else
    j["pricing"] = c.pricing_label;
  Json ws = Json::array();
  for (const auto& x : c.workloads) {
    Json o = {{"name", x.name}};
    put(o, "preset", x.preset);
    put(o, "input_tokens", x.input_tokens);
    put(o, "output_tokens", x.output_tokens);
    put(o, "requests_per_s", x.requests_per_s);
    o["goodput"] = x.goodput;
    Json k = Json::object();
    put(k, "ttft_p99_s", x.clauses.ttft_p99_s);
    put(k, "tpot_p99_s", x.clauses.tpot_p99_s);
    put(k, "min_output_tok_s_per_chip", x.clauses.min_output_tok_s_per_chip);
    put(k, "max_usd_per_1k_output", x.clauses.max_usd_per_1k_output);
    put(k, "max_joules_per_output_token", x.clauses.max_joules_per_output_token);
    o["clauses"] = k;
    if (x.predicted) {
      const auto& p = *x.predicted;
      Json pj = {{"target", p.target}};
      put(pj, "ttft_p99_s", p.ttft_p99_s);
      put(pj, "tpot_p99_s", p.tpot_p99_s);
      put(pj, "output_tok_s_per_chip", p.output_tok_s_per_chip);
      put(pj, "usd_per_1k_output", p.usd_per_1k_output);
      put(pj, "joules_per_output_token", p.joules_per_output_token);
      pj["verified"] = p.verified;
      put(pj, "cost_basis", p.cost_basis);
      o["predicted"] = pj;
    }
    ws.push_back(o);
  }
  j["workloads"] = ws;
  if (!c.made_from.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : c.made_from) m[k] = v;
    j["made_from"] = m;
  }
  return j;
}

}  // namespace infersim::contract
