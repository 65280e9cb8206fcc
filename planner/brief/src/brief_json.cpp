#include "infersim/brief/brief_json.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"

namespace infersim::brief {

using common::ConfigError;
using common::Json;
using common::JsonReader;

namespace {

void check_hardware(const JsonReader& r, const std::string& key, const std::string& name) {
  auto& hws = hwprofiles::HardwareCatalog::shipped();
  if (!hws.contains(name))
    r.fail(key, fmt::format("unknown hardware '{}'{}", name, common::suggest_suffix(name, hws.names())));
}

void check_runtime(const JsonReader& r, const std::string& key, const std::string& name) {
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  if (!rts.contains(name))
    r.fail(key, fmt::format("unknown runtime '{}'{}", name, common::suggest_suffix(name, rts.names())));
}

void check_precision(const JsonReader& r, const std::string& key, const std::string& p) {
  const auto d = common::parse_dtype(p);
  if (!d || *d == common::DType::tf32 || *d == common::DType::fp32)
    r.fail(key, fmt::format("'{}' is not a serving precision (bf16, fp16, fp8, int8, int4, fp4){}", p,
                            common::suggest_suffix(p, common::dtype_names())));
}

std::string resolve_model(JsonReader& r, const std::string& key, const std::string& name) {
  std::string m = name;
  // A path relative to the brief file is taken relative to it, like PLAN.json pricing paths.
  if (!model::ModelCatalog::shipped().contains(name) && !std::filesystem::path(name).is_absolute() &&
      !r.file().empty()) {
    const auto rel = std::filesystem::path(r.file()).parent_path() / name;
    if (std::filesystem::exists(rel)) m = std::filesystem::absolute(rel).lexically_normal().string();
  }
  try {
    model::ModelCatalog::shipped().resolve(m);
  } catch (const ConfigError& e) {
    r.fail(key, e.reason().empty() ? e.what() : e.reason());
  } catch (const common::IoError& e) {
    r.fail(key, e.what());
  }
  return m;
}

// "to": a hardware name or a list of them.
std::vector<std::string> hardware_list(JsonReader& r, const std::string& key, std::vector<std::string> fallback,
                                       bool required) {
  if (!r.has(key)) {
    if (required) r.fail(key, "required field is missing (a hardware name or a list of them)");
    r.optional_string(key);
    return fallback;
  }
  std::vector<std::string> out;
  const Json& v = r.raw(key);
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && !v.empty()) {
    out = r.string_list_or(key, {});
  } else {
    r.fail(key, "expected a hardware name or a non-empty list of them");
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (v.is_string())
      check_hardware(r, key, out[i]);
    else if (!hwprofiles::HardwareCatalog::shipped().contains(out[i]))
      throw ConfigError(r.file(), r.pointer(key) + "/" + std::to_string(i),
                        fmt::format("unknown hardware '{}'{}", out[i],
                                    common::suggest_suffix(out[i], hwprofiles::HardwareCatalog::shipped().names())));
  }
  return out;
}

planner::Slo read_slo(JsonReader& s, planner::Slo slo) {
  slo.ttft_p99_s = s.number_or("ttft_p99_s", slo.ttft_p99_s, 1e-4, 1e5);
  slo.tpot_p99_s = s.number_or("tpot_p99_s", slo.tpot_p99_s, 1e-5, 1e3);
  slo.goodput = s.number_or("goodput", slo.goodput, 0.0, 1.0);
  s.finish();
  return slo;
}

BriefOption read_option(JsonReader& o, const CurrentDeployment& current) {
  BriefOption opt;
  const std::string type = o.one_of("type", option_type_names());
  for (std::size_t i = 0; i < option_type_names().size(); ++i)
    if (option_type_names()[i] == type) opt.type = static_cast<OptionType>(i);
  opt.id = o.string_or("id", "");
  if (!opt.id.empty()) {
    for (char c : opt.id)
      if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
            c == '_' || c == '.'))
        o.fail("id", fmt::format("'{}' is not a slug (lowercase letters, digits, '-', '_', '.')", opt.id));
  }
  opt.label = o.string_or("label", "");
  opt.precisions = o.string_list_or("precisions", {});
  for (std::size_t i = 0; i < opt.precisions.size(); ++i) {
    const auto d = common::parse_dtype(opt.precisions[i]);
    if (!d || *d == common::DType::tf32 || *d == common::DType::fp32)
      throw ConfigError(o.file(), o.pointer("precisions") + "/" + std::to_string(i),
                        fmt::format("'{}' is not a serving precision (bf16, fp16, fp8, int8, int4, fp4)",
                                    opt.precisions[i]));
  }
  opt.runtimes = o.string_list_or("runtimes", {});
  for (std::size_t i = 0; i < opt.runtimes.size(); ++i)
    if (!hwprofiles::RuntimeCatalog::shipped().contains(opt.runtimes[i]))
      throw ConfigError(o.file(), o.pointer("runtimes") + "/" + std::to_string(i),
                        fmt::format("unknown runtime '{}'{}", opt.runtimes[i],
                                    common::suggest_suffix(opt.runtimes[i],
                                                           hwprofiles::RuntimeCatalog::shipped().names())));
  if (o.has("pricing_mode"))
    opt.pricing_mode = o.one_of("pricing_mode", {"cloud", "owned"}) == "owned" ? planner::PricingMode::owned
                                                                               : planner::PricingMode::cloud;
  if (o.has("cloud_tier")) opt.cloud_tier = hwprofiles::read_cloud_tier(o, "cloud_tier", planner::CloudTier::on_demand);
  switch (opt.type) {
    case OptionType::stay:
    case OptionType::owned: break;
    case OptionType::shift:
      opt.to = hardware_list(o, "to", {current.hardware == "mi300x" ? "h100-sxm" : "mi300x"}, false);
      opt.share = o.number_or("share", 0.25, 0.01, 0.99);
      break;
    case OptionType::cpu_fallback:
      opt.to = hardware_list(o, "to", {"xeon-6980p"}, false);
      opt.share = o.number_or("share", 0.05, 0.01, 0.99);
      if (o.has("model")) opt.model = resolve_model(o, "model", o.string("model"));
      break;
    case OptionType::move: opt.to = hardware_list(o, "to", {}, true); break;
    case OptionType::disaggregated:
      opt.prefill_hardware = o.string_or("prefill", current.hardware);
      check_hardware(o, "prefill", opt.prefill_hardware);
      opt.decode_hardware = o.string_or("decode", "groq-lpu");
      check_hardware(o, "decode", opt.decode_hardware);
      opt.decode_precision = o.string_or("decode_precision", "");
      if (!opt.decode_precision.empty()) check_precision(o, "decode_precision", opt.decode_precision);
      break;
  }
  o.finish();
  return opt;
}

}  // namespace

