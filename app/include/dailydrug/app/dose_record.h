// One scheduled intake (MedicationRecord) and its joined view with schedule and medicine
// (ScheduledDose), which is what the today screen, the widget and reminders show.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/medicine.h"
#include "dailydrug/app/schedule.h"
#include "dailydrug/app/time_period.h"

namespace dailydrug::app {

/// TAKEN wins over SKIPPED, which wins over PENDING (the record's two flags can both be set only
/// in data written by other tools).
enum class DoseStatus : int { kPending = 0, kTaken, kSkipped };

/// "pending", "taken", "skipped".
std::string_view to_string(DoseStatus status);
std::optional<DoseStatus> parse_dose_status(std::string_view text);
/// "미복용", "복용 완료", "건너뜀".
std::string_view korean_label(DoseStatus status);

struct MedicationRecord {
  RecordId id = 0;
  ScheduleId schedule_id = 0;
  LocalDateTime scheduled_at{};
  std::optional<LocalDateTime> taken_at;  // set when taken
  bool taken = false;
  bool skipped = false;
  std::string note;

  DoseStatus status() const {
    if (taken) {
      return DoseStatus::kTaken;
    }
    if (skipped) {
      return DoseStatus::kSkipped;
    }
    return DoseStatus::kPending;
  }
};

struct ScheduledDose {
  MedicationRecord record;
  MedicationSchedule schedule;
  Medicine medicine;

  DoseStatus status() const { return record.status(); }
  /// As in the app: simply PENDING, with no time check (a later dose today is "missed" too).
  bool is_missed() const { return status() == DoseStatus::kPending; }
  TimePeriod time_period() const { return time_period_of(time_of(record.scheduled_at)); }
};

}  // namespace dailydrug::app
