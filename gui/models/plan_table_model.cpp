#include "models/plan_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>

#include <algorithm>

#include "models/format_util.h"

namespace infersim::gui {

void PlanTableModel::setResult(const planner::PlanResult& result) {
  beginResetModel();
  ranked_ = result.ranked;
  pareto_ = result.pareto;
  endResetModel();
}

void PlanTableModel::clear() {
  beginResetModel();
  ranked_.clear();
  pareto_.clear();
  endResetModel();
}

bool PlanTableModel::onPareto(int row) const {
  return std::find(pareto_.begin(), pareto_.end(), ranked_.at(std::size_t(row)).id) != pareto_.end();
}

int PlanTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(ranked_.size()); }
int PlanTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PlanTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& c = ranked_[std::size_t(index.row())];
  const int col = index.column();
  if (role == ValueRole) {
    switch (col) {
      case RankCol: return index.row() + 1;
      case IdCol: return qs(c.id);
      case ChipsCol: return c.is_mix() ? c.replicas : c.replicas * c.chips_per_replica;
      case UsdCol: return c.cost.usd_per_1k_output;
      case MonthlyCol: return c.cost.monthly_usd;
      case TcoCol: return c.cost.tco_total_usd;
      case TtftCol: return c.ttft_p99_s;
      case TpotCol: return c.tpot_p99_s;
      case KwCol: return c.power.facility_kw;
      case JoulesCol: return c.power.joules_per_output_token;
      case CheckCol: return c.verified;
      case ParetoCol: return onPareto(index.row());
    }
    return {};
  }
  if (role == Qt::ToolTipRole) {
    QStringList lines;
    lines << qs(c.id) << qs(c.cost.basis);
    for (const auto& p : c.parts) lines << QStringLiteral("part: %1").arg(qs(p));
    for (const auto& r : c.risks) lines << QStringLiteral("risk: %1").arg(qs(r));
    for (const auto& n : c.cost.notes) lines << QStringLiteral("note: %1").arg(qs(n));
    return lines.join('\n');
  }
  if (role == Qt::TextAlignmentRole)
    return col == IdCol || col == CheckCol ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                           : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::FontRole && index.row() == 0) {
    QFont f;
    f.setBold(true);
    return f;
  }
  if (role != Qt::DisplayRole) return {};
  switch (col) {
    case RankCol: return index.row() + 1;
    case IdCol: return qs(c.id);
    case ChipsCol:
      return c.is_mix() ? QStringLiteral("%1 repl").arg(c.replicas)
                        : QStringLiteral("%1x%2").arg(c.replicas).arg(c.chips_per_replica);
    case UsdCol: return QString::number(c.cost.usd_per_1k_output, 'f', 5);
    case MonthlyCol: return QStringLiteral("$%1").arg(c.cost.monthly_usd, 0, 'f', 0);
    case TcoCol: return QStringLiteral("$%1").arg(c.cost.tco_total_usd, 0, 'f', 0);
    case TtftCol: return fmtSeconds(c.ttft_p99_s);
    case TpotCol: return fmtSeconds(c.tpot_p99_s);
    case KwCol: return fmtNum(c.power.facility_kw, 1);
    case JoulesCol: return fmtNum(c.power.joules_per_output_token, 3);
    case CheckCol: return c.verified ? QStringLiteral("DES") : QStringLiteral("analytic");
    case ParetoCol: return onPareto(index.row()) ? QStringLiteral("yes") : QString();
  }
  return {};
}

QVariant PlanTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* names[ColumnCount] = {"#",        "Plan",     "Chips", "$/1K out", "$/month", "TCO $",
                                           "TTFT P99", "TPOT P99", "kW",    "J/tok",    "Check",   "Pareto"};
  static const char* tips[ColumnCount] = {
      "Rank by $ per 1K output tokens",
      "hardware/runtime/precision/layout (mixes: the parts and their traffic shares)",
      "Replicas x chips per replica",
      "USD per 1,000 output tokens at the target load (the ranking figure)",
      "Monthly cost (730 hours) at the target load, USD",
      "Total cost of ownership over the pricing file's TCO window (capex + opex + porting), USD",
      "P99 time to first token (seconds)",
      "P99 time per output token (seconds)",
      "Facility power of the deployment (kilowatts)",
      "Facility energy per output token (joules)",
      "DES = verified by the discrete-event simulator; analytic = Erlang-C estimate",
      "On the cost vs TTFT P99 Pareto frontier"};
  if (role == Qt::DisplayRole) return tr(names[section]);
  if (role == Qt::ToolTipRole) return tr(tips[section]);
  return {};
}

}  // namespace infersim::gui
