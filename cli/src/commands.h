#pragma once
// One function per `infersim` subcommand. Each parses its arguments into config structs, makes one
// call into the core libraries and prints the result (text or --json). Errors propagate as
// ConfigError / IoError and become exit code 2 in main().
#include <string>
#include <vector>

namespace infersim::cli {

using ArgList = std::vector<std::string>;

int cmd_estimate(const ArgList& args);
int cmd_compare(const ArgList& args);
int cmd_list(const ArgList& args);
int cmd_models(const ArgList& args);
int cmd_hardware(const ArgList& args);
int cmd_calibrate_from(const ArgList& args);
int cmd_validate(const ArgList& args);
int cmd_calibrate_serving(const ArgList& args);
int cmd_calibrate_dataflow(const ArgList& args);
int cmd_calibrate_power(const ArgList& args);
int cmd_kernels(const ArgList& args);
int cmd_runtimes(const ArgList& args);
int cmd_plan(const ArgList& args);
int cmd_brief(const ArgList& args);
int cmd_contract(const ArgList& args);  // contract check | gate | make | weights
int cmd_sweep(const ArgList& args);
int cmd_results(const ArgList& args);
int cmd_simulate(const ArgList& args);
int cmd_workloads(const ArgList& args);
int workloads_compare(const ArgList& args);  // `workloads compare ...`
std::string default_results_db();            // $INFERSIM_RESULTS_DB, else results/infersim.sqlite
int cmd_components(const ArgList& args);
int cmd_refengine(const ArgList& args);
int cmd_calibrate(const ArgList& args);

}  // namespace infersim::cli
