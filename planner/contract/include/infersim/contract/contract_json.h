#pragma once
// CONTRACT.json <-> Contract (docs/contract-format.md; schema docs/contract.schema.json). Strict
// loader: unknown keys, impossible values, unknown dtypes and tensor groups are ConfigError naming
// the file and the JSON pointer. Paths inside a contract (weights.file, rollback.file, a pricing
// file) are relative to the contract's folder.
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/contract/contract.h"

namespace infersim::contract {

Contract contract_from_json(const common::Json& j, const std::string& file);
Contract load_contract(const std::string& path);
// Canonical JSON (keys in schema order; absent clauses omitted). Round-trips through
// contract_from_json (the resolved weights path is not written; `file` is).
common::Json contract_to_json(const Contract& c);

// The tensor groups a contract may name in weights.groups (model::ParamBreakdown's fields).
const std::vector<std::string>& tensor_group_names();

}  // namespace infersim::contract
