#pragma once
// Charts are laid out once, against this small drawing interface, and drawn by every renderer: the
// SVG writer (HTML) and QPainter (PDF, gui/pdf). Coordinates are abstract units with y growing
// downwards, origin at the top-left of the chart box; text is positioned at its baseline.
// Implementations need not be thread-safe.
#include <string>
#include <utility>
#include <vector>

#include "infersim/brief/brief_document.h"

namespace infersim::brief {

struct Rgb {
  int r = 0, g = 0, b = 0;
};
// Categorical palette (colour-blind friendly order); index wraps.
Rgb palette(int index);
inline constexpr Rgb INK{33, 37, 41};
inline constexpr Rgb GRID{222, 226, 230};
inline constexpr Rgb MUTED{108, 117, 125};
inline constexpr Rgb WHITE{255, 255, 255};

enum class Anchor { start, middle, end };

class Canvas {
 public:
  virtual ~Canvas() = default;
  virtual void line(double x1, double y1, double x2, double y2, Rgb color, double width, bool dashed) = 0;
  virtual void polyline(const std::vector<std::pair<double, double>>& points, Rgb color, double width, bool dashed) = 0;
  virtual void rect(double x, double y, double w, double h, Rgb fill, bool has_fill, Rgb stroke,
                    double stroke_width) = 0;
  virtual void circle(double cx, double cy, double r, Rgb fill, bool has_fill, Rgb stroke, double stroke_width) = 0;
  virtual void text(double x, double baseline_y, const std::string& s, double size, Rgb color, Anchor anchor, bool bold,
                    bool vertical) = 0;
  virtual double text_width(const std::string& s, double size, bool bold) const = 0;
};

// Draws `chart` into the box [0, width] x [0, height].
void draw_chart(const Chart& chart, Canvas& canvas, double width, double height);

// "Nice" axis ticks covering [lo, hi] (about `target` of them).
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace infersim::brief
