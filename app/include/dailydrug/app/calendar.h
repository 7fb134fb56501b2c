// Local civil dates and times for DailyDrug, on C++20 <chrono> calendar types.
//
// Everything here is *local civil* time with no time zone and no DST: a dose "at 08:00 on
// 2026-03-29" stays at 08:00 whatever the offset of the device that day, exactly like Android's
// LocalDate/LocalDateTime. Arithmetic goes through std::chrono::local_days, so leap years and month
// ends are handled by the standard library. Storage uses ISO-8601 text, "YYYY-MM-DD" and
// "YYYY-MM-DDTHH:MM"; both sort correctly as strings because every field is fixed-width.
//
// All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace dailydrug::app {

/// A civil date. Values built from user input are checked with `ok()` by the parsers below.
using Date = std::chrono::year_month_day;

/// A local civil date-time with minute precision (no zone, no DST).
using LocalDateTime = std::chrono::local_time<std::chrono::minutes>;

/// A wall-clock time of day, 00:00 to 23:59, minute precision.
class TimeOfDay {
 public:
  constexpr TimeOfDay() = default;
  /// `since_midnight` must be in [0, 24h); use parse_time_of_day or from_hm for user input.
  constexpr explicit TimeOfDay(std::chrono::minutes since_midnight)
      : since_midnight_(since_midnight) {}

  /// nullopt unless 0 <= hour <= 23 and 0 <= minute <= 59.
  static std::optional<TimeOfDay> from_hm(int hour, int minute);

  constexpr std::chrono::minutes since_midnight() const { return since_midnight_; }
  std::chrono::hh_mm_ss<std::chrono::minutes> hms() const {
    return std::chrono::hh_mm_ss<std::chrono::minutes>{since_midnight_};
  }
  int hour() const { return static_cast<int>(hms().hours().count()); }
  int minute() const { return static_cast<int>(hms().minutes().count()); }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>.
  constexpr auto operator<=>(const TimeOfDay&) const = default;

 private:
  std::chrono::minutes since_midnight_{0};
};

/// Strict "YYYY-MM-DD" (four-digit year, two-digit month and day); nullopt if malformed or not a
/// real date (2026-02-29, 2026-13-01).
std::optional<Date> parse_date(std::string_view text);
/// "YYYY-MM-DD". `date` must be ok() and its year in [0, 9999].
std::string format_date(Date date);

/// "HH:MM" or "H:MM" (24-hour); nullopt if malformed or out of range.
std::optional<TimeOfDay> parse_time_of_day(std::string_view text);
/// Always "HH:MM".
std::string format_time_of_day(TimeOfDay time);

/// "YYYY-MM-DDTHH:MM" (a single space instead of 'T' is accepted too).
std::optional<LocalDateTime> parse_local_date_time(std::string_view text);
/// "YYYY-MM-DDTHH:MM".
std::string format_local_date_time(LocalDateTime when);

/// The date-time at `time` on `date`.
LocalDateTime at(Date date, TimeOfDay time);
/// Midnight starting `date`.
LocalDateTime start_of_day(Date date);
/// The civil date of `when`.
Date date_of(LocalDateTime when);
/// The time of day of `when`.
TimeOfDay time_of(LocalDateTime when);

/// `date` moved by `days` (may be negative), e.g. 2024-02-28 + 1 = 2024-02-29.
Date add_days(Date date, int days);
/// Whole days from `from` to `to` (negative if `to` is earlier).
long days_between(Date from, Date to);
/// The last day of the month after `date`'s month: 2026-01-31 → 2026-02-28, 2026-12-05 →
/// 2027-01-31.
Date end_of_next_month(Date date);

/// Korean short weekday name: "월" ... "일".
std::string_view korean_weekday(Date date);

}  // namespace dailydrug::app
