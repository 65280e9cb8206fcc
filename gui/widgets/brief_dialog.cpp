#include "widgets/brief_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>

#include "infersim/common/json_util.h"
#include "models/format_util.h"

namespace infersim::gui {

BriefDialog::BriefDialog(const ScenarioInput& s, QWidget* parent)
    : QDialog(parent), scenario_(s), types_(workload_types()) {
  setWindowTitle(tr("Export procurement brief"));
  auto* form = new QFormLayout(this);
  auto* intro = new QLabel(tr("The brief evaluates the standard options (stay, shift 25% to a second vendor, CPU "
                              "fallback lane, disaggregated LPU decode, move to TPU, own the hardware) for %1 "
                              "serving the workloads ticked below, each at its own load and SLOs (the edited "
                              "values for the current one, the preset's for the others).")
                               .arg(qs(s.model)),
                           this);
  intro->setWordWrap(true);
  form->addRow(intro);
  list_ = new QListWidget(this);
  for (const auto& t : types_) {
    auto* it = new QListWidgetItem(t.name == s.workload.preset ? tr("%1 (as edited)").arg(qs(t.name)) : qs(t.name),
                                   list_);
    it->setData(Qt::UserRole, qs(t.name));
    it->setToolTip(qs(t.description));
    it->setCheckState(t.name == s.workload.preset ? Qt::Checked : Qt::Unchecked);
  }
  if (!find_workload_type(types_, s.workload.preset)) {
    auto* it = new QListWidgetItem(tr("%1 (as edited)").arg(qs(s.workload.preset)), list_);
    it->setData(Qt::UserRole, qs(s.workload.preset));
    it->setCheckState(Qt::Checked);
  }
  list_->setMaximumHeight(180);
  form->addRow(tr("Workloads"), list_);
  current_ = new QComboBox(this);
  for (const auto& h : s.hardware) current_->addItem(qs(h));
  current_->setCurrentText(qs(s.focus_hardware()));
  current_->setToolTip(tr("The deployment the options are compared against (\"stay\")"));
  form->addRow(tr("Current hardware"), current_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Choose file…"));
  auto* briefJson = buttons->addButton(tr("Save BRIEF.json…"), QDialogButtonBox::ActionRole);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(briefJson, &QPushButton::clicked, this, &BriefDialog::saveBriefJson);
}

BriefChoice BriefDialog::choice() const {
  BriefChoice c;
  c.current_hardware = current_->currentText().toStdString();
  for (int i = 0; i < list_->count(); ++i) {
    if (list_->item(i)->checkState() != Qt::Checked) continue;
    const std::string name = list_->item(i)->data(Qt::UserRole).toString().toStdString();
    if (name == scenario_.workload.preset) {
      c.workloads.push_back(scenario_.workload);
    } else if (const auto* t = find_workload_type(types_, name)) {
      c.workloads.push_back(t->defaults);
    }
  }
  return c;
}

void BriefDialog::saveBriefJson() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Save BRIEF.json"), QStringLiteral("brief.json"),
                                                 tr("JSON (*.json)"));
  if (p.isEmpty()) return;
  try {
    common::write_text_file_atomic(p.toStdString(), brief_json_text(scenario_, choice()));
    emit briefJsonWritten(p);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("BRIEF.json"), QString::fromUtf8(e.what()));
  }
}

QString BriefDialog::askOutputPath(QWidget* parent) {
  const QString filters = tr("PDF (*.pdf);;HTML (*.html);;Markdown (*.md)");
  QString selected;
  QString p = QFileDialog::getSaveFileName(parent, tr("Export procurement brief"), QStringLiteral("brief"), filters,
                                           &selected);
  if (p.isEmpty()) return p;
  if (QFileInfo(p).suffix().isEmpty())
    p += selected.contains(QLatin1String("PDF"))        ? ".pdf"
         : selected.contains(QLatin1String("Markdown")) ? ".md"
                                                        : ".html";
  return p;
}

}  // namespace infersim::gui
