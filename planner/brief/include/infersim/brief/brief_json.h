#pragma once
// BRIEF.json (docs/brief-format.md) -> BriefRequest, and back (the resolved form, every default
// filled in, whose SHA-256 identifies the scenario). Strict: unknown keys, unknown option types,
// unknown hardware / runtime / precision names, shares that do not add up and impossible values are
// ConfigError naming the file and the JSON pointer.
#include <string>

#include "infersim/brief/brief_request.h"
#include "infersim/common/json_util.h"

namespace infersim::brief {

BriefRequest brief_request_from_json(const common::Json& j, const std::string& file);
BriefRequest load_brief_request(const std::string& path);
common::Json brief_request_to_json(const BriefRequest& r);

}  // namespace infersim::brief
