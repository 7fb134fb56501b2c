// CreateScheduleParams: the validated payload for creating or updating a medicine's schedule.
//
// As in the Android app, a missing medicine_id means "create a new medicine" and a set
// schedule_id means "update that schedule". The values are validated once, at construction
// (create()), so the store never sees an invalid schedule; slots come out de-duplicated and sorted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine.h"
#include "dailydrug/app/schedule.h"

namespace dailydrug::app {

// What a user may write (web form, CLI flags, a scan), so that one stored medicine cannot make
// every later listing, prompt and schedule expensive. Counted in Unicode code points.
inline constexpr size_t kMaxNameChars = 100;
inline constexpr size_t kMaxDosageChars = 100;
inline constexpr size_t kMaxMemoChars = 1000;
inline constexpr size_t kMaxSlotsPerDay = 24;  // distinct times a day
inline constexpr int kMaxScheduleDays = 3650;  // start..end, and each of take/rest days

class CreateScheduleParams {
 public:
  /// The raw input, e.g. from a form or CLI flags.
  struct Fields {
    std::optional<ScheduleId> schedule_id;  // set = update this schedule
    std::optional<MedicineId> medicine_id;  // unset = create a new medicine
    std::string name;                       // not blank
    std::string dosage;                     // not blank, free text ("1정")
    uint32_t color_argb = kDefaultMedicineColor;
    std::string memo;
    Date start_date{};
    std::optional<Date> end_date;       // inclusive, not before start_date; nullopt = open-ended
    std::vector<TimeOfDay> time_slots;  // at least one; duplicates are dropped
    SchedulePattern pattern;            // take_days > 0, rest_days >= 0

    /// The starting point of an edit: the medicine as stored and, when given, that schedule
    /// (which the edit then updates); without one, a new schedule starting `today`. The caller
    /// applies the changes on top (`dailydrug med edit`, POST /api/medicines/ID).
    static Fields for_edit(const Medicine& medicine,
                           const std::optional<MedicationSchedule>& schedule, Date today);
  };

  /// Validates `fields` and normalises the slots. Checks run in this order and the first failure is
  /// returned as Invalid(field): "name" (blank, or text beyond the bounds above: too long, a
  /// control character, not UTF-8), "dosage" (likewise), "memo" (too long, a control character
  /// other than newline and tab), "time_slots" (none, or more than kMaxSlotsPerDay distinct),
  /// "take_days" / "rest_days" (outside [1 | 0, kMaxScheduleDays]), "start_date" (not a real date
  /// in years 1970–2999), "end_date" (likewise, before start_date, or more than kMaxScheduleDays
  /// after it), "schedule_id" / "medicine_id" (set but not positive).
  static Result<CreateScheduleParams> create(Fields fields);

  const Fields& fields() const { return fields_; }
  std::optional<ScheduleId> schedule_id() const { return fields_.schedule_id; }
  std::optional<MedicineId> medicine_id() const { return fields_.medicine_id; }
  const std::string& name() const { return fields_.name; }
  const std::string& dosage() const { return fields_.dosage; }
  uint32_t color_argb() const { return fields_.color_argb; }
  const std::string& memo() const { return fields_.memo; }
  Date start_date() const { return fields_.start_date; }
  std::optional<Date> end_date() const { return fields_.end_date; }
  const std::vector<TimeOfDay>& time_slots() const { return fields_.time_slots; }
  SchedulePattern pattern() const { return fields_.pattern; }

 private:
  explicit CreateScheduleParams(Fields fields) : fields_(std::move(fields)) {}
  Fields fields_;
};

}  // namespace dailydrug::app
