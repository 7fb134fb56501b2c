// Turning a scan result into schedules: which medications can be saved (those with times per day
// and time slots) and as what, shared by `dailydrug scan --save` and the server's /api/scan/save.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/schedule_params.h"

namespace dailydrug::app {

/// Dosage stored for a saved medication whose dose could not be read (the store needs one).
inline constexpr const char* kUnknownDosage = "용량 확인 필요";

struct ScanImportPlan {
  struct Item {
    size_t medication = 0;  // index into ScanResult::medications
    CreateScheduleParams params;
    bool open_ended = false;  // no duration was read: the schedule has no end date
  };
  struct NotSaved {
    size_t medication = 0;
    std::string name;
    std::string reason;   // "as_needed" | "no_time_slots" | "invalid"
    std::string message;  // Korean, for people
  };
  std::vector<Item> items;
  std::vector<NotSaved> not_saved;
};

/// A new medicine with a daily schedule from `start` for duration_days days (open-ended when the
/// duration is unknown) for each medication with times per day and slots; the others not saved,
/// with the reason. Pure: writes nothing.
ScanImportPlan plan_scan_import(const ScanResult& result, Date start);

}  // namespace dailydrug::app
