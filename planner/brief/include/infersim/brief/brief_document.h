#pragma once
// A procurement brief as a plain value: sections of typed blocks (paragraphs, bullet lists, key-value
// blocks, tables of typed cells, charts with their series, code listings). It is built once by
// build_brief() and drawn by several renderers (Markdown, HTML with inline SVG, PDF in gui/pdf), so
// every number appears with the same text everywhere: a Cell carries both its value and the text
// it is printed as. No Qt, no JSON. Plain copyable value; thread-safe to share.
#include <cmath>
#include <string>
#include <variant>
#include <vector>

namespace infersim::brief {

enum class Tone { normal, good, bad, muted, strong };

struct Cell {
  std::string text;    // exactly as printed
  double value = NAN;  // the number behind the text (NaN for text cells)
  Tone tone = Tone::normal;
  bool numeric() const { return !std::isnan(value); }

  static Cell str(std::string s, Tone t = Tone::normal);
  static Cell num(double v, int decimals, const std::string& suffix = "");
  static Cell usd(double v, int decimals);                                // "$1,234.57"
  static Cell usd_millions(double v);                                     // "$37.09M"
  static Cell ms(double seconds, int decimals);                           // milliseconds, no unit: "412.3"
  static Cell seconds(double s, int decimals);                            // "93.4 s"
  static Cell percent(double fraction, int decimals, bool sign = false);  // "+12%"
  static Cell na(const std::string& why = "n/a");
};

// Grouped thousands: 1234567.891 with 2 decimals -> "1,234,567.89".
std::string group_thousands(double v, int decimals);

struct Paragraph {
  std::string text;
  bool strong = false;
};

struct Bullets {
  std::vector<std::string> items;
};

struct KeyValue {
  std::string key;
  Cell value;
  std::string note;
};

struct KeyValues {
  std::string id;
  std::vector<KeyValue> items;
};

struct Column {
  std::string header;
  bool numeric = false;
};

struct Table {
  std::string id;  // stable anchor, e.g. "options-cost" (tests look tables up by it)
  std::string caption;
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> notes;
};

struct ChartPoint {
  std::string label;  // short marker label (e.g. the option number)
  double x = 0, y = 0;
};

struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;
  bool connect = false;  // draw a line through the points (a frontier)
  bool hollow = false;   // open markers
  int color = 0;         // palette index
};

enum class ChartKind { scatter, stacked_bars, bars };

struct Chart {
  std::string id;
  ChartKind kind = ChartKind::scatter;
  std::string title, x_label, y_label;
  // scatter
  std::vector<ChartSeries> series;
  std::vector<std::pair<double, double>> guide_x;  // vertical guides (x, unused) e.g. the SLO
  std::string guide_label;
  // bars: categories (one bar each) x stacks (one segment each)
  std::vector<std::string> categories;
  std::vector<std::string> stack_names;
  std::vector<std::vector<double>> values;  // [category][stack]
  std::vector<std::string> bar_labels;      // printed at each bar's end
  std::string value_prefix, value_suffix;   // axis tick formatting ("$", " kW")
  double value_scale = 1;                   // axis values are value / scale (e.g. 1e6 for $M)
  std::vector<std::string> legend;          // scatter: "1 = Stay on H100", ...
  std::vector<std::string> notes;
};

struct Code {
  std::string caption;
  std::vector<std::string> lines;
};

using Block = std::variant<Paragraph, Bullets, KeyValues, Table, Chart, Code>;

struct Section {
  std::string id;
  std::string title;
  bool new_page = false;  // paged renderers start this section on a new page
  std::vector<Block> blocks;
};

struct BriefDocument {
  std::string title;
  std::string subtitle;
  std::string footer;  // version and scenario hash, printed on every page
  std::vector<Section> sections;

  const Table* find_table(const std::string& id) const;
  const Chart* find_chart(const std::string& id) const;
};

}  // namespace infersim::brief
