// Reminders: the first alert at the scheduled time, a re-alert every hour while PENDING, none
// after taking or skipping, and none past the next 00:00.
#include <gtest/gtest.h>

#include "dailydrug/app/reminder.h"

namespace dd = dailydrug::app;
using namespace std::chrono_literals;

namespace {

dd::LocalDateTime T(const char* text) {
  return dd::parse_local_date_time(text).value();
}

dd::ScheduledDose dose(dd::RecordId id, const char* when,
                       dd::DoseStatus status = dd::DoseStatus::kPending) {
  dd::ScheduledDose d;
  d.record.id = id;
  d.record.scheduled_at = T(when);
  d.record.taken = status == dd::DoseStatus::kTaken;
  d.record.skipped = status == dd::DoseStatus::kSkipped;
  return d;
}

}  // namespace

TEST(AppReminderTest, NothingBeforeTheScheduledTime) {
  EXPECT_TRUE(dd::reminders_at({dose(1, "2026-11-24T08:00")}, T("2026-11-24T07:59")).empty());
}

TEST(AppReminderTest, DueDuringTheFirstHour) {
  for (const char* now : {"2026-11-24T08:00", "2026-11-24T08:59"}) {
    const auto r = dd::reminders_at({dose(1, "2026-11-24T08:00")}, T(now));
    ASSERT_EQ(r.size(), 1u) << now;
    EXPECT_EQ(r[0].kind, dd::ReminderKind::kDue);
    EXPECT_EQ(r[0].alert_number, 0);
    EXPECT_EQ(r[0].alert_at, T("2026-11-24T08:00"));
    EXPECT_EQ(r[0].next_alert_at, T("2026-11-24T09:00"));
  }
}

TEST(AppReminderTest, RealertsEveryHourUntilAnswered) {
  auto r = dd::reminders_at({dose(1, "2026-11-24T08:00")}, T("2026-11-24T09:00"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, dd::ReminderKind::kRealert);
  EXPECT_EQ(r[0].alert_number, 1);
  EXPECT_EQ(r[0].alert_at, T("2026-11-24T09:00"));

  r = dd::reminders_at({dose(1, "2026-11-24T08:00")}, T("2026-11-24T10:30"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].alert_number, 2);
  EXPECT_EQ(r[0].alert_at, T("2026-11-24T10:00"));
  EXPECT_EQ(r[0].next_alert_at, T("2026-11-24T11:00"));
}

TEST(AppReminderTest, TakenOrSkippedDosesStopAlerting) {
  EXPECT_TRUE(dd::reminders_at({dose(1, "2026-11-24T08:00", dd::DoseStatus::kTaken),
                                dose(2, "2026-11-24T08:00", dd::DoseStatus::kSkipped)},
                               T("2026-11-24T10:00"))
                  .empty());
}

TEST(AppReminderTest, StopsAtTheNextMidnight) {
  // 23:30: alerted once, no re-alert at 00:30.
  auto r = dd::reminders_at({dose(1, "2026-11-24T23:30")}, T("2026-11-24T23:45"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].next_alert_at.has_value());
  EXPECT_TRUE(dd::reminders_at({dose(1, "2026-11-24T23:30")}, T("2026-11-25T00:00")).empty());
  // 22:00: the 23:00 re-alert is the last; midnight itself is excluded.
  r = dd::reminders_at({dose(2, "2026-11-24T22:00")}, T("2026-11-24T23:10"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].alert_number, 1);
  EXPECT_FALSE(r[0].next_alert_at.has_value());
  // Yesterday's missed morning dose no longer alerts today.
  EXPECT_TRUE(dd::reminders_at({dose(3, "2026-11-23T08:00")}, T("2026-11-24T08:00")).empty());
}

TEST(AppReminderTest, MidnightDoseAlertsAllDay) {
  const auto r = dd::reminders_at({dose(1, "2026-11-24T00:00")}, T("2026-11-24T23:59"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].alert_number, 23);
  EXPECT_FALSE(r[0].next_alert_at.has_value());
}

TEST(AppReminderTest, AndroidBehaviourWithoutMidnightStop) {
  dd::ReminderPolicy policy;
  policy.stop_at_midnight = false;
  const auto r = dd::reminders_at({dose(1, "2026-11-24T23:30")}, T("2026-11-25T02:00"), policy);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].alert_number, 2);
  EXPECT_EQ(r[0].next_alert_at, T("2026-11-25T02:30"));
}

TEST(AppReminderTest, CustomIntervalAndOrdering) {
  dd::ReminderPolicy policy;
  policy.realert_interval = 30min;
  const auto r = dd::reminders_at({dose(5, "2026-11-24T09:00"), dose(3, "2026-11-24T08:00"),
                                   dose(2, "2026-11-24T09:00"), dose(9, "2026-11-24T12:00")},
                                  T("2026-11-24T09:40"), policy);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].dose.record.id, 3);
  EXPECT_EQ(r[0].alert_number, 3);
  EXPECT_EQ(r[1].dose.record.id, 2);
  EXPECT_EQ(r[2].dose.record.id, 5);
  EXPECT_EQ(r[2].alert_number, 1);
  EXPECT_EQ(dd::to_string(r[0].kind), "realert");
}

TEST(AppReminderTest, NonPositiveIntervalFallsBackToAnHour) {
  dd::ReminderPolicy policy;
  policy.realert_interval = 0min;
  const auto r = dd::reminders_at({dose(1, "2026-11-24T08:00")}, T("2026-11-24T09:30"), policy);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].alert_number, 1);
}
