#include <fmt/format.h>

#include <algorithm>

#include "infersim/brief/render.h"

namespace infersim::brief {

namespace {

std::string md_esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|')
      o += "\\|";
    else if (c == '\n')
      o += ' ';
    else
      o += c;
  }
  return o;
}

std::string cell_text(const Cell& c) {
  if (c.text.empty()) return "";
  if (c.tone == Tone::strong) return "**" + md_esc(c.text) + "**";
  return md_esc(c.text);
}

void table(std::string& out, const std::vector<Column>& cols, const std::vector<std::vector<Cell>>& rows) {
  out += "|";
  for (const auto& c : cols) out += fmt::format(" {} |", md_esc(c.header));
  out += "\n|";
  for (const auto& c : cols) out += c.numeric ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (std::size_t i = 0; i < cols.size(); ++i)
      out += fmt::format(" {} |", i < r.size() ? cell_text(r[i]) : std::string());
    out += "\n";
  }
}

void chart(std::string& out, const Chart& c) {
  out += fmt::format("**Chart: {}** (data)\n\n", c.title);
  if (c.kind == ChartKind::scatter) {
    std::vector<Column> cols = {{"Option", false}};
    for (const auto& s : c.series)
      if (!s.connect) cols.push_back({s.name + " (" + c.x_label + ")", true});
    cols.push_back({c.y_label, true});
    std::vector<std::vector<Cell>> rows;
    const ChartSeries* first = nullptr;
    for (const auto& s : c.series)
      if (!s.connect) {
        first = &s;
        break;
      }
    if (first) {
      for (std::size_t i = 0; i < first->points.size(); ++i) {
        const auto& p = first->points[i];
        std::string name = p.label;
        for (const auto& l : c.legend)
          if (l.rfind(p.label + " ", 0) == 0) name = l;
        std::vector<Cell> row = {Cell::str(name)};
        for (const auto& s : c.series) {
          if (s.connect) continue;
          const auto it = std::find_if(s.points.begin(), s.points.end(),
                                       [&](const ChartPoint& q) { return q.label == p.label; });
          row.push_back(it == s.points.end() ? Cell::str("") : Cell::num(it->x, 1));
        }
        row.push_back(Cell::usd(p.y, 5));
        rows.push_back(row);
      }
    }
    table(out, cols, rows);
    for (const auto& s : c.series)
      if (s.connect) {
        std::vector<std::string> ids;
        for (const auto& p : s.points) ids.push_back(p.label);
        out += fmt::format("\n{}: {}\n", s.name, fmt::join(ids, " -> "));
      }
  } else {
    std::vector<Column> cols = {{"Option", false}};
    for (const auto& s : c.stack_names) cols.push_back({s, true});
    cols.push_back({"Total", true});
    std::vector<std::vector<Cell>> rows;
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
      std::vector<Cell> row = {Cell::str(c.categories[i])};
      for (double v : c.values[i]) row.push_back(c.value_prefix == "$" ? Cell::usd(v, 0) : Cell::num(v, 1));
      row.push_back(Cell::str(i < c.bar_labels.size() ? c.bar_labels[i] : ""));
      rows.push_back(row);
    }
    table(out, cols, rows);
  }
  for (const auto& n : c.notes) out += "\n_" + n + "_\n";
  out += "\n";
}

}  // namespace

std::string render_markdown(const BriefDocument& doc) {
  std::string out = fmt::format("# {}\n\n_{}_\n\n", doc.title, doc.subtitle);
  for (const auto& s : doc.sections) {
    out += fmt::format("## {}\n\n", s.title);
    for (const auto& b : s.blocks) {
      if (const auto* p = std::get_if<Paragraph>(&b)) {
        out += (p->strong ? "**" + p->text + "**" : p->text) + "\n\n";
      } else if (const auto* l = std::get_if<Bullets>(&b)) {
        for (const auto& i : l->items) out += "- " + i + "\n";
        out += "\n";
      } else if (const auto* kv = std::get_if<KeyValues>(&b)) {
        std::vector<std::vector<Cell>> rows;
        for (const auto& i : kv->items) rows.push_back({Cell::str(i.key), i.value, Cell::str(i.note)});
        table(out, {{"Item", false}, {"Value", false}, {"Note", false}}, rows);
        out += "\n";
      } else if (const auto* t = std::get_if<Table>(&b)) {
        out += fmt::format("<a id=\"{}\"></a>\n**Table: {}**\n\n", t->id, t->caption);
        table(out, t->columns, t->rows);
        for (const auto& n : t->notes) out += "\n_" + n + "_\n";
        out += "\n";
      } else if (const auto* c = std::get_if<Chart>(&b)) {
        chart(out, *c);
      } else if (const auto* code = std::get_if<Code>(&b)) {
        out += fmt::format("{}:\n\n```\n", code->caption);
        for (const auto& line : code->lines) out += line + "\n";
        out += "```\n\n";
      }
    }
  }
  out += "---\n_" + doc.footer + "_\n";
  return out;
}

}  // namespace infersim::brief
