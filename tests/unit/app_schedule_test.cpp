// The take/rest pattern rule and occurrence generation: the Android app's
// CalculateSchedulePatternsUseCaseTest, ported one to one (the first four tests), then the edge
// cases it does not cover.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "dailydrug/app/schedule.h"

namespace dd = dailydrug::app;
using namespace std::chrono_literals;

namespace {

dd::Date D(const char* text) {
  return dd::parse_date(text).value();
}

std::vector<std::string> formatted(const std::vector<dd::Date>& dates) {
  std::vector<std::string> out;
  out.reserve(dates.size());
  for (const auto& d : dates) {
    out.push_back(dd::format_date(d));
  }
  return out;
}

std::vector<std::string> formatted(const std::vector<dd::LocalDateTime>& times) {
  std::vector<std::string> out;
  out.reserve(times.size());
  for (const auto& t : times) {
    out.push_back(dd::format_local_date_time(t));
  }
  return out;
}

}  // namespace

// --- Ported: CalculateSchedulePatternsUseCaseTest ------------------------------------------------

TEST(AppSchedulePatternTest, RestZeroMeansEveryDay) {
  EXPECT_TRUE(dd::is_take_day(D("2024-01-01"), D("2024-01-31"), {1, 0}));
}

TEST(AppSchedulePatternTest, FiveOnOneOffCycle) {
  const dd::Date start = D("2024-01-01");
  EXPECT_TRUE(dd::is_take_day(start, dd::add_days(start, 4), {5, 1}));   // day index 4: take
  EXPECT_FALSE(dd::is_take_day(start, dd::add_days(start, 5), {5, 1}));  // day index 5: rest
  EXPECT_TRUE(dd::is_take_day(start, dd::add_days(start, 6), {5, 1}));   // next cycle
}

TEST(AppSchedulePatternTest, GenerateActiveDatesTwoOnOneOff) {
  const auto dates = dd::generate_active_dates(D("2024-04-01"), D("2024-04-10"), {2, 1}, 10);
  ASSERT_TRUE(dates.ok());
  EXPECT_EQ(formatted(*dates),
            (std::vector<std::string>{"2024-04-01", "2024-04-02", "2024-04-04", "2024-04-05",
                                      "2024-04-07", "2024-04-08", "2024-04-10"}));
}

TEST(AppSchedulePatternTest, CalculateOccurrencesIsSorted) {
  const auto occurrences =
      dd::calculate_occurrences(D("2024-03-01"), D("2024-03-03"),
                                {dd::TimeOfDay{8h}, dd::TimeOfDay{21h + 30min}}, {1, 0}, 10);
  ASSERT_TRUE(occurrences.ok());
  ASSERT_EQ(occurrences->size(), 6u);
  EXPECT_EQ(dd::format_local_date_time(occurrences->front()), "2024-03-01T08:00");
  EXPECT_EQ(dd::format_local_date_time(occurrences->back()), "2024-03-03T21:30");
  EXPECT_TRUE(std::is_sorted(occurrences->begin(), occurrences->end()));
}

// --- Edge cases ---------------------------------------------------------------------------------

TEST(AppSchedulePatternTest, NeverBeforeStart) {
  EXPECT_FALSE(dd::is_take_day(D("2024-01-10"), D("2024-01-09"), {1, 0}));
  EXPECT_FALSE(dd::is_take_day(D("2024-01-10"), D("2023-01-10"), {5, 1}));
  EXPECT_TRUE(dd::is_take_day(D("2024-01-10"), D("2024-01-10"), {1, 1}));
}

TEST(AppSchedulePatternTest, InvalidPatternHasNoTakeDays) {
  EXPECT_FALSE(dd::is_take_day(D("2024-01-01"), D("2024-01-01"), {0, 0}));
  EXPECT_FALSE(dd::is_take_day(D("2024-01-01"), D("2024-01-01"), {1, -1}));
  const auto dates = dd::generate_active_dates(D("2024-01-01"), std::nullopt, {0, 1});
  ASSERT_FALSE(dates.ok());
  EXPECT_EQ(dates.error().kind, dd::ErrorKind::kInvalid);
  EXPECT_EQ(dates.error().subject, "pattern");
  const auto zero_cap = dd::generate_active_dates(D("2024-01-01"), std::nullopt, {1, 0}, 0);
  ASSERT_FALSE(zero_cap.ok());
  EXPECT_EQ(zero_cap.error().subject, "max_occurrences");
}

