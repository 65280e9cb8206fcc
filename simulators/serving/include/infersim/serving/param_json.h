#pragma once
// Reading and writing declared parameters (param_spec.h) as JSON. read_params() consumes the
// declared keys of one object, checks type and range, fills defaults (so the result is the fully
// resolved configuration) and leaves the reader ready for finish(), which rejects unknown keys.
// ConfigErrors name the file and the JSON pointer; with_component() adds which component it was.
#include <functional>
#include <string>
#include <vector>

#include "infersim/common/json_util.h"
#include "infersim/serving/param_spec.h"

namespace infersim::serving {

ParamValues read_params(common::JsonReader& r, const std::vector<ParamSpec>& specs);
// Rejects keys that are neither declared in `specs` nor in `extra` (nested objects), suggesting the
// closest declared name, then finishes the reader.
void finish_declared(const common::JsonReader& r, const std::vector<ParamSpec>& specs,
                     const std::vector<std::string>& extra = {});
// Writes every present value in declaration order.
void write_params(common::Json& out, const ParamValues& values);
common::Json param_value_to_json(const ParamValue& v);
// Runs `fn`; a ConfigError from inside is rethrown with "<component>: " before its reason.
void with_component(const std::string& component, const std::function<void()>& fn);

}  // namespace infersim::serving
