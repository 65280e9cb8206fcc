#include "models/compare_table_model.h"

#include <QBrush>
#include <QColor>

#include <cmath>

#include "infersim/perf/runtime_resolution.h"
#include "models/format_util.h"

namespace infersim::gui {

void CompareTableModel::setAnalytic(const std::vector<CompareRow>& rows) {
  std::vector<Row> next;
  for (const auto& r : rows) {
    Row x;
    x.analytic = r;
    for (const auto& old : rows_)
      if (old.analytic.hardware == r.hardware) {
        x.load = old.load;
        x.sim = old.sim;
      }
    next.push_back(std::move(x));
  }
  const bool same_shape = next.size() == rows_.size() && [&] {
    for (std::size_t i = 0; i < next.size(); ++i)
      if (next[i].analytic.hardware != rows_[i].analytic.hardware) return false;
    return true;
  }();
  if (same_shape) {
    rows_ = std::move(next);
    if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  } else {
    beginResetModel();
    rows_ = std::move(next);
    endResetModel();
  }
}

void CompareTableModel::setAtLoad(const std::vector<LoadRow>& rows) {
  for (auto& r : rows_) {
    r.load.reset();
    for (const auto& l : rows)
      if (l.hardware == r.analytic.hardware) r.load = l;
  }
  if (!rows_.empty()) emit dataChanged(index(0, ReplicasAtLoadCol), index(rowCount() - 1, ColumnCount - 1));
}

void CompareTableModel::setSimulated(const std::vector<SimRow>& rows) {
  for (auto& r : rows_) {
    r.sim.reset();
    for (const auto& s : rows)
      if (s.hardware == r.analytic.hardware) r.sim = s;
  }
  if (!rows_.empty()) emit dataChanged(index(0, SimTtftP99Col), index(rowCount() - 1, ColumnCount - 1));
}

void CompareTableModel::clearRunResults() {
  for (auto& r : rows_) {
    r.load.reset();
    r.sim.reset();
  }
  if (!rows_.empty()) emit dataChanged(index(0, ReplicasAtLoadCol), index(rowCount() - 1, ColumnCount - 1));
}

bool CompareTableModel::hasAtLoad() const {
  for (const auto& r : rows_)
    if (r.load) return true;
  return false;
}

bool CompareTableModel::hasSimulated() const {
  for (const auto& r : rows_)
    if (r.sim && r.sim->error.empty()) return true;
  return false;
}

const LoadRow* CompareTableModel::atLoad(int r) const {
  const auto& x = rows_.at(std::size_t(r));
  return x.load ? &*x.load : nullptr;
}

const SimRow* CompareTableModel::simulated(int r) const {
  const auto& x = rows_.at(std::size_t(r));
  return x.sim ? &*x.sim : nullptr;
}

int CompareTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int CompareTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

double CompareTableModel::value(int row, int column) const {
  const auto& x = rows_.at(std::size_t(row));
  const auto& a = x.analytic;
  const auto& e = a.estimate;
  const bool ok = a.error.empty();
  const bool load = x.load && x.load->feasible;
  const bool sim = x.sim && x.sim->error.empty();
  switch (column) {
    case ChipsCol: return ok ? double(e.chips) : NAN;
    case FitsCol: return ok ? (e.fits ? 1.0 : 0.0) : NAN;
    case TtftCol: return ok ? e.ttft_s : NAN;
    case TpotCol: return ok ? e.tpot_s : NAN;
    case ThroughputCol: return ok ? e.throughput_tok_s : NAN;
    case UsdCol: return ok && e.usd_per_hour > 0 ? e.usd_per_1k_tokens : NAN;
    case JoulesCol: return ok ? e.joules_per_token : NAN;
    case KwCol: return ok ? e.power_w / 1e3 : NAN;
    case ReplicasAtLoadCol: return load ? x.load->best.replicas : NAN;
    case TtftP99Col: return load ? x.load->best.ttft_p99_s : NAN;
    case TpotP99Col: return load ? x.load->best.tpot_p99_s : NAN;
    case UsdAtLoadCol: return load ? x.load->best.cost.usd_per_1k_output : NAN;
    case KwAtLoadCol: return load ? x.load->best.power.facility_kw : NAN;
    case JoulesAtLoadCol: return load ? x.load->best.power.joules_per_output_token : NAN;
    case SimTtftP99Col: return sim ? x.sim->ttft_p99_s : NAN;
    case SimTpotP99Col: return sim ? x.sim->tpot_p99_s : NAN;
    default: return NAN;
  }
}

QVariant CompareTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& x = rows_[std::size_t(index.row())];
  const auto& a = x.analytic;
  const auto& e = a.estimate;
  const int c = index.column();
  const double v = value(index.row(), c);
  if (role == ValueRole) {
    if (c == HardwareCol) return qs(a.hardware);
    if (c == KindCol) return qs(a.kind);
    if (c == RuntimeCol) return qs(e.runtime);
    if (c == BoundCol)
      return qs(std::string(perf::bound_name(e.prefill.bound)) + "/" + perf::bound_name(e.decode.bound));
    return std::isnan(v) ? QVariant() : QVariant(v);
  }
  if (role == HardwareRole) return qs(a.hardware);
  if (role == ErrorRole) return qs(a.error);
  if (role == Qt::TextAlignmentRole)
    return c == HardwareCol || c == KindCol || c == RuntimeCol || c == BoundCol
               ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
               : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ForegroundRole) {
    if (!a.error.empty() && c > HardwareCol) return QBrush(QColor(170, 30, 30));
    if (c == FitsCol && a.error.empty() && !e.fits) return QBrush(QColor(170, 30, 30));
    if (isRunColumn(c) && c < SimTtftP99Col && x.load && !x.load->feasible) return QBrush(QColor(150, 90, 0));
    return {};
  }
  if (role == Qt::ToolTipRole) {
    if (!a.error.empty()) return QStringLiteral("%1: %2").arg(qs(a.hardware), qs(a.error));
    if (isRunColumn(c) && c < SimTtftP99Col && x.load) {
      if (!x.load->feasible) return QStringLiteral("No feasible layout at this load: %1").arg(qs(x.load->reason));
      const auto& b = x.load->best;
      return QStringLiteral("%1: %2 replicas x %3 chips at %4 req/s per replica, batch %5\n%6\n%7")
          .arg(qs(b.id))
          .arg(b.replicas)
          .arg(b.chips_per_replica)
          .arg(b.replica_req_s, 0, 'f', 2)
          .arg(b.batch)
          .arg(qs(b.cost.basis))
          .arg(b.verified ? QStringLiteral("latencies verified by the discrete-event simulator")
                          : QStringLiteral("latency percentiles are analytic (Erlang-C queueing)"));
    }
    if (c >= SimTtftP99Col && x.sim && !x.sim->error.empty()) return qs(x.sim->error);
    switch (c) {
      case HardwareCol: return QStringLiteral("%1\nlayout: %2").arg(qs(a.display_name), qs(a.layout_note));
      case RuntimeCol:
        return QStringLiteral("calibration basis: %1\n%2").arg(qs(a.runtime_basis), qs(e.calibration_source));
      case FitsCol:
        if (!e.fits) return qs(e.memory.message);
        return e.memory.state_bytes > 0 ? QStringLiteral("weights + KV + recurrent states + activations fit per chip")
                                        : QStringLiteral("weights + KV + activations fit per chip");
      case UsdCol: return QStringLiteral("USD per 1K output tokens at the %1 price").arg(qs(e.price_basis));
      case BoundCol: return QStringLiteral("what bounds the prefill / decode step (see the Roofline view)");
      default: return headerData(c, Qt::Horizontal, Qt::ToolTipRole);
    }
  }
  if (role != Qt::DisplayRole) return {};
  if (!a.error.empty()) {
    if (c == HardwareCol) return qs(a.hardware);
    if (c == FitsCol) return QStringLiteral("error");
    return c < ReplicasAtLoadCol ? QStringLiteral("-") : QVariant();
  }
  switch (c) {
    case HardwareCol: return qs(e.hardware);
    case KindCol: return qs(a.kind).toUpper();
    case ChipsCol: return e.chips;
    case RuntimeCol: return qs(e.runtime + (perf::basis_is_measured(a.runtime_basis) ? "" : "*"));
    case FitsCol: return e.fits ? QStringLiteral("yes") : QStringLiteral("NO");
    case TtftCol: return fmtSeconds(e.ttft_s);
    case TpotCol: return fmtSeconds(e.tpot_s);
    case ThroughputCol: return fmtNum(e.throughput_tok_s, 0);
    case UsdCol: return std::isnan(v) ? QStringLiteral("n/a") : QStringLiteral("%1").arg(v, 0, 'f', 5);
    case JoulesCol: return fmtNum(e.joules_per_token, 3);
    case KwCol: return fmtNum(e.power_w / 1e3, 2);
    case BoundCol:
      return QStringLiteral("%1/%2").arg(perf::bound_name(e.prefill.bound), perf::bound_name(e.decode.bound));
    default: break;
  }
  if (c < SimTtftP99Col) {
    if (!x.load) return {};
    if (!x.load->feasible) return c == ReplicasAtLoadCol ? QStringLiteral("infeasible") : QStringLiteral("-");
    switch (c) {
      case ReplicasAtLoadCol:
        return QStringLiteral("%1 x %2").arg(x.load->best.replicas).arg(x.load->best.chips_per_replica);
      case TtftP99Col: return fmtSeconds(v);
      case TpotP99Col: return fmtSeconds(v);
      case UsdAtLoadCol: return QString::number(v, 'f', 5);
      case KwAtLoadCol: return fmtNum(v, 1);
      case JoulesAtLoadCol: return fmtNum(v, 3);
    }
    return {};
  }
  if (!x.sim) return {};
  if (!x.sim->error.empty()) return QStringLiteral("-");
  return fmtSeconds(v);
}

