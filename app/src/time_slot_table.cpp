#include "dailydrug/app/time_slot_table.h"

#include <algorithm>
#include <chrono>

namespace dailydrug::app {
namespace {

constexpr int kDayMinutes = 24 * 60;
constexpr int kFirstDose = 8 * 60;
constexpr int kLastDose = 22 * 60;

/// Signed offset from a meal anchor for `timing`.
int meal_offset(std::optional<Timing> timing, std::optional<int> explicit_minutes) {
  if (!timing) {
    return 0;
  }
  switch (*timing) {
    case Timing::kAfterMeal:
      return explicit_minutes.value_or(30);
    case Timing::kBeforeMeal:
      return -explicit_minutes.value_or(30);
    case Timing::kBetweenMeals:
      return explicit_minutes.value_or(120);
    case Timing::kEmptyStomach:
      return -explicit_minutes.value_or(60);
    case Timing::kBedtime:
    case Timing::kAsNeeded:
      return 0;
  }
  return 0;
}

TimeOfDay at_minutes(int minutes) {
  minutes = std::clamp(minutes, 0, kDayMinutes - 1);
  return TimeOfDay{std::chrono::minutes{minutes}};
}

int slot_minutes(DaySlot slot, int offset) {
  return slot == DaySlot::kBedtime ? anchor_minutes(slot) : anchor_minutes(slot) + offset;
}

SlotPlan done(std::vector<int> minutes) {
  SlotPlan plan;
  std::sort(minutes.begin(), minutes.end());
  minutes.erase(std::unique(minutes.begin(), minutes.end()), minutes.end());
  for (const int m : minutes) {
    plan.slots.push_back(at_minutes(m));
  }
  return plan;
}

SlotPlan fail(SlotOutcome outcome) {
  SlotPlan plan;
  plan.outcome = outcome;
  return plan;
}

}  // namespace

int anchor_minutes(DaySlot slot) {
  switch (slot) {
    case DaySlot::kMorning:
      return 8 * 60;
    case DaySlot::kNoon:
      return 12 * 60;
    case DaySlot::kEvening:
      return 18 * 60;
    case DaySlot::kBedtime:
      return 22 * 60;
  }
  return 8 * 60;
}

SlotPlan plan_time_slots(const SlotRequest& r) {
  if (r.timing == Timing::kAsNeeded) {
    return fail(SlotOutcome::kAsNeeded);
  }
  if (!r.times_per_day || *r.times_per_day < 1) {
    return fail(SlotOutcome::kNoFrequency);
  }
  const int n = *r.times_per_day;
  const int offset = meal_offset(r.timing, r.offset_minutes);
  if (!r.clock_minutes.empty()) {
    if (static_cast<int>(r.clock_minutes.size()) != n) {
      return fail(SlotOutcome::kMismatch);
    }
    return done(r.clock_minutes);
  }
  if (!r.slots.empty()) {
    if (static_cast<int>(r.slots.size()) != n) {
      return fail(SlotOutcome::kMismatch);
    }
    std::vector<int> minutes;
    for (const DaySlot s : r.slots) {
      minutes.push_back(slot_minutes(s, offset));
    }
    return done(minutes);
  }
  const bool meal_timing = r.timing && *r.timing != Timing::kBedtime;
  if (r.interval_hours && !meal_timing && *r.interval_hours > 0) {
    const int step = *r.interval_hours * 60;
    const int start = std::max(0, std::min(kFirstDose, kLastDose - (n - 1) * step));
    std::vector<int> minutes;
    minutes.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      minutes.push_back((start + i * step) % kDayMinutes);
    }
    return done(minutes);
  }
  if (r.timing == Timing::kBedtime) {
    return n == 1 ? done({kLastDose}) : fail(SlotOutcome::kUndetermined);
  }
  switch (n) {
    case 1:
      return done({slot_minutes(DaySlot::kMorning, offset)});
    case 2:
      return done(
          {slot_minutes(DaySlot::kMorning, offset), slot_minutes(DaySlot::kEvening, offset)});
    case 3:
      return done({slot_minutes(DaySlot::kMorning, offset), slot_minutes(DaySlot::kNoon, offset),
                   slot_minutes(DaySlot::kEvening, offset)});
    case 4:
      return done({slot_minutes(DaySlot::kMorning, offset), slot_minutes(DaySlot::kNoon, offset),
                   slot_minutes(DaySlot::kEvening, offset), kLastDose});
    default:
      return fail(SlotOutcome::kUndetermined);
  }
}

}  // namespace dailydrug::app
