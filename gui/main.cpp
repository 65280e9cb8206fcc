// infersim-gui: the desktop app. `infersim-gui [SCENARIO.json] [--run] [--screenshot-dir DIR]`.
// With --screenshot-dir it computes everything, saves one PNG per view (and the hardware editor)
// under DIR and exits (scripts/gui-screenshots.sh runs it under Xvfb).
#include <QApplication>
#include <QCommandLineParser>
#include <QStyleFactory>
#include <QTimer>

#include <cstdio>

#include "widgets/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("infersim-gui"));
  QApplication::setOrganizationName(QStringLiteral("infersim"));
  QApplication::setApplicationVersion(QStringLiteral(INFERSIM_GUI_VERSION));
  if (auto* fusion = QStyleFactory::create(QStringLiteral("Fusion"))) QApplication::setStyle(fusion);

  QCommandLineParser cli;
  cli.setApplicationDescription(
      QStringLiteral("infersim desktop app: compare inference hardware, plan capacity, export briefs"));
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument(QStringLiteral("scenario"), QStringLiteral("Scenario JSON to open (optional)"));
  QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Start a run once the window is up"));
  QCommandLineOption shots(QStringLiteral("screenshot-dir"),
                           QStringLiteral("Save a PNG of every view into DIR after a run, then exit"),
                           QStringLiteral("DIR"));
  cli.addOption(run);
  cli.addOption(shots);
  cli.process(app);

  infersim::gui::MainWindow w;
  if (!cli.positionalArguments().isEmpty() && !w.loadScenario(cli.positionalArguments().front())) {
    std::fprintf(stderr, "infersim-gui: cannot open %s\n", qPrintable(cli.positionalArguments().front()));
    if (cli.isSet(shots)) return 2;
  }
  w.show();
  if (cli.isSet(run)) QTimer::singleShot(0, &w, &infersim::gui::MainWindow::startRun);
  if (cli.isSet(shots)) {
    const QString dir = cli.value(shots);
    w.takeScreenshots(dir, [dir](bool ok) {
      std::fprintf(stderr, "infersim-gui: screenshots %s in %s\n", ok ? "written" : "FAILED", qPrintable(dir));
      QApplication::exit(ok ? 0 : 1);
    });
  }
  return QApplication::exec();
}
