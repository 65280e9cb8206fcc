#include "infersim/brief/brief_document.h"

#include <fmt/format.h>

#include <cmath>

namespace infersim::brief {

std::string group_thousands(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", std::fabs(v), decimals);
  const auto dot = s.find('.');
  std::string whole = dot == std::string::npos ? s : s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  std::string out;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  // "-0" is not a number a reader should see.
  const bool negative = v < 0 && std::stod(s) != 0.0;
  return (negative ? "-" : "") + out + frac;
}

Cell Cell::str(std::string s, Tone t) {
  Cell c;
  c.text = std::move(s);
  c.tone = t;
  return c;
}

Cell Cell::num(double v, int decimals, const std::string& suffix) {
  Cell c;
  c.value = v;
  c.text = group_thousands(v, decimals) + suffix;
  return c;
}

Cell Cell::usd(double v, int decimals) {
  Cell c;
  c.value = v;
  const std::string g = group_thousands(v, decimals);
  c.text = g.front() == '-' ? fmt::format("-${}", g.substr(1)) : fmt::format("${}", g);
  return c;
}

Cell Cell::usd_millions(double v) {
  Cell c;
  c.value = v;
  c.text = fmt::format("${:.2f}M", v / 1e6);
  return c;
}

Cell Cell::ms(double seconds, int decimals) {
  Cell c;
  c.value = seconds;
  c.text = group_thousands(seconds * 1e3, decimals);
  return c;
}

Cell Cell::seconds(double s, int decimals) {
  Cell c;
  c.value = s;
  c.text = group_thousands(s, decimals) + " s";
  return c;
}

Cell Cell::percent(double fraction, int decimals, bool sign) {
  Cell c;
  c.value = fraction;
  const double p = fraction * 100;
  c.text = fmt::format("{}{}%", sign && p >= 0.5 * std::pow(10.0, -decimals) ? "+" : "", group_thousands(p, decimals));
  return c;
}

Cell Cell::na(const std::string& why) {
  Cell c;
  c.text = why;
  c.tone = Tone::muted;
  return c;
}

const Table* BriefDocument::find_table(const std::string& id) const {
  for (const auto& s : sections)
    for (const auto& b : s.blocks)
      if (const auto* t = std::get_if<Table>(&b); t && t->id == id) return t;
  return nullptr;
}

const Chart* BriefDocument::find_chart(const std::string& id) const {
  for (const auto& s : sections)
    for (const auto& b : s.blocks)
      if (const auto* c = std::get_if<Chart>(&b); c && c->id == id) return c;
  return nullptr;
}

}  // namespace infersim::brief
