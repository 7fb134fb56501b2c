// The time slots of a scanned medication: clock times derived from how often and when it is
// taken. This is a documented convention, not something the prescription says; docs/SCAN.md
// shows the same table.
//
// Anchors: breakfast 08:00, lunch 12:00, dinner 18:00, bedtime 22:00.
// Offset from the anchor by timing: 식후 +30 min, 식전 −30 min, 식간 +120 min, 공복 −60 min,
// none ±0; an explicit offset ("식후 1시간", "식후 즉시") replaces the 30/60 min default.
// In order of precedence:
//   1. 필요시 → no slots (kAsNeeded).
//   2. No times per day → no slots (kNoFrequency).
//   3. Clock times in the text ("08:00", "오후 8시") → those, if there are times_per_day of them.
//   4. Parts of the day in the text (아침 점심 저녁, 취침전) → one slot each: the meal anchor plus
//      the offset, or 22:00 for bedtime; their number must equal times_per_day (kMismatch).
//   5. An interval (q8h, "8시간마다") without a meal timing → every N hours, starting at 08:00
//      or earlier so that the last dose is not after 22:00 (q8h → 06:00 14:00 22:00,
//      q12h → 08:00 20:00).
//   6. 취침전 alone → 22:00 for once a day; more than once is undetermined.
//   7. By count: 1 → breakfast; 2 → breakfast, dinner; 3 → breakfast, lunch, dinner;
//      4 → the three meals + bedtime 22:00 (no offset); 5 or more → undetermined (kTooMany).
//   e.g. 식후 3회 → 08:30 12:30 18:30; 식전 2회 → 07:30 17:30; 식간 3회 → 10:00 14:00 20:00;
//        공복 1회 → 07:00; 3회 (no timing) → 08:00 12:00 18:00.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dosage_terms.h"

namespace dailydrug::app {

struct SlotRequest {
  std::optional<int> times_per_day;
  std::optional<Timing> timing;
  std::optional<int> offset_minutes;  // explicit offset from the text; nullopt = the default
  std::vector<DaySlot> slots;         // parts of the day named in the text
  std::vector<int> clock_minutes;     // clock times in the text
  std::optional<int> interval_hours;
};

enum class SlotOutcome {
  kOk,
  kAsNeeded,      // 필요시: no fixed times
  kNoFrequency,   // times per day unknown
  kMismatch,      // named parts of the day or clock times disagree with times per day
  kUndetermined,  // a count the table does not cover (5+ a day, 취침전 twice a day)
};

struct SlotPlan {
  std::vector<TimeOfDay> slots;  // sorted, distinct; empty unless kOk
  SlotOutcome outcome = SlotOutcome::kOk;
};

SlotPlan plan_time_slots(const SlotRequest& request);

/// The anchor of a part of the day (08:00, 12:00, 18:00, 22:00).
int anchor_minutes(DaySlot slot);

}  // namespace dailydrug::app
