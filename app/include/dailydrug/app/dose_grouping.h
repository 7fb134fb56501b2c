// Grouping a day's doses under the five time periods (groupByTimePeriod).
#pragma once

#include <vector>

#include "dailydrug/app/dose_record.h"
#include "dailydrug/app/time_period.h"

namespace dailydrug::app {

struct DoseGroup {
  TimePeriod period = TimePeriod::kMorning;
  std::vector<ScheduledDose> doses;  // sorted by scheduled time

  /// Every dose is TAKEN (a skipped dose does not count as taken).
  bool all_taken() const;
  /// Number of PENDING doses.
  int pending_count() const;
};

/// The non-empty groups in period order (MORNING … NIGHT), each sorted by scheduled time; doses
/// at the same minute keep their input order.
std::vector<DoseGroup> group_by_time_period(const std::vector<ScheduledDose>& doses);

}  // namespace dailydrug::app
