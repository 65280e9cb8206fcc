#pragma once
// The GUI's calls into the procurement brief (planner/brief: build_brief, render_html,
// render_markdown) and its PDF writer (gui/pdf: write_brief_pdf), both always linked with the GUI.
// The brief request is the BRIEF.json of `infersim brief` (brief_json_text() gives it): the
// scenario's model, pricing and precision, the chosen workloads each at its own load (total = their
// sum), the current hardware, and the default options (stay, shift to a second vendor, CPU fallback
// lane, disaggregated, move, own).
// No Qt; thread-safe per call.
#include <string>
#include <vector>

#include "workers/scenario_input.h"

namespace infersim::gui {

struct BriefChoice {
  std::vector<WorkloadInput> workloads;  // empty = the scenario's workload
  std::string current_hardware;          // "" = the scenario's focus hardware
};

// The BRIEF.json text for `infersim brief BRIEF.json --out ...` (throws ConfigError when invalid).
std::string brief_json_text(const ScenarioInput& s, const BriefChoice& choice);
// Writes the brief to `path`; the format follows the extension (.html, .md, .pdf).
// Returns "" on success, else the reason.
std::string export_brief(const ScenarioInput& s, const BriefChoice& choice, const std::string& path);

}  // namespace infersim::gui
