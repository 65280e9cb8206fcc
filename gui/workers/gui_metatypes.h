#pragma once
// Qt metatype registrations for the value structs that cross threads in queued signals.
#include <QMetaType>

#include "workers/run_results.h"

Q_DECLARE_METATYPE(infersim::gui::ScenarioInput)
Q_DECLARE_METATYPE(infersim::gui::AnalyticResult)
Q_DECLARE_METATYPE(infersim::gui::RunResult)
Q_DECLARE_METATYPE(infersim::gui::CalibrationData)

namespace infersim::gui {
void register_gui_metatypes();  // once, before the first queued connection (MainWindow does it)
}
