#include "infersim/brief/chart_canvas.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace infersim::brief {

Rgb palette(int index) {
  // Okabe-Ito inspired, readable on white and in grey print.
  static const Rgb colors[] = {{0, 114, 178}, {230, 159, 0},  {0, 158, 115},   {204, 121, 167}, {86, 180, 233},
                               {213, 94, 0},  {120, 94, 240}, {100, 100, 100}, {0, 90, 60},     {170, 120, 20}};
  const int n = int(sizeof(colors) / sizeof(colors[0]));
  return colors[((index % n) + n) % n];
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  const double first = std::floor(lo / step + 1e-9) * step, last = std::ceil(hi / step - 1e-9) * step;
  for (int i = 0; first + i * step <= last + step * 1e-9; ++i) {
    const double v = first + i * step;
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

namespace {

int decimals_for(double step) {
  if (step <= 0) return 0;
  const double d = -std::floor(std::log10(step) + 1e-9);
  // 2.5-style steps need one more digit.
  const double scaled = step * std::pow(10.0, d);
  return std::max(0, int(d) + (std::fabs(scaled - std::round(scaled)) > 1e-6 ? 1 : 0));
}

std::string tick_text(double v, int decimals, const std::string& prefix, const std::string& suffix) {
  return prefix + fmt::format("{:.{}f}", v, decimals) + suffix;
}

int color_of(const std::string& label, int fallback) {
  if (!label.empty() &&
      std::all_of(label.begin(), label.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::stoi(label) - 1;
  return fallback;
}

void draw_title(const Chart& c, Canvas& k, double w, double u) {
  k.text(0, 12 * u, c.title, 10.5 * u, INK, Anchor::start, true, false);
  (void)w;
}

struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// Decade ticks (1, 2, 5 x 10^k) covering [lo, hi] for a log axis.
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  for (int e = int(std::floor(std::log10(lo))) - 1; e <= int(std::ceil(std::log10(hi))) + 1; ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push_back(v);
    }
  return out;
}

void draw_scatter(const Chart& c, Canvas& k, double W, double H, double u) {
  const double fs = 8 * u;
  // Legend (right): series keys, then the option names.
  double legend_w = 0;
  for (const auto& l : c.legend) legend_w = std::max(legend_w, k.text_width(l, fs, false) + 11 * u);
  for (const auto& s : c.series) legend_w = std::max(legend_w, k.text_width(s.name, fs, false) + 14 * u);
  legend_w = std::min(legend_w + 14 * u, W * 0.40);
  const double left = 56 * u, top = 26 * u, bottom = 34 * u;
  const double pw = W - left - legend_w - 10 * u, ph = H - top - bottom;
  double xmax = 0, ymax = 0, ymin = INFINITY;
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      xmax = std::max(xmax, p.x);
      ymax = std::max(ymax, p.y);
      if (p.y > 0) ymin = std::min(ymin, p.y);
    }
  for (const auto& g : c.guide_x) xmax = std::max(xmax, g.first);
  if (xmax <= 0) xmax = 1;
  if (ymax <= 0) ymax = 1;
  if (!std::isfinite(ymin)) ymin = ymax;
  // Costs that span more than ~8x are easier to compare on a log axis.
  const bool logy = ymax / ymin > 8;
  const auto xt = nice_ticks(0, xmax * 1.04, 6);
  std::vector<double> yt;
  double y0 = 0, y1 = 1;
  if (logy) {
    y0 = std::pow(10.0, std::floor(std::log10(ymin) * 2) / 2);  // half-decade below the smallest
    y1 = std::pow(10.0, std::ceil(std::log10(ymax) * 2) / 2);
    yt = log_ticks(y0, y1);
  } else {
    yt = nice_ticks(0, ymax * 1.08, 5);
    y0 = 0;
    y1 = yt.back();
  }
  const double x1 = xt.back();
  auto X = [&](double v) { return left + pw * v / x1; };
  auto Y = [&](double v) {
    const double f = logy ? (std::log10(std::max(v, y0)) - std::log10(y0)) / (std::log10(y1) - std::log10(y0))
                          : (v - y0) / (y1 - y0);
    return top + ph - ph * f;
  };
  const int xd = decimals_for(xt.size() > 1 ? xt[1] - xt[0] : 1);
  for (double v : yt) {
    const int yd = logy ? std::max(0, -int(std::floor(std::log10(v) + 1e-9)))
                        : decimals_for(yt.size() > 1 ? yt[1] - yt[0] : 1);
    k.line(left, Y(v), left + pw, Y(v), GRID, 0.6 * u, false);
    k.text(left - 4 * u, Y(v) + fs * 0.35, tick_text(v, yd, c.value_prefix, ""), fs, MUTED, Anchor::end, false, false);
  }
  for (double v : xt) {
    k.line(X(v), top + ph, X(v), top + ph + 3 * u, MUTED, 0.6 * u, false);
    k.text(X(v), top + ph + 12 * u, tick_text(v, xd, "", ""), fs, MUTED, Anchor::middle, false, false);
  }
  k.line(left, top + ph, left + pw, top + ph, INK, 0.8 * u, false);
  k.line(left, top, left, top + ph, INK, 0.8 * u, false);
  k.text(left + pw / 2, H - 4 * u, c.x_label, fs, INK, Anchor::middle, false, false);
  k.text(12 * u, top + ph / 2, c.y_label + (logy ? " (log scale)" : ""), fs, INK, Anchor::middle, false, true);
  for (const auto& g : c.guide_x) {
    k.line(X(g.first), top, X(g.first), top + ph, palette(5), 0.8 * u, true);
    k.text(X(g.first) - 3 * u, top + ph - 4 * u, c.guide_label, fs, palette(5), Anchor::end, false, false);
  }
  // Connect each option's batch-1 and at-load markers (same label) to show the queueing gap.
  for (std::size_t a = 0; a < c.series.size(); ++a)
    for (std::size_t b = a + 1; b < c.series.size(); ++b) {
      if (c.series[a].connect || c.series[b].connect) continue;
      for (const auto& p : c.series[a].points)
        for (const auto& q : c.series[b].points)
          if (p.label == q.label) k.line(X(p.x), Y(p.y), X(q.x), Y(q.y), GRID, 0.8 * u, false);
    }
  for (const auto& s : c.series) {
    if (s.connect && s.points.size() > 1) {
      std::vector<std::pair<double, double>> pts;
      for (const auto& p : s.points) pts.push_back({X(p.x), Y(p.y)});
      k.polyline(pts, MUTED, 1.0 * u, true);
    }
  }
  std::vector<Box> taken;
  for (const auto& s : c.series) {
    if (s.connect) continue;
    for (const auto& p : s.points) {
      const Rgb col = palette(color_of(p.label, s.color));
      k.circle(X(p.x), Y(p.y), 3.6 * u, col, !s.hollow, col, 1.3 * u);
      taken.push_back({X(p.x) - 3.6 * u, Y(p.y) - 3.6 * u, X(p.x) + 3.6 * u, Y(p.y) + 3.6 * u});
    }
  }
  // Number labels next to the filled markers, in the first free spot around each.
  for (const auto& s : c.series) {
    if (s.connect || s.hollow) continue;
    for (const auto& p : s.points) {
      const double w = k.text_width(p.label, fs, true), h = fs;
      const double px = X(p.x), py = Y(p.y);
      const std::pair<double, double> spots[] = {{5, -4},  {5, 8},          {-5 - w / u, -4},  {-5 - w / u, 8},
                                                 {5, -13}, {5, 17},         {-5 - w / u, -13}, {-5 - w / u, 17},
                                                 {14, 2},  {-14 - w / u, 2}};
      Box chosen{px + 5 * u, py - 4 * u - h, px + 5 * u + w, py - 4 * u};
      for (const auto& [dx, dy] : spots) {
        const Box b{px + dx * u, py + dy * u - h * 0.85, px + dx * u + w, py + dy * u + h * 0.15};
        if (std::none_of(taken.begin(), taken.end(), [&](const Box& t) { return t.overlaps(b); })) {
          chosen = b;
          break;
        }
      }
      taken.push_back(chosen);
      k.text(chosen.x0, chosen.y1 - h * 0.15, p.label, fs, INK, Anchor::start, true, false);
    }
  }
  // Legend.
  double lx = left + pw + 14 * u, ly = top + 4 * u;
  for (const auto& s : c.series) {
    if (s.connect) {
      k.line(lx, ly - fs * 0.35, lx + 10 * u, ly - fs * 0.35, MUTED, 1.0 * u, true);
    } else {
      k.circle(lx + 5 * u, ly - fs * 0.35, 3.2 * u, INK, !s.hollow, INK, 1.1 * u);
    }
    k.text(lx + 14 * u, ly, s.name, fs, INK, Anchor::start, false, false);
    ly += fs * 1.5;
  }
  ly += fs * 0.6;
  const double max_text = W - lx - 11 * u;
  for (std::size_t i = 0; i < c.legend.size(); ++i) {
    std::string l = c.legend[i];
    const auto sp = l.find(' ');
    const int idx = color_of(l.substr(0, sp), int(i));
    while (l.size() > 6 && k.text_width(l, fs, false) > max_text) l = l.substr(0, l.size() - 4) + "...";
    k.rect(lx, ly - fs * 0.75, 7 * u, 7 * u, palette(idx), true, palette(idx), 0);
    k.text(lx + 11 * u, ly, l, fs, INK, Anchor::start, false, false);
    ly += fs * 1.45;
  }
}

void draw_bars(const Chart& c, Canvas& k, double W, double H, double u) {
  const double fs = 8 * u;
  const bool stacked = c.kind == ChartKind::stacked_bars && c.stack_names.size() > 1;
  double label_w = 0, end_w = 0;
  for (const auto& cat : c.categories) label_w = std::max(label_w, k.text_width(cat, fs, false));
  for (const auto& l : c.bar_labels) end_w = std::max(end_w, k.text_width(l, fs, true));  // bold when a bar is broken
  label_w = std::min(label_w + 8 * u, W * 0.38);
  const double left = label_w, right = end_w + 10 * u;
  const double top = stacked ? 38 * u : 24 * u, bottom = 30 * u;
  const double pw = W - left - right, ph = H - top - bottom;
  if (stacked) {
    double lx = 0;
    for (std::size_t s = 0; s < c.stack_names.size(); ++s) {
      k.rect(lx, 24 * u - fs * 0.8, 8 * u, 8 * u, palette(int(s)), true, palette(int(s)), 0);
      k.text(lx + 11 * u, 24 * u, c.stack_names[s], fs, INK, Anchor::start, false, false);
      lx += k.text_width(c.stack_names[s], fs, false) + 24 * u;
    }
  }
  double vmax = 0;
  for (const auto& row : c.values) {
    double t = 0;
    for (double v : row) t += v;
    vmax = std::max(vmax, t);
  }
  if (vmax <= 0) vmax = 1;
  // One bar many times the others would flatten them all: cut the axis and break that bar.
  std::vector<double> totals;
  for (const auto& row : c.values) {
    double t = 0;
    for (double v : row) t += v;
    totals.push_back(t);
  }
  std::sort(totals.begin(), totals.end());
  double cap = vmax;
  if (totals.size() >= 2 && totals[totals.size() - 2] > 0 && vmax > 3 * totals[totals.size() - 2])
    cap = 1.6 * totals[totals.size() - 2];
  const double scale = c.value_scale > 0 ? c.value_scale : 1;
  const auto ticks = nice_ticks(0, cap / scale * 1.02, 5);
  const double t1 = ticks.back();
  const double axis_max = t1 * scale;
  auto X = [&](double v) { return left + pw * (std::min(v, axis_max) / scale) / t1; };
  const int d = decimals_for(ticks.size() > 1 ? ticks[1] - ticks[0] : 1);
  for (double t : ticks) {
    k.line(left + pw * t / t1, top, left + pw * t / t1, top + ph, GRID, 0.6 * u, false);
    k.text(left + pw * t / t1, top + ph + 12 * u, tick_text(t, d, c.value_prefix, c.value_suffix), fs, MUTED,
           Anchor::middle, false, false);
  }
  k.line(left, top, left, top + ph, INK, 0.8 * u, false);
  k.text(left + pw / 2, H - 4 * u, c.x_label, fs, INK, Anchor::middle, false, false);
  const std::size_t n = c.categories.size();
  if (n == 0) return;
  const double slot = ph / double(n);
  const double bh = std::min(18 * u, slot * 0.66);
  for (std::size_t i = 0; i < n; ++i) {
    const double cy = top + slot * (double(i) + 0.5);
    std::string cat = c.categories[i];
    while (cat.size() > 4 && k.text_width(cat, fs, false) > label_w - 6 * u)
      cat = cat.substr(0, cat.size() - 4) + "...";
    k.text(left - 5 * u, cy + fs * 0.35, cat, fs, INK, Anchor::end, false, false);
    double x = 0;
    const auto& row = c.values[i];
    for (std::size_t s = 0; s < row.size(); ++s) {
      if (row[s] <= 0) continue;
      const int col = stacked ? int(s) : color_of(c.categories[i].substr(0, c.categories[i].find(' ')), int(i));
      k.rect(X(x), cy - bh / 2, X(x + row[s]) - X(x), bh, palette(col), true, WHITE, 0.4 * u);
      x += row[s];
    }
    if (x > axis_max) {  // broken bar: two white slashes near its end
      const double bx = X(axis_max) - 14 * u;
      for (double off : {0.0, 4.0 * u})
        k.line(bx + off, cy + bh / 2 + 2 * u, bx + off + 5 * u, cy - bh / 2 - 2 * u, WHITE, 1.6 * u, false);
    }
    if (i < c.bar_labels.size())
      k.text(X(x) + 4 * u, cy + fs * 0.35, c.bar_labels[i], fs, INK, Anchor::start, x > axis_max, false);
  }
}

}  // namespace

void draw_chart(const Chart& chart, Canvas& canvas, double width, double height) {
  const double u = width / 640.0;
  draw_title(chart, canvas, width, u);
  if (chart.kind == ChartKind::scatter)
    draw_scatter(chart, canvas, width, height, u);
  else
    draw_bars(chart, canvas, width, height, u);
}

}  // namespace infersim::brief
