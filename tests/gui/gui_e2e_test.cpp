// End to end: the real main window, offscreen. Loads a scenario, runs it, and checks that the
// comparison table holds the numbers `infersim compare --json` prints for the same scenario, that the
// "at load" columns equal `infersim plan --json` on the one-hardware PLAN.json, and that the simulated
// P99s equal `infersim simulate --json` on the scenario the row exports. Then: invalid input is marked
// at the field, a long run is cancelled, views export to PNG/SVG, and the procurement brief is written.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "infersim/planner/plan_json.h"
#include "models/compare_table_model.h"
#include "models/hardware_tree_model.h"
#include "models/model_list_model.h"
#include "models/plan_table_model.h"
#include "widgets/compare_view.h"
#include "widgets/main_window.h"
#include "widgets/planner_view.h"
#include "widgets/scenario_panel.h"
#include "widgets/validated_field.h"
#include "workers/brief_calls.h"
#include "workers/core_calls.h"
#include "workers/scenario_input_json.h"
#include "workers/sim_calls.h"

using namespace infersim;
using namespace infersim::gui;

namespace {

QJsonDocument runCli(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(INFERSIM_CLI), args);
  if (!p.waitForFinished(60000) || p.exitCode() != 0) {
    qWarning() << "infersim" << args << "failed:" << p.readAllStandardError();
    return {};
  }
  return QJsonDocument::fromJson(p.readAllStandardOutput());
}

// The CLI prints 6 significant digits; the GUI holds the full double from the same computation.
bool same(double gui, double cli) { return std::abs(gui - cli) <= 1e-5 * std::max(std::abs(cli), 1e-12); }

}  // namespace

class GuiEndToEndTest : public QObject {
  Q_OBJECT
  MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;

  bool waitAnalytic(const ScenarioInput& s) {
    return QTest::qWaitFor(
        [&] {
          const auto& a = w_->lastAnalytic();
          return !w_->isRunning() && a.scenario.hardware == s.hardware && a.scenario.model == s.model &&
                 a.scenario.workload.concurrency == s.workload.concurrency &&
                 int(a.rows.size()) == int(s.hardware.size());
        },
        15000);
  }

 private slots:
  void initTestCase() {
    qputenv("INFERSIM_RESULTS_DB", tmp_.filePath("results.sqlite").toUtf8());
    QElapsedTimer t;
    t.start();
    w_ = new MainWindow;
    w_->show();
    // The default scenario shows a filled comparison right away.
    QVERIFY(QTest::qWaitFor([&] { return w_->compareView()->model()->rowCount() >= 4; }, 5000));
    qInfo("start-up (catalogs, window, first analytic comparison): %lld ms", (long long)t.elapsed());
  }
  void cleanupTestCase() { delete w_; }

