#include "dailydrug/app/dose_grouping.h"

#include <algorithm>

namespace dailydrug::app {

bool DoseGroup::all_taken() const {
  return std::all_of(doses.begin(), doses.end(),
                     [](const ScheduledDose& d) { return d.status() == DoseStatus::kTaken; });
}

int DoseGroup::pending_count() const {
  return static_cast<int>(std::count_if(doses.begin(), doses.end(), [](const ScheduledDose& d) {
    return d.status() == DoseStatus::kPending;
  }));
}

std::vector<DoseGroup> group_by_time_period(const std::vector<ScheduledDose>& doses) {
  std::vector<DoseGroup> groups;
  for (const TimePeriod period : kTimePeriodsInOrder) {
    DoseGroup group{period, {}};
    for (const ScheduledDose& dose : doses) {
      if (dose.time_period() == period) {
        group.doses.push_back(dose);
      }
    }
    if (group.doses.empty()) {
      continue;
    }
    std::stable_sort(group.doses.begin(), group.doses.end(),
                     [](const ScheduledDose& a, const ScheduledDose& b) {
                       return a.record.scheduled_at < b.record.scheduled_at;
                     });
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace dailydrug::app
