#include "infersim/serving/arrival_registry.h"

#include "arrivals/arrivals.h"
#include "infersim/common/errors.h"

namespace infersim::serving {

using PT = ParamType;

const std::vector<ComponentInfo>& arrival_types() {
  static const std::vector<ComponentInfo> list = {
      {"poisson",
       "Poisson process at a constant rate (independent users)",
       {{"rate_per_s", PT::number, "1/s", "", "mean arrival rate", 1e-9, 1e9}}},
      {"gamma",
       "bursty renewal process: Gamma inter-arrival times with a given coefficient of variation",
       {{"rate_per_s", PT::number, "1/s", "", "mean arrival rate", 1e-9, 1e9},
        {"cv", PT::number, "", "2.0", "coefficient of variation of inter-arrival times (1 = Poisson, >1 bursty)", 0.01,
         100}}},
      {"diurnal",
       "Poisson with a daily rate curve (evenly spaced points, linearly interpolated, wrapping)",
       {{"rates_per_s", PT::number_list, "1/s", "", "rate at evenly spaced points over one day (e.g. 24 hourly values)",
         0, 1e9},
        {"day_s", PT::number, "s", "86400", "length of one day in simulated seconds (shorten to compress)", 1, 1e9},
        {"start_hour", PT::number, "h", "0", "hour of the day at simulated time 0", 0, 24}}},
      {"closed_loop",
       "N users that each submit, wait for the answer, think, and submit again",
       {{"users", PT::integer, "users", "", "number of concurrent users", 1, 1e7},
        {"think_time_s", PT::number, "s", "5.0", "mean think time between an answer and the next request", 0, 1e9},
        {"stagger_steps", PT::number, "steps", "0",
         "spread the users' first requests over this many engine steps of the replica they land on (benchmark "
         "mode: about one request's length), so that zero-think-time users do not run in lockstep",
         0, 1e9},
        {"warmup_requests", PT::integer, "requests", "0",
         "the first requests submitted are warm-up: simulated but left out of the statistics (a benchmark "
         "client's warm-up count)",
         0, 1e12},
        {"think_distribution",
         PT::string,
         "",
         "\"exponential\"",
         "exponential or fixed think times",
         -1e300,
         1e300,
         {"exponential", "fixed"}}}},
      {"trace",
       "replay of an Azure-format trace (TIMESTAMP,ContextTokens,GeneratedTokens) with a rate multiplier",
       {{"file", PT::string, "", "", "trace file (path, or alias azure-conv / azure-code)"},
        {"rate_multiplier", PT::number, "", "1.0", "arrival rate x this (timestamps divided by it)", 1e-6, 1e6},
        {"repeat", PT::boolean, "", "false",
         "replay back to back until the workload's duration/request count is reached"},
        {"use_lengths", PT::boolean, "", "true",
         "take prompt/output lengths from the trace rows (else from workload.input/output)"}}},
      {"batch",
       "offline batch: all requests submitted at once (count = workload.requests)",
       {{"at_s", PT::number, "s", "0", "submission time", 0, 1e9}}},
  };
  return list;
}

std::unique_ptr<ArrivalProcess> make_arrival(const ComponentConfig& c, BuildContext& ctx) {
  const auto& p = c.params;
  if (c.type == "poisson") return detail::make_poisson(p);
  if (c.type == "gamma") return detail::make_gamma(p);
  if (c.type == "diurnal") return detail::make_diurnal(p);
  if (c.type == "closed_loop") return detail::make_closed_loop(p);
  if (c.type == "trace") return detail::make_trace(p, ctx);
  if (c.type == "batch") return detail::make_batch(p);
  throw common::InternalError("unknown arrival type " + c.type);
}

}  // namespace infersim::serving
