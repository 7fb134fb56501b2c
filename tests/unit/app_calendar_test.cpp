// Calendar helpers: ISO-8601 parsing and formatting, leap years, month ends, DST-free local time,
// and the injectable clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/schedule.h"

namespace dd = dailydrug::app;
using namespace std::chrono_literals;

namespace {

dd::Date D(const char* text) {
  const auto date = dd::parse_date(text);
  EXPECT_TRUE(date.has_value()) << text;
  return date.value_or(dd::Date{});
}

dd::LocalDateTime T(const char* text) {
  const auto when = dd::parse_local_date_time(text);
  EXPECT_TRUE(when.has_value()) << text;
  return when.value_or(dd::LocalDateTime{});
}

}  // namespace

TEST(AppCalendarTest, ParsesAndFormatsDates) {
  EXPECT_EQ(dd::format_date(D("2026-11-24")), "2026-11-24");
  EXPECT_EQ(dd::format_date(D("0999-01-05")), "0999-01-05");
  EXPECT_EQ(D("2024-02-29"), dd::Date{2024y / 2 / 29});
}

TEST(AppCalendarTest, RejectsMalformedOrImpossibleDates) {
  for (const char* bad :
       {"", "2026-1-01", "2026/01/01", "2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10",
        "2026-04-31", "26-11-24", "2026-11-24x", "２０２６-11-24", "2026-11-2a"}) {
    EXPECT_FALSE(dd::parse_date(bad).has_value()) << bad;
  }
  EXPECT_TRUE(dd::parse_date("2000-02-29").has_value());  // divisible by 400: leap
}

TEST(AppCalendarTest, ParsesTimesOfDay) {
  EXPECT_EQ(dd::parse_time_of_day("08:00"), dd::TimeOfDay{8h});
  EXPECT_EQ(dd::parse_time_of_day("8:05"), dd::TimeOfDay{8h + 5min});
  EXPECT_EQ(dd::parse_time_of_day("23:59"), dd::TimeOfDay{23h + 59min});
  EXPECT_EQ(dd::parse_time_of_day("00:00"), dd::TimeOfDay{0min});
  for (const char* bad :
       {"24:00", "12:60", "0800", "8:0", "08:00:00", "", ":30", "-1:00", "ab:cd"}) {
    EXPECT_FALSE(dd::parse_time_of_day(bad).has_value()) << bad;
  }
  EXPECT_EQ(dd::format_time_of_day(dd::TimeOfDay{7h + 3min}), "07:03");
  EXPECT_EQ(dd::TimeOfDay{21h + 30min}.hour(), 21);
  EXPECT_EQ(dd::TimeOfDay{21h + 30min}.minute(), 30);
  EXPECT_FALSE(dd::TimeOfDay::from_hm(24, 0).has_value());
  EXPECT_FALSE(dd::TimeOfDay::from_hm(0, -1).has_value());
}

TEST(AppCalendarTest, ParsesAndFormatsDateTimes) {
  EXPECT_EQ(dd::format_local_date_time(T("2026-11-24T08:05")), "2026-11-24T08:05");
  EXPECT_EQ(T("2026-11-24 08:05"), T("2026-11-24T08:05"));
  EXPECT_FALSE(dd::parse_local_date_time("2026-11-24T8:05").has_value());
  EXPECT_FALSE(dd::parse_local_date_time("2026-11-24T24:00").has_value());
  EXPECT_FALSE(dd::parse_local_date_time("2026-11-24").has_value());
  EXPECT_EQ(dd::date_of(T("2026-11-24T23:59")), D("2026-11-24"));
  EXPECT_EQ(dd::time_of(T("2026-11-24T23:59")), dd::TimeOfDay{23h + 59min});
  EXPECT_EQ(dd::at(D("2026-11-24"), dd::TimeOfDay{20h}), T("2026-11-24T20:00"));
  EXPECT_EQ(dd::start_of_day(D("2026-11-24")), T("2026-11-24T00:00"));
}

