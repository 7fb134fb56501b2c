// Dose status, time periods (hour boundaries) and groupByTimePeriod.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/app/dose_grouping.h"
#include "dailydrug/app/dose_record.h"
#include "dailydrug/app/time_period.h"

namespace dd = dailydrug::app;

namespace {

dd::ScheduledDose dose(dd::RecordId id, const char* when,
                       dd::DoseStatus status = dd::DoseStatus::kPending) {
  dd::ScheduledDose d;
  d.record.id = id;
  d.record.scheduled_at = dd::parse_local_date_time(when).value();
  d.record.taken = status == dd::DoseStatus::kTaken;
  d.record.skipped = status == dd::DoseStatus::kSkipped;
  d.medicine.name = "약" + std::to_string(id);
  return d;
}

std::vector<dd::RecordId> ids(const dd::DoseGroup& group) {
  std::vector<dd::RecordId> out;
  for (const auto& d : group.doses) {
    out.push_back(d.record.id);
  }
  return out;
}

}  // namespace

TEST(AppTimePeriodTest, HourBoundaries) {
  using P = dd::TimePeriod;
  const P expected[24] = {P::kMorning,   P::kMorning,   P::kMorning,   P::kMorning, P::kMorning,
                          P::kMorning,   P::kMorning,   P::kMorning,   P::kMorning, P::kMorning,
                          P::kMorning,   P::kLunch,     P::kLunch,     P::kLunch,   P::kAfternoon,
                          P::kAfternoon, P::kAfternoon, P::kAfternoon, P::kDinner,  P::kDinner,
                          P::kDinner,    P::kNight,     P::kNight,     P::kNight};
  for (int hour = 0; hour < 24; ++hour) {
    EXPECT_EQ(dd::time_period_for_hour(hour), expected[hour]) << hour;
  }
  EXPECT_EQ(dd::time_period_of(dd::parse_time_of_day("10:59").value()), P::kMorning);
  EXPECT_EQ(dd::time_period_of(dd::parse_time_of_day("11:00").value()), P::kLunch);
  EXPECT_EQ(dd::time_period_of(dd::parse_time_of_day("23:59").value()), P::kNight);
}

TEST(AppTimePeriodTest, Labels) {
  EXPECT_EQ(dd::to_string(dd::TimePeriod::kAfternoon), "AFTERNOON");
  EXPECT_EQ(dd::korean_label(dd::TimePeriod::kMorning), "오전약");
  EXPECT_EQ(dd::korean_label(dd::TimePeriod::kLunch), "점심약");
  EXPECT_EQ(dd::korean_label(dd::TimePeriod::kAfternoon), "오후약");
  EXPECT_EQ(dd::korean_label(dd::TimePeriod::kDinner), "저녁약");
  EXPECT_EQ(dd::korean_label(dd::TimePeriod::kNight), "밤약");
}

TEST(AppDoseStatusTest, TakenWinsOverSkippedWinsOverPending) {
  dd::MedicationRecord record;
  EXPECT_EQ(record.status(), dd::DoseStatus::kPending);
  record.skipped = true;
  EXPECT_EQ(record.status(), dd::DoseStatus::kSkipped);
  record.taken = true;
  EXPECT_EQ(record.status(), dd::DoseStatus::kTaken);
}

TEST(AppDoseStatusTest, MissedMeansPendingWithoutTimeCheck) {
  EXPECT_TRUE(dose(1, "2099-01-01T08:00").is_missed());
  EXPECT_FALSE(dose(1, "2000-01-01T08:00", dd::DoseStatus::kSkipped).is_missed());
  EXPECT_FALSE(dose(1, "2000-01-01T08:00", dd::DoseStatus::kTaken).is_missed());
}

TEST(AppDoseStatusTest, ParsesAndLabelsStatus) {
  EXPECT_EQ(dd::parse_dose_status("taken"), dd::DoseStatus::kTaken);
  EXPECT_EQ(dd::parse_dose_status("skipped"), dd::DoseStatus::kSkipped);
  EXPECT_EQ(dd::parse_dose_status("pending"), dd::DoseStatus::kPending);
  EXPECT_FALSE(dd::parse_dose_status("TAKEN").has_value());
  EXPECT_EQ(dd::to_string(dd::DoseStatus::kSkipped), "skipped");
  EXPECT_EQ(dd::korean_label(dd::DoseStatus::kPending), "미복용");
  EXPECT_EQ(dd::korean_label(dd::DoseStatus::kTaken), "복용 완료");
}

TEST(AppDoseGroupingTest, NonEmptyGroupsInPeriodOrderSortedByTime) {
  const std::vector<dd::ScheduledDose> doses = {
      dose(1, "2026-11-24T21:30"), dose(2, "2026-11-24T08:00"), dose(3, "2026-11-24T03:00"),
      dose(4, "2026-11-24T19:00"), dose(5, "2026-11-24T07:00"), dose(6, "2026-11-24T20:59")};
  const auto groups = dd::group_by_time_period(doses);
  ASSERT_EQ(groups.size(), 3u);  // no LUNCH, no AFTERNOON
  EXPECT_EQ(groups[0].period, dd::TimePeriod::kMorning);
  EXPECT_EQ(ids(groups[0]), (std::vector<dd::RecordId>{3, 5, 2}));  // 03:00 is MORNING
  EXPECT_EQ(groups[1].period, dd::TimePeriod::kDinner);
  EXPECT_EQ(ids(groups[1]), (std::vector<dd::RecordId>{4, 6}));
  EXPECT_EQ(groups[2].period, dd::TimePeriod::kNight);
  EXPECT_EQ(ids(groups[2]), (std::vector<dd::RecordId>{1}));
}

TEST(AppDoseGroupingTest, SameMinuteKeepsInputOrder) {
  const auto groups = dd::group_by_time_period(
      {dose(9, "2026-11-24T12:00"), dose(4, "2026-11-24T12:00"), dose(7, "2026-11-24T11:00")});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(ids(groups[0]), (std::vector<dd::RecordId>{7, 9, 4}));
}

TEST(AppDoseGroupingTest, AllTakenAndPendingCount) {
  const auto groups = dd::group_by_time_period(
      {dose(1, "2026-11-24T08:00", dd::DoseStatus::kTaken),
       dose(2, "2026-11-24T09:00", dd::DoseStatus::kTaken),
       dose(3, "2026-11-24T12:00", dd::DoseStatus::kTaken),
       dose(4, "2026-11-24T12:30", dd::DoseStatus::kSkipped), dose(5, "2026-11-24T15:00"),
       dose(6, "2026-11-24T16:00", dd::DoseStatus::kSkipped), dose(7, "2026-11-24T17:00")});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_TRUE(groups[0].all_taken());
  EXPECT_EQ(groups[0].pending_count(), 0);
  EXPECT_FALSE(groups[1].all_taken());  // a skipped dose is not taken
  EXPECT_EQ(groups[1].pending_count(), 0);
  EXPECT_FALSE(groups[2].all_taken());
  EXPECT_EQ(groups[2].pending_count(), 2);
}

TEST(AppDoseGroupingTest, EmptyInputGivesNoGroups) {
  EXPECT_TRUE(dd::group_by_time_period({}).empty());
}
