// Which doses should be alerting right now: the first alert at the scheduled time, then a re-alert
// every hour until the dose is taken or skipped, and (per PROJECT_SPEC, which the Android app does
// not implement) never past the next 00:00 after the scheduled time.
//
// This is a pure computation over doses and "now"; delivering the alert (notification, CLI output)
// is the caller's business. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dose_record.h"

namespace dailydrug::app {

struct ReminderPolicy {
  std::chrono::minutes realert_interval{60};  // > 0
  bool stop_at_midnight = true;               // false = the Android behaviour: alert forever
};

enum class ReminderKind : int {
  kDue = 0,      // the first alert: now is within the first interval after the scheduled time
  kRealert = 1,  // a repeat of an unanswered alert
};

/// "due", "realert".
std::string_view to_string(ReminderKind kind);

struct Reminder {
  ScheduledDose dose;
  ReminderKind kind = ReminderKind::kDue;
  int alert_number = 0;      // 0 = the first alert, n = the n-th re-alert
  LocalDateTime alert_at{};  // when this alert fired: scheduled_at + n × interval
  std::optional<LocalDateTime> next_alert_at;  // the next re-alert, if it is before the cut-off
};

/// The alerts active at `now`, one per PENDING dose with scheduled_at <= now (< next midnight when
/// stop_at_midnight), ordered by scheduled time then record id. Doses that are not PENDING, or
/// scheduled after `now`, are ignored. A non-positive interval is treated as 60 minutes.
std::vector<Reminder> reminders_at(const std::vector<ScheduledDose>& doses, LocalDateTime now,
                                   const ReminderPolicy& policy = {});

}  // namespace dailydrug::app
