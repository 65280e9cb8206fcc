#include "widgets/hardware_editor_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "models/format_util.h"
#include "models/profile_json_model.h"

namespace infersim::gui {

std::string pointer_for_check_message(const std::string& m) {
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("int4 peak")) return "/compute/int4";
  if (has("fp4 peak")) return "/compute/fp4";
  if (has("peak compute") || has("compute dtype")) return "/compute";
  if (has("memory capacity")) return "/memory";
  if (has("main memory bandwidth")) return "/memory/main/bw_gb_s";
  if (has("memory bandwidth")) return "/memory";
  if (has("tdp_w")) return "/power/tdp_w";
  if (has("idle must")) return "/power/idle_w";
  if (has("decode must")) return "/power/decode_w";
  if (has("prefill power")) return "/power/prefill_w";
  if (has("host_link")) return "/host_link";
  if (has("domain_size")) return "/scale_up/domain_size";
  if (has("1-year commitment $/hour")) return "/price/cloud/commit_1y";
  if (has("3-year commitment $/hour")) return "/price/cloud/commit_3y";
  if (has("efficiency.compute_fraction")) return "/efficiency/compute_fraction";
  if (has("efficiency.memory_fraction")) return "/efficiency/memory_fraction";
  if (has("efficiency.interconnect_fraction")) return "/efficiency/interconnect_fraction";
  if (has("calibration")) return "/efficiency";
  return "";
}

HardwareEditorDialog::HardwareEditorDialog(QWidget* parent) : QDialog(parent), model_(new ProfileJsonModel(this)) {
  setWindowTitle(tr("Hardware profile editor"));
  resize(900, 700);
  auto* l = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  base_ = new QComboBox(this);
  base_->setObjectName(QStringLiteral("profileBase"));
  for (const auto& n : hwprofiles::HardwareCatalog::shipped().names()) base_->addItem(qs(n));
  base_->setToolTip(tr("Start from a shipped profile (hwprofiles/data)"));
  auto* open = new QPushButton(tr("Open file…"), this);
  top->addWidget(new QLabel(tr("Start from:"), this));
  top->addWidget(base_, 1);
  top->addWidget(open);
  l->addLayout(top);
  tree_ = new QTreeView(this);
  tree_->setObjectName(QStringLiteral("profileTree"));
  tree_->setModel(model_);
  tree_->setAlternatingRowColors(true);
  tree_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                         QAbstractItemView::SelectedClicked);
  tree_->header()->setSectionResizeMode(ProfileJsonModel::FieldCol, QHeaderView::ResizeToContents);
  tree_->header()->setSectionResizeMode(ProfileJsonModel::ValueCol, QHeaderView::Interactive);
  tree_->header()->resizeSection(ProfileJsonModel::ValueCol, 160);
  tree_->header()->setSectionResizeMode(ProfileJsonModel::SourceCol, QHeaderView::Interactive);
  tree_->header()->resizeSection(ProfileJsonModel::SourceCol, 330);
  tree_->setToolTip(
      tr("Double-click a value or source to edit; every number needs a source tag such as [V], [3P] or [EST]"));
  l->addWidget(tree_, 1);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  l->addWidget(status_);
  problems_ = new QListWidget(this);
  problems_->setObjectName(QStringLiteral("profileProblems"));
  problems_->setMaximumHeight(72);
  problems_->setToolTip(tr("Click a problem to go to its field"));
  l->addWidget(problems_);
  auto* buttons = new QDialogButtonBox(this);
  save_ = buttons->addButton(tr("Save as…"), QDialogButtonBox::ActionRole);
  use_ = buttons->addButton(tr("Save and add to comparison…"), QDialogButtonBox::ActionRole);
  buttons->addButton(QDialogButtonBox::Close);
  l->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(base_, &QComboBox::activated, this, [this] { loadCatalogProfile(base_->currentText()); });
  connect(open, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Open hardware profile"), {}, tr("JSON (*.json)"));
    if (!p.isEmpty()) loadFile(p);
  });
  connect(model_, &ProfileJsonModel::documentEdited, this, [this] { validate(); });
  connect(problems_, &QListWidget::itemActivated, this, [this](QListWidgetItem* it) {
    const QModelIndex i = model_->indexOfPointer(it->data(Qt::UserRole).toString().toStdString());
    if (i.isValid()) {
      tree_->scrollTo(i);
      tree_->setCurrentIndex(i.siblingAtColumn(ProfileJsonModel::ValueCol));
    }
  });
  connect(problems_, &QListWidget::itemClicked, problems_, &QListWidget::itemActivated);
  auto saveAs = [this](bool add) {
    if (!validate().empty()) return;
    const QString p = QFileDialog::getSaveFileName(
        this, tr("Save hardware profile"), qs(model_->document().value("name", std::string("my-chip"))) + ".json",
        tr("JSON (*.json)"));
    if (!p.isEmpty() && saveTo(p)) emit profileSaved(p, add);
  };
  connect(save_, &QPushButton::clicked, this, [saveAs] { saveAs(false); });
  connect(use_, &QPushButton::clicked, this, [saveAs] { saveAs(true); });
  if (base_->count() > 0) {
    const int h100 = base_->findText(QStringLiteral("h100-sxm"));
    base_->setCurrentIndex(h100 >= 0 ? h100 : 0);
    loadCatalogProfile(base_->currentText());
  }
}

