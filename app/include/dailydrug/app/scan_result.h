// ScanResult: what `dailydrug scan` reports for a prescription or medicine bag — medications with
// their dose, times per day, duration, timing, time slots and notes, plus warnings — and its
// JSON form, which app/schemas/scan_result.schema.json describes (scan_schema.h).
//
// JSON (field names are the schema's):
//   {"medications": [{"name", "dose", "times_per_day", "duration_days", "timing", "time_slots",
//                     "notes", "source_line", "field_lines": {"dose", "times_per_day",
//                     "duration_days", "timing"}, "field_sources": {the same keys}}],
//    "warnings": [{"code", "field", "medication", "line", "message"}]}
// Unknown values are null, never guessed. Line numbers are 1-based lines of the input text.
// `source_line` is the line of the name; `field_lines` the line each field was read from (the
// name's line, a shared "아침 점심 저녁 식후 30분 1정씩 5일분" line, the next line of a broken
// entry …), null when the field is null. `field_sources` says how each field was obtained
// (FieldOrigin): anything but "text" was inferred from the layout and is for the user to confirm.
// It is optional in the schema (a result written by hand or by a model may leave it out).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dosage_terms.h"
#include "dailydrug/app/error.h"

namespace dailydrug::app {

/// Where each field of a medication was read (1-based input lines).
struct FieldLines {
  std::optional<int> dose;
  std::optional<int> times_per_day;
  std::optional<int> duration_days;
  std::optional<int> timing;
  bool operator==(const FieldLines&) const = default;
};

/// How a field was obtained (JSON "field_sources"; names in field_origin_name()).
enum class FieldOrigin : uint8_t {
  kText,          // "text": written on the medication's own line
  kTableCell,     // "table_cell": a bare number placed by a table header's column
  kContinuation,  // "continuation": the entry's next line, or the directions after a list
  kShared,        // "shared": directions stated once for several medicines
  kDocument,      // "document": a duration stated once in the header or footer
  kDerived,       // "derived": counted from named parts of the day, or bedtime = once
  kModel,         // "model": chosen by a language model among the values of the text
};
std::string_view field_origin_name(FieldOrigin origin);
std::optional<FieldOrigin> field_origin_from_name(std::string_view name);

/// How each field of a medication was obtained; empty when the field is null. `name` is set only
/// when the name itself was not read by the rules (kModel).
struct FieldOrigins {
  std::optional<FieldOrigin> name;
  std::optional<FieldOrigin> dose;
  std::optional<FieldOrigin> times_per_day;
  std::optional<FieldOrigin> duration_days;
  std::optional<FieldOrigin> timing;
  bool operator==(const FieldOrigins&) const = default;
};

struct ScannedMedication {
  std::string name;                  // as printed, after OCR normalisation
  std::optional<std::string> dose;   // DoseAmount::text(): "1정", "0.5정", "5ml", "적당량"
  std::optional<int> times_per_day;  // 1–24
  std::optional<int> duration_days;  // 1–365
  std::optional<Timing> timing;
  std::vector<TimeOfDay> time_slots;  // sorted; empty when none can be derived
  std::vector<std::string> notes;     // what is not a field: "식후 30분", "졸음 주의"
  int source_line = 0;                // line of the name
  FieldLines field_lines;
  FieldOrigins field_sources;
};

/// Warning codes (ScanWarning::code). Per medication unless marked "document".
namespace scan_warning {
inline constexpr std::string_view kMissing = "missing";           // field not found
inline constexpr std::string_view kAmbiguous = "ambiguous";       // conflicting values
inline constexpr std::string_view kUnitUnknown = "unit_unknown";  // dose without a unit
inline constexpr std::string_view kOutOfRange = "out_of_range";   // e.g. 400일분
inline constexpr std::string_view kDurationInMonths = "duration_in_months";
inline constexpr std::string_view kNonDailyFrequency = "non_daily_frequency";  // 주 1회, 격일
inline constexpr std::string_view kPrnNoSlots = "prn_no_slots";  // 필요시: no fixed times
inline constexpr std::string_view kSlotsUndetermined = "slots_undetermined";
inline constexpr std::string_view kUnassignedNumbers = "unassigned_numbers";  // unlabelled cells
inline constexpr std::string_view kUnverified = "unverified";  // value not traceable: cleared
inline constexpr std::string_view kNoMedications = "no_medications";  // document
inline constexpr std::string_view kInstructionsWithoutMedicine =
    "instructions_without_medicine";                                             // document
inline constexpr std::string_view kTooManyMedications = "too_many_medications";  // document
inline constexpr std::string_view kLineTooLong = "line_too_long";                // document
}  // namespace scan_warning

struct ScanWarning {
  std::string code;                  // one of scan_warning::k*
  std::optional<std::string> field;  // "dose", "times_per_day", "duration_days", "timing",
                                     // "time_slots", "name"
  std::optional<int> medication;     // index into ScanResult::medications
  std::optional<int> line;           // 1-based input line
  std::string message;               // Korean, for people
};

struct ScanResult {
  std::vector<ScannedMedication> medications;
  std::vector<ScanWarning> warnings;
};

// nlohmann::json ADL hooks (do not throw).
void to_json(nlohmann::json& j, const ScannedMedication& medication);
void to_json(nlohmann::json& j, const ScanWarning& warning);
void to_json(nlohmann::json& j, const ScanResult& result);

/// Reads a result from JSON (e.g. a language model's output) after validating it against the
/// schema. Errors: Invalid("scan_result") with the first schema violation ("/medications/0/dose:
/// ...").
Result<ScanResult> scan_result_from_json(const nlohmann::json& j);
/// Parses JSON text, then scan_result_from_json. Errors: Invalid("scan_result").
Result<ScanResult> parse_scan_result(std::string_view json_text);

}  // namespace dailydrug::app
