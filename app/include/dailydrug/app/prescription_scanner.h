// PrescriptionScanner: OCR text of a Korean prescription (처방전) or medicine bag (약봉투) →
// validated medication schedule (ScanResult). The deterministic, rule-based part.
//
// Pipeline: normalize_ocr_text → per line lex_dosage_line, find_medicine_name and
// parse_instructions → document rules below → ScanDraft (per-field provenance) → finalize():
// time slots (time_slot_table.h), warnings, the traceability check (fields that fail it are
// cleared) and the JSON schema.
//
// Document rules, line by line:
//  - A table header naming at least two of 1회 투약량 / 1일 투여횟수 / 총 투약일수 sets the
//    columns; the bare numbers after a name are assigned to them in order (all columns, or the
//    columns the row did not fill with units). Any other count of bare numbers is not guessed:
//    the numbers are reported as unassigned.
//  - A line with a medicine name is a medication. A line naming a hospital, pharmacy, patient,
//    receipt or date field (has_notice_keyword, money, phone) is not, unless it has an anchored
//    name *and* instructions. A guidance heading (복약안내, 주의사항 …) starts a section of
//    general advice, until the next medication: its note lines are ignored and its instruction
//    lines can only become shared directions for medications listed after them.
//  - An instruction line without a name ("아침 점심 저녁 식후 30분 1정씩 5일분", "Sig: …")
//    applies, in this order, (1) to the medications listed since the last instructions that have
//    none ("pending": a bag's list followed by its directions), (2) right after medications, to
//    those of the current block (since the last blank line or heading) that lack fields the line
//    has — a broken line ("7일분 식후") or a closing line ("(퇴원약 14일분)"), or (3) becomes the
//    shared instruction for the medications that follow and have none of their own (a bag's
//    directions above its list). Consecutive instruction lines merge.
//  - A medication's own fields always win; shared instructions only fill what is missing.
//  - A note line (no name, no fields, a caution or limit phrase) after a medication goes to that
//    medication — or to all medications sharing its instruction line. Blank lines, notices and
//    headings end that context.
//  - times_per_day is the written count; without one, the number of named parts of the day or
//    clock times ("아침 저녁" → 2), or 1 for "hs". A written count that disagrees with the named
//    parts is ambiguous (null + warning), never resolved by preference.
//  - A bare dose takes its unit from the name's dosage form (타이레놀정 → 정); a liquid's bare
//    amount keeps no unit (warning unit_unknown).
// Layout, recognised before a line is read (scan_layout.h):
//  - a table read column by column (names, then "1회 투약량" and one cell per name, …);
//  - a duration stated once in the header or footer ("투약일수 : 5일") fills every medication
//    without one (kDocument), as do directions below the last medication that none took;
//  - comma-separated names share the line and its directions; a timetable by part of the day
//    ("아침 식후: A, B" / "저녁 식후: B") merges a name's rows;
//  - phases of a tapering course under one name ("1~3일: 4정" / "4~6일: 2정") or on one line
//    ("1-3일: 2정씩, 4-7일: 1정씩") are medications of their own on the name's line; a name broken
//    over two list lines is joined;
//  - a timetable grid ("약품명 1회량 아침식후 … 취침전" / "A정 1정 ○ - ○ -") gives each row its
//    marked parts of the day; several medications on one line each keep their own fields; a field
//    label alone on its line labels the next line's value ("1일 투여횟수" / "1회").
// The rules live in document_reader.cpp (private to the library).
//
// Thread-safety: a scanner is immutable; scan() and draft() may run concurrently.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_result.h"

namespace dailydrug::app {

struct ScanOptions {
  OcrNormalizerOptions normalizer;
  /// More medications than this are dropped with a too_many_medications warning (1–64).
  int max_medications = 64;
};

/// How a field of a draft medication was obtained. This is the seam for a language model:
/// it may fill fields whose source is kNone or kAmbiguous (and set kModel); finalize() then
/// applies the same traceability check and schema to its values as to the rules'.
enum class FieldSource : uint8_t {
  kNone,          // not found: unknown (null)
  kAmbiguous,     // conflicting values in the text: unknown (null)
  kText,          // written on the medication's own line
  kTableCell,     // a bare number assigned by the table header's column
  kContinuation,  // the next line of the same entry, or the directions after a list
  kShared,        // an instruction line shared by several medications
  kDerived,       // computed from other text: the number of named parts of the day, "hs" = once
  kDocument,      // stated once for the whole document: a header or footer ("투약일수 : 5일")
  kModel,         // filled by a language model (not produced by this scanner)
};

/// Confidence of a field by source: kText 0.95, kTableCell 0.9, kContinuation 0.85,
/// kShared 0.85, kDerived 0.8, kDocument 0.8, kModel 0.5, kNone/kAmbiguous 0.
float field_confidence(FieldSource source);

/// The result's FieldOrigin of a known source; nullopt for kNone and kAmbiguous.
std::optional<FieldOrigin> field_origin(FieldSource source);

struct DraftField {
  FieldSource source = FieldSource::kNone;
  int line = 0;  // where the value was read; 0 if none
  float confidence() const { return field_confidence(source); }
  bool known() const { return source != FieldSource::kNone && source != FieldSource::kAmbiguous; }
};

/// A medication as the rules read it, before time slots, warnings and checks.
struct DraftMedication {
  std::string name;
  int source_line = 0;
  FieldSource name_source = FieldSource::kText;  // kModel: a model found it (scan_model_find.h)
  std::optional<DoseAmount> dose;
  std::optional<int> times_per_day;
  std::optional<int> duration_days;
  std::optional<Timing> timing;
  DraftField dose_field, times_field, duration_field, timing_field;
  DoseWhen when;  // offset, parts of the day, clock times, interval
  std::vector<ScanNote> notes;
  bool dose_unit_unknown = false;   // a bare amount whose unit no dosage form names
  bool non_daily = false;           // "주 1회": times_per_day stays null
  bool duration_in_months = false;  // "1개월분": duration_days stays null
  bool duration_out_of_range = false;
  bool unassigned_numbers = false;  // bare numbers the table columns could not take
};

struct ScanDraft {
  OcrDocument document;
  std::vector<DraftMedication> medications;
  std::vector<ScanWarning> document_warnings;  // no_medications, line_too_long, …
};

class PrescriptionScanner {
 public:
  explicit PrescriptionScanner(ScanOptions options = {});

  /// The rules' reading of `ocr_text`. Errors: those of normalize_ocr_text (Invalid("input")).
  Result<ScanDraft> draft(std::string_view ocr_text) const;

  /// draft() then finalize(). The result always passes the schema and the traceability check.
  /// Errors: Invalid("input") (unreadable text, see normalize_ocr_text).
  Result<ScanResult> scan(std::string_view ocr_text) const;

  /// Time slots, warnings and notes for each medication; fields that fail the traceability check
  /// are cleared with an "unverified" warning.
  static ScanResult finalize(const ScanDraft& draft);

 private:
  ScanOptions options_;
};

}  // namespace dailydrug::app
