#include "number_text.h"

#include <algorithm>
#include <string>
#include <vector>

namespace dailydrug::app {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_thousands_comma(std::string_view s, size_t pos, size_t end) {
  if (pos >= end || s[pos] != ',') {
    return false;
  }
  size_t before = 0;
  while (before < pos && is_digit(s[pos - before - 1])) {
    ++before;
  }
  const bool three_after = pos + 3 < end && is_digit(s[pos + 1]) && is_digit(s[pos + 2]) &&
                           is_digit(s[pos + 3]) && (pos + 4 == end || !is_digit(s[pos + 4]));
  return before >= 1 && before <= 3 && three_after;
}

namespace {

/// Reads digits[,ddd…][.digits] at `pos`.
size_t read_decimal(std::string_view s, size_t pos, size_t end, double& value, int& int_digits) {
  value = 0;
  int_digits = 0;
  while (pos < end && is_digit(s[pos])) {
    value = value * 10 + (s[pos] - '0');
    ++int_digits;
    ++pos;
  }
  while (is_thousands_comma(s, pos, end)) {
    for (size_t k = pos + 1; k < pos + 4; ++k) {
      value = value * 10 + (s[k] - '0');
    }
    int_digits += 3;
    pos += 4;
  }
  if (pos + 1 < end && s[pos] == '.' && is_digit(s[pos + 1])) {
    double scale = 1;
    ++pos;
    while (pos < end && is_digit(s[pos])) {
      scale /= 10;
      value += (s[pos] - '0') * scale;
      ++pos;
    }
  }
  return pos;
}

}  // namespace

NumberText parse_number(std::string_view s, size_t pos, size_t end) {
  NumberText n;
  pos = read_decimal(s, pos, end, n.value, n.int_digits);
  if (pos + 1 < end && (s[pos] == '/' || s[pos] == '-' || s[pos] == '~') && is_digit(s[pos + 1])) {
    double second = 0;
    int digits = 0;
    const size_t after = read_decimal(s, pos + 1, end, second, digits);
    if (s[pos] == '/') {
      if (second > 0 && n.int_digits <= 3 && digits <= 4) {
        n.value = n.value / second;  // "1/2"; "5/50" (a strength) keeps a meaningless value
        pos = after;
      }
    } else if (n.value < second && second <= 100 && n.int_digits <= 3) {
      n.max = second;
      pos = after;
    }
  }
  n.end = pos;
  return n;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool is_alphanumeric_code(std::string_view original) {
  if (original.size() < 6 || original[0] < 'A' || original[0] > 'Z') {
    return false;
  }
  const auto upper_or_digit = [](char ch) { return (ch >= 'A' && ch <= 'Z') || is_digit(ch); };
  return std::all_of(original.begin(), original.end(), upper_or_digit) &&
         std::count_if(original.begin(), original.end(), is_digit) >= 2;
}

namespace {

/// Digit groups of `chunk` split at `sep`; empty if another character appears.
std::vector<std::string_view> digit_groups(std::string_view chunk, char sep) {
  std::vector<std::string_view> groups;
  size_t pos = 0;
  while (pos <= chunk.size()) {
    size_t next = chunk.find(sep, pos);
    if (next == std::string_view::npos) {
      next = chunk.size();
    }
    const std::string_view g = chunk.substr(pos, next - pos);
    if (!all_digits(g)) {
      return {};
    }
    groups.push_back(g);
    pos = next + 1;
  }
  return groups;
}

}  // namespace

bool is_date_chunk(std::string_view chunk) {
  if (!chunk.empty() && chunk.back() == '.') {
    chunk.remove_suffix(1);
  }
  for (const char sep : {'-', '.', '/'}) {
    const auto g = digit_groups(chunk, sep);
    if (g.size() == 3 && g[1].size() <= 2 && g[2].size() <= 2 &&
        (g[0].size() == 4 || (g[0].size() == 2 && g[1].size() == 2 && g[2].size() == 2))) {
      return true;
    }
  }
  return false;
}

bool is_phone_chunk(std::string_view chunk) {
  const auto g = digit_groups(chunk, '-');
  if (g.size() >= 3) {
    return true;
  }
  return g.size() == 2 && g[0].size() >= 3 && g[1].size() == 4;
}

std::optional<int> clock_minutes_of(std::string_view chunk) {
  const size_t colon = chunk.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || chunk.size() != colon + 3 ||
      !all_digits(chunk.substr(0, colon)) || !all_digits(chunk.substr(colon + 1))) {
    return std::nullopt;
  }
  const int h = std::stoi(std::string(chunk.substr(0, colon)));
  const int m = std::stoi(std::string(chunk.substr(colon + 1)));
  if (h > 23 || m > 59) {
    return std::nullopt;
  }
  return h * 60 + m;
}

}  // namespace dailydrug::app
