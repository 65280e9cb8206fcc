#pragma once
// Chart helpers shared by the views: horizontal bar charts of one metric per hardware, a palette
// that gives each hardware the same colour in every view, and export of any widget (a chart or a
// whole view) to PNG (QWidget::grab) or SVG (QSvgGenerator), also offered on every chart's context menu.
#include <QChart>
#include <QChartView>
#include <QColor>
#include <QString>
#include <QStringList>

#include <vector>

namespace infersim::gui {

QColor seriesColor(int i);
// A chart view with antialiasing, a compact margin and "Export chart as PNG/SVG…" in its context menu.
QChartView* makeChartView(QWidget* parent);
// Horizontal bars: one bar per category (NaN values are drawn as missing and labelled n/a).
void fillBarChart(QChart* chart, const QString& title, const QStringList& categories, const std::vector<double>& values,
                  const QString& axisTitle, int decimals);
// Writes `w` to `path` as .svg (vector, via QSvgGenerator) or a raster image (.png, ...). False on failure.
bool exportWidget(QWidget* w, const QString& path, const QString& title = {});
// Asks for a file name and exports; returns the path written ("" if cancelled or failed).
QString exportWidgetInteractive(QWidget* w, QWidget* dialogParent, const QString& suggestedName);
// A QValueAxis/QLogValueAxis-friendly "nice" upper bound.
double niceCeil(double v);

}  // namespace infersim::gui
