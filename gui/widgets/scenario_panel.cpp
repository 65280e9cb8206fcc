#include "widgets/scenario_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

#include <cmath>

#include "models/format_util.h"
#include "models/hardware_tree_model.h"
#include "models/model_list_model.h"
#include "widgets/validated_field.h"

namespace infersim::gui {

namespace {
QLabel* errorLabel(QWidget* parent) {
  auto* l = new QLabel(parent);
  l->setWordWrap(true);
  l->setStyleSheet(QStringLiteral("color: #b00020;"));
  l->hide();
  return l;
}
void showError(QLabel* l, const QString& text) {
  l->setText(text);
  l->setVisible(!text.isEmpty());
}
}  // namespace

ScenarioPanel::ScenarioPanel(QWidget* parent)
    : QWidget(parent),
      models_(new ModelListModel(this)),
      modelProxy_(new QSortFilterProxyModel(this)),
      hardware_(new HardwareTreeModel(this)) {
  auto* root = new QVBoxLayout(this);

  // ---- model ----
  auto* modelBox = new QGroupBox(tr("Model"), this);
  auto* ml = new QVBoxLayout(modelBox);
  search_ = new QLineEdit(modelBox);
  search_->setObjectName(QStringLiteral("modelSearch"));
  search_->setPlaceholderText(tr("Search models (name, family, architecture)…"));
  search_->setClearButtonEnabled(true);
  search_->setToolTip(tr("Filter the model catalog (Ctrl+F)"));
  modelProxy_->setSourceModel(models_);
  modelProxy_->setFilterRole(ModelListModel::SearchRole);
  modelProxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  modelView_ = new QListView(modelBox);
  modelView_->setObjectName(QStringLiteral("modelList"));
  modelView_->setModel(modelProxy_);
  modelView_->setMinimumHeight(110);
  modelView_->setMaximumHeight(150);
  modelView_->setToolTip(tr("Model cards shipped in model/data, plus imported Hugging Face config.json files"));
  auto* importBtn = new QPushButton(tr("Import config.json…"), modelBox);
  importBtn->setToolTip(
      tr("Import a Hugging Face config.json (or a model card) — same as --model PATH in the CLI (Ctrl+I)"));
  modelError_ = errorLabel(modelBox);
  ml->addWidget(search_);
  ml->addWidget(modelView_);
  ml->addWidget(importBtn);
  ml->addWidget(modelError_);
  root->addWidget(modelBox);
  connect(search_, &QLineEdit::textChanged, modelProxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(importBtn, &QPushButton::clicked, this, &ScenarioPanel::importModelRequested);
  connect(modelView_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& cur) {
    if (!cur.isValid()) return;
    selectedModel_ = cur.data(ModelListModel::NameRole).toString().toStdString();
    showError(modelError_, {});
    onEdited();
  });

  // ---- hardware ----
  auto* hwBox = new QGroupBox(tr("Hardware to compare"), this);
  auto* hl = new QVBoxLayout(hwBox);
  hardwareView_ = new QTreeView(hwBox);
  hardwareView_->setObjectName(QStringLiteral("hardwareTree"));
  hardwareView_->setModel(hardware_);
  hardwareView_->setMinimumHeight(200);
  hardwareView_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  hardwareView_->setColumnHidden(HardwareTreeModel::BandwidthColumn, true);  // in the tooltip
  hardwareView_->setToolTip(tr("Check the hardware to compare; a kind row (un)checks the whole kind"));
  hardwareError_ = errorLabel(hwBox);
  auto* hwButtons = new QHBoxLayout;
  auto* openProfile = new QPushButton(tr("Open profile…"), hwBox);
  openProfile->setToolTip(tr("Add a hardware profile JSON from a file (same as --hardware PATH)"));
  hwButtons->addWidget(openProfile);
  hwButtons->addStretch(1);
  auto* focusLabel = new QLabel(tr("Timeline for:"), hwBox);
  focus_ = new QComboBox(hwBox);
  focus_->setObjectName(QStringLiteral("focusHardware"));
  focus_->setToolTip(tr("Hardware whose cluster timeline (queue, batch, replicas, cold starts) a run records"));
  hwButtons->addWidget(focusLabel);
  hwButtons->addWidget(focus_);
  hl->addWidget(hardwareView_);
  hl->addLayout(hwButtons);
  hl->addWidget(hardwareError_);
  root->addWidget(hwBox, 1);
  connect(openProfile, &QPushButton::clicked, this, &ScenarioPanel::openHardwareProfileRequested);
  connect(hardware_, &HardwareTreeModel::checkedChanged, this, [this] {
    const QString keep = focus_->currentText();
    focus_->blockSignals(true);
    focus_->clear();
    for (const auto& h : hardware_->checked()) focus_->addItem(qs(h));
    const int i = focus_->findText(keep);
    if (i >= 0) focus_->setCurrentIndex(i);
    focus_->blockSignals(false);
    onEdited();
  });
  connect(focus_, &QComboBox::currentIndexChanged, this, [this] { onEdited(); });

  // ---- workload ----
  auto* wlBox = new QGroupBox(tr("Workload"), this);
  auto* wf = new QFormLayout(wlBox);
  workload_ = new QComboBox(wlBox);
  workload_->setObjectName(QStringLiteral("workloadType"));
  workload_->setToolTip(tr("Workload type preset: fills lengths, load and SLOs (all editable below)"));
  wf->addRow(tr("Type"), workload_);
  workloadInfo_ = new QLabel(wlBox);
  workloadInfo_->setWordWrap(true);
  workloadInfo_->setStyleSheet(QStringLiteral("color: #555;"));
  wf->addRow(workloadInfo_);
  addField(wf, "workload.input_tokens", tr("Input tokens"), tr("Mean prompt length (tokens)"));
  addField(wf, "workload.output_tokens", tr("Output tokens"), tr("Mean generated length (tokens)"));
  addField(wf, "workload.concurrency", tr("Concurrency"),
           tr("Sequences served at once for the analytic comparison (the CLI's --batch)"));
  addField(wf, "workload.requests_per_s", tr("Load (req/s)"),
           tr("Target request rate of the whole deployment (requests per second)"));
  addField(wf, "workload.calls_per_task", tr("Calls per task"),
           tr("Model calls per user task (agentic): $ per task = $ per request x this"));
  addField(wf, "workload.ttft_p99_s", tr("TTFT P99 SLO (ms)"),
           tr("99th-percentile time to first token the plan must meet (milliseconds)"), 1e-3);
  addField(wf, "workload.tpot_p99_s", tr("TPOT P99 SLO (ms)"),
           tr("99th-percentile time per output token the plan must meet (milliseconds)"), 1e-3);
  addField(wf, "workload.sim_requests", tr("Simulated requests"),
           tr("Requests per hardware in a discrete-event run (more = smoother tails, slower)"));
  precision_ = new QComboBox(wlBox);
  precision_->setObjectName(QStringLiteral("precision"));
  for (const auto& p : precision_choices())
    precision_->addItem(p.empty() ? tr("default (bf16, fp16 if no bf16)") : qs(p), qs(p));
  precision_->setToolTip(tr("Weight precision (--precision); KV cache and activations follow the runtime's defaults"));
  wf->addRow(tr("Precision"), precision_);
  precisionError_ = errorLabel(wlBox);
  wf->addRow(precisionError_);
  heatMap_ = new QCheckBox(tr("Heat map of every workload type in runs"), wlBox);
  heatMap_->setChecked(true);
  heatMap_->setToolTip(tr("A run also plans each hardware for every workload type (the heat map)"));
  wf->addRow(heatMap_);
  autoscale_ = new QCheckBox(tr("Autoscale in the simulation (cold starts)"), wlBox);
  autoscale_->setObjectName(QStringLiteral("autoscale"));
  autoscale_->setToolTip(
      tr("Discrete-event runs start at the planner's replica count; a target-utilisation autoscaler "
         "releases idle replicas and adds them back (cold starts from object storage, then local NVMe) "
         "between 1 and twice that count"));
  wf->addRow(autoscale_);
  verify_ = new QCheckBox(tr("Check plans with the simulator (as the CLI)"), wlBox);
  verify_->setObjectName(QStringLiteral("verify"));
  verify_->setChecked(true);
  verify_->setToolTip(
      tr("The best plans are run at the target load in the discrete-event simulator, as `infersim plan`, "
         "`infersim workloads compare` and `infersim brief` do. Off = analytic only (--no-verify): faster."));
  wf->addRow(verify_);
  connect(verify_, &QCheckBox::toggled, this, [this] { onEdited(); });
  connect(autoscale_, &QCheckBox::toggled, this, [this] { onEdited(); });
  root->addWidget(wlBox);
  connect(workload_, &QComboBox::activated, this,
          [this](int i) { applyWorkloadType(workload_->itemData(i).toString()); });
  connect(precision_, &QComboBox::currentIndexChanged, this, [this] { onEdited(); });
  connect(heatMap_, &QCheckBox::toggled, this, [this] { onEdited(); });

  // ---- pricing ----
  auto* prBox = new QGroupBox(tr("Pricing"), this);
  auto* pf = new QFormLayout(prBox);
  pricingMode_ = new QComboBox(prBox);
  pricingMode_->setObjectName(QStringLiteral("pricingMode"));
  pricingMode_->addItem(tr("cloud (rent chip-hours)"), QStringLiteral("cloud"));
  pricingMode_->addItem(tr("owned (buy and operate)"), QStringLiteral("owned"));
  pricingMode_->setToolTip(
      tr("Cloud: chips x $/chip-hour of the tier. Owned: capex amortised + energy + hosting + network + software"));
  cloudTier_ = new QComboBox(prBox);
  cloudTier_->addItem(tr("on-demand"), QStringLiteral("on_demand"));
  cloudTier_->addItem(tr("1-year commitment"), QStringLiteral("commit_1y"));
  cloudTier_->addItem(tr("3-year commitment"), QStringLiteral("commit_3y"));
  cloudTier_->addItem(tr("spot"), QStringLiteral("spot"));
  cloudTier_->setToolTip(tr("Which price of the hardware profile is used; a rented chip without that price is "
                            "rejected, a chip no cloud rents is costed owned (labelled)"));
  pf->addRow(tr("Mode"), pricingMode_);
  pf->addRow(tr("Cloud tier"), cloudTier_);
  ownedBox_ = new QGroupBox(tr("Owned hardware assumptions"), prBox);
  auto* of = new QFormLayout(ownedBox_);
  addField(of, "pricing.depreciation_years", tr("Depreciation (years)"), tr("Capex amortisation period (years)"));
  addField(of, "pricing.usd_per_kwh", tr("Electricity ($/kWh)"), tr("Energy price (USD per kWh)"));
  addField(of, "pricing.pue", tr("PUE"), tr("Facility power / IT power (1.0 - 3.0)"));
  addField(of, "pricing.hosting_usd_per_kw_month", tr("Hosting ($/kW-month)"),
           tr("Space and cooling per provisioned kW per month (USD)"));
  addField(of, "pricing.network_usd_per_chip_month", tr("Network ($/chip-month)"),
           tr("Amortised NIC/switch share per chip per month (USD)"));
  addField(of, "pricing.software_usd_per_chip_month", tr("Software ($/chip-month)"),
           tr("Licences per chip per month (USD)"));
  addField(of, "pricing.host_overhead_w_per_chip", tr("Host overhead (W/chip)"),
           tr("Host CPU / network / storage power per accelerator (watts)"));
  pf->addRow(ownedBox_);
  addField(pf, "pricing.usd_per_engineer_week", tr("Engineering ($/week)"),
           tr("Porting cost per engineer-week for a runtime the team does not run yet (USD)"));
  addField(pf, "pricing.tco_years", tr("TCO window (years)"), tr("Years the total cost of ownership covers"));
  addField(pf, "pricing.target_utilisation", tr("Target utilisation"),
           tr("Share of measured capacity replicas are sized to (0.05 - 1)"));
  root->addWidget(prBox);
  connect(pricingMode_, &QComboBox::currentIndexChanged, this, [this] {
    updatePricingEnabled();
    onEdited();
  });
  connect(cloudTier_, &QComboBox::currentIndexChanged, this, [this] { onEdited(); });
  root->addStretch(0);
}

ValidatedField* ScenarioPanel::addField(QFormLayout* form, const QString& key, const QString& label, const QString& tip,
                                        double scale) {
  auto* f = new ValidatedField(key, tip, scale, this);
  fields_.insert(key, f);
  form->addRow(label, f);
  connect(f, &ValidatedField::edited, this, [this] { onEdited(); });
  return f;
}

void ScenarioPanel::updatePricingEnabled() {
  const bool owned = pricingMode_->currentData().toString() == QLatin1String("owned");
  ownedBox_->setEnabled(owned);
  cloudTier_->setEnabled(!owned);
}

void ScenarioPanel::setCatalogs(const std::vector<ModelEntry>& models, const std::vector<HardwareEntry>& hardware,
                                const std::vector<WorkloadType>& workloads) {
  models_->setEntries(models);
  hardware_->setEntries(hardware);
  hardwareView_->expandAll();
  workloadTypes_ = workloads;
  workload_->clear();
  for (const auto& t : workloads) {
    workload_->addItem(qs(t.name), qs(t.name));
    workload_->setItemData(workload_->count() - 1, qs(t.description + "\n" + t.source), Qt::ToolTipRole);
  }
  workload_->addItem(tr("custom"), QStringLiteral("custom"));
}

void ScenarioPanel::applyWorkloadType(const QString& name) {
  const auto* t = find_workload_type(workloadTypes_, name.toStdString());
  if (!t) {
    workloadInfo_->setText(tr("Custom workload: edit the fields below."));
    onEdited();
    return;
  }
  loading_ = true;
  const auto& w = t->defaults;
  setWorkloadFields(w);
  workloadInfo_->setText(qs(t->description));
  workloadInfo_->setToolTip(qs(t->source));
  loading_ = false;
  onEdited();
}

// The workload's lengths, load and SLOs into their fields (simulated requests are set separately).
void ScenarioPanel::setWorkloadFields(const WorkloadInput& w) {
  fields_["workload.input_tokens"]->setValue(w.input_tokens);
  fields_["workload.output_tokens"]->setValue(w.output_tokens);
  fields_["workload.concurrency"]->setValue(w.concurrency);
  fields_["workload.requests_per_s"]->setValue(w.requests_per_s);
  fields_["workload.calls_per_task"]->setValue(w.calls_per_task);
  fields_["workload.ttft_p99_s"]->setValue(w.ttft_p99_s);
  fields_["workload.tpot_p99_s"]->setValue(w.tpot_p99_s);
}

void ScenarioPanel::setScenario(const ScenarioInput& s) {
  loading_ = true;
  pricing_ = s.pricing;
  int row = models_->rowOf(s.model);
  if (row < 0 && !s.model.empty()) {
    // A path: import it (errors stay at the model field).
    loading_ = false;
    importModel(qs(s.model));
    loading_ = true;
    row = models_->rowOf(s.model);
  }
  selectedModel_ = s.model;
  if (row >= 0) {
    search_->clear();
    const QModelIndex pi = modelProxy_->mapFromSource(models_->index(row));
    modelView_->selectionModel()->setCurrentIndex(pi, QItemSelectionModel::ClearAndSelect);
    modelView_->scrollTo(pi);
  }
  for (const auto& h : s.hardware)
    if (!hardware_->contains(h)) {
      try {
        hardware_->addEntry(hardware_entry(h));
      } catch (const std::exception& e) {
        showError(hardwareError_, tr("%1: %2").arg(qs(h), QString::fromUtf8(e.what())));
      }
    }
  hardware_->setChecked(s.hardware);
  hardwareView_->expandAll();
  const int fi = focus_->findText(qs(s.focus_hardware()));
  if (fi >= 0) focus_->setCurrentIndex(fi);
  const auto& w = s.workload;
  int wi = workload_->findData(qs(w.preset));
  if (wi < 0) wi = workload_->findData(QStringLiteral("custom"));
  workload_->setCurrentIndex(wi);
  if (const auto* t = find_workload_type(workloadTypes_, w.preset)) {
    workloadInfo_->setText(qs(t->description));
    workloadInfo_->setToolTip(qs(t->source));
  } else {
    workloadInfo_->setText(tr("Custom workload: edit the fields below."));
  }
  setWorkloadFields(w);
  fields_["workload.sim_requests"]->setValue(double(w.sim_requests));
  const int pi = precision_->findData(qs(s.precision));
  precision_->setCurrentIndex(pi >= 0 ? pi : 0);
  heatMap_->setChecked(s.heat_map);
  autoscale_->setChecked(s.autoscale);
  verify_->setChecked(s.verify);
  const auto& p = s.pricing;
  pricingMode_->setCurrentIndex(p.mode == planner::PricingMode::owned ? 1 : 0);
  cloudTier_->setCurrentIndex(int(p.cloud_tier));
  fields_["pricing.depreciation_years"]->setValue(p.depreciation_years);
  fields_["pricing.usd_per_kwh"]->setValue(p.usd_per_kwh);
  fields_["pricing.pue"]->setValue(p.pue);
  fields_["pricing.hosting_usd_per_kw_month"]->setValue(p.hosting_usd_per_kw_month);
  fields_["pricing.network_usd_per_chip_month"]->setValue(p.network_usd_per_chip_month);
  fields_["pricing.software_usd_per_chip_month"]->setValue(p.software_usd_per_chip_month);
  fields_["pricing.host_overhead_w_per_chip"]->setValue(p.host_overhead_w_per_chip);
  fields_["pricing.usd_per_engineer_week"]->setValue(p.usd_per_engineer_week);
  fields_["pricing.tco_years"]->setValue(p.tco_years);
  fields_["pricing.target_utilisation"]->setValue(p.target_utilisation);
  updatePricingEnabled();
  loading_ = false;
  emit scenarioEdited();
}

ScenarioInput ScenarioPanel::scenario() const {
  ScenarioInput s;
  s.model = selectedModel_;
  s.hardware = hardware_->checked();
  s.focus = focus_->currentText().toStdString();
  s.precision = precision_->currentData().toString().toStdString();
  s.heat_map = heatMap_->isChecked();
  s.autoscale = autoscale_->isChecked();
  s.verify = verify_->isChecked();
  auto& w = s.workload;
  w.preset = workload_->currentData().toString().toStdString();
  w.input_tokens = fields_["workload.input_tokens"]->value();
  w.output_tokens = fields_["workload.output_tokens"]->value();
  w.concurrency = fields_["workload.concurrency"]->value();
  w.requests_per_s = fields_["workload.requests_per_s"]->value();
  w.calls_per_task = fields_["workload.calls_per_task"]->value();
  w.ttft_p99_s = fields_["workload.ttft_p99_s"]->value();
  w.tpot_p99_s = fields_["workload.tpot_p99_s"]->value();
  const double n = fields_["workload.sim_requests"]->value();
  w.sim_requests = std::isfinite(n) ? std::int64_t(std::llround(n)) : -1;
  s.pricing = pricing_;
  auto& p = s.pricing;
  p.mode = pricingMode_->currentData().toString() == QLatin1String("owned") ? planner::PricingMode::owned
                                                                            : planner::PricingMode::cloud;
  p.cloud_tier = planner::CloudTier(cloudTier_->currentIndex());
  p.depreciation_years = fields_["pricing.depreciation_years"]->value();
  p.usd_per_kwh = fields_["pricing.usd_per_kwh"]->value();
  p.pue = fields_["pricing.pue"]->value();
  p.hosting_usd_per_kw_month = fields_["pricing.hosting_usd_per_kw_month"]->value();
  p.network_usd_per_chip_month = fields_["pricing.network_usd_per_chip_month"]->value();
  p.software_usd_per_chip_month = fields_["pricing.software_usd_per_chip_month"]->value();
  p.host_overhead_w_per_chip = fields_["pricing.host_overhead_w_per_chip"]->value();
  p.usd_per_engineer_week = fields_["pricing.usd_per_engineer_week"]->value();
  p.tco_years = fields_["pricing.tco_years"]->value();
  p.target_utilisation = fields_["pricing.target_utilisation"]->value();
  return s;
}

void ScenarioPanel::onEdited() {
  if (loading_) return;
  emit scenarioEdited();
}

void ScenarioPanel::showProblems(const std::vector<FieldProblem>& problems) {
  QMap<QString, QString> byField;
  for (const auto& p : problems) {
    QString& t = byField[qs(p.field)];
    t += (t.isEmpty() ? "" : "; ") + qs(p.reason);
  }
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    // A field that is not a number keeps that message.
    if (std::isnan(it.value()->value())) {
      it.value()->setError(tr("not a number"));
      continue;
    }
    it.value()->setError(byField.value(it.key()));
  }
  showError(hardwareError_, byField.value(QStringLiteral("hardware")));
  showError(precisionError_, byField.value(QStringLiteral("precision")));
  const QString model = byField.value(QStringLiteral("model"));
  if (!model.isEmpty()) showError(modelError_, model);
  const QString pricing = byField.value(QStringLiteral("pricing"));
  if (!pricing.isEmpty()) showError(precisionError_, pricing);
}

