#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/runtime_resolution.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::Json;

namespace {

std::vector<std::string> dtype_list(const std::vector<common::DType>& v) {
  std::vector<std::string> out;
  for (auto d : v) out.push_back(common::dtype_name(d));
  return out;
}

Json runtime_json(const hwprofiles::RuntimeProfile& r) {
  Json j;
  j["name"] = r.name;
  j["display_name"] = r.display_name;
  j["license"] = r.license;
  j["vendor_neutral"] = r.vendor_neutral;
  j["notes"] = r.notes;
  j["source"] = r.source;
  j["porting_effort_weeks"] = {{"value", r.porting_effort_weeks}, {"source", r.porting_effort_source}};
  const auto& f = r.features;
  j["features"] = {{"continuous_batching", f.continuous_batching},
                   {"paged_kv", f.paged_kv},
                   {"chunked_prefill", f.chunked_prefill},
                   {"prefix_caching", f.prefix_caching},
                   {"speculative_decoding", f.speculative_decoding},
                   {"pd_disaggregation", f.pd_disaggregation},
                   {"source", f.source}};
  j["architectures"] = r.architectures;
  j["architectures_source"] = r.architectures_source;
  Json bs = Json::array();
  for (const auto& b : r.backends) {
    Json x = {{"name", b.name},
              {"hardware_families", b.hardware_families},
              {"default", b.is_default},
              {"weight_dtypes", dtype_list(b.weight_dtypes)},
              {"kv_dtypes", dtype_list(b.kv_dtypes)},
              {"quantization", b.quantization},
              {"maturity", b.maturity},
              {"source", b.source}};
    if (!b.hardware_kinds.empty()) x["hardware_kinds"] = b.hardware_kinds;
    Json df = Json::object();
    for (const auto& [d, fams] : b.dtype_families) df[common::dtype_name(d)] = fams;
    if (!df.empty()) x["dtype_families"] = df;
    bs.push_back(x);
  }
  j["backends"] = bs;
  return j;
}

}  // namespace

int cmd_runtimes(const ArgList& argv) {
  Args a(argv, {"model", "precision"}, {"json"});
  const auto& pos = a.positional();
  const std::string sub = pos.empty() ? "list" : pos[0];
  auto& rts = hwprofiles::RuntimeCatalog::shipped();
  if (sub == "list") {
    if (a.flag("json")) {
      Json arr = Json::array();
      for (const auto& n : rts.names()) arr.push_back(runtime_json(rts.get(n)));
      fmt::print("{}\n", arr.dump(2));
      return 0;
    }
    Table t({"runtime", "license", "backends (hardware families)", "features", "porting weeks"});
    for (const auto& n : rts.names()) {
      const auto& r = rts.get(n);
      std::vector<std::string> bs;
      for (const auto& b : r.backends)
        bs.push_back(b.name + (b.is_default ? "*" : "") + "(" + common::join(b.hardware_families, "/") + ")");
      std::vector<std::string> fs;
      const auto& f = r.features;
      if (f.continuous_batching) fs.push_back("CB");
      if (f.paged_kv) fs.push_back("paged");
      if (f.chunked_prefill) fs.push_back("chunked");
      if (f.prefix_caching) fs.push_back("prefix");
      if (f.speculative_decoding) fs.push_back("spec");
      if (f.pd_disaggregation) fs.push_back("PD");
      t.add({r.name, r.license, common::join(bs, " "), common::join(fs, ","),
             fmt::format("{:.0f}", r.porting_effort_weeks)});
    }
    fmt::print("{}* = default runtime on that hardware. Features: CB continuous batching, paged KV, chunked prefill, "
               "prefix caching, speculative decoding, PD prefill/decode disaggregation.\n",
               t.render());
    return 0;
  }
  if (sub == "show") {
    if (pos.size() < 2) throw ConfigError("", "runtimes show", "needs a runtime name");
    fmt::print("{}\n", runtime_json(rts.get(pos[1])).dump(2));
    return 0;
  }
  if (sub == "matrix") {
    // Support matrix: model x hardware x runtime x dtype, with the calibration basis of each cell.
    const auto model = model::ModelCatalog::shipped().resolve(a.value_or("model", "llama-3.1-8b"));
    auto& hws = hwprofiles::HardwareCatalog::shipped();
    std::vector<std::string> dts = {"bf16", "fp16", "fp8", "int8", "int4", "fp4"};
    if (auto p = a.value("precision")) dts = common::split(*p, ',');
    Json cells = Json::array();
    Table t({"hardware", "runtime", "maturity", "basis", "weights supported", "porting weeks"});
    for (const auto& hn : hws.names()) {
      const auto& hw = hws.get(hn);
      for (const auto* rp : rts.for_hardware(hw)) {
        std::vector<std::string> ok;
        std::string basis = "-";
        for (const auto& dn : dts) {
          auto d = common::parse_dtype(dn);
          if (!d) throw ConfigError("", "--precision", fmt::format("unknown dtype '{}'", dn));
          perf::Deployment dep;
          dep.hardware = hw;
          dep.runtime = rp->name;
          const auto* be = rp->backend_for(hw);
          common::DType kv = *d == common::DType::fp8 ? common::DType::fp8 : common::DType::fp16;
          if (std::find(be->kv_dtypes.begin(), be->kv_dtypes.end(), kv) == be->kv_dtypes.end())
            kv = be->kv_dtypes.front();
          dep.precision = {*d, *d, kv};
          Json cell = {{"model", model.name}, {"hardware", hw.name}, {"runtime", rp->name}, {"dtype", dn}};
          try {
            const auto r = perf::resolve_runtime(model, dep);
            ok.push_back(dn);
            basis = r.basis;
            cell["supported"] = true;
            cell["basis"] = r.basis;
            cell["maturity"] = r.maturity;
          } catch (const ConfigError& e) {
            cell["supported"] = false;
            cell["reason"] = e.reason();
          }
          cells.push_back(cell);
        }
        t.add({hw.name, rp->name + (rp->backend_for(hw)->is_default ? "*" : ""), rp->backend_for(hw)->maturity, basis,
               ok.empty() ? "none (" + model.architecture + " not served)" : common::join(ok, ","),
               fmt::format("{:.0f}", rp->porting_effort_weeks)});
      }
    }
    if (a.flag("json")) {
      fmt::print("{}\n", cells.dump(2));
    } else {
      fmt::print("support matrix for {} ({} architecture); * = default runtime\n{}", model.name, model.architecture,
                 t.render());
      fmt::print(
          "basis: fitted = measured here; family / vendor = measured on the same family / vendor; transferred = "
          "reference runtime "
          "scaled by this runtime's measured relative speed elsewhere; assumed/default = no measurements ([EST])\n");
    }
    return 0;
  }
  throw ConfigError("", "runtimes " + sub,
                    fmt::format("unknown subcommand{}", common::suggest_suffix(sub, {"list", "show", "matrix"})));
}

}  // namespace infersim::cli
