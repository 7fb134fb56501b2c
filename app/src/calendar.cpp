#include "dailydrug/app/calendar.h"

#include <array>
#include <cstdio>

namespace dailydrug::app {
namespace {

using std::chrono::days;
using std::chrono::local_days;
using std::chrono::minutes;

// Parses exactly `width` ASCII digits starting at `pos`.
std::optional<int> digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<TimeOfDay> TimeOfDay::from_hm(int hour, int minute) {
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return std::nullopt;
  }
  return TimeOfDay{std::chrono::hours{hour} + minutes{minute}};
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const auto y = digits(text, 0, 4);
  const auto m = digits(text, 5, 2);
  const auto d = digits(text, 8, 2);
  if (!y || !m || !d) {
    return std::nullopt;
  }
  const Date date{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                  std::chrono::day{static_cast<unsigned>(*d)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return date;
}

std::string format_date(Date date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

std::optional<TimeOfDay> parse_time_of_day(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != 1 && colon != 2) {
    return std::nullopt;
  }
  if (text.size() != colon + 3) {
    return std::nullopt;
  }
  const auto h = digits(text, 0, colon);
  const auto m = digits(text, colon + 1, 2);
  if (!h || !m) {
    return std::nullopt;
  }
  return TimeOfDay::from_hm(*h, *m);
}

std::string format_time_of_day(TimeOfDay time) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", time.hour(), time.minute());
  return buf;
}

std::optional<LocalDateTime> parse_local_date_time(std::string_view text) {
  if (text.size() != 16 || (text[10] != 'T' && text[10] != ' ')) {
    return std::nullopt;
  }
  const auto date = parse_date(text.substr(0, 10));
  const auto time = parse_time_of_day(text.substr(11));
  if (!date || !time) {
    return std::nullopt;
  }
  return at(*date, *time);
}

std::string format_local_date_time(LocalDateTime when) {
  return format_date(date_of(when)) + "T" + format_time_of_day(time_of(when));
}

LocalDateTime at(Date date, TimeOfDay time) {
  return LocalDateTime{local_days{date}} + time.since_midnight();
}

LocalDateTime start_of_day(Date date) {
  return LocalDateTime{local_days{date}};
}

Date date_of(LocalDateTime when) {
  return Date{std::chrono::floor<days>(when)};
}

TimeOfDay time_of(LocalDateTime when) {
  return TimeOfDay{when - std::chrono::floor<days>(when)};
}

Date add_days(Date date, int n) {
  return Date{local_days{date} + days{n}};
}

long days_between(Date from, Date to) {
  return static_cast<long>((local_days{to} - local_days{from}).count());
}

Date end_of_next_month(Date date) {
  const auto next = std::chrono::year_month{date.year(), date.month()} + std::chrono::months{1};
  return Date{
      std::chrono::year_month_day_last{next.year(), std::chrono::month_day_last{next.month()}}};
}

std::string_view korean_weekday(Date date) {
  static constexpr std::array<std::string_view, 7> kNames = {"일", "월", "화", "수",
                                                             "목", "금", "토"};
  return kNames[std::chrono::weekday{local_days{date}}.c_encoding()];
}

}  // namespace dailydrug::app
