#pragma once
// Published per-user decode speeds of the statically scheduled dataflow chips (Groq LPU, Cerebras WSE,
// SambaNova RDU; data/measurements/vendor-speeds/vendor-speeds.json) and the execution model's one
// fitted number per vendor.
//
// Execution model (docs/calibration.md, "Dataflow chips"): a statically scheduled chip has no kernel
// launches and no collective library, so a step is its roofline op times plus the modelled
// chip-to-chip transfers (TP collectives and pipeline hops at the profile's link latency and
// bandwidth) plus one per-layer latency, the time the compiled dataflow takes to carry a token through
// one layer beyond its compute and memory time (synchronisation, on-wafer / on-chip routing). That
// latency is the only fitted number: on the single point per vendor marked "fit",
//     layer_latency = (1 / published tok/s  -  modelled TPOT with no latency) / layers   (>= 0)
// and every other point is held out. A chip with measured fits of its own (SambaNova SN40L: LLM-
// Inference-Bench) keeps them: its published points are all held out.
#include <optional>
#include <string>
#include <vector>

#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/hardware_profile_json.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/calibrator.h"

namespace infersim::perf {

struct VendorSpeedPoint {
  std::string vendor, hardware, runtime;
  std::string served_as;  // the vendor's model name
  std::string model;      // catalog card ("" when excluded for want of one)
  double tok_s = 0;       // published per-user output tokens/s
  std::string kind;       // measured | vendor-claimed
  std::string as_of, source, note;
  std::string weights, kv;  // precision modelled
  std::optional<bool> speculative;
  std::optional<int> chips;  // published chips behind the figure
  std::string use;           // fit | validate | excluded
  std::string excluded_because;
};

struct VendorSpeedSet {
  std::string path;
  double input = 1000, output = 500;
  std::string workload_source;
  std::vector<std::pair<std::string, int>> assumed_chips;  // vendor -> chips when none is published
  std::string assumed_chips_source;
  std::vector<VendorSpeedPoint> points;
};

// Strict reader: ConfigError naming the file and field.
VendorSpeedSet load_vendor_speeds(const std::string& path);
std::string bundled_vendor_speeds();  // data/measurements/vendor-speeds/vendor-speeds.json

// One point predicted under the catalog's calibrations.
struct VendorSpeedCheck {
  const VendorSpeedPoint* point = nullptr;
  bool ok = false;  // false: could not be predicted (reason)
  std::string reason;
  int chips = 0, tp = 1, pp = 1;
  std::string chips_basis;  // published | assumed | auto-sized
  double tpot_s = 0, predicted_tok_s = 0;
  double error = 0;         // predicted / published - 1
  std::string calibration;  // basis and source of the calibration used
};

// Predicts per-user speed at batch 1 (the set's workload) with `hw`'s calibrations; the layout is the
// published (or assumed) chip count when known, else the smallest that fits.
VendorSpeedCheck predict_vendor_point(const VendorSpeedSet& set, const VendorSpeedPoint& p,
                                      const hwprofiles::HardwareCatalog& hw, const model::ModelCatalog& models,
                                      const hwprofiles::CalibrationParams* override_params = nullptr);

struct DataflowFit {
  hwprofiles::CalibrationEntry entry;  // written to hwprofiles/data/dataflow_calibrations.json
  const VendorSpeedPoint* point = nullptr;
  double modelled_tpot_s = 0;  // with no per-layer latency
  double published_tpot_s = 0;
  bool clamped = false;  // the model is already slower than published: latency 0
  std::string skipped;   // why a vendor's fit point was not used (the chip has measured fits)
};

// One fit per vendor: its "fit" point, on a chip without measured fits of its own.
std::vector<DataflowFit> fit_dataflow(const VendorSpeedSet& set, const hwprofiles::HardwareCatalog& hw,
                                      const model::ModelCatalog& models);

struct VendorSpeedReport {
  std::vector<VendorSpeedCheck> checks;  // every fit / validate point
  struct Group {
    std::string vendor;
    ErrorStats held_out;
    int models_within_25 = 0, models_held_out = 0;  // distinct held-out models whose median |error| <= 25%
  };
  std::vector<Group> groups;
  // Each published chip count of an SRAM-only chip against the count `infersim estimate` sizes on its own
  // for the same model at the vendor's precision (batch 1, the set's workload): issue 15's Groq target is
  // within 15%.
  struct ChipCount {
    const VendorSpeedPoint* point = nullptr;
    int published = 0, sized = 0, tp = 0, pp = 0;
    double error = 0;    // sized / published - 1
    std::string reason;  // why it could not be sized (sized = 0)
  };
  std::vector<ChipCount> chip_counts;
};
VendorSpeedReport check_vendor_speeds(const VendorSpeedSet& set, const hwprofiles::HardwareCatalog& hw,
                                      const model::ModelCatalog& models);
common::Json vendor_speed_report_to_json(const VendorSpeedReport& r);

}  // namespace infersim::perf
