#include "dailydrug/app/reminder.h"

#include <algorithm>

namespace dailydrug::app {

std::string_view to_string(ReminderKind kind) {
  return kind == ReminderKind::kDue ? "due" : "realert";
}

std::vector<Reminder> reminders_at(const std::vector<ScheduledDose>& doses, LocalDateTime now,
                                   const ReminderPolicy& policy) {
  const std::chrono::minutes interval =
      policy.realert_interval.count() > 0 ? policy.realert_interval : std::chrono::minutes{60};
  std::vector<Reminder> reminders;
  for (const ScheduledDose& dose : doses) {
    if (dose.status() != DoseStatus::kPending) {
      continue;
    }
    const LocalDateTime scheduled = dose.record.scheduled_at;
    if (scheduled > now) {
      continue;
    }
    // Without the midnight stop there is no cut-off at all.
    const LocalDateTime cutoff = policy.stop_at_midnight
                                     ? start_of_day(add_days(date_of(scheduled), 1))
                                     : LocalDateTime::max();
    if (now >= cutoff) {
      continue;
    }

    const auto n = (now - scheduled) / interval;
    Reminder reminder;
    reminder.dose = dose;
    reminder.alert_number = static_cast<int>(n);
    reminder.kind = n == 0 ? ReminderKind::kDue : ReminderKind::kRealert;
    reminder.alert_at = scheduled + n * interval;
    const LocalDateTime next = reminder.alert_at + interval;
    if (next < cutoff) {
      reminder.next_alert_at = next;
    }
    reminders.push_back(std::move(reminder));
  }
  std::stable_sort(reminders.begin(), reminders.end(), [](const Reminder& a, const Reminder& b) {
    if (a.dose.record.scheduled_at != b.dose.record.scheduled_at) {
      return a.dose.record.scheduled_at < b.dose.record.scheduled_at;
    }
    return a.dose.record.id < b.dose.record.id;
  });
  return reminders;
}

}  // namespace dailydrug::app
