#include "models/calibration_group_model.h"

#include "models/format_util.h"

namespace infersim::gui {

void CalibrationGroupModel::setGroups(const std::vector<CalibrationGroup>& groups) {
  beginResetModel();
  groups_ = groups;
  endResetModel();
}

int CalibrationGroupModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(groups_.size());
}
int CalibrationGroupModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

namespace {
const char* metric_of(int col) {
  switch (col) {
    case CalibrationGroupModel::TtftCol: return "ttft";
    case CalibrationGroupModel::TpotCol: return "tpot";
    case CalibrationGroupModel::E2eCol: return "e2e";
    case CalibrationGroupModel::ThroughputCol: return "throughput";
  }
  return nullptr;
}
}  // namespace

QVariant CalibrationGroupModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& g = groups_[std::size_t(index.row())];
  const int c = index.column();
  const char* metric = metric_of(c);
  const perf::ErrorStats* st = nullptr;
  if (metric) {
    auto it = g.held_out_error.find(metric);
    if (it != g.held_out_error.end() && it->second.n > 0) st = &it->second;
  }
  if (role == ValueRole) {
    switch (c) {
      case GroupCol: return qs(g.hardware + " / " + g.runtime);
      case BasisCol: return qs(g.basis);
      case RowsCol: return g.rows;
      case HeldOutCol: return g.held_out_rows;
      default: return st ? QVariant(st->median_abs) : QVariant();
    }
  }
  if (role == Qt::ToolTipRole && st)
    return QStringLiteral("%1 held-out observations: median |error| %2%, P90 %3%, mean signed %4% (> 0: over-predicts)")
        .arg(st->n)
        .arg(100 * st->median_abs, 0, 'f', 1)
        .arg(100 * st->p90_abs, 0, 'f', 1)
        .arg(100 * st->mean_signed, 0, 'f', 1);
  if (role == Qt::TextAlignmentRole)
    return c <= BasisCol ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (c) {
    case GroupCol: return qs(g.hardware + " / " + g.runtime);
    case BasisCol: return qs(g.basis);
    case RowsCol: return g.rows;
    case HeldOutCol: return g.held_out_rows;
    default: return st ? QStringLiteral("%1%").arg(100 * st->median_abs, 0, 'f', 1) : QStringLiteral("-");
  }
}

QVariant CalibrationGroupModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* names[ColumnCount] = {"Hardware / runtime", "Calibration", "Rows", "Held out", "TTFT", "TPOT",
                                           "Batch e2e",          "Throughput"};
  if (role == Qt::DisplayRole) return tr(names[section]);
  if (role == Qt::ToolTipRole)
    return section >= TtftCol    ? tr("Median absolute error on held-out rows (never used in the fit)")
           : section == BasisCol ? tr("fitted on this pair, borrowed from the family, or datasheet only")
                                 : QVariant();
  return {};
}

}  // namespace infersim::gui
