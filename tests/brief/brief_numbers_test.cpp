// Every number the brief prints equals what the planner / estimator give for the same inputs: the
// Markdown and HTML are parsed back and each figure is compared, to its printed precision, with
// planner::plan() on the lane's PLAN.json (what `infersim plan` runs), with perf::estimate_serving()
// (what `infersim estimate` runs) and with the option totals recomputed here from those results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "infersim/brief/brief_json.h"
#include "infersim/brief/build_brief.h"
#include "infersim/brief/render.h"
#include "infersim/common/data_dir.h"
#include "infersim/common/json_util.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/runtime_catalog.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/planner/facility.h"
#include "infersim/planner/plan_json.h"
#include "infersim/planner/pricing_json.h"
#include "infersim/planner/token_prices.h"

using namespace infersim;

namespace {

using Rows = std::vector<std::vector<std::string>>;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  const auto b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string strip_bold(std::string s) {
  if (s.size() >= 4 && s.rfind("**", 0) == 0 && s.substr(s.size() - 2) == "**") s = s.substr(2, s.size() - 4);
  return s;
}

// The rows (header excluded) of the Markdown table anchored by <a id="id">.
Rows markdown_table(const std::string& md, const std::string& id) {
  Rows rows;
  const auto at = md.find("<a id=\"" + id + "\"></a>");
  if (at == std::string::npos) return rows;
  std::size_t pos = md.find("\n|", at);
  bool header = true, rule = true;
  while (pos != std::string::npos && pos + 1 < md.size() && md[pos + 1] == '|') {
    const auto end = md.find('\n', pos + 1);
    const std::string line = md.substr(pos + 1, end - pos - 1);
    pos = end;
    if (header) {
      header = false;
      continue;
    }
    if (rule) {
      rule = false;
      continue;
    }
    std::vector<std::string> cells;
    std::string cur;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cur += '|';
        ++i;
      } else if (line[i] == '|') {
        cells.push_back(strip_bold(trim(cur)));
        cur.clear();
      } else {
        cur += line[i];
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

std::string html_unescape(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    std::size_t p = 0;
    while ((p = s.find(from, p)) != std::string::npos) {
      s.replace(p, from.size(), to);
      p += to.size();
    }
  }
  return s;
}

Rows html_table(const std::string& html, const std::string& id) {
  Rows rows;
  const auto at = html.find("<table id=\"" + id + "\">");
  if (at == std::string::npos) return rows;
  const auto body = html.find("<tbody>", at), end = html.find("</table>", at);
  const std::string t = html.substr(body, end - body);
  static const std::regex tr("<tr>(.*?)</tr>"), td("<td[^>]*>(.*?)</td>");
  for (auto it = std::sregex_iterator(t.begin(), t.end(), tr); it != std::sregex_iterator(); ++it) {
    const std::string row = (*it)[1];
    std::vector<std::string> cells;
    for (auto c = std::sregex_iterator(row.begin(), row.end(), td); c != std::sregex_iterator(); ++c)
      cells.push_back(html_unescape((*c)[1]));
    rows.push_back(cells);
  }
  return rows;
}

struct Num {
  double value = 0, tol = 0;
};

// "$1,234", "$37.09M", "-$5", "+12.3%", "1,000.0" -> value and half a unit of the last printed digit.
std::optional<Num> parse(std::string s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '+') s = s.substr(1);
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s = s.substr(1);
  }
  if (!s.empty() && s[0] == '$') s = s.substr(1);
  double mult = 1;
  if (!s.empty() && s.back() == 'M') {
    mult = 1e6;
    s.pop_back();
  } else if (!s.empty() && s.back() == '%') {
    mult = 0.01;
    s.pop_back();
  }
  std::string digits;
  for (char c : s)
    if (c != ',') digits += c;
  if (digits.empty() || digits.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  const auto dot = digits.find('.');
  const int decimals = dot == std::string::npos ? 0 : int(digits.size() - dot - 1);
  Num n;
  n.value = std::stod(digits) * mult * (neg ? -1 : 1);
  n.tol = 0.5 * std::pow(10.0, -decimals) * mult * (1 + 1e-9) + 1e-12;
  return n;
}

// Printed `text` equals `expected` (in the printed unit x `unit`) to the printed precision.
void expect_printed(const std::string& text, double expected, double unit, const std::string& what) {
  const auto n = parse(text);
  ASSERT_TRUE(n.has_value()) << what << ": '" << text << "' is not a number";
  EXPECT_NEAR(n->value * unit, expected, n->tol * unit + std::fabs(expected) * 1e-12)
      << what << ": printed '" << text << "', expected " << expected;
}

struct Fixture {
  brief::BriefResult result;
  std::string md, html;
};

const Fixture& example() {
  static const Fixture f = [] {
    Fixture x;
    const auto req = brief::load_brief_request(common::data_path("examples/briefs/llama70b-chat-agentic-h100.json"));
    x.result = brief::build_brief(req);
    x.md = brief::render_markdown(x.result.document);
    x.html = brief::render_html(x.result.document);
    return x;
  }();
  return f;
}

// One option's totals recomputed from scratch: plan() on each planner lane's PLAN.json.
struct Expected {
  double chips = 0, usd_hour = 0, monthly = 0, capex = 0, opex = 0, porting = 0, kw = 0;
  std::vector<planner::Candidate> lanes;
};

Expected recompute(const brief::BriefRequest& req, const brief::OptionResult& o) {
  Expected e;
  std::set<std::string> new_runtimes;
  for (const auto& p : o.parts) {
    planner::Candidate c;
    if (p.from_planner) {
      const auto pr = planner::plan_request_from_json(common::parse_json_text(p.plan_json, p.plan_file), p.plan_file);
      const auto res = planner::plan(pr);
      EXPECT_FALSE(res.ranked.empty()) << p.plan_file;
      if (res.ranked.empty()) continue;
      c = res.ranked.front();
      EXPECT_EQ(c.id, p.candidate.id) << p.plan_file;
    } else {
      c = p.candidate;  // analytic lane: its own figures, checked to add up below
    }
    e.lanes.push_back(c);
    e.chips += c.replicas * c.chips_per_replica;
    e.usd_hour += c.cost.usd_per_hour;
    e.monthly += c.cost.monthly_usd;
    e.capex += c.cost.tco_capex_usd;
    e.opex += c.cost.tco_opex_usd;
    e.kw += c.power.facility_kw;
    if (std::find(req.pricing.current_runtimes.begin(), req.pricing.current_runtimes.end(), c.runtime) ==
        req.pricing.current_runtimes.end())
      new_runtimes.insert(c.runtime);
  }
  for (const auto& r : new_runtimes)
    e.porting += hwprofiles::RuntimeCatalog::shipped().get(r).porting_effort_weeks * req.pricing.usd_per_engineer_week;
  return e;
}

double output_tok_s(const brief::BriefRequest& req) {
  double s = 0;
  for (const auto& w : req.workloads) s += req.requests_per_s * w.share * w.output_tokens;
  return s;
}
double input_tok_s(const brief::BriefRequest& req) {
  double s = 0;
  for (const auto& w : req.workloads) s += req.requests_per_s * w.share * w.input_tokens;
  return s;
}

}  // namespace

