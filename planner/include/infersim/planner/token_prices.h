#pragma once
// The "buy tokens" lane: hosted API prices for open models (Groq, Cerebras, SambaNova, Together,
// Fireworks, DeepInfra ...), per 1M input, output and cached-input tokens, each dated and sourced
// (planner/data/api-token-prices.json, docs/pricing-format.md "API token prices").
//
// token_cost() prices one workload (mean input / output tokens per request, share of the prompt found
// in the provider's prefix cache) on one offer, in the same units as the rent / own lanes: $ per 1K
// output tokens (all cost over output tokens), $ per 1K tokens (over input + output), tokens per $.
// A provider's published output speed, where it gives one, is checked against the TPOT SLO; TTFT is
// not published, so the TTFT SLO is reported as unchecked, never as met. Pure; thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "infersim/planner/pricing.h"

namespace infersim::planner {

struct TokenOffer {
  std::string provider;
  std::string model;            // the weights served
  std::string architecture_of;  // "" or a model card whose architecture it shares (Llama-3.3 -> 3.1-70b)
  double usd_per_1m_input = 0, usd_per_1m_output = 0;
  std::optional<double> usd_per_1m_cached_input;
  std::optional<double> speed_tok_s;  // published output tokens/s per request
  std::string as_of, source, note;
};

// Loads and validates the offers (exit-2 errors name the file and pointer). "" or "default" = shipped.
std::vector<TokenOffer> load_token_offers(const std::string& path = "default");
const std::vector<TokenOffer>& shipped_token_offers();

// Offers for a model card: its own weights first, then offers of another model with the same
// architecture (marked by architecture_of).
std::vector<TokenOffer> token_offers_for(const std::string& model, const std::vector<TokenOffer>& all);

struct TokenCost {
  TokenOffer offer;
  bool same_weights = true;  // false: same architecture, other weights (e.g. Llama-3.3 for 3.1)
  double usd_per_request = 0;
  double usd_per_1k_output = 0;  // all cost over output tokens (the rent / own headline)
  double usd_per_1k_tokens = 0;  // over input + output tokens
  double tokens_per_usd = 0;
  double tpot_s = 0;        // 1 / published speed; 0 = not published
  std::string slo;          // "TPOT ok, TTFT not published" / "misses TPOT ..." / "speed not published"
  bool tpot_meets = false;  // published speed meets the TPOT SLO
  bool stale = false;
  std::string stale_note;
};

TokenCost token_cost(const TokenOffer& o, const std::string& model, double input_tokens, double output_tokens,
                     double cached_share, double tpot_slo_s, const Pricing& pricing);

// Every offer for the model priced on the workload, cheapest per output token first.
std::vector<TokenCost> token_lane(const std::string& model, double input_tokens, double output_tokens,
                                  double cached_share, double tpot_slo_s, const Pricing& pricing,
                                  const std::vector<TokenOffer>& all = shipped_token_offers());

// Plausibility against a chip vendor's own token price: the offer in `lane` from `vendor` (or, for a
// chip of another vendor's family, from `family`; the model's own weights preferred), or nullptr; and
// the band outside which a plan's cost per output token is a modelling error to investigate.
const TokenCost* vendor_offer(const std::vector<TokenCost>& lane, const std::string& vendor, const std::string& family);
constexpr double VENDOR_PRICE_BAND_LOW = 0.2, VENDOR_PRICE_BAND_HIGH = 2.0;
inline bool within_vendor_price_band(double ratio) {
  return ratio >= VENDOR_PRICE_BAND_LOW && ratio <= VENDOR_PRICE_BAND_HIGH;
}

}  // namespace infersim::planner
