#pragma once
// Ranked plans of a planner run (planner::PlanResult::ranked), cheapest first: id, chips, $/1K output
// tokens, $/month, TCO, TTFT / TPOT P99, kW, J/token, whether the discrete-event simulator checked
// it, and whether it is on the cost vs TTFT P99 Pareto frontier. ValueRole = the number behind a cell.
#include <QAbstractTableModel>

#include <string>
#include <vector>

#include "infersim/planner/plan.h"

namespace infersim::gui {

class PlanTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    RankCol,
    IdCol,
    ChipsCol,
    UsdCol,
    MonthlyCol,
    TcoCol,
    TtftCol,
    TpotCol,
    KwCol,
    JoulesCol,
    CheckCol,
    ParetoCol,
    ColumnCount
  };
  enum Role { ValueRole = Qt::UserRole + 1 };
  using QAbstractTableModel::QAbstractTableModel;

  void setResult(const planner::PlanResult& result);
  void clear();
  const planner::Candidate& candidate(int row) const { return ranked_.at(std::size_t(row)); }
  bool onPareto(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<planner::Candidate> ranked_;
  std::vector<std::string> pareto_;
};

}  // namespace infersim::gui
