#pragma once
// The comparison table: one row per selected hardware.
//  - analytic columns (updated as the user edits): exactly `infersim compare` at the scenario's
//    concurrency — chips, runtime, fit, TTFT, TPOT, throughput, $/1K output tokens at the on-demand
//    price, J/token, kW, the bound of prefill / decode;
//  - "at load" columns (after a run): the planner restricted to that hardware at the workload's
//    request rate and SLOs with the scenario's pricing — replicas, TTFT P99, TPOT P99, $/1K, kW, J/token;
//  - simulated columns (after a run with the serving simulator): TTFT / TPOT P99.
// ValueRole gives the number behind every numeric cell (SI units: seconds, $, J, kW) for sorting,
// charts and tests; DisplayRole the formatted text; ToolTipRole the unit and the reasons.
#include <QAbstractTableModel>

#include <optional>
#include <vector>

#include "workers/run_results.h"

namespace infersim::gui {

class CompareTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    HardwareCol,
    KindCol,
    ChipsCol,
    RuntimeCol,
    FitsCol,
    TtftCol,
    TpotCol,
    ThroughputCol,
    UsdCol,
    JoulesCol,
    KwCol,
    BoundCol,
    ReplicasAtLoadCol,
    TtftP99Col,
    TpotP99Col,
    UsdAtLoadCol,
    KwAtLoadCol,
    JoulesAtLoadCol,
    SimTtftP99Col,
    SimTpotP99Col,
    ColumnCount
  };
  enum Role { ValueRole = Qt::UserRole + 1, HardwareRole, ErrorRole };
  using QAbstractTableModel::QAbstractTableModel;

  // New analytic rows; at-load and simulated values are kept for hardware still present.
  void setAnalytic(const std::vector<CompareRow>& rows);
  void setAtLoad(const std::vector<LoadRow>& rows);
  void setSimulated(const std::vector<SimRow>& rows);
  void clearRunResults();
  bool hasAtLoad() const;
  bool hasSimulated() const;

  const CompareRow& row(int r) const { return rows_.at(std::size_t(r)).analytic; }
  const LoadRow* atLoad(int r) const;
  const SimRow* simulated(int r) const;
  // The number behind a cell; NaN where there is none.
  double value(int row, int column) const;
  static bool isRunColumn(int column) { return column >= ReplicasAtLoadCol; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    CompareRow analytic;
    std::optional<LoadRow> load;
    std::optional<SimRow> sim;
  };
  std::vector<Row> rows_;
};

}  // namespace infersim::gui