QVariant CompareTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* names[ColumnCount] = {
      "Hardware",       "Kind",       "Chips",    "Runtime",     "Fits",         "TTFT",           "TPOT",
      "tok/s",          "$/1K out",   "J/tok",    "kW",          "Bound p/d",    "Replicas @load", "TTFT P99 @load",
      "TPOT P99 @load", "$/1K @load", "kW @load", "J/tok @load", "TTFT P99 sim", "TPOT P99 sim"};
  static const char* tips[ColumnCount] = {
      "Hardware profile (catalog name or file)",
      "GPU, LPU, TPU, NPU, CPU or ASIC",
      "Chips per replica: the smallest layout that fits (tensor x pipeline parallel)",
      "Serving runtime; * = speed not measured on this hardware with this runtime (borrowed calibration)",
      "Do weights + KV cache + activations fit in memory per chip?",
      "Time to first token of one request at this concurrency (seconds, analytic mean)",
      "Time per output token after the first (seconds, analytic mean)",
      "Output tokens per second of one replica (tokens/s)",
      "USD per 1,000 output tokens at the public on-demand price, replica fully loaded (n/a: no public on-demand "
      "price)",
      "Energy per output token (joules), chip power only",
      "Replica chip power at this load (kilowatts)",
      "Which roofline bound limits the prefill / decode step",
      "Replicas x chips per replica the planner needs for the workload's request rate within the SLOs",
      "P99 time to first token at the workload's request rate (seconds; analytic Erlang-C or simulated)",
      "P99 time per output token at the workload's request rate (seconds)",
      "USD per 1,000 output tokens at the workload's load with the scenario's pricing (cloud or owned)",
      "Facility power of the whole deployment at that load (kilowatts, x PUE, host overhead included)",
      "Facility energy per output token at that load (joules)",
      "P99 TTFT from the discrete-event simulation (seconds)",
      "P99 TPOT from the discrete-event simulation (seconds)"};
  if (role == Qt::DisplayRole) return tr(names[section]);
  if (role == Qt::ToolTipRole) return tr(tips[section]);
  return {};
}

}  // namespace infersim::gui
