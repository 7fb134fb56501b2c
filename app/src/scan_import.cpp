#include "dailydrug/app/scan_import.h"

#include <utility>

namespace dailydrug::app {

ScanImportPlan plan_scan_import(const ScanResult& result, Date start) {
  ScanImportPlan plan;
  for (size_t i = 0; i < result.medications.size(); ++i) {
    const ScannedMedication& m = result.medications[i];
    if (!m.times_per_day || m.time_slots.empty()) {
      const bool prn = m.timing == Timing::kAsNeeded;
      plan.not_saved.push_back({i, m.name, prn ? "as_needed" : "no_time_slots",
                                prn ? "필요할 때 먹는 약이라 일정으로 저장하지 않았습니다."
                                    : "복용 횟수나 시간을 알 수 없어 저장하지 않았습니다."});
      continue;
    }
    CreateScheduleParams::Fields f;
    f.name = m.name;
    f.dosage = m.dose.value_or(kUnknownDosage);
    for (const std::string& note : m.notes) {
      f.memo += (f.memo.empty() ? "" : " · ") + note;
    }
    f.start_date = start;
    if (m.duration_days) {
      f.end_date = add_days(start, *m.duration_days - 1);
    }
    f.time_slots = m.time_slots;
    auto params = CreateScheduleParams::create(std::move(f));
    if (!params.ok()) {
      plan.not_saved.push_back({i, m.name, "invalid", params.error().message()});
      continue;
    }
    plan.items.push_back({i, std::move(params).value(), !m.duration_days});
  }
  return plan;
}

}  // namespace dailydrug::app