TEST(BriefNumbers, MarkdownAndHtmlPrintTheSameCells) {
  const auto& f = example();
  for (const char* id : {"summary-compare", "summary-options", "options-cost", "options-latency", "options-workloads",
                         "parts", "timeline", "risks", "workloads", "hashes"}) {
    const auto md = markdown_table(f.md, id);
    const auto html = html_table(f.html, id);
    ASSERT_FALSE(md.empty()) << id;
    ASSERT_EQ(md.size(), html.size()) << id;
    for (std::size_t r = 0; r < md.size(); ++r) EXPECT_EQ(md[r], html[r]) << id << " row " << r;
  }
}

TEST(BriefNumbers, OptionsTableEqualsThePlannerForEveryOption) {
  const auto& f = example();
  const auto& req = f.result.request;
  for (const std::string* docp : {&f.md, &f.html}) {
    const std::string& doc = *docp;
    const bool is_md = docp == &f.md;
    const auto cost = is_md ? markdown_table(doc, "options-cost") : html_table(doc, "options-cost");
    const auto lat = is_md ? markdown_table(doc, "options-latency") : html_table(doc, "options-latency");
    ASSERT_EQ(cost.size(), f.result.options.size());
    ASSERT_EQ(lat.size(), f.result.options.size());
    int feasible = 0;
    for (std::size_t i = 0; i < f.result.options.size(); ++i) {
      const auto& o = f.result.options[i];
      const auto& row = cost[i];
      ASSERT_EQ(row[0], std::to_string(i + 1));
      if (!o.feasible) {
        EXPECT_EQ(row[2], "infeasible") << o.option.id;
        EXPECT_FALSE(o.reason.empty());
        EXPECT_NE(doc.find(o.reason.substr(0, 40)), std::string::npos) << "the reason must be printed: " << o.reason;
        continue;
      }
      ++feasible;
      const auto e = recompute(req, o);
      const std::string id = o.option.id;
      expect_printed(row[2], e.chips, 1, id + " chips");
      const double out = output_tok_s(req), in = input_tok_s(req);
      expect_printed(row[3], e.usd_hour / (out * 3600) * 1000, 1, id + " $/1K out");
      expect_printed(row[4], e.usd_hour / ((out + in) * 3600) * 1000, 1, id + " $/1K all");
      expect_printed(row[5], e.monthly, 1, id + " $/month");
      expect_printed(row[6], e.capex, 1, id + " capex");
      expect_printed(row[7], e.opex, 1, id + " opex");
      expect_printed(row[8], e.porting, 1, id + " porting");
      expect_printed(row[9], e.capex + e.opex + e.porting, 1, id + " TCO");
      // Latency and power (worst workload): the lanes' planner figures.
      double ttft_p50 = 0, ttft_p99 = 0, tpot_p50 = 0, tpot_p99 = 0;
      for (const auto& c : e.lanes) {
        ttft_p50 = std::max(ttft_p50, c.ttft_p50_s);
        ttft_p99 = std::max(ttft_p99, c.ttft_p99_s);
        tpot_p50 = std::max(tpot_p50, c.tpot_p50_s);
        tpot_p99 = std::max(tpot_p99, c.tpot_p99_s);
      }
      const auto& l = lat[i];
      expect_printed(l[3], ttft_p50, 1e-3, id + " TTFT P50");
      expect_printed(l[4], ttft_p99, 1e-3, id + " TTFT P99");
      expect_printed(l[5], tpot_p50, 1e-3, id + " TPOT P50");
      expect_printed(l[6], tpot_p99, 1e-3, id + " TPOT P99");
      expect_printed(l[7], e.kw, 1, id + " kW");
      expect_printed(l[8], e.kw * 1e3 / out, 1, id + " J/token");
    }
    EXPECT_GE(feasible, 4);
  }
}

