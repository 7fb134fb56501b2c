#include "dailydrug/app/prescription_scanner.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dailydrug/app/scan_schema.h"
#include "document_reader.h"

namespace dailydrug::app {
namespace {

constexpr int kMaxDurationDays = 365;

DraftMedication to_draft(const Entry& e) {
  DraftMedication d;
  d.name = e.name;
  d.source_line = e.source_line;
  const InstructionFields& f = e.f;
  if (f.dose.ambiguous) {
    d.dose_field = {FieldSource::kAmbiguous, f.dose.line};
  } else if (f.dose.value) {
    DoseAmount dose = *f.dose.value;
    if (!dose.appropriate_amount && dose.unit == DoseUnit::kNone) {
      // A liquid's bare "1" may be one packet or bottle as well as 1 ml: left unknown.
      const bool one_of_a_liquid =
          e.form && e.form->unit == DoseUnit::kMilliliter && dose.amount < 2;
      if (e.form && e.form->unit != DoseUnit::kNone && !one_of_a_liquid) {
        dose.unit = e.form->unit;
      } else {
        d.dose_unit_unknown = true;
      }
    }
    d.dose = dose;
    d.dose_field = {e.src.dose, f.dose.line};
  }
  d.when = f.when;
  if (f.when.timing_ambiguous) {
    d.timing_field = {FieldSource::kAmbiguous, f.when.line};
  } else if (f.when.timing) {
    d.timing = f.when.timing;
    d.timing_field = {e.src.when, f.when.line};
  }
  const bool as_needed = d.timing == Timing::kAsNeeded;
  const size_t named =
      !f.when.clock_minutes.empty() ? f.when.clock_minutes.size() : f.when.slots.size();
  if (f.non_daily) {
    d.non_daily = true;
  } else if (f.times.ambiguous) {
    d.times_field = {FieldSource::kAmbiguous, f.times.line};
  } else if (f.times.value) {
    if (!as_needed && named > 0 && static_cast<int>(named) != *f.times.value) {
      d.times_field = {FieldSource::kAmbiguous, f.times.line};  // "1일 2회 아침 점심 저녁"
    } else {
      d.times_per_day = f.times.value;
      d.times_field = {e.src.times, f.times.line};
    }
  } else if (!as_needed && named > 0) {
    d.times_per_day = static_cast<int>(named);
    d.times_field = {FieldSource::kDerived,
                     f.when.parts_line != 0 ? f.when.parts_line : f.when.line};
  } else if (!as_needed && f.when.implies_once) {
    d.times_per_day = 1;
    d.times_field = {FieldSource::kDerived, f.when.line};
  }
  if (f.days_in_months && !f.days.present()) {
    d.duration_in_months = true;
  } else if (f.days.ambiguous) {
    d.duration_field = {FieldSource::kAmbiguous, f.days.line};
  } else if (f.days.value) {
    if (*f.days.value > kMaxDurationDays) {
      d.duration_out_of_range = true;
    } else {
      d.duration_days = f.days.value;
      d.duration_field = {e.src.days, f.days.line};
    }
  }
  d.notes = f.notes;
  d.notes.insert(d.notes.end(), e.line_notes.begin(), e.line_notes.end());
  d.unassigned_numbers = e.unassigned_numbers;
  return d;
}

ScanWarning document_warning(std::string_view code, std::string message) {
  ScanWarning w;
  w.code = std::string(code);
  w.message = std::move(message);
  return w;
}

}  // namespace

float field_confidence(FieldSource source) {
  switch (source) {
    case FieldSource::kText:
      return 0.95f;
    case FieldSource::kTableCell:
      return 0.9f;
    case FieldSource::kContinuation:
    case FieldSource::kShared:
      return 0.85f;
    case FieldSource::kDerived:
    case FieldSource::kDocument:
      return 0.8f;
    case FieldSource::kModel:
      return 0.5f;
    case FieldSource::kNone:
    case FieldSource::kAmbiguous:
      return 0.0f;
  }
  return 0.0f;
}

std::optional<FieldOrigin> field_origin(FieldSource source) {
  switch (source) {
    case FieldSource::kText:
      return FieldOrigin::kText;
    case FieldSource::kTableCell:
      return FieldOrigin::kTableCell;
    case FieldSource::kContinuation:
      return FieldOrigin::kContinuation;
    case FieldSource::kShared:
      return FieldOrigin::kShared;
    case FieldSource::kDocument:
      return FieldOrigin::kDocument;
    case FieldSource::kDerived:
      return FieldOrigin::kDerived;
    case FieldSource::kModel:
      return FieldOrigin::kModel;
    case FieldSource::kNone:
    case FieldSource::kAmbiguous:
      return std::nullopt;
  }
  return std::nullopt;
}

PrescriptionScanner::PrescriptionScanner(ScanOptions options) : options_(options) {}

Result<ScanDraft> PrescriptionScanner::draft(std::string_view ocr_text) const {
  DD_APP_ASSIGN_OR_RETURN(OcrDocument doc, normalize_ocr_text(ocr_text, options_.normalizer));
  ScanDraft draft;
  draft.document = std::move(doc);
  DocumentReading reader = read_document(draft.document, options_.max_medications);
  for (const Entry& e : reader.entries) {
    draft.medications.push_back(to_draft(e));
  }
  draft.document_warnings = std::move(reader.warnings);
  if (reader.too_many) {
    draft.document_warnings.push_back(document_warning(
        scan_warning::kTooManyMedications,
        "약이 너무 많아 처음 " + std::to_string(draft.medications.size()) + "개만 읽었습니다."));
  }
  if (draft.medications.empty()) {
    draft.document_warnings.push_back(
        reader.saw_instructions
            ? document_warning(scan_warning::kInstructionsWithoutMedicine,
                               "복용법은 있지만 약 이름을 찾지 못했습니다.")
            : document_warning(scan_warning::kNoMedications, "처방 약을 찾지 못했습니다."));
  }
  return draft;
}

Result<ScanResult> PrescriptionScanner::scan(std::string_view ocr_text) const {
  DD_APP_ASSIGN_OR_RETURN(const ScanDraft d, draft(ocr_text));
  ScanResult result = finalize(d);
  const auto violations = validate_scan_result_json(nlohmann::json(result));
  if (!violations.empty()) {
    // A defect of the scanner, not of the input: report it rather than print invalid output.
    return Error::invalid("scan_result",
                          violations.front().path + ": " + violations.front().message);
  }
  return result;
}

}  // namespace dailydrug::app