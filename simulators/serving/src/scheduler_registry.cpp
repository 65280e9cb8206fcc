#include "infersim/serving/scheduler_registry.h"

#include "infersim/common/errors.h"
#include "schedulers/schedulers.h"

namespace infersim::serving {

using PT = ParamType;

namespace {
std::vector<ParamSpec> common_params(const char* seqs_default, const char* tokens_default, bool dynamic) {
  std::vector<ParamSpec> p = {
      {"max_num_seqs", PT::integer, "sequences", seqs_default,
       dynamic ? "most sequences running in one batch (vLLM max_num_seqs)"
               : "batch size: most requests per static batch",
       1, 1e6},
  };
  if (dynamic) {
    p.push_back({"max_num_batched_tokens", PT::integer, "tokens", tokens_default,
                 "token budget of one step (vLLM max_num_batched_tokens)", 1, 1e7});
  }
  p.push_back({"block_size", PT::integer, "tokens", "16", "KV cache block (page) size", 1, 4096});
  if (dynamic) {
    p.push_back({"preemption",
                 PT::string,
                 "",
                 "\"recompute\"",
                 "when KV blocks run out: recompute (drop KV, re-prefill later) or swap (copy KV to host memory over "
                 "the host link)",
                 -1e300,
                 1e300,
                 {"recompute", "swap"}});
    p.push_back(
        {"watermark", PT::number, "", "0.01", "share of KV blocks kept free when admitting new prompts", 0, 0.5});
    p.push_back({"prefix_caching", PT::boolean, "", "true",
                 "reuse a session's cached prompt prefix (agentic calls) when the same replica serves the next call"});
    p.push_back({"reserve_output", PT::boolean, "", "false",
                 "reserve KV for the whole prompt + output when admitting (TensorRT-LLM GUARANTEED_NO_EVICT): fewer "
                 "sequences run at once, none is ever preempted"});
    p.push_back(
        {"join_delay_steps", PT::integer, "steps", "0",
         "steps a new request waits before it can join a running batch (overlap / async schedulers prepare the "
         "next step while the current one runs: 1; TensorRT-LLM's attention-DP balancing holds a prompt up to its "
         "timeout, 50-60 iterations)",
         0, 100000});
  }
  return p;
}
}  // namespace

const std::vector<ComponentInfo>& scheduler_types() {
  static const std::vector<ComponentInfo> list = {
      {"static", "static batching: batch waiting requests, run the batch to its longest output, then the next batch",
       common_params("32", "", false)},
      {"continuous",
       "continuous batching (vLLM style): admit prompts every step (prefill-only steps), paged KV, preemption when KV "
       "is full",
       common_params("256", "8192", true)},
      {"chunked", "chunked prefill (Sarathi style): decodes plus prompt chunks up to a token budget in every step",
       [] {
         auto p = common_params("256", "2048", true);
         p.push_back({"chunk_prompts", PT::boolean, "", "true",
                      "split a prompt over several steps; false: a whole prompt must fit the step's remaining budget "
                      "(TensorRT-LLM in-flight batching without chunked context)"});
         p.push_back({"decode_budget_tokens", PT::integer, "tokens", "1",
                      "tokens of max_num_batched_tokens each running decode takes: 1, or 1 + its draft tokens under "
                      "multi-token prediction (TensorRT-LLM and vLLM count them)",
                      1, 64});
         p.push_back({"batch_wait_timeout_iters", PT::integer, "steps", "0",
                      "batch waiting (TensorRT-LLM batch_wait_timeout_iters): while sequences decode, new prompts wait "
                      "at most this many steps for more to gather; needs batch_wait_max_tokens_ratio too",
                      0, 100000});
         p.push_back({"batch_wait_max_tokens_ratio", PT::number, "", "0",
                      "batch waiting (TensorRT-LLM batch_wait_max_tokens_ratio): waiting prompts go as soon as their "
                      "tokens plus one per decoding sequence reach this share of max_num_batched_tokens",
                      0, 1});
         return p;
       }()},
  };
  return list;
}

namespace detail {
SchedulerLimits limits_from(const ParamValues& p) {
  SchedulerLimits l;
  l.max_num_seqs = p.integer("max_num_seqs");
  l.max_num_batched_tokens = p.has("max_num_batched_tokens") ? p.integer("max_num_batched_tokens") : (1LL << 40);
  l.block_size = p.integer("block_size");
  l.preempt_swap = p.has("preemption") && p.string("preemption") == "swap";
  l.watermark = p.number_or("watermark", 0.0);
  l.prefix_caching = p.has("prefix_caching") && p.boolean("prefix_caching");
  l.join_delay_steps = p.has("join_delay_steps") ? p.integer("join_delay_steps") : 0;
  l.chunk_prompts = !p.has("chunk_prompts") || p.boolean("chunk_prompts");
  l.reserve_output = p.has("reserve_output") && p.boolean("reserve_output");
  l.decode_budget_tokens = p.has("decode_budget_tokens") ? p.integer("decode_budget_tokens") : 1;
  l.batch_wait_timeout_iters = p.has("batch_wait_timeout_iters") ? p.integer("batch_wait_timeout_iters") : 0;
  l.batch_wait_max_tokens_ratio = p.number_or("batch_wait_max_tokens_ratio", 0.0);
  return l;
}
}  // namespace detail

std::unique_ptr<Scheduler> make_scheduler(const ComponentConfig& c) {
  if (c.type == "static") return detail::make_static_batching(c.params);
  if (c.type == "continuous") return detail::make_continuous_batching(c.params);
  if (c.type == "chunked") return detail::make_chunked_prefill(c.params);
  throw common::InternalError("unknown scheduler " + c.type);
}

}  // namespace infersim::serving
