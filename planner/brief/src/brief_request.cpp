#include "infersim/brief/brief_request.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::brief {

const char* option_type_name(OptionType t) {
  switch (t) {
    case OptionType::stay: return "stay";
    case OptionType::shift: return "shift";
    case OptionType::cpu_fallback: return "cpu_fallback";
    case OptionType::disaggregated: return "disaggregated";
    case OptionType::move: return "move";
    case OptionType::owned: return "owned";
  }
  return "?";
}

const std::vector<std::string>& option_type_names() {
  static const std::vector<std::string> names = {"stay", "shift", "cpu_fallback", "disaggregated", "move", "owned"};
  return names;
}

std::vector<BriefOption> default_options(const CurrentDeployment& current) {
  std::vector<BriefOption> out;
  BriefOption stay;
  stay.type = OptionType::stay;
  out.push_back(stay);
  BriefOption shift;
  shift.type = OptionType::shift;
  shift.to = {current.hardware == "mi300x" || current.hardware == "mi325x" ? "h100-sxm" : "mi300x"};
  shift.share = 0.25;
  out.push_back(shift);
  BriefOption cpu;
  cpu.type = OptionType::cpu_fallback;
  cpu.to = {"xeon-6980p"};
  cpu.share = 0.05;
  out.push_back(cpu);
  BriefOption dis;
  dis.type = OptionType::disaggregated;
  dis.prefill_hardware = current.hardware;
  dis.decode_hardware = "groq-lpu";
  dis.pricing_mode = planner::PricingMode::owned;  // Groq sells no chip-hours
  out.push_back(dis);
  BriefOption move;
  move.type = OptionType::move;
  move.to = {"tpu-v6e", "tpu-v5e"};
  out.push_back(move);
  BriefOption owned;
  owned.type = OptionType::owned;
  out.push_back(owned);
  return out;
}

namespace {
std::string pct(double share) { return fmt::format("{:g}", std::round(share * 1000) / 10); }
}  // namespace

void resolve_option_names(std::vector<BriefOption>& options, const CurrentDeployment& current,
                          const std::string& file) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < options.size(); ++i) {
    auto& o = options[i];
    const std::string first = o.to.empty() ? std::string() : o.to.front();
    if (o.id.empty()) {
      switch (o.type) {
        case OptionType::stay: o.id = "stay"; break;
        case OptionType::shift: o.id = fmt::format("shift-{}-{}", pct(o.share), first); break;
        case OptionType::cpu_fallback: o.id = fmt::format("cpu-fallback-{}", pct(o.share)); break;
        case OptionType::disaggregated: o.id = fmt::format("{}-decode", o.decode_hardware); break;
        case OptionType::move: o.id = fmt::format("move-{}", first); break;
        case OptionType::owned: o.id = "owned"; break;
      }
    }
    if (o.label.empty()) {
      switch (o.type) {
        case OptionType::stay: o.label = fmt::format("Stay on {}", current.hardware); break;
        case OptionType::shift:
          o.label = fmt::format("Shift {}% to {}", pct(o.share), common::join(o.to, " / "));
          break;
        case OptionType::cpu_fallback:
          o.label = fmt::format("CPU fallback lane ({}% on {}{})", pct(o.share), first,
                                o.model.empty() ? "" : ", " + o.model);
          break;
        case OptionType::disaggregated:
          o.label = fmt::format("{} decode behind {} prefill", o.decode_hardware,
                                o.prefill_hardware.empty() ? current.hardware : o.prefill_hardware);
          break;
        case OptionType::move: o.label = fmt::format("Move to {}", common::join(o.to, " / ")); break;
        case OptionType::owned: o.label = fmt::format("Own {} (vs cloud)", current.hardware); break;
      }
    }
    if (!seen.insert(o.id).second)
      throw common::ConfigError(file, fmt::format("/options/{}/id", i),
                                fmt::format("duplicate option id '{}': give each option its own \"id\"", o.id));
  }
}

}  // namespace infersim::brief