TEST(AppCalendarTest, StoredTextSortsChronologically) {
  EXPECT_LT(dd::format_local_date_time(T("2026-09-30T23:00")),
            dd::format_local_date_time(T("2026-10-01T00:00")));
  EXPECT_LT(dd::format_local_date_time(T("2026-11-24T08:00")),
            dd::format_local_date_time(T("2026-11-24T20:00")));
}

TEST(AppCalendarTest, AddsDaysAcrossLeapDaysMonthEndsAndYearEnds) {
  EXPECT_EQ(dd::add_days(D("2024-02-28"), 1), D("2024-02-29"));
  EXPECT_EQ(dd::add_days(D("2023-02-28"), 1), D("2023-03-01"));
  EXPECT_EQ(dd::add_days(D("2100-02-28"), 1), D("2100-03-01"));  // not a leap year
  EXPECT_EQ(dd::add_days(D("2000-02-28"), 1), D("2000-02-29"));  // a leap year
  EXPECT_EQ(dd::add_days(D("2026-12-31"), 1), D("2027-01-01"));
  EXPECT_EQ(dd::add_days(D("2026-03-01"), -1), D("2026-02-28"));
  EXPECT_EQ(dd::days_between(D("2024-01-01"), D("2025-01-01")), 366);
  EXPECT_EQ(dd::days_between(D("2025-01-01"), D("2024-12-31")), -1);
}

TEST(AppCalendarTest, EndOfNextMonth) {
  EXPECT_EQ(dd::end_of_next_month(D("2026-11-24")), D("2026-12-31"));
  EXPECT_EQ(dd::end_of_next_month(D("2026-12-05")), D("2027-01-31"));
  EXPECT_EQ(dd::end_of_next_month(D("2026-01-31")), D("2026-02-28"));
  EXPECT_EQ(dd::end_of_next_month(D("2028-01-31")), D("2028-02-29"));
  EXPECT_EQ(dd::end_of_next_month(D("2026-03-31")), D("2026-04-30"));
  EXPECT_EQ(dd::end_of_next_month(D("2026-08-01")), D("2026-09-30"));
}

TEST(AppCalendarTest, KoreanWeekday) {
  EXPECT_EQ(dd::korean_weekday(D("2026-11-24")), "화");
  EXPECT_EQ(dd::korean_weekday(D("2026-11-29")), "일");
  EXPECT_EQ(dd::korean_weekday(D("2024-02-29")), "목");
}

TEST(AppCalendarTest, FixedClockIsDeterministic) {
  dd::FixedClock clock{T("2026-11-24T23:30")};
  EXPECT_EQ(clock.now(), T("2026-11-24T23:30"));
  EXPECT_EQ(clock.today(), D("2026-11-24"));
  clock.advance(45min);
  EXPECT_EQ(clock.now(), T("2026-11-25T00:15"));
  EXPECT_EQ(clock.today(), D("2026-11-25"));
  clock.set(T("2024-02-29T12:00"));
  EXPECT_EQ(clock.today(), D("2024-02-29"));
}

TEST(AppCalendarTest, SystemClockReadsLocalTime) {
  const dd::SystemClock clock;
  const dd::LocalDateTime now = clock.now();
  EXPECT_GE(dd::date_of(now).year(), std::chrono::year{2024});
  EXPECT_TRUE(dd::date_of(now).ok());
}

// Civil times are zone-free: the day the clocks jump (02:00 → 03:00 in New York on 2026-03-08)
// still has a 02:30 dose, and a day is always 24 hours apart at the same wall time.
TEST(AppCalendarTest, LocalTimeIsDstFree) {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "America/New_York", 1);
  tzset();
  const dd::MedicationSchedule schedule{
      1, 1, D("2026-03-07"), D("2026-03-09"), {dd::TimeOfDay{2h + 30min}}, {1, 0}, true};
  const auto occurrences = schedule.occurrences_between(D("2026-03-07"), D("2026-03-09"));
  ASSERT_EQ(occurrences.size(), 3u);
  EXPECT_EQ(dd::format_local_date_time(occurrences[1]), "2026-03-08T02:30");
  EXPECT_EQ(occurrences[2] - occurrences[1], std::chrono::minutes{24h});
  EXPECT_EQ(dd::format_local_date_time(T("2026-11-01T01:30")), "2026-11-01T01:30");
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}
