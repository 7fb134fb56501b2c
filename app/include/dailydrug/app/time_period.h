// The five parts of the day under which DailyDrug groups doses (MedicationTimePeriod).
#pragma once

#include <array>
#include <string_view>

#include "dailydrug/app/calendar.h"

namespace dailydrug::app {

/// In display order. Hours: MORNING 6–10 (and 0–5, before dawn), LUNCH 11–13, AFTERNOON 14–17,
/// DINNER 18–20, NIGHT 21–23.
enum class TimePeriod : int { kMorning = 0, kLunch, kAfternoon, kDinner, kNight };

inline constexpr std::array<TimePeriod, 5> kTimePeriodsInOrder = {
    TimePeriod::kMorning, TimePeriod::kLunch, TimePeriod::kAfternoon, TimePeriod::kDinner,
    TimePeriod::kNight};

/// The period of an hour of the day (0–23); hours out of range count as MORNING like 0–5.
TimePeriod time_period_for_hour(int hour);
inline TimePeriod time_period_of(TimeOfDay time) {
  return time_period_for_hour(time.hour());
}

/// "MORNING", "LUNCH", "AFTERNOON", "DINNER", "NIGHT" (stable, for JSON).
std::string_view to_string(TimePeriod period);
/// The app's labels: "오전약", "점심약", "오후약", "저녁약", "밤약".
std::string_view korean_label(TimePeriod period);
/// The app's icons: 🌅 ☀️ 🌤️ 🌆 🌙.
std::string_view emoji(TimePeriod period);

}  // namespace dailydrug::app
