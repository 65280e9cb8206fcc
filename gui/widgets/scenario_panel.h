#pragma once
// The scenario panel: model picker with search (catalog + imported config.json), hardware
// multi-select grouped by kind, workload type with its editable lengths, load and SLOs, precision,
// and the pricing assumptions (cloud tier or owned-hardware figures). Emits scenarioEdited() after
// every change (debounced by the window); problems are shown at the field that causes them.
#include <QMap>
#include <QWidget>

#include <vector>

#include "workers/core_calls.h"
#include "workers/scenario_input.h"
#include "workers/workload_catalog.h"

class QComboBox;
class QFormLayout;
class QCheckBox;
class QLabel;
class QLineEdit;
class QListView;
class QSortFilterProxyModel;
class QTreeView;
class QGroupBox;

namespace infersim::gui {

class HardwareTreeModel;
class ModelListModel;
class ValidatedField;

class ScenarioPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ScenarioPanel(QWidget* parent = nullptr);

  void setCatalogs(const std::vector<ModelEntry>& models, const std::vector<HardwareEntry>& hardware,
                   const std::vector<WorkloadType>& workloads);
  void setScenario(const ScenarioInput& s);  // emits scenarioEdited() once
  ScenarioInput scenario() const;
  // Problems from check_scenario() and from the core (model resolution); "" clears all.
  void showProblems(const std::vector<FieldProblem>& problems);
  void setModelError(const QString& reason);
  bool importModel(const QString& path);  // false (and the reason at the model field) on error
  void addHardwareProfile(const HardwareEntry& e, bool check);
  void setHeatMap(bool on);
  void selectWorkloadType(const QString& name);  // as if picked in the Type box

  HardwareTreeModel* hardwareModel() const { return hardware_; }
  ModelListModel* modelList() const { return models_; }
  ValidatedField* field(const QString& key) const { return fields_.value(key, nullptr); }
  QLineEdit* modelSearch() const { return search_; }

 signals:
  void scenarioEdited();
  void importModelRequested();
  void openHardwareProfileRequested();

 private:
  void setWorkloadFields(const WorkloadInput& w);
  void applyWorkloadType(const QString& name);
  void onEdited();
  void updatePricingEnabled();
  ValidatedField* addField(QFormLayout* form, const QString& key, const QString& label, const QString& tip,
                           double scale = 1.0);

  ModelListModel* models_;
  QSortFilterProxyModel* modelProxy_;
  HardwareTreeModel* hardware_;
  QLineEdit* search_;
  QListView* modelView_;
  QLabel* modelError_;
  QTreeView* hardwareView_;
  QLabel* hardwareError_;
  QComboBox* focus_;
  QComboBox* workload_;
  QLabel* workloadInfo_;
  QComboBox* precision_;
  QLabel* precisionError_;
  QComboBox* pricingMode_;
  QComboBox* cloudTier_;
  QGroupBox* ownedBox_;
  QCheckBox* heatMap_;
  QCheckBox* autoscale_;
  QCheckBox* verify_ = nullptr;
  QMap<QString, ValidatedField*> fields_;
  std::vector<WorkloadType> workloadTypes_;
  std::string selectedModel_;
  planner::Pricing pricing_;  // sources and fields the panel does not edit are kept
  bool loading_ = false;
};

}  // namespace infersim::gui
