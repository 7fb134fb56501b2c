// Evaluation of the prescription scanner against the case set in tests/data/scan/: each case is
// an OCR text (X.txt) and the expected result (X.json, the scan result JSON without
// field_lines; warnings compared by code, field and medication). Used by app_scan_cases_test
// (exact match per field) and by the accuracy report tool (dailydrug_scan_eval).
//
// Matching: expected and actual medications are paired by source_line and, within a line, by
// order. An unpaired medication counts as wrong in every field. Accuracy of a field = paired
// medications with an equal value / (expected + unpaired actual medications).
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/prescription_scanner.h"

namespace dailydrug::scan_eval {

/// The fields the accuracy report scores.
inline constexpr std::array<std::string_view, 6> kAccuracyFields = {
    "name", "dose", "times_per_day", "duration_days", "timing", "time_slots"};
/// Everything compared for an exact match (plus the warnings).
inline constexpr std::array<std::string_view, 7> kComparedFields = {
    "name", "dose", "times_per_day", "duration_days", "timing", "time_slots", "notes"};

struct ScanCase {
  std::string id;     // "dev/d01_rx_table_basic"
  std::string split;  // "dev", "holdout", "blind"
  std::string text;
  nlohmann::json expected;
};

/// All cases under `root` (sub-folders are splits), sorted by id. On a missing or unparsable
/// expected file, returns what it could and sets `error`.
std::vector<ScanCase> load_cases(const std::filesystem::path& root, std::string& error);

/// One difference: `key` is "L<line>#<n>.<field>" ("L4#0.dose": the first medication of line 4)
/// or "warnings".
struct FieldDiff {
  std::string key;
  nlohmann::json expected;
  nlohmann::json actual;
};

struct FieldScore {
  int correct = 0;
  int total = 0;
};

struct CaseResult {
  std::string id;
  std::string split;
  std::string error;                         // the scanner refused the input
  nlohmann::json actual;                     // scan result JSON
  std::vector<FieldDiff> diffs;              // every compared field and the warnings
  std::map<std::string, FieldScore> scores;  // per accuracy field
  int expected_medications = 0;
  int actual_medications = 0;
  int paired_medications = 0;
  std::vector<std::string> trace_issues;       // traceability check of the output
  std::vector<std::string> schema_violations;  // schema check of the output

  bool exact() const { return error.empty() && diffs.empty(); }
};

CaseResult evaluate_case(const ScanCase& c, const app::PrescriptionScanner& scanner);
/// The same with any scan function (e.g. rules plus a model filling unknown fields).
using ScanFunction = std::function<app::Result<app::ScanResult>(std::string_view text)>;
CaseResult evaluate_case(const ScanCase& c, const ScanFunction& scan);

/// Totals over a set of results: `fields` pools the six accuracy fields of every medication;
/// `recall` is paired / expected medications, `precision` paired / produced ones; `untraced`
/// counts trace issues and schema violations (a name or number not in the input, a bad result).
struct Totals {
  int cases = 0;
  int exact = 0;
  FieldScore fields;
  FieldScore recall;
  FieldScore precision;
  int untraced = 0;
};
Totals totals(const std::vector<CaseResult>& results);

/// Markdown: per split and overall, cases fully right, medication recall/precision, all fields
/// pooled and per-field accuracy, then (with `differences`) the differences of the cases that are
/// not exact. Without them the report says nothing about any single case. The cases of a sealed
/// split (its name contains "sealed") are never listed, whatever `differences` says.
std::string render_markdown(const std::vector<CaseResult>& results, bool differences = true);
/// The same numbers as JSON (`differences` as above).
nlohmann::json render_json(const std::vector<CaseResult>& results, bool differences = true);

}  // namespace dailydrug::scan_eval
