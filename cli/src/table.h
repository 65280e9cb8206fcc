#pragma once
// Plain-text tables for the CLI's human-readable output (right-aligned numbers, left-aligned text).
#include <string>
#include <vector>

namespace infersim::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace infersim::cli
