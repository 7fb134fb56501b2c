// Numbers as the lexer (dosage_lexer.h) reads them inside a chunk of a line: decimals with a
// thousands comma ("1,250"), fractions ("1/2") and ranges ("1-2", "1~2"), and the chunks that are
// one number-like thing — a date ("2024-05-02"), a phone number ("02-555-1234"), a clock time
// ("08:00"), a drug or insurance code ("A11AKP08"). Private to the app library. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace dailydrug::app {

bool is_digit(char c);
/// Nothing but digits, and at least one.
bool all_digits(std::string_view s);

/// A comma at `pos` between thousands groups: one to three digits before it, exactly three after
/// ("1,250원", "12,380", "1,234,567"). Prices and amounts are printed this way; a list of cells
/// is not ("1,3,5").
bool is_thousands_comma(std::string_view s, size_t pos, size_t end);

/// A number read from a line.
struct NumberText {
  double value = 0;
  std::optional<double> max;  // range
  int int_digits = 0;
  size_t end = 0;
};
/// A number at `pos` (a digit): "1", "0.5", "1/2" (a fraction), "1-2" / "1~2" (a range).
NumberText parse_number(std::string_view s, size_t pos, size_t end);

/// A drug or insurance code in capitals and digits ("A11AKP08", "BC1234563"): starts with a
/// capital, at least 6 characters, at least 2 digits. Strengths start with a digit ("1000MG").
bool is_alphanumeric_code(std::string_view original);

/// "2024-05-02", "2024.05.02.", "24/05/02".
bool is_date_chunk(std::string_view chunk);
/// "02-555-1234", "123-45-67890", "555-1234".
bool is_phone_chunk(std::string_view chunk);
/// "08:00" → 480; nullopt unless hours 0–23 and minutes 0–59.
std::optional<int> clock_minutes_of(std::string_view chunk);

}  // namespace dailydrug::app
