#pragma once
// A labelled number field that shows what is wrong with it where it is: the line edit turns red and
// the reason appears under it (and in its tooltip). The value is read as a number in `scale` units
// (e.g. 1e-3 for a field shown in milliseconds and stored in seconds).
#include <QLineEdit>
#include <QString>
#include <QWidget>

class QLabel;

namespace infersim::gui {

class ValidatedField : public QWidget {
  Q_OBJECT
 public:
  ValidatedField(const QString& key, const QString& tooltip, double scale = 1.0, QWidget* parent = nullptr);

  const QString& key() const { return key_; }
  void setValue(double stored);  // stored units (e.g. seconds)
  // Stored units; NaN when the text is not a number (the field then already shows the reason).
  double value() const;
  void setError(const QString& reason);  // "" clears
  QString error() const { return error_; }
  QLineEdit* lineEdit() const { return edit_; }

 signals:
  void edited();

 private:
  QString key_;
  QString tooltip_;
  double scale_;
  QLineEdit* edit_;
  QLabel* message_;
  QString error_;
};

}  // namespace infersim::gui
