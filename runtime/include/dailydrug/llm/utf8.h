// UTF-8 helpers shared by every layer: the tokenizers, the app's text handling and the JNI
// binding's UTF-16 conversion (part of dd_llm_core, which has no third-party dependencies).
//
// All functions work on byte strings and never allocate unless they return a string. Invalid
// sequences are handled the way Rust's `String::from_utf8_lossy` does (one U+FFFD per "maximal
// subpart" of an ill-formed sequence), because that is what the Hugging Face decoders produce.
// Thread-safety: stateless, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dailydrug::llm {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

/// Outcome of reading one UTF-8 sequence.
struct Utf8Step {
  char32_t cp = 0;         // the code point, valid only when `valid`
  size_t len = 0;          // bytes consumed: the sequence, or the maximal invalid subpart (>= 1)
  bool valid = false;      // a well-formed scalar value was read
  bool truncated = false;  // input ended inside a sequence that was well-formed so far
};

/// Reads the sequence starting at s[pos] (pos < s.size()).
Utf8Step utf8_next(std::string_view s, size_t pos);

/// True if `s` is well-formed UTF-8 (no surrogates, no overlongs, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Byte offset of the first ill-formed sequence, or npos if `s` is valid.
size_t first_invalid_utf8(std::string_view s);

/// Appends the UTF-8 encoding of `cp` to `out`.
void append_utf8(char32_t cp, std::string& out);

/// `s` with every maximal ill-formed subpart replaced by U+FFFD (Rust from_utf8_lossy).
std::string utf8_lossy(std::string_view s);

/// Length of the longest prefix of `s` that does not end inside a sequence that could still be
/// completed by more bytes. Bytes after it are a truncated-but-so-far-valid sequence.
size_t utf8_complete_prefix(std::string_view s);

/// Number of bytes of the code point starting at s[pos] in *valid* UTF-8 (1 for garbage).
inline size_t utf8_char_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

/// Decodes the code point at s[pos] of a string already known to be valid UTF-8.
char32_t utf8_decode_valid(std::string_view s, size_t pos, size_t* len);

}  // namespace dailydrug::llm
