// Scan with a model, second use: finding a medication the rules missed. Off by default
// (docs/SCAN.md has the measurement).
//
// Which lines are asked about: a line that no medication is named on, that is not a notice
// (hospital, pharmacy, patient …) or a labelled field other than a name, and that still looks like
// a medication line — it has a strength ("500mg") or a word naming a dosage form ("…정", "…캡슐",
// "시럽") — or, when the rules found no medication at all, every line with a dose, a count or a
// duration. For each such line the model picks the medicine's name among the spans of 1–4
// consecutive words and strengths of that line that hold such an anchor (any span when the
// document has no medication), or null — by constrained decoding (an enum), so every name is a
// substring of the OCR text. A picked name becomes a draft medication on that line with
// FieldSource kModel for the name and every field unknown; fill_unknown_fields() may complete
// them, and finalize() checks them like the rules' own.
#pragma once

#include <string>
#include <vector>

#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_model_fill.h"
#include "dailydrug/llm/local_llm.h"

namespace dailydrug::app {

struct ModelFindReport {
  int lines_asked = 0;
  int medications_found = 0;
  std::vector<std::string> names;  // what the model picked, in line order
};

/// Adds the medications the model finds on lines the rules left (at most the draft's room up to
/// 64 medications), keeping the draft's order by line. Errors: those of LocalLlm::generate (the
/// draft keeps what was added before).
llm::Result<ModelFindReport> find_missed_medications(llm::LocalLlm& llm, ScanDraft& draft,
                                                     const ModelFillOptions& options = {});

}  // namespace dailydrug::app
