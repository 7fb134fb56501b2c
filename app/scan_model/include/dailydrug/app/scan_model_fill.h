// Scan with a model: the rules read what they reliably can (PrescriptionScanner::draft); a
// language model then completes only the fields left unknown (FieldSource kNone or kAmbiguous),
// choosing each value among the candidates that the medication's own lines contain, or null.
//
// The choice is made by constrained decoding (GenerationRequest::json_schema): the schema of the
// answer is built per medication, with an enum of the text's candidates for each unknown field, so
// the model cannot write a value that is not in the text; finalize() then applies the same
// traceability check, time-slot table, warnings and schema as to the rules' values.
//
// Which lines are "the medication's own": its name line and the following lines up to the next
// medication, a blank line, or two lines. Candidates per field:
//   times_per_day  counts (3회, tid, 세 번) and bare integers 1–24
//   duration_days  durations (5일분, 2주 → 14) and bare integers 1–365
//   timing         timing words (식후, ac, 통증시 → 필요시)
//   dose           amounts with a unit (1정, 5ml, 적당량)
// A field with no candidate is not asked about. The model sees the numbered lines.
#pragma once

#include <string>
#include <vector>

#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/llm/local_llm.h"

namespace dailydrug::app {

struct ModelFillOptions {
  int32_t max_output_tokens = 96;
  int64_t timeout_ms = 60000;  // per medication
  llm::CancelTokenPtr cancel;  // the scan's stop (null = none): each request ends at once
};

/// One question the model answered.
struct ModelFillStep {
  std::string medication;
  std::vector<std::string> fields_asked;   // "times_per_day", ...
  std::vector<std::string> fields_filled;  // those the model gave a value (not null)
  std::string answer;                      // the model's JSON
};

struct ModelFillReport {
  std::vector<ModelFillStep> steps;
  int fields_asked = 0;
  int fields_filled = 0;
};

/// Fills unknown fields of `draft` in place (source kModel, line = where the chosen value
/// appears). Errors: those of LocalLlm::generate (the draft keeps what was filled before).
llm::Result<ModelFillReport> fill_unknown_fields(llm::LocalLlm& llm, ScanDraft& draft,
                                                 const ModelFillOptions& options = {});

}  // namespace dailydrug::app
