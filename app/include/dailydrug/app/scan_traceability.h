// The traceability check: every name and number of a scan result must come from the input text.
//
// For each medication, against the normalised input lines (ocr_normalizer.h):
//   name           its compact form (spaces removed) occurs in the compact source_line.
//   dose           field_lines.dose holds a dose token with the same amount and unit, or a
//                  per-dose strength ("1회 500mg"), or the amount as a bare number (a table cell,
//                  "1회 2") with the unit named by a dosage form on the source line ("…정") or
//                  no unit at all.
//   times_per_day  field_lines.times_per_day holds that count: "N회", "N번", a Korean numeral
//                  ("세 번"), qd/bid/tid/qid, q<N>h (24/N), hs (1), a bare number (table cell),
//                  or as many distinct parts of the day (아침 점심 저녁 취침전) or clock times,
//                  or as many marked cells of a timetable grid's row (scan_layout.h grid_row_at).
//   duration_days  field_lines.duration_days holds "N일…", "N days", N weeks (7N), 일주일 (7) or a
//                  bare N.
//   timing         field_lines.timing holds a word of that timing (식후, pc, 통증시 → 필요시 …),
//                  or is the timing of a grid row's marked columns (the header's "아침식후").
//   time_slots     equal the slot table (time_slot_table.h) applied to the fields and to the parts
//                  of the day, clock times, offset and interval of the count and timing lines —
//                  parts of the day only when as many as the count (two rows may share a line),
//                  or the marked columns of a grid row.
//   notes          each occurs (compact) in some input line.
// A value without a field line, or a line number outside the input, fails too. The check is
// independent of how the result was produced, so it applies unchanged to a model's output.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_result.h"

namespace dailydrug::app {

struct TraceIssue {
  int medication = 0;   // index into ScanResult::medications
  std::string field;    // "name", "dose", "times_per_day", "duration_days", "timing",
                        // "time_slots", "notes", "source_line"
  std::string message;  // English, for logs and tests
};

std::vector<TraceIssue> check_traceability(const ScanResult& result, const OcrDocument& document);

}  // namespace dailydrug::app