void ScenarioPanel::setModelError(const QString& reason) { showError(modelError_, reason); }

bool ScenarioPanel::importModel(const QString& path) {
  try {
    const ModelEntry e = import_model_file(path.toStdString());
    const int row = models_->addEntry(e);
    search_->clear();
    const QModelIndex pi = modelProxy_->mapFromSource(models_->index(row));
    modelView_->selectionModel()->setCurrentIndex(pi, QItemSelectionModel::ClearAndSelect);
    modelView_->scrollTo(pi);
    selectedModel_ = e.name;
    showError(modelError_, {});
    onEdited();
    return true;
  } catch (const std::exception& e) {
    showError(modelError_, tr("Import failed: %1").arg(QString::fromUtf8(e.what())));
    return false;
  }
}

void ScenarioPanel::addHardwareProfile(const HardwareEntry& e, bool check) {
  hardware_->addEntry(e);
  hardwareView_->expandAll();
  if (check) {
    auto names = hardware_->checked();
    if (std::find(names.begin(), names.end(), e.name) == names.end()) names.push_back(e.name);
    hardware_->setChecked(names);
  }
  showError(hardwareError_, {});
}

void ScenarioPanel::setHeatMap(bool on) { heatMap_->setChecked(on); }

void ScenarioPanel::selectWorkloadType(const QString& name) {
  const int i = workload_->findData(name);
  if (i < 0) return;
  workload_->setCurrentIndex(i);
  applyWorkloadType(name);
}

}  // namespace infersim::gui
