#pragma once
// Shared plumbing of the data catalogs (model cards, hardware profiles, runtime profiles): entries
// loaded from one JSON file each, keyed by a name that must equal the file's stem, looked up by name
// with a "did you mean" on a miss. Header-only; not synchronised (the catalogs lock around loading).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "infersim/common/errors.h"
#include "infersim/common/text.h"

namespace infersim::common {

// The *.json files in `dir` (recursively, skipping sub-folders named in `skip_dirs`, and files
// directly in `dir` when `only_subdirs`), sorted for a deterministic load order.
inline std::vector<std::filesystem::path> list_json_files(const std::string& dir, bool recursive,
                                                          const std::vector<std::string>& skip_dirs = {},
                                                          bool only_subdirs = false) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir))
    throw IoError(fmt::format("{}: catalog directory not found (set INFERSIM_DATA_DIR)", dir));
  std::vector<fs::path> files;
  auto take = [&](const fs::directory_entry& e) {
    if (!e.is_regular_file() || e.path().extension() != ".json") return;
    const auto parent = e.path().parent_path();
    if (only_subdirs && parent == fs::path(dir)) return;
    if (std::find(skip_dirs.begin(), skip_dirs.end(), parent.filename().string()) != skip_dirs.end()) return;
    files.push_back(e.path());
  };
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir)) take(e);
  else
    for (const auto& e : fs::directory_iterator(dir)) take(e);
  std::sort(files.begin(), files.end());
  return files;
}

// A name given on the command line that is a path rather than a catalog name.
inline bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || (s.size() > 5 && s.ends_with(".json"));
}

template <class T>
class NamedFiles {
 public:
  // `kind` names the entries in messages ("model", "hardware"); `list_hint` tells how to see them all.
  NamedFiles(std::string kind, std::string list_hint) : kind_(std::move(kind)), hint_(std::move(list_hint)) {}

  void insert(const std::string& name, T value, const std::filesystem::path& file) {
    if (name != file.stem().string())
      throw ConfigError(file.string(), "/name",
                        fmt::format("name '{}' must equal the file name '{}'", name, file.stem().string()));
    if (items_.count(name))
      throw ConfigError(file.string(), "/name", fmt::format("duplicate {} name '{}'", kind_, name));
    paths_[name] = file.string();
    items_.emplace(name, std::move(value));
  }
  bool contains(const std::string& name) const { return items_.count(name) > 0; }
  const T& get(const std::string& name) const {
    auto it = items_.find(name);
    if (it == items_.end())
      throw ConfigError(fmt::format("unknown {} '{}'{}; {}", kind_, name, suggest_suffix(name, names()), hint_));
    return it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : items_) out.push_back(k);
    return out;
  }
  std::string path_of(const std::string& name) const {
    auto it = paths_.find(name);
    return it == paths_.end() ? std::string{} : it->second;
  }
  std::map<std::string, T>& items() { return items_; }
  const std::map<std::string, T>& items() const { return items_; }

 private:
  std::string kind_, hint_;
  std::map<std::string, T> items_;
  std::map<std::string, std::string> paths_;
};

}  // namespace infersim::common
