#pragma once
// Number formatting shared by the item models and widgets (units always shown), via the core's
// text helpers so the GUI prints times and sizes the way the CLI does.
#include <QString>

#include <cmath>
#include <string>

#include "infersim/common/text.h"

namespace infersim::gui {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline QString fmtSeconds(double s) { return std::isfinite(s) ? qs(common::format_seconds(s)) : QStringLiteral("-"); }
inline QString fmtBytes(double b) { return qs(common::format_bytes(b)); }
inline QString fmtNum(double v, int decimals) {
  return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("-");
}
inline QString fmtUsd1k(double v) {
  return std::isfinite(v) && v > 0 ? QStringLiteral("$%1").arg(v, 0, 'f', 5) : QStringLiteral("n/a");
}
inline QString fmtParams(double p) {
  return p >= 1e9 ? QStringLiteral("%1B").arg(p / 1e9, 0, 'f', 1) : QStringLiteral("%1M").arg(p / 1e6, 0, 'f', 0);
}

}  // namespace infersim::gui