  void runMatchesCli() {
    QVERIFY(w_->loadScenario(INFERSIM_GUI_TEST_DATA "/chat-scenario.json"));
    const ScenarioInput s = load_scenario_input(INFERSIM_GUI_TEST_DATA "/chat-scenario.json");
    QCOMPARE(w_->scenarioPanel()->scenario().hardware, s.hardware);
    QVERIFY(waitAnalytic(s));
    QSignalSpy finished(w_, &MainWindow::runFinished);
    w_->startRun();
    QVERIFY(w_->isRunning());
    QVERIFY(s.verify);  // verification is on by default, as in the CLI
    QVERIFY(finished.wait(240000));
    QVERIFY(!w_->lastRun().cancelled);
    auto* model = w_->compareView()->model();
    QCOMPARE(model->rowCount(), int(s.hardware.size()));

    // 1. Analytic columns == `infersim compare --json`.
    QStringList args;
    for (const auto& a : cli_compare_args(s)) args << QString::fromStdString(a);
    args << QStringLiteral("--json");
    const QJsonArray cli = runCli(args).array();
    QCOMPARE(cli.size(), model->rowCount());
    int compared = 0;
    for (int r = 0; r < model->rowCount(); ++r) {
      const QJsonObject o = cli[r].toObject();
      const auto& row = model->row(r);
      QCOMPARE(QString::fromStdString(row.hardware), o.value("hardware").toString());
      if (o.contains("error")) {
        QVERIFY2(!row.error.empty(), qPrintable(o.value("error").toString()));
        continue;
      }
      QVERIFY2(row.error.empty(), row.error.c_str());
      QCOMPARE(model->value(r, CompareTableModel::ChipsCol), o.value("chips").toDouble());
      QCOMPARE(model->value(r, CompareTableModel::FitsCol), o.value("fits").toBool() ? 1.0 : 0.0);
      QCOMPARE(QString::fromStdString(row.estimate.runtime), o.value("runtime").toString());
      const std::pair<int, const char*> cols[] = {{CompareTableModel::TtftCol, "ttft_s"},
                                                  {CompareTableModel::TpotCol, "tpot_s"},
                                                  {CompareTableModel::ThroughputCol, "throughput_tok_s"},
                                                  {CompareTableModel::JoulesCol, "joules_per_token"}};
      for (const auto& [col, key] : cols) {
        QVERIFY2(same(model->value(r, col), o.value(key).toDouble()),
                 qPrintable(QStringLiteral("%1 %2: GUI %3 vs CLI %4")
                                .arg(o.value("hardware").toString(), key)
                                .arg(model->value(r, col), 0, 'g', 12)
                                .arg(o.value(key).toDouble(), 0, 'g', 12)));
      }
      QVERIFY(same(model->value(r, CompareTableModel::KwCol) * 1e3, o.value("power_w").toDouble()));
      if (o.value("usd_per_1k_tokens").isDouble())
        QVERIFY(same(model->value(r, CompareTableModel::UsdCol), o.value("usd_per_1k_tokens").toDouble()));
      else
        QVERIFY(std::isnan(model->value(r, CompareTableModel::UsdCol)));
      ++compared;
    }
    QVERIFY(compared >= 3);

    // 2. "At load" columns == `infersim plan --json` (verified by the simulator) on the one-hardware PLAN.json.
    for (int r = 0; r < 2; ++r) {
      const std::string hw = model->row(r).hardware;
      const QString plan = tmp_.filePath(QStringLiteral("plan-%1.json").arg(r));
      common::write_text_file_atomic(plan.toStdString(),
                                     planner::plan_request_to_json(single_hardware_request(s, hw, s.workload)).dump(2));
      const QJsonObject res = runCli({QStringLiteral("plan"), plan, QStringLiteral("--json")}).object();
      const QJsonArray ranked = res.value("ranked").toArray();
      QVERIFY2(!ranked.isEmpty(), hw.c_str());
      const QJsonObject best = ranked[0].toObject();
      QVERIFY(same(model->value(r, CompareTableModel::UsdAtLoadCol),
                   best["cost"].toObject()["usd_per_1k_output"].toDouble()));
      QVERIFY(same(model->value(r, CompareTableModel::TtftP99Col), best["ttft_s"].toObject()["p99"].toDouble()));
      QVERIFY(same(model->value(r, CompareTableModel::TpotP99Col), best["tpot_s"].toObject()["p99"].toDouble()));
      QVERIFY(
          same(model->value(r, CompareTableModel::KwAtLoadCol), best["power"].toObject()["facility_kw"].toDouble()));
      QCOMPARE(model->value(r, CompareTableModel::ReplicasAtLoadCol), best["replicas"].toDouble());
    }

    // 3. Planner view == `infersim plan --json` (verified) on the scenario's PLAN.json.
    QVERIFY(w_->lastRun().has_plan);
    QVERIFY(w_->plannerView()->planModel()->rowCount() > 0);
    {
      const QString plan = tmp_.filePath(QStringLiteral("plan-all.json"));
      common::write_text_file_atomic(plan.toStdString(), planner::plan_request_to_json(plan_request(s)).dump(2));
      const QJsonObject res = runCli({QStringLiteral("plan"), plan, QStringLiteral("--json")}).object();
      const QJsonArray ranked = res.value("ranked").toArray();
      const auto& gui = w_->lastRun().plan.ranked;
      QCOMPARE(int(gui.size()), int(ranked.size()));
      for (int i = 0; i < ranked.size(); ++i) {
        const QJsonObject c = ranked[i].toObject();
        QCOMPARE(QString::fromStdString(gui[std::size_t(i)].id), c.value("id").toString());
        QCOMPARE(gui[std::size_t(i)].verified, c.value("verified").toBool());
        QVERIFY(same(gui[std::size_t(i)].cost.usd_per_1k_output, c["cost"].toObject()["usd_per_1k_output"].toDouble()));
        QVERIFY(same(gui[std::size_t(i)].ttft_p99_s, c["ttft_s"].toObject()["p99"].toDouble()));
      }
      QVERIFY(!gui.empty() && gui.front().verified);
    }

    // 4. Discrete-event columns == `infersim simulate --json` on the exported scenario.
    {
      const auto& sims = w_->lastRun().sims;
      QCOMPARE(int(sims.size()), int(s.hardware.size()));
      const SimRow& h100 = sims[0];
      QVERIFY2(h100.error.empty(), h100.error.c_str());
      QVERIFY(h100.ttft_s.size() > 100);
      QVERIFY(!w_->lastRun().timeline.t_s.empty());
      const QString scen = tmp_.filePath(QStringLiteral("sim-h100.json"));
      common::write_text_file_atomic(scen.toStdString(), h100.scenario_json);
      const QJsonObject sim = runCli({QStringLiteral("simulate"), scen, QStringLiteral("--json")}).object();
      QVERIFY(same(model->value(0, CompareTableModel::SimTtftP99Col), sim["ttft_s"].toObject()["p99"].toDouble()));
      QVERIFY(same(model->value(0, CompareTableModel::SimTpotP99Col), sim["tpot_s"].toObject()["p99"].toDouble()));
    }
  }