TEST(BriefNumbers, BatchOneTtftEqualsTheEstimator) {
  const auto& f = example();
  const auto& req = f.result.request;
  const auto rows = markdown_table(f.md, "options-workloads");
  const auto model = model::ModelCatalog::shipped().resolve(req.model);
  std::size_t r = 0;
  for (std::size_t i = 0; i < f.result.options.size(); ++i) {
    const auto& o = f.result.options[i];
    if (!o.feasible) continue;
    for (std::size_t w = 0; w < req.workloads.size(); ++w, ++r) {
      ASSERT_LT(r, rows.size());
      ASSERT_EQ(rows[r][0], std::to_string(i + 1));
      ASSERT_EQ(rows[r][2], req.workloads[w].name);
      double expected = 0;
      for (const auto& p : o.parts) {
        if (p.workload != int(w) || p.lane == "decode pool") continue;
        perf::StepEstimator est(model, planner::candidate_deployment(model, p.candidate));
        double t =
            perf::estimate_serving(est, {1, req.workloads[w].input_tokens, req.workloads[w].output_tokens}).ttft_s;
        if (p.lane == "prefill pool") {
          EXPECT_GT(p.ttft_batch1_s, t) << "prefill + KV transfer";
          t = p.ttft_batch1_s;
        }
        expected = std::max(expected, t);
      }
      expect_printed(rows[r][3], expected, 1e-3, o.option.id + "/" + req.workloads[w].name + " TTFT b1");
    }
  }
}

