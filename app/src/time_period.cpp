#include "dailydrug/app/time_period.h"

namespace dailydrug::app {

TimePeriod time_period_for_hour(int hour) {
  if (hour >= 6 && hour <= 10) {
    return TimePeriod::kMorning;
  }
  if (hour >= 11 && hour <= 13) {
    return TimePeriod::kLunch;
  }
  if (hour >= 14 && hour <= 17) {
    return TimePeriod::kAfternoon;
  }
  if (hour >= 18 && hour <= 20) {
    return TimePeriod::kDinner;
  }
  if (hour >= 21 && hour <= 23) {
    return TimePeriod::kNight;
  }
  return TimePeriod::kMorning;  // 00–05 is "before dawn", shown with the morning doses
}

std::string_view to_string(TimePeriod period) {
  switch (period) {
    case TimePeriod::kMorning:
      return "MORNING";
    case TimePeriod::kLunch:
      return "LUNCH";
    case TimePeriod::kAfternoon:
      return "AFTERNOON";
    case TimePeriod::kDinner:
      return "DINNER";
    case TimePeriod::kNight:
      return "NIGHT";
  }
  return "MORNING";
}

std::string_view korean_label(TimePeriod period) {
  switch (period) {
    case TimePeriod::kMorning:
      return "오전약";
    case TimePeriod::kLunch:
      return "점심약";
    case TimePeriod::kAfternoon:
      return "오후약";
    case TimePeriod::kDinner:
      return "저녁약";
    case TimePeriod::kNight:
      return "밤약";
  }
  return "오전약";
}

std::string_view emoji(TimePeriod period) {
  switch (period) {
    case TimePeriod::kMorning:
      return "🌅";
    case TimePeriod::kLunch:
      return "☀️";
    case TimePeriod::kAfternoon:
      return "🌤️";
    case TimePeriod::kDinner:
      return "🌆";
    case TimePeriod::kNight:
      return "🌙";
  }
  return "🌅";
}

}  // namespace dailydrug::app
