#include "dailydrug/app/json_codec.h"

#include <nlohmann/json.hpp>

#include "dailydrug/app/medication_store.h"

namespace dailydrug::app {
namespace {

nlohmann::json optional_date(const std::optional<Date>& date) {
  return date ? nlohmann::json(format_date(*date)) : nlohmann::json(nullptr);
}

nlohmann::json optional_date_time(const std::optional<LocalDateTime>& when) {
  return when ? nlohmann::json(format_local_date_time(*when)) : nlohmann::json(nullptr);
}

}  // namespace

void to_json(nlohmann::json& j, const Medicine& medicine) {
  j = nlohmann::json{{"id", medicine.id},
                     {"name", medicine.name},
                     {"dosage", medicine.dosage},
                     {"color", format_color(medicine.color_argb)},
                     {"color_argb", medicine.color_argb},
                     {"memo", medicine.memo},
                     {"created_at", format_local_date_time(medicine.created_at)}};
}

void to_json(nlohmann::json& j, const MedicationSchedule& schedule) {
  nlohmann::json slots = nlohmann::json::array();
  for (const TimeOfDay& slot : schedule.time_slots) {
    slots.push_back(format_time_of_day(slot));
  }
  j = nlohmann::json{{"id", schedule.id},
                     {"medicine_id", schedule.medicine_id},
                     {"start_date", format_date(schedule.start_date)},
                     {"end_date", optional_date(schedule.end_date)},
                     {"time_slots", std::move(slots)},
                     {"take_days", schedule.pattern.take_days},
                     {"rest_days", schedule.pattern.rest_days},
                     {"active", schedule.active}};
}

void to_json(nlohmann::json& j, const MedicationRecord& record) {
  j = nlohmann::json{{"id", record.id},
                     {"schedule_id", record.schedule_id},
                     {"status", std::string{to_string(record.status())}},
                     {"scheduled_at", format_local_date_time(record.scheduled_at)},
                     {"taken_at", optional_date_time(record.taken_at)},
                     {"note", record.note}};
}

void to_json(nlohmann::json& j, const ScheduledDose& dose) {
  to_json(j, dose.record);
  j["period"] = std::string{to_string(dose.time_period())};
  j["medicine"] = dose.medicine;
}

void to_json(nlohmann::json& j, const DoseGroup& group) {
  j = nlohmann::json{{"period", std::string{to_string(group.period)}},
                     {"label", std::string{korean_label(group.period)}},
                     {"all_taken", group.all_taken()},
                     {"pending_count", group.pending_count()},
                     {"doses", group.doses}};
}

void to_json(nlohmann::json& j, const Reminder& reminder) {
  j = nlohmann::json{{"kind", std::string{to_string(reminder.kind)}},
                     {"alert_number", reminder.alert_number},
                     {"alert_at", format_local_date_time(reminder.alert_at)},
                     {"next_alert_at", optional_date_time(reminder.next_alert_at)},
                     {"dose", reminder.dose}};
}

void to_json(nlohmann::json& j, const Error& error) {
  j = nlohmann::json{{"kind", std::string{to_string(error.kind)}},
                     {"subject", error.subject},
                     {"id", error.id},
                     {"detail", error.detail},
                     {"message", error.message()}};
}

nlohmann::json saved_schedule_json(const Medicine& medicine, const MedicationSchedule& schedule,
                                   const SavedSchedule& saved) {
  return nlohmann::json{{"medicine", medicine},
                        {"schedule", schedule},
                        {"records_added", saved.records_added},
                        {"records_removed", saved.records_removed}};
}

nlohmann::json medicine_with_schedules_json(const Medicine& medicine,
                                            const std::vector<MedicationSchedule>& schedules) {
  nlohmann::json j = medicine;
  j["schedules"] = schedules;
  return j;
}

nlohmann::json scan_saved_json(const ScanImportPlan::Item& item, const Medicine& medicine,
                               const MedicationSchedule& schedule, const SavedSchedule& saved) {
  nlohmann::json j = saved_schedule_json(medicine, schedule, saved);
  j["medication"] = item.medication;
  j["open_ended"] = item.open_ended;
  return j;
}

nlohmann::json not_saved_json(const ScanImportPlan& plan) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : plan.not_saved) {
    out.push_back(nlohmann::json{{"medication", n.medication},
                                 {"name", n.name},
                                 {"reason", n.reason},
                                 {"message", n.message}});
  }
  return out;
}

}  // namespace dailydrug::app
