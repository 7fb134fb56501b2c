// When a medicine is taken: the take-N-days / rest-M-days pattern anchored at the start date, the
// daily time slots, and the occurrences (date × slot) they produce.
//
// Port of DailyDrug's CalculateSchedulePatternsUseCase, with the same rule and caps:
//  - a date before the start date is never a take day; rest_days = 0 means every day; otherwise a
//    take day is one where (days since start) mod (take + rest) < take. The cycle is always
//    anchored at the start date, never at "today" or at the first materialised day.
//  - generate_active_dates has an inclusive end and stops after max_occurrences dates (default
//    365), which is the only cap for an open-ended schedule.
//  - calculate_occurrences needs at least one slot; it de-duplicates and sorts the slots, emits
//    date × slot in order, and max_occurrences (default 1000) caps both dates and items.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine.h"

namespace dailydrug::app {

inline constexpr int kDefaultMaxActiveDates = 365;
inline constexpr int kDefaultMaxOccurrences = 1000;

/// Take `take_days` days, then rest `rest_days` days, repeating from the start date.
struct SchedulePattern {
  int take_days = 1;  // > 0
  int rest_days = 0;  // >= 0; 0 = every day

  // The presets offered by the app's schedule screen.
  static constexpr SchedulePattern daily() { return {1, 0}; }
  static constexpr SchedulePattern one_on_one_off() { return {1, 1}; }
  static constexpr SchedulePattern five_on_one_off() { return {5, 1}; }

  bool is_valid() const { return take_days > 0 && rest_days >= 0; }
  bool operator==(const SchedulePattern&) const = default;
};

/// True if `target` is a take day of a pattern starting on `start`. An invalid pattern has no
/// take days (the Kotlin original throws instead).
bool is_take_day(Date start, Date target, SchedulePattern pattern);

/// The take days from `start` through `end` (inclusive; nullopt = open-ended), at most
/// `max_occurrences` of them.
/// Errors: Invalid("pattern") for an invalid pattern, Invalid("max_occurrences") if it is <= 0.
Result<std::vector<Date>> generate_active_dates(Date start, std::optional<Date> end,
                                                SchedulePattern pattern,
                                                int max_occurrences = kDefaultMaxActiveDates);

/// Slots de-duplicated and sorted ascending.
std::vector<TimeOfDay> normalize_time_slots(std::vector<TimeOfDay> slots);

/// Every date × slot of the schedule in chronological order, capped at `max_occurrences` (which
/// also caps the number of dates considered).
/// Errors: Invalid("time_slots") if `slots` is empty; the errors of generate_active_dates.
Result<std::vector<LocalDateTime>> calculate_occurrences(
    Date start, std::optional<Date> end, const std::vector<TimeOfDay>& slots,
    SchedulePattern pattern, int max_occurrences = kDefaultMaxOccurrences);

/// A stored schedule of one medicine.
struct MedicationSchedule {
  ScheduleId id = 0;  // 0 until stored
  MedicineId medicine_id = 0;
  Date start_date{};
  std::optional<Date> end_date;       // inclusive; nullopt = open-ended
  std::vector<TimeOfDay> time_slots;  // sorted, unique, non-empty once validated
  SchedulePattern pattern;
  bool active = true;

  /// True if `date` is within [start, end] and a take day of the pattern.
  bool is_take_day(Date date) const;

  /// The occurrences whose date is in [from, to] (inclusive) and within the schedule, in order,
  /// with the cycle anchored at start_date. Uncapped: the caller bounds the range (the store
  /// never asks for more than up to the end of next month).
  std::vector<LocalDateTime> occurrences_between(Date from, Date to) const;
};

/// Short Korean description of a pattern: "매일", "5일 복용 · 1일 휴약".
std::string describe_pattern_korean(SchedulePattern pattern);

}  // namespace dailydrug::app
