#pragma once
// Private to infersim_hostcal: the stages of the host calibration that run_host_calibration()
// (host_calibration.cpp) calls in order — measure (measure.cpp), fit (fit.cpp) — and that the refit of a
// saved report (refit.cpp) reuses, plus the helpers they share.
#include <chrono>
#include <functional>
#include <string>

#include "infersim/common/dtype.h"
#include "infersim/hostcal/host_calibration.h"
#include "infersim/refengine/thread_pool.h"

namespace infersim::hostcal {

using common::DType;
using Clock = std::chrono::steady_clock;

inline const char* dname(DType d) { return common::dtype_name(d); }

// Steps 1-3 of the calibration and the hydration probe: probes, the seeded weights file, the grid of
// engine steps (r.points with their best times and read bandwidths), then the warm / cold read of the
// weights file. Expects r.options, r.threads and r.isa set; `pool` is the engines' thread pool.
void measure_host(Result& r, refengine::ThreadPool& pool, const std::function<void(const std::string&)>& say);

// Steps 4-5 of the calibration (shared by a measured run and a refit of a saved report): the
// observations on the measured profile, the fit, the errors, the fitted profile and entry.
void fit_points(Result& r, const std::function<void(const std::string&)>& say);

}  // namespace infersim::hostcal