TEST(AppSchedulePatternTest, HugeCycleDoesNotOverflow) {
  EXPECT_TRUE(dd::is_take_day(D("2024-01-01"), D("2030-01-01"), {INT_MAX, INT_MAX}));
  EXPECT_FALSE(dd::is_take_day(D("2024-01-01"), D("2024-01-02"), {1, INT_MAX}));
}

TEST(AppSchedulePatternTest, Presets) {
  EXPECT_EQ(dd::SchedulePattern::daily(), (dd::SchedulePattern{1, 0}));
  EXPECT_EQ(dd::SchedulePattern::one_on_one_off(), (dd::SchedulePattern{1, 1}));
  EXPECT_EQ(dd::SchedulePattern::five_on_one_off(), (dd::SchedulePattern{5, 1}));
  EXPECT_EQ(dd::describe_pattern_korean({1, 0}), "매일");
  EXPECT_EQ(dd::describe_pattern_korean({5, 2}), "5일 복용 · 2일 휴약");
}

TEST(AppSchedulePatternTest, OpenEndedStopsAt365ActiveDates) {
  const auto daily = dd::generate_active_dates(D("2024-01-01"), std::nullopt, {1, 0});
  ASSERT_TRUE(daily.ok());
  ASSERT_EQ(daily->size(), 365u);
  EXPECT_EQ(daily->back(), D("2024-12-30"));  // 2024 is a leap year: day 365 is Dec 30
  const auto alternate = dd::generate_active_dates(D("2024-01-01"), std::nullopt, {1, 1});
  ASSERT_TRUE(alternate.ok());
  ASSERT_EQ(alternate->size(), 365u);
  EXPECT_EQ(alternate->back(), dd::add_days(D("2024-01-01"), 728));
}

TEST(AppSchedulePatternTest, EndIsInclusiveAndCapAppliesToClosedSchedules) {
  const auto dates = dd::generate_active_dates(D("2026-11-24"), D("2026-11-28"), {1, 0});
  ASSERT_TRUE(dates.ok());
  EXPECT_EQ(dates->size(), 5u);
  EXPECT_EQ(dates->back(), D("2026-11-28"));
  const auto capped = dd::generate_active_dates(D("2026-01-01"), D("2026-12-31"), {1, 0}, 3);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(formatted(*capped),
            (std::vector<std::string>{"2026-01-01", "2026-01-02", "2026-01-03"}));
  const auto one_day = dd::generate_active_dates(D("2026-01-01"), D("2026-01-01"), {2, 5});
  ASSERT_TRUE(one_day.ok());
  EXPECT_EQ(one_day->size(), 1u);
}

TEST(AppSchedulePatternTest, OccurrencesCapAt1000Items) {
  const std::vector<dd::TimeOfDay> slots = {dd::TimeOfDay{8h}, dd::TimeOfDay{13h},
                                            dd::TimeOfDay{20h}};
  const auto occurrences = dd::calculate_occurrences(D("2026-01-01"), std::nullopt, slots, {1, 0});
  ASSERT_TRUE(occurrences.ok());
  ASSERT_EQ(occurrences->size(), 1000u);
  // 333 full days of three slots, then the first slot of day 334.
  EXPECT_EQ(dd::format_local_date_time(occurrences->back()),
            dd::format_date(dd::add_days(D("2026-01-01"), 333)) + "T08:00");
  EXPECT_TRUE(std::is_sorted(occurrences->begin(), occurrences->end()));
}

TEST(AppSchedulePatternTest, OccurrenceCapAlsoLimitsDates) {
  // max 4: only four dates are considered, so one slot a day yields four items.
  const auto occurrences =
      dd::calculate_occurrences(D("2026-01-01"), std::nullopt, {dd::TimeOfDay{9h}}, {1, 0}, 4);
  ASSERT_TRUE(occurrences.ok());
  EXPECT_EQ(occurrences->size(), 4u);
}