void HardwareEditorDialog::loadCatalogProfile(const QString& name) {
  try {
    const auto path = hwprofiles::HardwareCatalog::shipped().path_of(name.toStdString());
    model_->setDocument(common::load_json_file(path));
    tree_->expandToDepth(1);
    validate();
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot load %1: %2").arg(name, QString::fromUtf8(e.what())));
  }
}

bool HardwareEditorDialog::loadFile(const QString& path) {
  try {
    model_->setDocument(common::load_json_file(path.toStdString()));
    tree_->expandToDepth(1);
    validate();
    return true;
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot read %1: %2").arg(path, QString::fromUtf8(e.what())));
    return false;
  }
}

std::map<std::string, std::string> profile_problems(const common::Json& doc) {
  std::map<std::string, std::string> problems;
  auto add = [&](const std::string& ptr, const std::string& msg) {
    auto& slot = problems[ptr];
    slot += (slot.empty() ? "" : "; ") + msg;
  };
  try {
    hwprofiles::hardware_from_json(doc, "profile");
  } catch (const common::ConfigError& e) {
    const std::string reason = e.reason().empty() ? e.what() : e.reason();
    const std::string marker = "fails sanity checks: ";
    const auto at = reason.find(marker);
    if ((e.pointer() == "/" || e.pointer().empty()) && at != std::string::npos) {
      std::string rest = reason.substr(at + marker.size());
      for (std::size_t pos = 0; pos < rest.size();) {
        const auto next = rest.find("; ", pos);
        const std::string msg = rest.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        add(pointer_for_check_message(msg), msg);
        if (next == std::string::npos) break;
        pos = next + 2;
      }
    } else {
      add(e.pointer(), reason);
    }
  } catch (const std::exception& e) {
    add("", e.what());
  }
  return problems;
}

std::map<std::string, std::string> HardwareEditorDialog::validate() {
  const auto problems = profile_problems(model_->document());
  model_->setProblems(problems);
  problems_->clear();
  for (const auto& [ptr, why] : problems) {
    auto* it = new QListWidgetItem(
        QStringLiteral("%1: %2").arg(ptr.empty() ? QStringLiteral("(profile)") : qs(ptr), qs(why)), problems_);
    it->setData(Qt::UserRole, qs(ptr));
    it->setForeground(QColor(176, 0, 32));
  }
  status_->setText(problems.empty() ? tr("<span style='color:#1b5e20'>Valid profile: loads and passes the physical "
                                         "sanity checks.</span>")
                                    : tr("<span style='color:#b00020'>%1 problem(s): fix the highlighted fields (the "
                                         "profile cannot be saved until then).</span>")
                                          .arg(problems.size()));
  save_->setEnabled(problems.empty());
  use_->setEnabled(problems.empty());
  return problems;
}

bool HardwareEditorDialog::saveTo(const QString& path) {
  if (!validate().empty()) return false;
  try {
    common::write_text_file_atomic(path.toStdString(), model_->document().dump(2) + "\n");
    status_->setText(tr("Saved %1 (use it in the CLI with --hardware %1)").arg(path));
    return true;
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot write %1: %2").arg(path, QString::fromUtf8(e.what())));
    return false;
  }
}

}  // namespace infersim::gui
