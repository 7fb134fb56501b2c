// UTF-8 code points for the prescription scanner: validation, decoding and Hangul tests.
//
// The scanner works on OCR text, which is untrusted: every function here is total (no asserts on
// malformed input) and allocation-free except encode_utf8. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dailydrug::app {

/// The byte offset of the first invalid UTF-8 sequence (overlong forms, surrogates and code
/// points above U+10FFFF count as invalid), or nullopt if `text` is valid UTF-8.
std::optional<size_t> find_invalid_utf8(std::string_view text);

/// One decoded code point and the number of bytes it used (1–4). Invalid bytes decode as U+FFFD
/// with length 1, so a loop over decode_utf8 always advances.
struct CodePoint {
  uint32_t value = 0;
  size_t length = 1;
};
CodePoint decode_utf8(std::string_view text, size_t pos);

/// Appends the UTF-8 encoding of `cp` (which must be a valid scalar value) to `out`.
void encode_utf8(uint32_t cp, std::string& out);

/// Number of code points in `text` (invalid bytes count one each).
size_t utf8_length(std::string_view text);

/// The first `max_code_points` code points of `text` (all of it if shorter); never splits a
/// sequence.
std::string_view utf8_prefix(std::string_view text, size_t max_code_points);

/// A precomposed Hangul syllable, U+AC00–U+D7A3 ("가".."힣").
constexpr bool is_hangul_syllable(uint32_t cp) {
  return cp >= 0xAC00 && cp <= 0xD7A3;
}
constexpr bool is_ascii_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}
constexpr bool is_ascii_letter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}
/// ASCII lower-case copy (other bytes unchanged).
std::string ascii_lower(std::string_view text);
/// ascii_lower() without the ASCII white space: the form keyword lists of Korean phrases are
/// matched in, so "숨 쉬기 힘들어요" and "숨쉬기 힘들어요" read the same.
std::string ascii_lower_without_spaces(std::string_view text);
/// Whether `text` contains any of `words` (bytes, as written): the keyword lists of the scanner
/// and the assistant are matched with it.
bool contains_any(std::string_view text, std::span<const std::string_view> words);

}  // namespace dailydrug::app