TEST(BriefNumbers, LaneTableEqualsInfersimPlanOnEachPlanJson) {
  const auto& f = example();
  const auto rows = markdown_table(f.md, "parts");
  std::size_t r = 0, checked = 0;
  for (std::size_t i = 0; i < f.result.options.size(); ++i) {
    for (const auto& p : f.result.options[i].parts) {
      ASSERT_LT(r, rows.size());
      const auto& row = rows[r++];
      ASSERT_EQ(row[0], std::to_string(i + 1));
      if (!p.feasible) {
        EXPECT_EQ(row[3], "infeasible (see below)");
        continue;
      }
      if (!p.from_planner) continue;
      const auto pr = planner::plan_request_from_json(common::parse_json_text(p.plan_json, p.plan_file), p.plan_file);
      const auto res = planner::plan(pr);
      ASSERT_FALSE(res.ranked.empty()) << p.plan_file;
      const auto& c = res.ranked.front();
      EXPECT_EQ(row[3], c.id);
      expect_printed(row[4], c.replicas, 1, p.plan_file + " replicas");
      expect_printed(row[5], c.chips_per_replica, 1, p.plan_file + " chips/replica");
      expect_printed(row[6], c.batch, 1, p.plan_file + " batch");
      expect_printed(row[7], c.cost.usd_per_hour, 1, p.plan_file + " $/hour");
      expect_printed(row[8], c.cost.monthly_usd, 1, p.plan_file + " $/month");
      expect_printed(row[9], c.ttft_p50_s, 1e-3, p.plan_file + " TTFT P50");
      expect_printed(row[10], c.ttft_p99_s, 1e-3, p.plan_file + " TTFT P99");
      expect_printed(row[11], c.tpot_p99_s, 1e-3, p.plan_file + " TPOT P99");
      expect_printed(row[12], c.power.facility_kw, 1, p.plan_file + " kW");
      ++checked;
    }
  }
  EXPECT_EQ(r, rows.size());
  EXPECT_GE(checked, 8u);
}

TEST(BriefNumbers, StayAndShiftEqualHandWrittenPlanRequests) {
  // Independent of how the brief builds its PLAN.json files: the same questions asked by hand.
  brief::BriefRequest b;
  b.model = "llama-3.1-70b";
  b.workloads = {brief::BriefWorkload{"chat", 1024, 256, 1.0, 1, std::nullopt}};
  b.requests_per_s = 20;
  b.current = {"h100-sxm", "vllm", "bf16", 0};
  b.pricing = planner::load_pricing("default");
  brief::BriefOption stay;
  brief::BriefOption shift;
  shift.type = brief::OptionType::shift;
  shift.to = {"mi300x"};
  shift.share = 0.25;
  b.options = {stay, shift};
  const auto res = brief::build_brief(b);
  ASSERT_TRUE(res.options[0].feasible) << res.options[0].reason;
  ASSERT_TRUE(res.options[1].feasible) << res.options[1].reason;

  planner::PlanRequest h;
  h.model = "llama-3.1-70b";
  h.input_tokens = 1024;
  h.output_tokens = 256;
  h.requests_per_s = 20;
  h.hardware = {"h100-sxm"};
  h.runtimes = {"vllm"};
  h.precisions = {"bf16"};
  h.mixes = false;
  h.pricing = planner::load_pricing("default");
  const auto stay_plan = planner::plan(h).ranked.front();
  EXPECT_DOUBLE_EQ(res.options[0].monthly_usd, stay_plan.cost.monthly_usd);
  EXPECT_DOUBLE_EQ(res.options[0].chips, stay_plan.replicas * stay_plan.chips_per_replica);
  EXPECT_DOUBLE_EQ(res.options[0].ttft_p99_s, stay_plan.ttft_p99_s);

  planner::PlanRequest a = h;
  a.requests_per_s = 15;
  planner::PlanRequest m = h;
  m.requests_per_s = 5;
  m.hardware = {"mi300x"};
  m.runtimes = {};
  m.precisions = {"bf16", "fp8", "int8"};
  const auto pa = planner::plan(a).ranked.front(), pm = planner::plan(m).ranked.front();
  EXPECT_NEAR(res.options[1].monthly_usd, pa.cost.monthly_usd + pm.cost.monthly_usd, 1e-6);
  EXPECT_NEAR(res.options[1].usd_per_1k_output,
              (pa.cost.usd_per_hour + pm.cost.usd_per_hour) / (20 * 256 * 3600.0) * 1000, 1e-12);
  EXPECT_NEAR(res.options[1].facility_kw, pa.power.facility_kw + pm.power.facility_kw, 1e-9);
}

TEST(BriefNumbers, InfeasibleOptionsStayWithTheirReason) {
  const auto& f = example();
  bool cpu = false;
  for (const auto& o : f.result.options)
    if (o.option.type == brief::OptionType::cpu_fallback) {
      cpu = true;
      EXPECT_FALSE(o.feasible);
      EXPECT_NE(o.reason.find("xeon-6980p"), std::string::npos) << o.reason;
      EXPECT_NE(f.md.find(o.option.label), std::string::npos);
    }
  EXPECT_TRUE(cpu);
  ASSERT_GE(f.result.recommended, 0);
  EXPECT_NE(f.md.find("Recommendation: " + f.result.options[std::size_t(f.result.recommended)].option.label),
            std::string::npos);
}

