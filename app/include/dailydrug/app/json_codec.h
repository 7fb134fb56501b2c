// JSON forms of the app's values, shared by the front ends (CLI --json, HTTP server).
//
// Field names are snake_case; dates are "YYYY-MM-DD", date-times "YYYY-MM-DDTHH:MM", times
// "HH:MM", colours "#RRGGBB" / "#AARRGGBB", enums lower-case strings ("pending") except the time
// period, which keeps the app's upper-case names ("MORNING"). Optional values are null when absent.
// The to_json hooks do not throw; names and memos are user text, so dump() with
// nlohmann::json::error_handler_t::replace to survive invalid UTF-8.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "dailydrug/app/dose_grouping.h"
#include "dailydrug/app/dose_record.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine.h"
#include "dailydrug/app/reminder.h"
#include "dailydrug/app/scan_import.h"
#include "dailydrug/app/schedule.h"

namespace dailydrug::app {

struct SavedSchedule;  // medication_store.h

// nlohmann::json's ADL hooks: `nlohmann::json j = medicine;`.
void to_json(nlohmann::json& j, const Medicine& medicine);
void to_json(nlohmann::json& j, const MedicationSchedule& schedule);
void to_json(nlohmann::json& j, const MedicationRecord& record);
/// {"id", "status", "scheduled_at", "taken_at", "note", "period", "medicine": {...},
///  "schedule_id"} — the record flattened with its medicine.
void to_json(nlohmann::json& j, const ScheduledDose& dose);
/// {"period", "label", "all_taken", "pending_count", "doses": [...]}.
void to_json(nlohmann::json& j, const DoseGroup& group);
/// {"kind", "alert_number", "alert_at", "next_alert_at", "dose": {...}}.
void to_json(nlohmann::json& j, const Reminder& reminder);
/// {"kind": "NotFound", "subject", "id", "detail", "message"}.
void to_json(nlohmann::json& j, const Error& error);

/// {"medicine": {...}, "schedule": {...}, "records_added", "records_removed"}: what saving a
/// schedule (MedicationStore::save_schedule) did, with the medicine and schedule as now stored.
/// The answer of `dailydrug med add|edit --json` and of POST /api/medicines[/ID].
nlohmann::json saved_schedule_json(const Medicine& medicine, const MedicationSchedule& schedule,
                                   const SavedSchedule& saved);
/// The medicine's fields plus "schedules": [...]: one item of `dailydrug med list --json` and of
/// GET /api/medicines.
nlohmann::json medicine_with_schedules_json(const Medicine& medicine,
                                            const std::vector<MedicationSchedule>& schedules);

/// One saved medication of a scan import: saved_schedule_json plus "medication" (its index in the
/// scan) and "open_ended". Items of "saved" in `dailydrug scan --save --json` and POST
/// /api/scan/save.
nlohmann::json scan_saved_json(const ScanImportPlan::Item& item, const Medicine& medicine,
                               const MedicationSchedule& schedule, const SavedSchedule& saved);
/// The medications a scan import did not save: [{"medication", "name", "reason", "message"}].
nlohmann::json not_saved_json(const ScanImportPlan& plan);

}  // namespace dailydrug::app
