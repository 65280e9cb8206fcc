#include "infersim/planner/token_prices.h"

#include <fmt/format.h>

#include <algorithm>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/common/json_util.h"
#include "infersim/common/text.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/planner/cost_model.h"

namespace infersim::planner {

using common::JsonReader;

std::vector<TokenOffer> load_token_offers(const std::string& path) {
  const std::string f = (path.empty() || path == "default") ? common::data_path("planner/data/api-token-prices.json")
                                                            : path;
  const auto j = common::load_json_file(f);  // JsonReader keeps a pointer: the document must outlive it
  JsonReader r(j, f);
  if (r.integer("schema_version", 1, 1000) != 1)
    r.fail("schema_version", "unsupported schema_version (this build reads 1)");
  r.string_or("description", "");
  std::vector<TokenOffer> out;
  for (auto& o : r.array_of_objects("offers")) {
    TokenOffer t;
    t.provider = o.string("provider");
    t.model = o.string("model");
    t.architecture_of = o.string_or("architecture_of", "");
    t.usd_per_1m_input = o.number("usd_per_1m_input", 0, 1e4);
    t.usd_per_1m_output = o.number("usd_per_1m_output", 1e-6, 1e4);
    t.usd_per_1m_cached_input = o.optional_number("usd_per_1m_cached_input", 0, 1e4);
    if (t.usd_per_1m_cached_input && *t.usd_per_1m_cached_input > t.usd_per_1m_input + 1e-12)
      o.fail("usd_per_1m_cached_input", "exceeds the uncached input price");
    t.speed_tok_s = o.optional_number("speed_tok_s", 1e-3, 1e6);
    t.as_of = hwprofiles::read_price_date(o, "as_of");
    t.source = hwprofiles::read_tagged_source(o, "source");
    t.note = o.string_or("note", "");
    o.finish();
    out.push_back(std::move(t));
  }
  r.finish();
  return out;
}

const std::vector<TokenOffer>& shipped_token_offers() {
  static const std::vector<TokenOffer> offers = load_token_offers("default");
  return offers;
}

std::vector<TokenOffer> token_offers_for(const std::string& model, const std::vector<TokenOffer>& all) {
  std::vector<TokenOffer> out;
  for (const auto& o : all)
    if (o.model == model) out.push_back(o);
  for (const auto& o : all)
    if (o.model != model && o.architecture_of == model) out.push_back(o);
  return out;
}

TokenCost token_cost(const TokenOffer& o, const std::string& model, double input_tokens, double output_tokens,
                     double cached_share, double tpot_slo_s, const Pricing& pricing) {
  TokenCost c;
  c.offer = o;
  c.same_weights = o.model == model;
  const double cached = std::clamp(cached_share, 0.0, 1.0) * input_tokens;
  // No published cached-input price: cached tokens pay the full input price (no discount assumed).
  const double cached_price = o.usd_per_1m_cached_input.value_or(o.usd_per_1m_input);
  c.usd_per_request = ((input_tokens - cached) * o.usd_per_1m_input + cached * cached_price +
                       output_tokens * o.usd_per_1m_output) /
                      1e6;
  if (output_tokens > 0) c.usd_per_1k_output = c.usd_per_request / output_tokens * 1000.0;
  if (input_tokens + output_tokens > 0)
    c.usd_per_1k_tokens = c.usd_per_request / (input_tokens + output_tokens) * 1000.0;
  if (c.usd_per_request > 0) c.tokens_per_usd = (input_tokens + output_tokens) / c.usd_per_request;
  if (o.speed_tok_s) {
    c.tpot_s = 1.0 / *o.speed_tok_s;
    c.tpot_meets = c.tpot_s <= tpot_slo_s;
    c.slo = c.tpot_meets ? "TPOT within SLO at the published speed; TTFT not published"
                         : fmt::format("published speed {:g} tok/s misses TPOT P99 {}", *o.speed_tok_s,
                                       common::format_seconds(tpot_slo_s));
  } else {
    c.slo = "speed and TTFT not published: SLOs unchecked";
  }
  c.stale_note = stale_price_note(o.as_of, fmt::format("{} {} price", o.provider, o.model), pricing);
  c.stale = !c.stale_note.empty();
  return c;
}

std::vector<TokenCost> token_lane(const std::string& model, double input_tokens, double output_tokens,
                                  double cached_share, double tpot_slo_s, const Pricing& pricing,
                                  const std::vector<TokenOffer>& all) {
  std::vector<TokenCost> out;
  for (const auto& o : token_offers_for(model, all))
    out.push_back(token_cost(o, model, input_tokens, output_tokens, cached_share, tpot_slo_s, pricing));
  std::stable_sort(out.begin(), out.end(), [](const TokenCost& a, const TokenCost& b) {
    if (a.same_weights != b.same_weights) return a.same_weights;
    return a.usd_per_1k_output < b.usd_per_1k_output;
  });
  return out;
}

const TokenCost* vendor_offer(const std::vector<TokenCost>& lane, const std::string& vendor,
                              const std::string& family) {
  const TokenCost* best = nullptr;
  for (const auto& t : lane)
    if ((t.offer.provider == vendor || t.offer.provider == family) && t.usd_per_1k_output > 0 &&
        (best == nullptr || (t.same_weights && !best->same_weights)))
      best = &t;
  return best;
}

}  // namespace infersim::planner