// The executive summary says whether buying tokens beats the recommended option, with the monthly
// API cost recomputed here from the shipped offer and the brief's traffic mix.
TEST(BriefNumbers, ExecutiveSummaryComparesBuyingTokens) {
  const auto& f = example();
  const auto& req = f.result.request;
  const auto offers = planner::token_offers_for(req.model, planner::shipped_token_offers());
  ASSERT_FALSE(offers.empty());
  double best = INFINITY;
  std::string who;
  for (const auto& o : offers) {
    if (o.model != req.model) continue;
    double month = 0;
    for (const auto& w : req.workloads)
      month += req.requests_per_s * w.share * 3600 * 730 *
               (w.input_tokens * o.usd_per_1m_input + w.output_tokens * o.usd_per_1m_output) / 1e6;
    if (month < best) {
      best = month;
      who = o.provider;
    }
  }
  const auto at = f.md.find("Buy tokens instead: " + who + " serves " + req.model);
  ASSERT_NE(at, std::string::npos);
  const auto line = f.md.substr(at, f.md.find('\n', at) - at);
  EXPECT_NE(line.find(brief::Cell::usd(best, 0).text), std::string::npos) << line;
  const double rec = f.result.options[std::size_t(f.result.recommended)].monthly_usd;
  EXPECT_NE(line.find(best < rec ? "cheaper" : "dearer"), std::string::npos) << line;
}

TEST(BriefNumbers, ProvenanceIsPrinted) {
  const auto& f = example();
  EXPECT_EQ(f.result.request_sha256.size(), 64u);
  EXPECT_NE(f.md.find(f.result.request_sha256), std::string::npos);
  EXPECT_NE(f.md.find(std::string("infersim ") + common::version_string()), std::string::npos);
  const auto hashes = markdown_table(f.md, "hashes");
  std::set<std::string> files;
  for (const auto& r : hashes) files.insert(r[0]);
  for (const char* must :
       {"model/data/llama-3.1-70b.json", "hwprofiles/data/nvidia/h100-sxm.json", "hwprofiles/data/amd/mi300x.json",
        "hwprofiles/data/calibrations.json", "hwprofiles/data/runtimes/vllm.json", "planner/data/pricing-default.json"})
    EXPECT_TRUE(files.count(must)) << must;
  // Every planner lane's command is printed.
  for (const auto& o : f.result.options)
    for (const auto& p : o.parts)
      if (p.from_planner && p.feasible) {
        EXPECT_NE(f.md.find("infersim plan plans/" + p.plan_file + " --no-verify"), std::string::npos) << p.plan_file;
        EXPECT_NE(f.md.find(p.commands.back()), std::string::npos) << p.commands.back();
      }
}

TEST(BriefNumbers, OutputIsDeterministic) {
  const auto req = brief::load_brief_request(common::data_path("examples/briefs/llama70b-chat-agentic-h100.json"));
  const auto again = brief::build_brief(req);
  EXPECT_EQ(brief::render_markdown(again.document), example().md);
  EXPECT_EQ(brief::render_html(again.document), example().html);
}

TEST(BriefNumbers, HtmlIsSelfContained) {
  const auto& h = example().html;
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("src=\"http"), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_GE(std::count(h.begin(), h.end(), '\n'), 100);
  for (const char* chart : {"frontier", "cost-breakdown", "power"})
    EXPECT_NE(h.find(std::string("<figure id=\"") + chart + "\">\n<svg"), std::string::npos) << chart;
}

