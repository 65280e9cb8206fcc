#include "widgets/chart_util.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QFileDialog>
#include <QHorizontalBarSeries>
#include <QMenu>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QValueAxis>

#include <cmath>

namespace infersim::gui {

QColor seriesColor(int i) {
  static const QColor palette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                   QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                   QColor(23, 190, 207)};
  const int n = int(sizeof(palette) / sizeof(palette[0]));
  const QColor base = palette[((i % n) + n) % n];
  return i < n ? base : base.darker(100 + 25 * (i / n));
}

QChartView* makeChartView(QWidget* parent) {
  auto* chart = new QChart;
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->setBackgroundRoundness(0);
  chart->legend()->setAlignment(Qt::AlignBottom);
  auto* view = new QChartView(chart, parent);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(220, 180);
  view->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(view, &QWidget::customContextMenuRequested, view, [view](const QPoint& pos) {
    QMenu menu(view);
    QAction* png = menu.addAction(QObject::tr("Export chart as PNG or SVG…"));
    if (menu.exec(view->mapToGlobal(pos)) == png) {
      QString name = view->chart()->title().toLower();
      name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
      exportWidgetInteractive(view, view->window(), name.isEmpty() ? QStringLiteral("chart") : name);
    }
  });
  return view;
}

double niceCeil(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 1.0;
  const double e = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
    if (v <= m * e * 1.0000001) return m * e;
  return 10 * e;
}

void fillBarChart(QChart* chart, const QString& title, const QStringList& categories, const std::vector<double>& values,
                  const QString& axisTitle, int decimals) {
  chart->removeAllSeries();
  for (auto* a : chart->axes()) {
    chart->removeAxis(a);
    delete a;
  }
  chart->setTitle(title);
  auto* set = new QBarSet(axisTitle);
  double vmax = 0;
  // Categories are listed bottom-up by QBarCategoryAxis on the vertical axis: reverse so the table
  // order reads top-down.
  QStringList cats;
  const double round = std::pow(10.0, decimals);
  for (int i = int(categories.size()) - 1; i >= 0; --i) {
    const double v = std::size_t(i) < values.size() ? values[std::size_t(i)] : NAN;
    *set << (std::isfinite(v) ? std::round(v * round) / round : 0.0);
    if (std::isfinite(v)) vmax = std::max(vmax, v);
    cats << (std::isfinite(v) ? categories[i] : categories[i] + QStringLiteral(" (n/a)"));
  }
  set->setColor(QColor(31, 119, 180));
  set->setLabelColor(Qt::black);
  auto* series = new QHorizontalBarSeries;
  series->append(set);
  series->setLabelsVisible(true);
  series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
  series->setLabelsFormat(QStringLiteral("@value"));
  series->setLabelsPrecision(12);
  series->setBarWidth(0.7);
  chart->addSeries(series);
  auto* y = new QBarCategoryAxis;
  y->append(cats);
  auto* x = new QValueAxis;
  // Room after the longest bar for its value label.
  x->setRange(0, niceCeil(vmax > 0 ? vmax * 1.3 : 1.0));
  x->setLabelFormat(QStringLiteral("%g"));
  x->setTickCount(3);
  x->setTitleText(axisTitle);
  chart->addAxis(y, Qt::AlignLeft);
  chart->addAxis(x, Qt::AlignBottom);
  series->attachAxis(y);
  series->attachAxis(x);
  chart->legend()->hide();
}

bool exportWidget(QWidget* w, const QString& path, const QString& title) {
  if (!w) return false;
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(w->size());
    gen.setViewBox(QRect(QPoint(0, 0), w->size()));
    gen.setTitle(title.isEmpty() ? w->windowTitle() : title);
    gen.setDescription(QStringLiteral("infersim chart export"));
    QPainter p;
    if (!p.begin(&gen)) return false;
    w->render(&p);
    return p.end();
  }
  return w->grab().save(path);
}

QString exportWidgetInteractive(QWidget* w, QWidget* dialogParent, const QString& suggestedName) {
  QString selected;
  const QString path = QFileDialog::getSaveFileName(dialogParent, QObject::tr("Export"),
                                                    suggestedName + QStringLiteral(".png"),
                                                    QObject::tr("PNG image (*.png);;SVG vector image (*.svg)"),
                                                    &selected);
  if (path.isEmpty()) return {};
  QString p = path;
  if (!p.contains('.')) p += selected.contains(QLatin1String("svg")) ? QStringLiteral(".svg") : QStringLiteral(".png");
  return exportWidget(w, p) ? p : QString();
}

}  // namespace infersim::gui
