#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/model/model_spec_json.h"
#include "table.h"

namespace infersim::cli {

using common::ConfigError;
using common::Json;

namespace {

Json model_summary(const model::ModelSpec& m) {
  return {{"name", m.name},
          {"display_name", m.display_name},
          {"family", m.family},
          {"params", model::param_count(m)},
          {"active_params", model::active_params_per_token(m)},
          {"layers", m.num_layers},
          {"moe", m.is_moe()},
          {"mla", m.is_mla()},
          {"kv_bytes_per_token_bf16", model::kv_bytes_per_token(m, common::DType::bf16)},
          {"max_context", m.max_context}};
}

Json hardware_summary(const hwprofiles::HardwareProfile& h) {
  return {{"name", h.name},
          {"display_name", h.display_name},
          {"vendor", h.vendor},
          {"kind", hwprofiles::kind_name(h.kind)},
          {"family", h.family},
          {"bf16_tflops", std::max(h.peak(common::DType::bf16), h.peak(common::DType::fp16)) / 1e12},
          {"memory_gb", h.memory_bytes() / 1e9},
          {"memory_bw_gb_s", h.memory_bw() / 1e9},
          {"tdp_w", h.tdp_w},
          {"prices",
           [&] {
             Json p = Json::object();
             for (auto t : hwprofiles::cloud_tiers())
               if (const auto& q = h.prices.cloud(t); q.known())
                 p[hwprofiles::cloud_tier_name(t)] = {{"usd_per_chip_hour", q.usd},
                                                      {"provider", q.provider},
                                                      {"as_of", q.as_of}};
             if (!h.prices.no_cloud_price.empty()) p["no_cloud_price"] = h.prices.no_cloud_price;
             if (h.prices.purchase.known())
               p["purchase_usd"] = {{"value", h.prices.purchase.usd}, {"as_of", h.prices.purchase.as_of}};
             if (h.prices.server_share.known()) p["server_share_usd"] = h.prices.server_share.usd;
             return p;
           }()},
          {"runtimes", [&] {
             Json r = Json::array();
             for (const auto& c : h.calibrations) r.push_back(c.runtime);
             return r;
           }()}};
}

int models_list(bool json) {
  auto& cat = model::ModelCatalog::shipped();
  if (json) {
    Json arr = Json::array();
    for (const auto& n : cat.names()) arr.push_back(model_summary(cat.get(n)));
    fmt::print("{}\n", arr.dump(2));
    return 0;
  }
  Table t({"name", "family", "params", "active", "layers", "KV/token (bf16)", "max context"});
  for (const auto& n : cat.names()) {
    const auto& m = cat.get(n);
    t.add({m.name, m.family, fmt::format("{:.2f}B", model::param_count(m) / 1e9),
           fmt::format("{:.2f}B", model::active_params_per_token(m) / 1e9), std::to_string(m.num_layers),
           common::format_bytes(model::kv_bytes_per_token(m, common::DType::bf16)), std::to_string(m.max_context)});
  }
  fmt::print("{}", t.render());
  return 0;
}

int hardware_list(bool json) {
  auto& cat = hwprofiles::HardwareCatalog::shipped();
  if (json) {
    Json arr = Json::array();
    for (const auto& n : cat.names()) arr.push_back(hardware_summary(cat.get(n)));
    fmt::print("{}\n", arr.dump(2));
    return 0;
  }
  Table t({"name", "kind", "vendor", "16-bit TFLOP/s", "memory", "GB/s", "TDP W", "on-demand $/h (as of)", "purchase $",
           "runtimes (calibration)"});
  for (const auto& n : cat.names()) {
    const auto& h = cat.get(n);
    std::vector<std::string> rts;
    for (const auto& c : h.calibrations) rts.push_back(c.runtime + (c.borrowed ? "*" : ""));
    t.add({h.name, hwprofiles::kind_name(h.kind), h.vendor,
           fmt::format("{:.0f}", std::max(h.peak(common::DType::bf16), h.peak(common::DType::fp16)) / 1e12),
           common::format_bytes(h.memory_bytes()), fmt::format("{:.0f}", h.memory_bw() / 1e9),
           fmt::format("{:.0f}", h.tdp_w),
           h.prices.on_demand.known() ? fmt::format("{:.2f} ({})", h.prices.on_demand.usd, h.prices.on_demand.as_of)
                                      : (h.prices.rented() ? "other tiers" : "no public price"),
           h.prices.purchase.known() ? fmt::format("{:.0f}", h.prices.purchase.usd) : "-", common::join(rts, ", ")});
  }
  fmt::print("{}(* = borrowed: family or cross-family default, not measured on this hardware)\n", t.render());
  return 0;
}

}  // namespace

int cmd_list(const ArgList& argv) {
  Args a(argv, {}, {"json"});
  auto& mc = model::ModelCatalog::shipped();
  auto& hc = hwprofiles::HardwareCatalog::shipped();
  if (a.flag("json")) {
    fmt::print("{}\n", Json({{"models", mc.names()}, {"hardware", hc.names()}}).dump(2));
  } else {
    fmt::print("models:   {}\nhardware: {}\n", common::join(mc.names(), " "), common::join(hc.names(), " "));
  }
  return 0;
}

int cmd_models(const ArgList& argv) {
  Args a(argv, {"name", "out"}, {"json"});
  const auto& pos = a.positional();
  const std::string sub = pos.empty() ? "list" : pos[0];
  if (sub == "list") return models_list(a.flag("json"));
  if (sub == "show") {
    if (pos.size() < 2) throw ConfigError("", "models show", "needs a model name or path");
    const auto m = model::ModelCatalog::shipped().resolve(pos[1]);
    Json j = model::model_to_json(m);
    if (a.flag("json")) {
      j["derived"] = model_summary(m);
      fmt::print("{}\n", j.dump(2));
    } else {
      const auto pb = model::param_breakdown(m);
      fmt::print("{} ({}), family {}\n  source: {}\n", m.display_name, m.name, m.family, m.source);
      fmt::print("  parameters {:.3f}B (published {:.3f}B: {}), active per token {:.3f}B\n", pb.total() / 1e9,
                 m.published_params / 1e9, m.published_params_source, pb.active_per_token(m) / 1e9);
      fmt::print("  embedding {:.3f}B, attention {:.3f}B, dense MLP {:.3f}B, routed experts {:.3f}B, shared {:.3f}B, "
                 "router {:.4f}B, LM head {:.3f}B\n",
                 pb.embedding / 1e9, pb.attention / 1e9, pb.dense_mlp / 1e9, pb.routed_experts / 1e9,
                 pb.shared_experts / 1e9, pb.router / 1e9, pb.lm_head / 1e9);
      fmt::print("  weights: bf16 {}, fp8 {}, int4 {}\n",
                 common::format_bytes(model::weight_bytes(m, common::DType::bf16)),
                 common::format_bytes(model::weight_bytes(m, common::DType::fp8)),
                 common::format_bytes(model::weight_bytes(m, common::DType::int4)));
      fmt::print("  KV cache per token: {} (bf16), {} (fp8)\n",
                 common::format_bytes(model::kv_bytes_per_token(m, common::DType::bf16)),
                 common::format_bytes(model::kv_bytes_per_token(m, common::DType::fp8)));
      if (m.is_hybrid_linear())
        fmt::print("  recurrent state per sequence: {} ({} Gated DeltaNet layers, FP32; {} of {} layers keep KV)\n",
                   common::format_bytes(model::recurrent_state_bytes_per_sequence(m)),
                   model::linear_attention_layers(m), model::full_attention_layers(m), m.num_layers);
      fmt::print("{}\n", j.dump(2));
    }
    return 0;
  }
  if (sub == "import-hf") {
    if (pos.size() < 2) throw ConfigError("", "models import-hf", "needs the path of a Hugging Face config.json");
    const auto m = model::import_hf_config_file(pos[1], a.value_or("name", ""));
    const std::string text = model::model_to_json(m).dump(2) + "\n";
    if (auto out = a.value("out")) {
      common::write_text_file_atomic(*out, text);
      fmt::print(stderr, "wrote model card '{}' ({:.2f}B parameters) to {}\n", m.name, model::param_count(m) / 1e9,
                 *out);
    } else {
      fmt::print("{}", text);
    }
    return 0;
  }
  throw ConfigError("", "models " + sub,
                    fmt::format("unknown subcommand{}", common::suggest_suffix(sub, {"list", "show", "import-hf"})));
}

int cmd_hardware(const ArgList& argv) {
  Args a(argv, {}, {"json"});
  const auto& pos = a.positional();
  const std::string sub = pos.empty() ? "list" : pos[0];
  if (sub == "list") return hardware_list(a.flag("json"));
  if (sub == "show") {
    if (pos.size() < 2) throw ConfigError("", "hardware show", "needs a hardware name or path");
    const auto h = hwprofiles::HardwareCatalog::shipped().resolve(pos[1]);
    Json j = hwprofiles::hardware_to_json(h);
    Json cals = Json::array();
    for (const auto& c : h.calibrations) {
      Json x = hwprofiles::calibration_params_to_json(c.params);
      x["runtime"] = c.runtime;
      x["source"] = c.source;
      x["borrowed"] = c.borrowed;
      x["fitted_on"] = c.fitted_on;
      x["rows_fit"] = c.rows_fit;
      x["rows_held_out"] = c.rows_held_out;
      cals.push_back(x);
    }
    j["calibrations"] = cals;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  if (sub == "validate") {
    if (pos.size() < 2) throw ConfigError("", "hardware validate", "needs one or more profile JSON files");
    for (std::size_t i = 1; i < pos.size(); ++i) {
      const auto h = hwprofiles::load_hardware_profile(pos[i]);
      fmt::print("{}: ok ({}, {} sourced figures)\n", pos[i], h.name, h.sources.size());
    }
    return 0;
  }
  throw ConfigError("", "hardware " + sub,
                    fmt::format("unknown subcommand{}", common::suggest_suffix(sub, {"list", "show", "validate"})));
}

}  // namespace infersim::cli
