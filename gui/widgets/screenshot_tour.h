#pragma once
// The screenshot tour behind `infersim-gui --screenshots DIR` (MainWindow::takeScreenshots): once the
// analytic comparison and the calibration are loaded it runs the scenario, saves every view as
// DIR/<view>.png (the Compare view also with its heat map, and on the agentic workload type), the
// Runs view, the hardware-profile editor showing a field-level problem, and the procurement brief
// (DIR/brief.pdf). Every wait polls from the event loop, so the window stays responsive.
#include <QString>

#include <functional>

namespace infersim::gui {

class MainWindow;

// Starts the tour on `w` and returns at once; `done(ok)` is called at the end (ok: every file written).
void run_screenshot_tour(MainWindow* w, const QString& dir, std::function<void(bool ok)> done);

}  // namespace infersim::gui