// Each feasible lane's cold start: weights over min(storage, the runtime's loader, host link x chips) plus
// the runtime profile's engine phases (cached compile) — the same phases `infersim simulate` uses.
TEST(BriefNumbers, ColdStartsUseTheRuntimesEnginePhasesAndLoader) {
  const auto& f = example();
  const auto& rts = hwprofiles::RuntimeCatalog::shipped();
  int checked = 0;
  for (const auto& o : f.result.options)
    for (const auto& p : o.parts) {
      if (!p.feasible || !rts.contains(p.candidate.runtime)) continue;
      const auto& cs = rts.get(p.candidate.runtime).cold_start;
      if (!cs.present) continue;
      const auto& hw = hwprofiles::HardwareCatalog::shipped().get(p.candidate.hardware);
      const int chips = p.candidate.chips_per_replica;
      const double init = cs.engine_init_s + (chips > 1 ? cs.multi_device_init_s : 0.0) + cs.compile_cached_s +
                          cs.graph_capture_s + cs.warmup_s;
      EXPECT_DOUBLE_EQ(p.init_s, init) << p.candidate.id;
      auto expect_load = [&](double storage, double got, const char* what) {
        double bw = storage;
        if (cs.loader_gb_s > 0) bw = std::min(bw, cs.loader_gb_s * 1e9);
        if (hw.host_link_effective_bytes_per_s > 0) bw = std::min(bw, hw.host_link_effective_bytes_per_s * chips);
        EXPECT_NEAR(got, p.weight_bytes / bw + init, 1e-9 * got) << p.candidate.id << " " << what;
      };
      expect_load(f.result.request.cold_start.local_nvme_bytes_per_s, p.cold_start_nvme_s, "NVMe");
      expect_load(f.result.request.cold_start.object_store_bytes_per_s, p.cold_start_object_s, "object store");
      ++checked;
    }
  EXPECT_GT(checked, 0);
}

// Every lane's scale-up paths recomputed from the runtime profile, the storage tiers and the prices.
TEST(BriefNumbers, ScaleUpPathsFollowTheirDefinitions) {
  const auto& f = example();
  const auto& rts = hwprofiles::RuntimeCatalog::shipped();
  const auto& cs = f.result.request.cold_start;
  int checked = 0;
  for (const auto& o : f.result.options)
    for (const auto& p : o.parts) {
      if (!p.feasible || p.scale_up.empty() || !rts.contains(p.candidate.runtime)) continue;
      const auto& rc = rts.get(p.candidate.runtime).cold_start;
      if (!rc.present) continue;
      ASSERT_EQ(p.scale_up.size(), 6u);
      const auto& c = p.candidate;
      const double replica_month = c.cost.usd_per_hour / std::max(1.0, c.replicas) * 730.0;
      const auto& warm = p.scale_up[0];
      EXPECT_EQ(warm.name, "warm standby");
      EXPECT_DOUBLE_EQ(warm.ttft_s, p.ttft_batch1_s);
      EXPECT_NEAR(warm.usd_per_month, replica_month, 1e-9 * replica_month);
      const auto& nvme = p.scale_up[3];
      EXPECT_EQ(nvme.name, "NVMe cache");
      EXPECT_NEAR(nvme.ready_s, p.cold_start_nvme_s, 1e-9 * nvme.ready_s) << c.id;
      EXPECT_NEAR(nvme.usd_per_month, (p.weight_bytes / 1e9 + rc.image_gb) * cs.nvme_usd_per_gb_month, 1e-9);
      const auto& stream = p.scale_up[4];
      EXPECT_LT(stream.ready_s, nvme.ready_s);  // overlapping the phases can only help
      EXPECT_GE(stream.ready_s, nvme.ready_s - p.init_s - 1e-9);
      const auto& zero = p.scale_up[5];
      EXPECT_EQ(zero.name, "scale to zero");
      const double engine_cold = rc.engine_phases_s(c.chips_per_replica, false);
      EXPECT_NEAR(zero.ready_s,
                  rc.image_gb * 1e9 / cs.image_pull_bytes_per_s + engine_cold + (p.cold_start_object_s - p.init_s),
                  1e-9 * zero.ready_s)
          << c.id;
      EXPECT_NEAR(zero.usd_per_month, p.weight_bytes / 1e9 * cs.object_store_usd_per_gb_month, 1e-9);
      for (const auto& s : p.scale_up) {
        if (s.available) {
          EXPECT_NEAR(s.ttft_s, s.ready_s + p.ttft_batch1_s, 1e-12) << s.name;
        }
      }
      // Sleep / wake and snapshot only where the runtime offers them.
      EXPECT_EQ(p.scale_up[1].available, rc.wake_s >= 0) << c.runtime;
      EXPECT_EQ(p.scale_up[2].available, rc.snapshot_restore_s >= 0) << c.runtime;
      if (rc.wake_s >= 0) {
        EXPECT_DOUBLE_EQ(p.scale_up[1].ready_s, rc.wake_s);
      }
      ++checked;
    }
  EXPECT_GT(checked, 0);
  ASSERT_NE(f.result.document.find_table("scale-up"), nullptr);
}

