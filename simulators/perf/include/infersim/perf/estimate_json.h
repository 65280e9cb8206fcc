#pragma once
// JSON form of an Estimate (the `infersim estimate --json` contract) and of validation reports.
#include "infersim/common/json_util.h"
#include "infersim/perf/calibrator.h"
#include "infersim/perf/request_estimate.h"

namespace infersim::perf {

common::Json estimate_to_json(const Estimate& e);
common::Json step_time_to_json(const StepTime& t);
common::Json error_stats_to_json(const ErrorStats& s);

}  // namespace infersim::perf
