#include "dailydrug/app/schedule_params.h"

namespace dailydrug::app {
namespace {

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
  if (is_blank(fields.dosage)) {
    return Error::invalid("dosage", "dosage must not be blank");
  }
  if (fields.time_slots.empty()) {
    return Error::invalid("time_slots", "at least one time slot is required");
  }
  if (fields.pattern.take_days <= 0) {
    return Error::invalid("take_days", "must be greater than 0");
  }
  if (fields.pattern.rest_days < 0) {
    return Error::invalid("rest_days", "must be zero or greater");
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
  }
  if (fields.schedule_id && *fields.schedule_id <= 0) {
    return Error::invalid("schedule_id", "must be positive");
  }
  if (fields.medicine_id && *fields.medicine_id <= 0) {
    return Error::invalid("medicine_id", "must be positive");
  }
  fields.time_slots = normalize_time_slots(std::move(fields.time_slots));
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
