#include "dailydrug/app/schedule.h"

#include <algorithm>

namespace dailydrug::app {

bool is_take_day(Date start, Date target, SchedulePattern pattern) {
  if (!pattern.is_valid()) {
    return false;
  }
  const long since_start = days_between(start, target);
  if (since_start < 0) {
    return false;
  }
  if (pattern.rest_days == 0) {
    return true;
  }
  // 64-bit so that huge take + rest values cannot overflow.
  const int64_t cycle = int64_t{pattern.take_days} + pattern.rest_days;
  return since_start % cycle < pattern.take_days;
}

Result<std::vector<Date>> generate_active_dates(Date start, std::optional<Date> end,
                                                SchedulePattern pattern, int max_occurrences) {
  if (!pattern.is_valid()) {
    return Error::invalid("pattern", "take_days must be > 0 and rest_days >= 0");
  }
  if (max_occurrences <= 0) {
    return Error::invalid("max_occurrences", "must be positive");
  }
  std::vector<Date> dates;
  // Each take day is at most take+rest days after the previous one, so this loop ends even for an
  // open-ended schedule; max_occurrences is then the only bound.
  for (Date current = start; !end || current <= *end; current = add_days(current, 1)) {
    if (static_cast<int>(dates.size()) >= max_occurrences) {
      break;
    }
    if (is_take_day(start, current, pattern)) {
      dates.push_back(current);
    }
  }
  return dates;
}

std::vector<TimeOfDay> normalize_time_slots(std::vector<TimeOfDay> slots) {
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

Result<std::vector<LocalDateTime>> calculate_occurrences(Date start, std::optional<Date> end,
                                                         const std::vector<TimeOfDay>& slots,
                                                         SchedulePattern pattern,
                                                         int max_occurrences) {
  if (slots.empty()) {
    return Error::invalid("time_slots", "at least one time slot is required");
  }
  const std::vector<TimeOfDay> normalized = normalize_time_slots(slots);
  DD_APP_ASSIGN_OR_RETURN(const std::vector<Date> dates,
                          generate_active_dates(start, end, pattern, max_occurrences));
  std::vector<LocalDateTime> occurrences;
  for (const Date& date : dates) {
    for (const TimeOfDay& slot : normalized) {
      occurrences.push_back(at(date, slot));
      if (static_cast<int>(occurrences.size()) >= max_occurrences) {
        return occurrences;
      }
    }
  }
  return occurrences;
}

bool MedicationSchedule::is_take_day(Date date) const {
  if (end_date && date > *end_date) {
    return false;
  }
  return app::is_take_day(start_date, date, pattern);
}

std::vector<LocalDateTime> MedicationSchedule::occurrences_between(Date from, Date to) const {
  std::vector<LocalDateTime> result;
  if (from < start_date) {
    from = start_date;
  }
  if (end_date && to > *end_date) {
    to = *end_date;
  }
  const std::vector<TimeOfDay> slots = normalize_time_slots(time_slots);
  for (Date day = from; day <= to; day = add_days(day, 1)) {
    if (!app::is_take_day(start_date, day, pattern)) {
      continue;
    }
    for (const TimeOfDay& slot : slots) {
      result.push_back(at(day, slot));
    }
  }
  return result;
}

std::string describe_pattern_korean(SchedulePattern pattern) {
  if (pattern.rest_days == 0) {
    return "매일";
  }
  return std::to_string(pattern.take_days) + "일 복용 · " + std::to_string(pattern.rest_days) +
         "일 휴약";
}

}  // namespace dailydrug::app
