#include "dailydrug/app/schedule_params.h"

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

/// C0 controls, DEL and C1 controls (Unicode category Cc). `allow_lines` keeps tab and newline
/// (a memo may have several lines; a name or dosage is shown on one).
bool is_control(uint32_t cp, bool allow_lines) {
  if (allow_lines && (cp == '\n' || cp == '\t')) return false;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/// Free text a user typed: valid UTF-8, at most `max_chars` code points, no control characters.
/// Errors: Invalid(field).
Status check_text(const char* field, std::string_view text, size_t max_chars, bool allow_lines) {
  if (find_invalid_utf8(text)) {
    return Error::invalid(field, "is not valid UTF-8");
  }
  if (utf8_length(text) > max_chars) {
    return Error::invalid(field, "is longer than " + std::to_string(max_chars) + " characters");
  }
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode_utf8(text, pos);
    if (is_control(cp.value, allow_lines)) {
      return Error::invalid(field, "contains a control character");
    }
    pos += cp.length;
  }
  return Status::Ok();
}

// Bounds the work of materialising from the start date: a typo such as "0026-11-24" must not
// create seven hundred thousand records.
bool in_supported_range(Date date) {
  return date.ok() && date.year() >= std::chrono::year{1970} &&
         date.year() <= std::chrono::year{2999};
}

}  // namespace

Result<CreateScheduleParams> CreateScheduleParams::create(Fields fields) {
  if (is_blank(fields.name)) {
    return Error::invalid("name", "medicine name must not be blank");
  }
  DD_APP_RETURN_IF_ERROR(check_text("name", fields.name, kMaxNameChars, false));
  if (is_blank(fields.dosage)) {
    return Error::invalid("dosage", "dosage must not be blank");
  }
  DD_APP_RETURN_IF_ERROR(check_text("dosage", fields.dosage, kMaxDosageChars, false));
  DD_APP_RETURN_IF_ERROR(check_text("memo", fields.memo, kMaxMemoChars, true));
  if (fields.time_slots.empty()) {
    return Error::invalid("time_slots", "at least one time slot is required");
  }
  fields.time_slots = normalize_time_slots(std::move(fields.time_slots));
  if (fields.time_slots.size() > kMaxSlotsPerDay) {
    return Error::invalid("time_slots",
                          "at most " + std::to_string(kMaxSlotsPerDay) + " times a day");
  }
  if (fields.pattern.take_days <= 0 || fields.pattern.take_days > kMaxScheduleDays) {
    return Error::invalid("take_days", "must be in [1, " + std::to_string(kMaxScheduleDays) + "]");
  }
  if (fields.pattern.rest_days < 0 || fields.pattern.rest_days > kMaxScheduleDays) {
    return Error::invalid("rest_days", "must be in [0, " + std::to_string(kMaxScheduleDays) + "]");
  }
  if (!in_supported_range(fields.start_date)) {
    return Error::invalid("start_date", "not a calendar date between 1970 and 2999");
  }
  if (fields.end_date) {
    if (!in_supported_range(*fields.end_date)) {
      return Error::invalid("end_date", "not a calendar date between 1970 and 2999");
    }
    if (*fields.end_date < fields.start_date) {
      return Error::invalid("end_date", "end date " + format_date(*fields.end_date) +
                                            " is before start date " +
                                            format_date(fields.start_date));
    }
    if (days_between(fields.start_date, *fields.end_date) >= kMaxScheduleDays) {
      return Error::invalid(
          "end_date", "a schedule lasts at most " + std::to_string(kMaxScheduleDays) + " days");
    }
  }
  if (fields.schedule_id && *fields.schedule_id <= 0) {
    return Error::invalid("schedule_id", "must be positive");
  }
  if (fields.medicine_id && *fields.medicine_id <= 0) {
    return Error::invalid("medicine_id", "must be positive");
  }
  return CreateScheduleParams{std::move(fields)};
}

CreateScheduleParams::Fields CreateScheduleParams::Fields::for_edit(
    const Medicine& medicine, const std::optional<MedicationSchedule>& schedule, Date today) {
  Fields fields;
  fields.medicine_id = medicine.id;
  fields.name = medicine.name;
  fields.dosage = medicine.dosage;
  fields.color_argb = medicine.color_argb;
  fields.memo = medicine.memo;
  fields.start_date = today;
  if (schedule) {
    fields.schedule_id = schedule->id;
    fields.start_date = schedule->start_date;
    fields.end_date = schedule->end_date;
    fields.time_slots = schedule->time_slots;
    fields.pattern = schedule->pattern;
  }
  return fields;
}

}  // namespace dailydrug::app