// The facility table: per option, one footprint per hardware over all its lanes' chips.
TEST(BriefNumbers, FacilityTableAddsUpPerHardwareFootprints) {
  const auto& f = example();
  const auto* t = f.result.document.find_table("facility");
  ASSERT_NE(t, nullptr);
  const auto& fac = planner::shipped_facility();
  std::size_t row = 0;
  for (const auto& o : f.result.options) {
    if (!o.feasible) continue;
    std::map<std::string, double> chips;
    for (const auto& p : o.parts)
      if (p.feasible) chips[p.candidate.hardware] += p.candidate.replicas * p.candidate.chips_per_replica;
    double servers = 0, racks = 0, kw = 0;
    for (const auto& [hw, n] : chips) {
      const auto fp = planner::facility_footprint(fac, hw, n, nullptr);
      servers += fp.servers;
      racks += fp.racks;
      kw += fp.facility_kw;
    }
    ASSERT_LT(row, t->rows.size());
    const auto& r = t->rows[row++];
    EXPECT_EQ(r[1].text, o.option.label);
    EXPECT_DOUBLE_EQ(r[2].value, servers);
    EXPECT_DOUBLE_EQ(r[3].value, racks);
    EXPECT_NEAR(r[6].value, kw / 1000, 1e-12);
  }
  EXPECT_EQ(row, t->rows.size());
}

// Stranded-asset risk: one row per feasible option, rented options low with no fit-out, owned ones
// priced at the facility's fit-out per MW of their IT load (planner::stranded_risk).
TEST(BriefNumbers, StrandedAssetRowsFollowTheFacilityModel) {
  const auto& f = example();
  const auto* t = f.result.document.find_table("stranded-asset");
  ASSERT_NE(t, nullptr);
  const auto& fac = planner::shipped_facility();
  std::size_t row = 0;
  bool saw_owned = false, saw_rented = false;
  for (const auto& o : f.result.options) {
    if (!o.feasible) continue;
    std::map<std::string, double> chips;
    bool owned = false;
    for (const auto& p : o.parts) {
      if (!p.feasible) continue;
      chips[p.candidate.hardware] += p.candidate.replicas * p.candidate.chips_per_replica;
      owned |= p.candidate.cost.basis_kind == "owned" || p.candidate.cost.owned_only;
    }
    double it_kw = 0;
    for (const auto& [hw, n] : chips) it_kw += planner::facility_footprint(fac, hw, n, nullptr).it_kw;
    const auto& r = t->rows.at(row++);
    EXPECT_EQ(r[1].text, o.option.label);
    if (owned) {
      saw_owned = true;
      EXPECT_EQ(r[2].text.rfind("own", 0), 0u) << r[2].text;
      const double per_mw = r[2].text == "own, liquid" ? fac.stranded.fitout_liquid_usd_per_mw
                                                       : fac.stranded.fitout_air_usd_per_mw;
      EXPECT_NEAR(r[4].value, it_kw / 1000 * per_mw / 1e6, 1e-9) << o.option.label;
    } else {
      saw_rented = true;
      EXPECT_EQ(r[2].text, "rent");
      EXPECT_EQ(r[7].text, "low");
    }
  }
  EXPECT_EQ(row, t->rows.size());
  EXPECT_TRUE(saw_owned);
  EXPECT_TRUE(saw_rented);
}

// Predictability: the worst decode lane's step CV and its lognormal P99 factor; dataflow chips none.
TEST(BriefNumbers, PredictabilityRowsFollowTheStepJitterModel) {
  const auto& f = example();
  const auto* t = f.result.document.find_table("predictability");
  ASSERT_NE(t, nullptr);
  const auto& hws = hwprofiles::HardwareCatalog::shipped();
  std::size_t row = 0;
  bool saw_dataflow = false;
  for (const auto& o : f.result.options) {
    if (!o.feasible) continue;
    double cv = 0, p99 = 0;
    for (const auto& p : o.parts) {
      if (!p.feasible || p.lane == "prefill pool") continue;
      const auto& hw = hws.get(p.candidate.hardware);
      saw_dataflow |= hw.static_dataflow();
      const double c = hw.step_jitter_cv_est();
      const double s2 = std::log(1 + c * c);
      cv = std::max(cv, c);
      p99 = std::max(p99, p.candidate.tpot_p50_s * std::exp(-s2 / 2 + 2.3263479 * std::sqrt(s2)));
    }
    const auto& r = t->rows.at(row++);
    EXPECT_DOUBLE_EQ(r[3].value, cv) << o.option.label;
    EXPECT_NEAR(r[5].value, p99, 1e-12) << o.option.label;
    if (cv == 0) {
      EXPECT_DOUBLE_EQ(r[4].value, 1.0);
    }
  }
  EXPECT_TRUE(saw_dataflow);
}

