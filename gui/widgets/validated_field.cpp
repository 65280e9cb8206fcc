#include "widgets/validated_field.h"

#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

namespace infersim::gui {

ValidatedField::ValidatedField(const QString& key, const QString& tooltip, double scale, QWidget* parent)
    : QWidget(parent),
      key_(key),
      tooltip_(tooltip),
      scale_(scale),
      edit_(new QLineEdit(this)),
      message_(new QLabel(this)) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 0, 0, 0);
  l->setSpacing(1);
  l->addWidget(edit_);
  l->addWidget(message_);
  message_->setWordWrap(true);
  message_->setStyleSheet(QStringLiteral("color: #b00020; font-size: small;"));
  message_->hide();
  edit_->setToolTip(tooltip_);
  edit_->setObjectName(key);
  connect(edit_, &QLineEdit::textEdited, this, [this] {
    bool ok = false;
    edit_->text().trimmed().toDouble(&ok);
    setError(ok ? QString() : tr("not a number"));
    emit edited();
  });
}

void ValidatedField::setValue(double stored) {
  edit_->setText(QString::number(stored / scale_, 'g', 10));
  setError({});
}

double ValidatedField::value() const {
  bool ok = false;
  const double v = edit_->text().trimmed().toDouble(&ok);
  return ok ? v * scale_ : NAN;
}

void ValidatedField::setError(const QString& reason) {
  if (reason == error_) return;
  error_ = reason;
  message_->setText(reason);
  message_->setVisible(!reason.isEmpty());
  edit_->setStyleSheet(
      reason.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 2px solid #d32f2f; background: #fdecea; }"));
  edit_->setToolTip(reason.isEmpty() ? tooltip_ : QStringLiteral("%1\n\nProblem: %2").arg(tooltip_, reason));
}

}  // namespace infersim::gui