TEST(AppSchedulePatternTest, OccurrencesNeedASlotAndDeduplicate) {
  const auto none = dd::calculate_occurrences(D("2026-01-01"), D("2026-01-02"), {}, {1, 0});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, dd::ErrorKind::kInvalid);
  EXPECT_EQ(none.error().subject, "time_slots");

  const auto deduped = dd::calculate_occurrences(
      D("2026-01-01"), D("2026-01-01"),
      {dd::TimeOfDay{21h + 30min}, dd::TimeOfDay{8h}, dd::TimeOfDay{8h}}, {1, 0});
  ASSERT_TRUE(deduped.ok());
  EXPECT_EQ(formatted(*deduped),
            (std::vector<std::string>{"2026-01-01T08:00", "2026-01-01T21:30"}));
}

TEST(AppSchedulePatternTest, LeapDayShiftsTheCycle) {
  // 2 on / 1 off from Feb 27: in 2024 the rest day is Feb 29, in 2023 it is Mar 1.
  const auto leap = dd::generate_active_dates(D("2024-02-27"), D("2024-03-03"), {2, 1});
  const auto common = dd::generate_active_dates(D("2023-02-27"), D("2023-03-03"), {2, 1});
  ASSERT_TRUE(leap.ok());
  ASSERT_TRUE(common.ok());
  EXPECT_EQ(formatted(*leap),
            (std::vector<std::string>{"2024-02-27", "2024-02-28", "2024-03-01", "2024-03-02"}));
  EXPECT_EQ(formatted(*common),
            (std::vector<std::string>{"2023-02-27", "2023-02-28", "2023-03-02", "2023-03-03"}));
}

TEST(AppSchedulePatternTest, MonthAndYearEnds) {
  const auto dates = dd::generate_active_dates(D("2026-12-30"), D("2027-01-02"), {1, 0});
  ASSERT_TRUE(dates.ok());
  EXPECT_EQ(formatted(*dates),
            (std::vector<std::string>{"2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"}));
  const auto jan31 = dd::generate_active_dates(D("2026-01-31"), D("2026-02-02"), {1, 0});
  ASSERT_TRUE(jan31.ok());
  EXPECT_EQ(formatted(*jan31),
            (std::vector<std::string>{"2026-01-31", "2026-02-01", "2026-02-02"}));
}

TEST(AppMedicationScheduleTest, OccurrencesBetweenStayAnchoredAtStart) {
  const dd::MedicationSchedule schedule{
      1, 1, D("2026-11-01"), std::nullopt, {dd::TimeOfDay{8h}}, {1, 1}, true};
  // Asking from Nov 2 must not restart the cycle there: Nov 2 is a rest day.
  EXPECT_EQ(formatted(schedule.occurrences_between(D("2026-11-02"), D("2026-11-06"))),
            (std::vector<std::string>{"2026-11-03T08:00", "2026-11-05T08:00"}));
}

TEST(AppMedicationScheduleTest, OccurrencesBetweenClipToStartAndEnd) {
  const dd::MedicationSchedule schedule{
      1,      1,   D("2026-11-24"), D("2026-11-26"), {dd::TimeOfDay{20h}, dd::TimeOfDay{8h}},
      {1, 0}, true};
  EXPECT_EQ(formatted(schedule.occurrences_between(D("2026-11-01"), D("2026-12-31"))),
            (std::vector<std::string>{"2026-11-24T08:00", "2026-11-24T20:00", "2026-11-25T08:00",
                                      "2026-11-25T20:00", "2026-11-26T08:00", "2026-11-26T20:00"}));
  EXPECT_TRUE(schedule.occurrences_between(D("2026-11-27"), D("2026-12-31")).empty());
  EXPECT_TRUE(schedule.occurrences_between(D("2026-11-25"), D("2026-11-24")).empty());
  EXPECT_TRUE(schedule.is_take_day(D("2026-11-26")));
  EXPECT_FALSE(schedule.is_take_day(D("2026-11-27")));
  EXPECT_FALSE(schedule.is_take_day(D("2026-11-23")));
}