// A site in BRIEF.json: owned options are planned within it and the facility table checks each owned
// option's total (MW, racks); rented options are not checked. The site round-trips in the echoed request.
TEST(BriefNumbers, SiteLimitsCheckOwnedOptionsOnly) {
  auto req = brief::load_brief_request(common::data_path("examples/briefs/llama70b-chat-agentic-h100.json"));
  planner::Site site;
  site.cooling = "air";
  site.kw_per_rack = 25;
  site.mw = 0.15;  // above one workload's owned H100 plan, below the option's ~0.19 MW in all
  req.site = site;
  const auto res = brief::build_brief(req);
  const auto* t = res.document.find_table("facility");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->columns.back().header, "Own site");
  bool saw_owned = false;
  std::size_t row = 0;
  for (const auto& o : res.options) {
    if (!o.feasible) continue;
    bool owned = false;
    for (const auto& p : o.parts) {
      if (!p.feasible) continue;
      owned |= p.candidate.cost.basis_kind == "owned" || p.candidate.cost.owned_only;
      // Owned planner parts were planned within the site: their footprint fits its kW per rack
      // (disaggregated pools are checked by the table's totals only).
      if (p.candidate.cost.basis_kind == "owned" && p.candidate.facility.present &&
          p.candidate.id.find(" pool)") == std::string::npos) {
        EXPECT_LE(p.candidate.facility.kw_per_rack, 25 + 1e-9) << o.option.label;
      }
    }
    const auto& cell = t->rows.at(row++).back();
    if (!owned) {
      EXPECT_EQ(cell.text, "rented") << o.option.label;
      continue;
    }
    saw_owned = true;
    double mw = 0;
    const auto fp = [&] {
      std::map<std::string, double> chips;
      for (const auto& p : o.parts)
        if (p.feasible) chips[p.candidate.hardware] += p.candidate.replicas * p.candidate.chips_per_replica;
      return chips;
    }();
    planner::Site s2 = site;
    s2.mw.reset();
    for (const auto& [hw, n] : fp)
      mw += planner::facility_footprint(planner::shipped_facility(), hw, n, &s2).facility_kw;
    mw /= 1000;
    if (mw > 0.15) {
      EXPECT_EQ(cell.text.rfind("exceeds the site", 0), 0u) << o.option.label << ": " << cell.text;
    } else if (cell.text.rfind("fits", 0) != 0) {
      ADD_FAILURE() << o.option.label << " uses " << mw << " MW of 0.15 but says " << cell.text;
    }
  }
  EXPECT_TRUE(saw_owned);
  EXPECT_NE(res.request_json.find("\"kw_per_rack\": 25"), std::string::npos);
}

// Page 1: an owned recommendation says where its racks go and what building a hall for them would risk,
// with the same fit-out as the stranded-asset table's row.
TEST(BriefNumbers, OwnedRecommendationNamesItsHostingAndStrandedRisk) {
  const auto& f = example();
  ASSERT_GE(f.result.recommended, 0);
  const auto& o = f.result.options[std::size_t(f.result.recommended)];
  bool owned = false;
  for (const auto& p : o.parts) owned |= p.feasible && p.candidate.cost.basis_kind == "owned";
  const auto& text = f.result.recommendation;
  if (!owned) {
    EXPECT_EQ(text.find("Hosting:"), std::string::npos) << text;
    return;
  }
  const auto* t = f.result.document.find_table("stranded-asset");
  ASSERT_NE(t, nullptr);
  const std::vector<brief::Cell>* row = nullptr;
  for (const auto& r : t->rows)
    if (r[1].text == o.option.label) row = &r;
  ASSERT_NE(row, nullptr);
  EXPECT_NE(text.find(fmt::format("building its own hall costs ${:.2f}M of fit-out with {} stranded-asset risk",
                                  (*row)[4].value, (*row)[7].text)),
            std::string::npos)
      << text;
}
