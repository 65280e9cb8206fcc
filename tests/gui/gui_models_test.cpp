// The GUI's Qt item models, each checked by QAbstractItemModelTester (structure, signals, roles) while
// being filled and changed the way the app does, plus the scenario helpers they rely on.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

#include <cmath>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/planner/plan.h"
#include "models/calibration_group_model.h"
#include "models/compare_table_model.h"
#include "models/hardware_tree_model.h"
#include "models/model_list_model.h"
#include "models/plan_table_model.h"
#include "models/profile_json_model.h"
#include "models/rejection_table_model.h"
#include "models/runs_table_model.h"
#include "widgets/hardware_editor_dialog.h"
#include "workers/core_calls.h"
#include "workers/scenario_input_json.h"
#include "workers/sim_calls.h"
#include "workers/workload_catalog.h"

using namespace infersim;
using namespace infersim::gui;

namespace {
constexpr auto FATAL = QAbstractItemModelTester::FailureReportingMode::QtTest;

ScenarioInput three_gpus() {
  ScenarioInput s = default_scenario();
  s.hardware = {"h100-sxm", "mi300x", "snapdragon-x-elite-npu"};
  return s;
}
}  // namespace

class GuiModelsTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { preload_catalogs(); }

  void modelList() {
    ModelListModel m;
    QAbstractItemModelTester t(&m, FATAL);
    m.setEntries(catalog_models());
    QVERIFY(m.rowCount() >= 10);
    const int row = m.rowOf("llama-3.1-70b");
    QVERIFY(row >= 0);
    QCOMPARE(m.index(row).data(ModelListModel::NameRole).toString(), QStringLiteral("llama-3.1-70b"));
    QVERIFY(m.index(row).data(Qt::DisplayRole).toString().contains(QStringLiteral("70")));
    // Import a Hugging Face config.json: a new row, found by the search proxy.
    const ModelEntry e = import_model_file(INFERSIM_GUI_TEST_DATA "/tiny-llama-config.json");
    QVERIFY(e.imported);
    QVERIFY(e.params > 0.9e9 && e.params < 1.6e9);
    const int before = m.rowCount();
    const int added = m.addEntry(e);
    QCOMPARE(m.rowCount(), before + 1);
    QCOMPARE(m.addEntry(e), added);  // same name: replaced, not duplicated
    QSortFilterProxyModel proxy;
    QAbstractItemModelTester pt(&proxy, FATAL);
    proxy.setSourceModel(&m);
    proxy.setFilterRole(ModelListModel::SearchRole);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy.setFilterFixedString(QStringLiteral("mixtral"));
    QCOMPARE(proxy.rowCount(), 1);
    // A broken config names the field.
    QVERIFY_THROWS_EXCEPTION(common::ConfigError, import_model_file(INFERSIM_GUI_TEST_DATA "/chat-scenario.json"));
  }

  void hardwareTree() {
    HardwareTreeModel m;
    QAbstractItemModelTester t(&m, FATAL);
    m.setEntries(catalog_hardware());
    QVERIFY(m.rowCount() >= 4);  // gpu, lpu, tpu, npu, cpu, asic (the kinds that have hardware)
    QCOMPARE(m.index(0, 0).data().toString().left(3), QStringLiteral("GPU"));
    QSignalSpy changed(&m, &HardwareTreeModel::checkedChanged);
    m.setChecked({"tpu-v6e", "h100-sxm", "no-such-chip"});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.checked(), (std::vector<std::string>{"tpu-v6e", "h100-sxm"}));  // the order given
    const QModelIndex gpu = m.index(0, 0);
    QCOMPARE(gpu.data(Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
    // Checking a kind row checks every hardware of that kind.
    QVERIFY(m.setData(gpu, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(gpu.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QCOMPARE(int(m.checked().size()), m.rowCount(gpu) + 1);
    QCOMPARE(m.checked().front(), std::string("tpu-v6e"));
    QVERIFY(m.setData(gpu, Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(m.checked(), (std::vector<std::string>{"tpu-v6e"}));
    // A user profile from a file joins its kind's group.
    HardwareEntry user = hardware_entry(hwprofiles::HardwareCatalog::shipped().path_of("l4"));
    QVERIFY(user.user_profile);
    const int gpus = m.rowCount(gpu);
    m.addEntry(user);
    QCOMPARE(m.rowCount(gpu), gpus + 1);
    QVERIFY(m.contains(user.name));
    // A new kind group appears in kind order.
    HardwareEntry odd = user;
    odd.name = "/tmp/odd-lpu.json";
    odd.kind = "lpu";
    m.addEntry(odd);
    QVERIFY(m.contains(odd.name));
  }

  void compareTable() {
    CompareTableModel m;
    QAbstractItemModelTester t(&m, FATAL);
    const ScenarioInput s = three_gpus();
    const auto a = run_analytic(s);
    QVERIFY(a.model_error.empty());
    m.setAnalytic(a.rows);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.columnCount(), int(CompareTableModel::ColumnCount));
    // Numbers behind the cells are the estimate's.
    const auto& e = a.rows[0].estimate;
    QCOMPARE(m.index(0, CompareTableModel::TtftCol).data(CompareTableModel::ValueRole).toDouble(), e.ttft_s);
    QCOMPARE(m.index(0, CompareTableModel::KwCol).data(CompareTableModel::ValueRole).toDouble(), e.power_w / 1e3);
    QVERIFY(!m.index(0, CompareTableModel::TtftCol).data(Qt::DisplayRole).toString().isEmpty());
    QVERIFY(!m.headerData(CompareTableModel::UsdCol, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    // The NPU cannot hold a 70B model: a row that says why, not a crash.
    const QModelIndex npuFits = m.index(2, CompareTableModel::FitsCol);
    QVERIFY(npuFits.data().toString() == QStringLiteral("NO") || npuFits.data().toString() == QStringLiteral("error"));
    QVERIFY(!npuFits.data(Qt::ToolTipRole).toString().isEmpty());
    // At-load results, then the same analytic rows again (kept), then a different selection (reset).
    std::vector<LoadRow> load;
    for (const auto& h : s.hardware) load.push_back(plan_at_load(s, h, s.workload));
    m.setAtLoad(load);
    QVERIFY(m.hasAtLoad());
    QVERIFY(load[0].feasible);
    QCOMPARE(m.value(0, CompareTableModel::UsdAtLoadCol), load[0].best.cost.usd_per_1k_output);
    QVERIFY(std::isnan(m.value(2, CompareTableModel::UsdAtLoadCol)));
    m.setAnalytic(a.rows);
    QVERIFY(m.hasAtLoad());
    SimRow sim;
    sim.hardware = "mi300x";
    sim.ttft_p99_s = 0.5;
    m.setSimulated({sim});
    QCOMPARE(m.value(1, CompareTableModel::SimTtftP99Col), 0.5);
    m.clearRunResults();
    QVERIFY(!m.hasAtLoad());
    ScenarioInput two = s;
    two.hardware = {"b200", "h200"};
    m.setAnalytic(run_analytic(two).rows);
    QCOMPARE(m.rowCount(), 2);
    m.setAnalytic({});
    QCOMPARE(m.rowCount(), 0);
  }

  void planTables() {
    ScenarioInput s = default_scenario();
    s.hardware = {"h100-sxm", "mi300x", "tpu-v6e", "xeon-6980p"};
    const auto res = planner::plan(plan_request(s));
    PlanTableModel plans;
    QAbstractItemModelTester t1(&plans, FATAL);
    RejectionTableModel rej;
    QAbstractItemModelTester t2(&rej, FATAL);
    plans.setResult(res);
    rej.setRejected(res.rejected);
    QCOMPARE(plans.rowCount(), int(res.ranked.size()));
    QVERIFY(plans.rowCount() > 0);
    QCOMPARE(plans.index(0, PlanTableModel::UsdCol).data(PlanTableModel::ValueRole).toDouble(),
             res.ranked[0].cost.usd_per_1k_output);
    QCOMPARE(plans.index(0, PlanTableModel::IdCol).data().toString(), QString::fromStdString(res.ranked[0].id));
    QVERIFY(plans.onPareto(0));  // the cheapest plan starts the frontier
    QCOMPARE(rej.rowCount(), int(res.rejected.size()));
    QVERIFY(!rej.index(0, RejectionTableModel::ReasonCol).data().toString().isEmpty());
    plans.clear();
    QCOMPARE(plans.rowCount(), 0);
    rej.setRejected({});
    QCOMPARE(rej.rowCount(), 0);
  }

  void calibrationGroups() {
    const CalibrationData d = load_calibration_data();
    QVERIFY2(d.error.empty(), d.error.c_str());
    QVERIFY(d.points.size() > 500);
    CalibrationGroupModel m;
    QAbstractItemModelTester t(&m, FATAL);
    m.setGroups(d.groups);
    QCOMPARE(m.rowCount(), int(d.groups.size()));
    bool anyHeld = false;
    for (int r = 0; r < m.rowCount(); ++r) {
      const QVariant v = m.index(r, CalibrationGroupModel::ThroughputCol).data(CalibrationGroupModel::ValueRole);
      const QVariant w = m.index(r, CalibrationGroupModel::TpotCol).data(CalibrationGroupModel::ValueRole);
      anyHeld = anyHeld || v.isValid() || w.isValid();
    }
    QVERIFY(anyHeld);
    // The README's headline figure: held-out TPOT (splitwise) within its 15% target.
    QVERIFY(d.overall_held_out.count("tpot"));
    QVERIFY(d.overall_held_out.at("tpot").median_abs < 0.15);
  }

  void runsTable() {
    RunsTableModel m;
    QAbstractItemModelTester t(&m, FATAL);
    m.setTable({"id", "hardware", "$/1K"}, {{"a|1", "h100-sxm", "0.00123"}, {"b|2", "mi300x"}});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.columnCount(), 3);
    QCOMPARE(m.index(0, 2).data(RunsTableModel::ValueRole).toDouble(), 0.00123);
    QCOMPARE(m.index(1, 2).data().toString(), QString());
    QCOMPARE(m.index(1, 1).data(RunsTableModel::IdRole).toString(), QStringLiteral("b|2"));
    m.setTable({}, {});
    QCOMPARE(m.rowCount(), 0);
  }

  void profileEditorModel() {
    ProfileJsonModel m;
    QAbstractItemModelTester t(&m, FATAL);
    const auto path = hwprofiles::HardwareCatalog::shipped().path_of("h100-sxm");
    m.setDocument(common::load_json_file(path));
    QVERIFY(m.rowCount() > 5);
    const QModelIndex tdp = m.indexOfPointer("/power/tdp_w");
    QVERIFY(tdp.isValid());
    QCOMPARE(tdp.siblingAtColumn(ProfileJsonModel::ValueCol).data().toString(), QStringLiteral("700"));
    QVERIFY(!tdp.siblingAtColumn(ProfileJsonModel::SourceCol).data().toString().isEmpty());
    // A negative TDP: the loader refuses it with the field's JSON pointer.
    QSignalSpy edited(&m, &ProfileJsonModel::documentEdited);
    QVERIFY(m.setData(tdp.siblingAtColumn(ProfileJsonModel::ValueCol), QStringLiteral("-5")));
    QCOMPARE(edited.count(), 1);
    try {
      hwprofiles::hardware_from_json(m.document(), "edited");
      QFAIL("a negative TDP must be refused");
    } catch (const common::ConfigError& e) {
      QVERIFY2(e.pointer().rfind("/power/tdp_w", 0) == 0, e.pointer().c_str());
      m.setProblems({{e.pointer(), e.reason()}});
    }
    QVERIFY(
        !m.indexOfPointer("/power/tdp_w").siblingAtColumn(ProfileJsonModel::ProblemCol).data().toString().isEmpty());
    QVERIFY(m.indexOfPointer("/power/tdp_w").data(Qt::BackgroundRole).isValid());
    QVERIFY(m.setData(tdp.siblingAtColumn(ProfileJsonModel::ValueCol), QStringLiteral("700")));
    // Idle power above decode power loads, but the physical check names the field.
    const QModelIndex idle = m.indexOfPointer("/power/idle_w");
    QVERIFY(m.setData(idle.siblingAtColumn(ProfileJsonModel::ValueCol), QStringLiteral("500")));
    const auto problems = profile_problems(m.document());
    QCOMPARE(int(problems.size()), 1);
    QVERIFY(problems.count("/power/idle_w"));
    m.setProblems(problems);
    QVERIFY(m.indexOfPointer("/power/idle_w")
                .siblingAtColumn(ProfileJsonModel::ProblemCol)
                .data()
                .toString()
                .contains("idle"));
    QVERIFY(m.indexOfPointer("/power/tdp_w").siblingAtColumn(ProfileJsonModel::ProblemCol).data().toString().isEmpty());
    QVERIFY(m.setData(idle.siblingAtColumn(ProfileJsonModel::ValueCol), QStringLiteral("75")));
    QVERIFY(profile_problems(m.document()).empty());
    // A source without a tag: the loader's ConfigError carries the JSON pointer of that field.
    QVERIFY(m.setData(tdp.siblingAtColumn(ProfileJsonModel::SourceCol), QStringLiteral("my guess")));
    try {
      hwprofiles::hardware_from_json(m.document(), "edited");
      QFAIL("an untagged source must be refused");
    } catch (const common::ConfigError& e) {
      QVERIFY2(e.pointer().rfind("/power/tdp_w", 0) == 0, e.pointer().c_str());
    }
    m.setProblems({{"/no/such/field", "x"}});  // goes to the closest row, no crash
    m.setDocument(common::Json::object());
    QCOMPARE(m.rowCount(), 0);
  }

  void scenarioHelpers() {
    ScenarioInput s = default_scenario();
    QVERIFY(check_scenario(s).empty());
    s.workload.input_tokens = 0;
    s.workload.ttft_p99_s = NAN;
    s.pricing.pue = 7;
    s.hardware.clear();
    const auto p = check_scenario(s);
    auto has = [&](const char* f) {
      for (const auto& x : p)
        if (x.field == f) return true;
      return false;
    };
    QVERIFY(has("workload.input_tokens"));
    QVERIFY(has("workload.ttft_p99_s"));
    QVERIFY(has("pricing.pue"));
    QVERIFY(has("hardware"));
    // The file format round-trips.
    ScenarioInput a = default_scenario();
    a.hardware = {"h100-sxm", "b200"};
    a.precision = "fp8";
    a.workload.preset = "agentic";
    a.workload.calls_per_task = 8;
    a.pricing.mode = planner::PricingMode::owned;
    a.pricing.pue = 1.2;
    const ScenarioInput b = scenario_input_from_json(scenario_input_to_json(a), "roundtrip");
    QCOMPARE(b.hardware, a.hardware);
    QCOMPARE(b.precision, a.precision);
    QCOMPARE(b.workload.calls_per_task, 8.0);
    QVERIFY(b.pricing.mode == planner::PricingMode::owned);
    QCOMPARE(b.pricing.pue, 1.2);
    // Unknown keys are errors naming the pointer.
    auto j = scenario_input_to_json(a);
    j["workload"]["colour"] = "red";
    try {
      scenario_input_from_json(j, "bad.json");
      QFAIL("unknown key accepted");
    } catch (const common::ConfigError& e) {
      QCOMPARE(QString::fromStdString(e.pointer()), QStringLiteral("/workload/colour"));
    }
    // Workload types: chat and agentic exist (the serving simulator's presets).
    const auto types = workload_types();
    QVERIFY(find_workload_type(types, "chat"));
    QVERIFY(find_workload_type(types, "agentic"));
    QVERIFY(find_workload_type(types, "agentic")->defaults.calls_per_task > 1);
    // An `infersim simulate` scenario opens too (model, the hardware of its pools, the preset's figures).
    {
      const ScenarioInput sim = load_scenario_input(INFERSIM_SOURCE_DIR "/examples/scenarios/chat.json");
      QVERIFY(!sim.hardware.empty());
      QVERIFY(sim.workload.input_tokens > 100);
      QVERIFY(check_scenario(sim).empty());
    }
    // The CLI command the comparison equals.
    QVERIFY(QString::fromStdString(cli_compare_command(default_scenario()))
                .startsWith("infersim compare --model llama-3.1-70b"));
  }
};

QTEST_MAIN(GuiModelsTest)
#include "gui_models_test.moc"
