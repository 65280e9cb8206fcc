#pragma once
// What a procurement brief compares (BRIEF.json, docs/brief-format.md): one model, one or more
// workloads sharing a target load, latency SLOs, the current deployment, pricing and the options to
// compare ("stay as is", "shift 25% of traffic to AMD", "add a CPU fallback lane", "LPU decode behind
// GPU prefill", "move to TPU", "own the hardware instead of renting it"). Every option is evaluated
// with the planner (planner/plan.h) except the disaggregated one, which is sized analytically from
// step-time estimates (planner/brief/build_brief.h says how). Units: requests/s, tokens, seconds,
// bytes/s. Plain copyable value; the JSON edge is brief_json.h.
#include <optional>
#include <string>
#include <vector>

#include "infersim/planner/plan.h"
#include "infersim/planner/pricing.h"

namespace infersim::brief {

struct BriefWorkload {
  std::string name = "chat";
  double input_tokens = 1024;       // mean prompt length (the stated context)
  double output_tokens = 256;       // mean generated length
  double share = 1.0;               // share of the total requests/s
  double calls_per_task = 1;        // model calls per user task ($ per task = $ per request x this)
  std::optional<planner::Slo> slo;  // overrides the brief's SLO for this workload
};

struct CurrentDeployment {
  std::string hardware = "h100-sxm";
  std::string runtime;  // "" = the hardware's default runtime
  std::string precision = "bf16";
  int chips = 0;  // current fleet size, 0 = not stated
};

enum class OptionType { stay, shift, cpu_fallback, disaggregated, move, owned };
const char* option_type_name(OptionType t);
const std::vector<std::string>& option_type_names();

struct BriefOption {
  OptionType type = OptionType::stay;
  std::string id;                       // slug, unique in the brief (default: from the type)
  std::string label;                    // shown to readers (default: from the type and hardware)
  std::vector<std::string> to;          // shift/move/cpu_fallback: target hardware (cheapest wins)
  double share = 0;                     // shift / cpu_fallback: share of every workload's traffic moved
  std::string prefill_hardware;         // disaggregated: prefill pool ("" = current hardware)
  std::string decode_hardware;          // disaggregated: decode pool
  std::string decode_precision;         // disaggregated: "" = current precision if supported, else fp16, int8
  std::string model;                    // cpu_fallback: model of the lane ("" = the brief's model)
  std::vector<std::string> precisions;  // empty = the brief's precisions
  std::vector<std::string> runtimes;    // empty = each hardware's default runtime
  std::optional<planner::PricingMode> pricing_mode;  // overrides the brief's pricing mode
  std::optional<planner::CloudTier> cloud_tier;
};

// Cold start (hydration) assumptions for the autoscaling risk. Defaults: hardware-datasheet.md section 5.
struct ColdStart {
  double local_nvme_bytes_per_s = 7e9;    // [EST] one PCIe Gen4 x4 DC NVMe, sequential read
  double object_store_bytes_per_s = 1e9;  // [EST] parallel streamer from object/block storage (Run:ai ~1.1 GB/s)
  std::optional<double> init_s;           // runtime init after loading; default per hardware kind
  // Scale-up paths (build_brief.h ScaleUpPath): a fresh node's container pull + extract ([3P] as the
  // simulator's image_pull_gb_s), and the storage that keeps weights, image and compile cache ready.
  double image_pull_bytes_per_s = 0.04e9;
  double nvme_usd_per_gb_month = 0.08;           // block storage (AWS EBS gp3 list price, us-east-1)
  double object_store_usd_per_gb_month = 0.023;  // object storage (AWS S3 Standard list, first 50 TB, us-east-1)
};

struct BriefRequest {
  std::string file;  // where it was loaded from ("" = built in code)
  std::string title;
  std::string model = "llama-3.1-70b";
  std::vector<BriefWorkload> workloads = {BriefWorkload{}};
  double requests_per_s = 10;  // whole deployment, all workloads
  planner::Slo slo;
  CurrentDeployment current;
  std::vector<std::string> precisions = {"bf16", "fp8", "int8"};
  bool allow_int4 = false;
  planner::Pricing pricing;        // build_brief() loads the shipped file when this is default and unsourced
  bool pricing_is_default = true;  // the shipped default file: PLAN.json files then say "pricing": "default"
  int max_chips_per_replica = 64;
  int verify_top = 3;
  ColdStart cold_start;
  // The buyer's own site (planner/facility.h): options costed owned are planned within its limits
  // (plans that break them are rejected with the limit named), and the facility table checks each
  // option's total against it. Rented options run in the provider's hall and are not checked.
  std::optional<planner::Site> site;
  std::vector<BriefOption> options;  // resolved: never empty after loading
};

// The options used when BRIEF.json names none: stay; shift 25% to a second vendor; a 5% CPU
// fallback lane; LPU decode behind prefill on the current hardware (owned: Groq sells no chip-hours);
// move to TPU; own the current hardware instead of renting it.
std::vector<BriefOption> default_options(const CurrentDeployment& current);
// Fills ids and labels left empty; throws ConfigError on duplicate ids.
void resolve_option_names(std::vector<BriefOption>& options, const CurrentDeployment& current, const std::string& file);

}  // namespace infersim::brief
