#include "dailydrug/llm/utf8.h"

namespace dailydrug::llm {

Utf8Step utf8_next(std::string_view s, size_t pos) {
  Utf8Step r;
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    r.cp = b0;
    r.len = 1;
    r.valid = true;
    return r;
  }
  // Number of continuation bytes and the allowed range of the first one (Unicode Table 3-7).
  int need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    r.len = 1;  // 0x80..0xC1, 0xF5..0xFF never start a sequence
    return r;
  }
  size_t i = pos + 1;
  for (int k = 0; k < need; ++k, ++i) {
    if (i >= s.size()) {
      r.len = i - pos;
      r.truncated = true;
      return r;
    }
    const auto b = static_cast<unsigned char>(s[i]);
    const unsigned char l = (k == 0) ? lo : 0x80, h = (k == 0) ? hi : 0xBF;
    if (b < l || b > h) {
      r.len = i - pos;  // the maximal subpart ends before the offending byte
      return r;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  r.cp = cp;
  r.len = i - pos;
  r.valid = true;
  return r;
}

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step st = utf8_next(s, i);
    if (!st.valid) return i;
    i += st.len;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) {
  return first_invalid_utf8(s) == std::string_view::npos;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Step st = utf8_next(s, i);
    if (st.valid) {
      out.append(s.substr(i, st.len));
    } else {
      out.append(kReplacementChar);
    }
    i += st.len;
  }
  return out;
}

size_t utf8_complete_prefix(std::string_view s) {
  // A truncated sequence is at most 3 bytes long, so only the tail needs a look.
  size_t start = s.size() > 3 ? s.size() - 3 : 0;
  // Walk from a position that is not inside an earlier sequence: back up over continuations.
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t i = start;
  while (i < s.size()) {
    const Utf8Step st = utf8_next(s, i);
    if (st.truncated) return i;
    i += st.len;
  }
  return s.size();
}

char32_t utf8_decode_valid(std::string_view s, size_t pos, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  const size_t n = utf8_char_len(b0);
  char32_t cp = (n == 1) ? b0 : (n == 2) ? (b0 & 0x1F) : (n == 3) ? (b0 & 0x0F) : (b0 & 0x07);
  for (size_t k = 1; k < n && pos + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
  }
  if (len) *len = n;
  return cp;
}

}  // namespace dailydrug::llm