BriefRequest brief_request_from_json(const Json& j, const std::string& file) {
  JsonReader r(j, file);
  BriefRequest b;
  b.file = file;
  if (r.has("schema_version") && r.integer("schema_version", 1, 1000) != 1)
    r.fail("schema_version", "unsupported schema_version (this build reads 1)");
  b.title = r.string_or("title", "");
  b.model = resolve_model(r, "model", r.string("model"));
  if (auto s = r.optional_child("slo")) b.slo = read_slo(*s, b.slo);
  {
    auto ws = r.array_of_objects("workloads");
    if (ws.empty()) r.fail("workloads", "needs at least one workload");
    b.workloads.clear();
    int with_share = 0;
    std::set<std::string> names;
    for (auto& w : ws) {
      BriefWorkload x;
      x.name = w.string("name");
      if (x.name.empty()) w.fail("name", "must not be empty");
      for (char c : x.name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
          w.fail("name", fmt::format("'{}': use letters, digits, '-', '_' or '.' (names become file names)", x.name));
      if (!names.insert(x.name).second) w.fail("name", fmt::format("duplicate workload name '{}'", x.name));
      x.input_tokens = w.number("input_tokens", 1, 1e7);
      x.output_tokens = w.number("output_tokens", 1, 1e7);
      x.calls_per_task = w.number_or("calls_per_task", 1, 1, 1e4);
      if (w.has("share")) {
        x.share = w.number("share", 1e-6, 1.0);
        ++with_share;
      }
      if (auto s = w.optional_child("slo")) x.slo = read_slo(*s, b.slo);
      w.finish();
      b.workloads.push_back(x);
    }
    if (with_share != 0 && with_share != int(ws.size()))
      r.fail("workloads", "give every workload a \"share\" of the requests, or none (equal shares)");
    if (with_share == 0) {
      for (auto& x : b.workloads) x.share = 1.0 / double(b.workloads.size());
    } else {
      double sum = 0;
      for (const auto& x : b.workloads) sum += x.share;
      if (std::fabs(sum - 1.0) > 1e-6) r.fail("workloads", fmt::format("shares add up to {:g}, not 1", sum));
    }
  }
  {
    auto l = r.child("load");
    b.requests_per_s = l.number("requests_per_s", 1e-6, 1e9);
    l.finish();
  }
  if (auto c = r.optional_child("current")) {
    b.current.hardware = c->string("hardware");
    check_hardware(*c, "hardware", b.current.hardware);
    b.current.runtime = c->string_or("runtime", "");
    if (!b.current.runtime.empty()) check_runtime(*c, "runtime", b.current.runtime);
    b.current.precision = c->string_or("precision", "bf16");
    check_precision(*c, "precision", b.current.precision);
    b.current.chips = int(c->integer_or("chips", 0, 0, 10000000));
    c->finish();
  } else {
    r.fail("current", "required: the current deployment {\"hardware\": ..., \"runtime\": ..., \"precision\": ...}");
  }
  b.precisions = r.string_list_or("precisions", b.precisions);
  if (b.precisions.empty()) r.fail("precisions", "needs at least one precision");
  for (std::size_t i = 0; i < b.precisions.size(); ++i) {
    const auto d = common::parse_dtype(b.precisions[i]);
    if (!d || *d == common::DType::tf32 || *d == common::DType::fp32)
      throw ConfigError(file, "/precisions/" + std::to_string(i),
                        fmt::format("'{}' is not a serving precision (bf16, fp16, fp8, int8, int4, fp4)",
                                    b.precisions[i]));
  }
  b.allow_int4 = r.boolean_or("allow_int4", false);
  if (r.has("pricing")) {
    const Json& pj = r.raw("pricing");
    if (pj.is_string()) {
      std::string path = pj.get<std::string>();
      b.pricing_is_default = path == "default";
      if (!b.pricing_is_default && !std::filesystem::path(path).is_absolute())
        path = (std::filesystem::path(file).parent_path() / path).string();
      b.pricing = planner::load_pricing(path);
    } else if (pj.is_object()) {
      b.pricing = planner::pricing_from_json(pj, file + " /pricing");
      b.pricing_is_default = false;
    } else {
      r.fail("pricing", "expected \"default\", a pricing file path or an inline pricing object");
    }
  } else {
    b.pricing = planner::load_pricing("default");
  }
  if (auto s = r.optional_child("search")) {
    b.max_chips_per_replica = int(s->integer_or("max_chips_per_replica", b.max_chips_per_replica, 1, 100000));
    b.verify_top = int(s->integer_or("verify_top", b.verify_top, 0, 1000));
    s->finish();
  }
  if (auto s = r.optional_child("site")) b.site = planner::site_from_json(*s);
  if (auto c = r.optional_child("cold_start")) {
    b.cold_start.local_nvme_bytes_per_s =
        c->number_or("local_nvme_gb_s", b.cold_start.local_nvme_bytes_per_s / 1e9, 1e-3, 1e4) * 1e9;
    b.cold_start.object_store_bytes_per_s =
        c->number_or("object_store_gb_s", b.cold_start.object_store_bytes_per_s / 1e9, 1e-3, 1e4) * 1e9;
    b.cold_start.init_s = c->optional_number("init_s", 0, 1e5);
    b.cold_start.image_pull_bytes_per_s =
        c->number_or("image_pull_gb_s", b.cold_start.image_pull_bytes_per_s / 1e9, 1e-6, 1e4) * 1e9;
    b.cold_start.nvme_usd_per_gb_month = c->number_or("nvme_usd_per_gb_month", b.cold_start.nvme_usd_per_gb_month, 0,
                                                      1e3);
    b.cold_start.object_store_usd_per_gb_month = c->number_or("object_store_usd_per_gb_month",
                                                              b.cold_start.object_store_usd_per_gb_month, 0, 1e3);
    c->finish();
  }
  if (r.has("options")) {
    auto os = r.array_of_objects("options");
    if (os.empty()) r.fail("options", "needs at least one option (or leave \"options\" out for the defaults)");
    for (auto& o : os) b.options.push_back(read_option(o, b.current));
  } else {
    b.options = default_options(b.current);
  }
  resolve_option_names(b.options, b.current, file);
  r.finish();
  return b;
}

BriefRequest load_brief_request(const std::string& path) {
  return brief_request_from_json(common::load_json_file(path), path);
}

Json brief_request_to_json(const BriefRequest& b) {
  Json j;
  j["schema_version"] = 1;
  j["title"] = b.title;
  j["model"] = b.model;
  Json ws = Json::array();
  for (const auto& w : b.workloads) {
    Json x = {{"name", w.name},
              {"input_tokens", w.input_tokens},
              {"output_tokens", w.output_tokens},
              {"share", w.share},
              {"calls_per_task", w.calls_per_task}};
    if (w.slo)
      x["slo"] = {{"ttft_p99_s", w.slo->ttft_p99_s}, {"tpot_p99_s", w.slo->tpot_p99_s}, {"goodput", w.slo->goodput}};
    ws.push_back(x);
  }
  j["workloads"] = ws;
  j["load"] = {{"requests_per_s", b.requests_per_s}};
  j["slo"] = {{"ttft_p99_s", b.slo.ttft_p99_s}, {"tpot_p99_s", b.slo.tpot_p99_s}, {"goodput", b.slo.goodput}};
  j["current"] = {{"hardware", b.current.hardware},
                  {"runtime", b.current.runtime},
                  {"precision", b.current.precision},
                  {"chips", b.current.chips}};
  j["precisions"] = b.precisions;
  j["allow_int4"] = b.allow_int4;
  j["pricing"] = planner::pricing_to_json(b.pricing);
  j["search"] = {{"max_chips_per_replica", b.max_chips_per_replica}, {"verify_top", b.verify_top}};
  Json cs = {{"local_nvme_gb_s", b.cold_start.local_nvme_bytes_per_s / 1e9},
             {"object_store_gb_s", b.cold_start.object_store_bytes_per_s / 1e9},
             {"image_pull_gb_s", b.cold_start.image_pull_bytes_per_s / 1e9},
             {"nvme_usd_per_gb_month", b.cold_start.nvme_usd_per_gb_month},
             {"object_store_usd_per_gb_month", b.cold_start.object_store_usd_per_gb_month}};
  if (b.cold_start.init_s) cs["init_s"] = *b.cold_start.init_s;
  j["cold_start"] = cs;
  if (b.site) j["site"] = planner::site_to_json(*b.site);
  Json os = Json::array();
  for (const auto& o : b.options) {
    Json x = {{"type", option_type_name(o.type)}, {"id", o.id}, {"label", o.label}};
    if (!o.to.empty()) x["to"] = o.to;
    if (o.type == OptionType::shift || o.type == OptionType::cpu_fallback) x["share"] = o.share;
    if (o.type == OptionType::cpu_fallback && !o.model.empty()) x["model"] = o.model;
    if (o.type == OptionType::disaggregated) {
      x["prefill"] = o.prefill_hardware;
      x["decode"] = o.decode_hardware;
      if (!o.decode_precision.empty()) x["decode_precision"] = o.decode_precision;
    }
    if (!o.precisions.empty()) x["precisions"] = o.precisions;
    if (!o.runtimes.empty()) x["runtimes"] = o.runtimes;
    if (o.pricing_mode) x["pricing_mode"] = planner::pricing_mode_name(*o.pricing_mode);
    if (o.cloud_tier) x["cloud_tier"] = planner::cloud_tier_name(*o.cloud_tier);
    os.push_back(x);
  }
  j["options"] = os;
  return j;
}

}  // namespace infersim::brief
