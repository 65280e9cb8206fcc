#include "widgets/runs_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "models/format_util.h"
#include "models/runs_table_model.h"
#include "workers/background_task.h"
#include "workers/store_calls.h"

namespace infersim::gui {

RunsView::RunsView(BackgroundTasks* tasks, QWidget* parent)
    : QWidget(parent), tasks_(tasks), model_(new RunsTableModel(this)), proxy_(new QSortFilterProxyModel(this)) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(4, 4, 4, 4);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  l->addWidget(status_);
  auto* bar = new QHBoxLayout;
  path_ = new QLineEdit(qs(default_store_path()), this);
  path_->setToolTip(tr("SQLite results database the app records runs in (INFERSIM_RESULTS_DB overrides the default)"));
  auto* refresh = new QPushButton(tr("Refresh"), this);
  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText(tr("Filter…"));
  filter_->setClearButtonEnabled(true);
  open_ = new QPushButton(tr("Open scenario"), this);
  open_->setToolTip(tr("Load the scenario the selected run was made from"));
  bar->addWidget(new QLabel(tr("Database:"), this));
  bar->addWidget(path_, 2);
  bar->addWidget(refresh);
  bar->addWidget(filter_, 1);
  bar->addWidget(open_);
  l->addLayout(bar);
  proxy_->setSourceModel(model_);
  proxy_->setFilterKeyColumn(-1);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  proxy_->setSortRole(RunsTableModel::ValueRole);
  table_ = new QTableView(this);
  table_->setObjectName(QStringLiteral("runsTable"));
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  l->addWidget(table_, 1);
  connect(refresh, &QPushButton::clicked, this, &RunsView::refresh);
  connect(path_, &QLineEdit::returnPressed, this, &RunsView::refresh);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(open_, &QPushButton::clicked, this, [this] {
    const QModelIndex i = table_->currentIndex();
    if (i.isValid()) emit openScenarioRequested(i.data(RunsTableModel::IdRole).toString());
  });
  connect(table_, &QTableView::doubleClicked, this,
          [this](const QModelIndex& i) { emit openScenarioRequested(i.data(RunsTableModel::IdRole).toString()); });
}

QString RunsView::databasePath() const { return path_->text(); }

void RunsView::refresh() {
  const std::string path = path_->text().toStdString();
  status_->setText(tr("Reading %1…").arg(path_->text()));
  tasks_->start<StoredRuns>(
      this, [path] { return list_stored_runs(path); },
      [this](const StoredRuns& runs) {
        QStringList headers;
        for (const auto& h : runs.headers) headers << qs(h);
        std::vector<QStringList> rows;
        for (const auto& r : runs.rows) {
          QStringList row;
          for (const auto& c : r) row << qs(c);
          rows.push_back(row);
        }
        model_->setTable(headers, rows);
        table_->setColumnHidden(0, true);  // the store key; IdRole carries it
        table_->sortByColumn(2, Qt::DescendingOrder);
        status_->setText(runs.error.empty() ? tr("%1 stored results in %2 (double-click a row to reopen its scenario)")
                                                  .arg(rows.size())
                                                  .arg(path_->text())
                                            : qs(runs.error));
      });
}

}  // namespace infersim::gui