  void invalidInputIsMarkedAtTheField() {
    ScenarioPanel* p = w_->scenarioPanel();
    ValidatedField* input = p->field(QStringLiteral("workload.input_tokens"));
    QVERIFY(input);
    QTest::keyClick(input->lineEdit(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(input->lineEdit(), QStringLiteral("lots"));
    QCOMPARE(input->error(), QStringLiteral("not a number"));
    input->lineEdit()->selectAll();
    QTest::keyClicks(input->lineEdit(), QStringLiteral("0"));
    QVERIFY(QTest::qWaitFor([&] { return input->error().contains(QStringLiteral("between")); }, 3000));
    // A run refuses to start while a field is wrong.
    w_->startRun();
    QVERIFY(!w_->isRunning());
    input->lineEdit()->selectAll();
    QTest::keyClicks(input->lineEdit(), QStringLiteral("2048"));
    QVERIFY(QTest::qWaitFor([&] { return input->error().isEmpty(); }, 3000));
    QVERIFY(QTest::qWaitFor([&] { return w_->lastAnalytic().scenario.workload.input_tokens == 2048; }, 5000));
    // A model that is not a model: the reason at the model field, no crash.
    QVERIFY(!p->importModel(QStringLiteral(INFERSIM_GUI_TEST_DATA "/chat-scenario.json")));
    QVERIFY(p->importModel(QStringLiteral(INFERSIM_GUI_TEST_DATA "/tiny-llama-config.json")));
    QVERIFY(QTest::qWaitFor(
        [&] {
          return QString::fromStdString(w_->lastAnalytic().scenario.model)
                     .endsWith(QStringLiteral("tiny-llama-config.json")) &&
                 !w_->lastAnalytic().rows.empty() && w_->lastAnalytic().rows[0].error.empty();
        },
        5000));
  }

  void heatMapHasTheBuyTokensRow() {
    ScenarioInput s = load_scenario_input(INFERSIM_GUI_TEST_DATA "/chat-scenario.json");
    s.hardware = {"h100-sxm", "mi300x"};
    s.heat_map = true;
    s.verify = false;  // this test is about the API row; verification is covered above
    s.workload.sim_requests = 50;
    w_->scenarioPanel()->setScenario(s);
    QVERIFY(waitAnalytic(s));
    QSignalSpy finished(w_, &MainWindow::runFinished);
    w_->startRun();
    QVERIFY(finished.wait(120000));
    const auto& h = w_->lastRun().heat;
    QCOMPARE(h.api_row, int(s.hardware.size()));
    QCOMPARE(int(h.hardware.size()), h.api_row + 1);
    // Every workload type priced on the same offers `infersim workloads compare` shows.
    for (std::size_t j = 0; j < h.workloads.size(); ++j) {
      QVERIFY2(std::isfinite(h.usd_per_1k[std::size_t(h.api_row)][j]), h.workloads[j].c_str());
      QVERIFY(!h.note[std::size_t(h.api_row)][j].empty());
    }
  }

  // A heat-map cell and the brief == `infersim workloads compare` and `infersim brief`, verification on.
  void workloadCellAndBriefMatchCli() {
    ScenarioInput s = load_scenario_input(INFERSIM_GUI_TEST_DATA "/chat-scenario.json");
    QVERIFY(s.verify);
    const LoadRow cell = plan_workload_cell(s, "mi300x", "code");
    const QJsonObject cmp = runCli({QStringLiteral("workloads"), QStringLiteral("compare"), QStringLiteral("--model"),
                                    QString::fromStdString(s.model), QStringLiteral("--hardware"),
                                    QStringLiteral("mi300x"), QStringLiteral("--workloads"), QStringLiteral("code"),
                                    QStringLiteral("--db"), tmp_.filePath(QStringLiteral("cmp.sqlite")),
                                    QStringLiteral("--json")})
                                .object();
    const QJsonObject row = cmp["workloads"].toObject()["code"].toArray()[0].toObject();
    QCOMPARE(cell.feasible, row.value("feasible").toDouble() == 1.0);
    if (cell.feasible) {
      QCOMPARE(QString::fromStdString(cell.best.id), row.value("plan").toString());
      QVERIFY(cell.best.verified);
      QCOMPARE(row.value("check").toString(), QStringLiteral("DES"));
      QVERIFY(same(cell.best.cost.usd_per_1k_output, row.value("usd_per_1k_output").toDouble()));
      QVERIFY(same(cell.best.ttft_p99_s, row.value("ttft_p99_s").toDouble()));
      QVERIFY(same(cell.best.tpot_p99_s, row.value("tpot_p99_s").toDouble()));
    } else {
      QCOMPARE(QString::fromStdString(cell.reason), row.value("reason").toString());
    }
    s.hardware = {"h100-sxm", "mi300x"};
    const QString brief_json = tmp_.filePath(QStringLiteral("brief.json"));
    common::write_text_file_atomic(brief_json.toStdString(), brief_json_text(s, BriefChoice{}));
    const QString gui_md = tmp_.filePath(QStringLiteral("gui-brief.md")),
                  cli_md = tmp_.filePath(QStringLiteral("cli-brief.md"));
    QCOMPARE(QString::fromStdString(export_brief(s, BriefChoice{}, gui_md.toStdString())), QString());
    QProcess p;
    p.start(QStringLiteral(INFERSIM_CLI), {QStringLiteral("brief"), brief_json, QStringLiteral("--out"), cli_md});
    QVERIFY(p.waitForFinished(180000));
    QCOMPARE(p.exitCode(), 0);
    QFile a(gui_md), b(cli_md);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    // Byte for byte, except the "reproduce with" line, which names the BRIEF.json file (the GUI's
    // request has none; the CLI's is the file above).
    auto body = [](QFile& f) {
      QByteArrayList kept;
      for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.startsWith("infersim brief ")) kept << line;
      return kept.join('\n');
    };
    const QByteArray ga = body(a), cb = body(b);
    QVERIFY(ga.size() > 1000);
    QVERIFY2(ga == cb, "the GUI's brief differs from `infersim brief` on the same BRIEF.json");
  }

  void cancelLongRun() {
    // Every catalog chip, the heat map over every workload type, and a long simulation per chip.
    ScenarioInput s = default_scenario();
    s.hardware.clear();
    for (const auto& h : catalog_hardware()) s.hardware.push_back(h.name);
    s.heat_map = true;
    s.verify = false;
    s.workload.sim_requests = 200000;
    w_->scenarioPanel()->setScenario(s);
    QVERIFY(waitAnalytic(s));
    QSignalSpy finished(w_, &MainWindow::runFinished);
    QElapsedTimer timer;
    timer.start();
    w_->startRun();
    QVERIFY(w_->isRunning());
    QVERIFY(w_->progressBar()->isVisible());
    QTest::qWait(150);
    w_->cancelRun();
    QVERIFY(finished.wait(30000));
    QVERIFY(w_->lastRun().cancelled);
    QVERIFY(!w_->isRunning());
    QVERIFY(!w_->progressBar()->isVisible());
    QVERIFY2(timer.elapsed() < 30000, "cancel took too long");
    // The window kept answering: an edit during the run still produced a fresh analytic result.
    QVERIFY(w_->lastAnalytic().rows.size() == s.hardware.size());
  }

  void exportsViewsAndBrief() {
    const QString png = tmp_.filePath(QStringLiteral("compare.png"));
    const QString svg = tmp_.filePath(QStringLiteral("compare.svg"));
    QVERIFY(w_->exportView(MainWindow::CompareTab, png));
    QVERIFY(w_->exportView(MainWindow::PlannerTab, svg));
    QVERIFY(QFileInfo(png).size() > 1000);
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().contains("<svg"));
    // Scenario files round-trip through the window.
    const QString saved = tmp_.filePath(QStringLiteral("saved.json"));
    QVERIFY(w_->saveScenario(saved));
    QVERIFY(w_->loadScenario(saved));
    ScenarioInput s = load_scenario_input(INFERSIM_GUI_TEST_DATA "/chat-scenario.json");
    s.hardware = {"h100-sxm", "mi300x"};
    QSignalSpy done(w_, &MainWindow::briefExported);
    const QString html = tmp_.filePath(QStringLiteral("brief.html"));
    w_->exportBrief(s, BriefChoice{}, html);
    QVERIFY(done.wait(60000));
    QVERIFY2(done.at(0).at(1).toString().isEmpty(), qPrintable(done.at(0).at(1).toString()));
    QFile b(html);
    QVERIFY(b.open(QIODevice::ReadOnly));
    QVERIFY(b.readAll().contains("<html"));
  }
};

QTEST_MAIN(GuiEndToEndTest)
#include "gui_e2e_test.moc"
