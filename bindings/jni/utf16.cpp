#include "utf16.h"

#include "dailydrug/llm/utf8.h"

namespace dailydrug::jni {

namespace llm = dailydrug::llm;

namespace {

constexpr char16_t kReplacement = 0xFFFD;

void append_utf16(std::u16string& out, char32_t cp) {
  if (cp < 0x10000) {
    out += static_cast<char16_t>(cp);
  } else {
    cp -= 0x10000;
    out += static_cast<char16_t>(0xD800 + (cp >> 10));
    out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
  }
}

bool is_high_surrogate(char16_t c) {
  return c >= 0xD800 && c <= 0xDBFF;
}
bool is_low_surrogate(char16_t c) {
  return c >= 0xDC00 && c <= 0xDFFF;
}

}  // namespace

std::string utf16_to_utf8(std::u16string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (size_t i = 0; i < text.size(); ++i) {
    const char16_t c = text[i];
    if (is_high_surrogate(c) && i + 1 < text.size() && is_low_surrogate(text[i + 1])) {
      const char32_t cp = 0x10000 + ((static_cast<char32_t>(c) - 0xD800) << 10) +
                          (static_cast<char32_t>(text[i + 1]) - 0xDC00);
      llm::append_utf8(cp, out);
      ++i;
    } else if (is_high_surrogate(c) || is_low_surrogate(c)) {
      llm::append_utf8(kReplacement, out);
    } else {
      llm::append_utf8(c, out);
    }
  }
  return out;
}

std::u16string utf8_to_utf16(std::string_view bytes) {
  std::u16string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    // An ill-formed sequence becomes one U+FFFD per maximal subpart (utf8_next's length).
    const llm::Utf8Step step = llm::utf8_next(bytes, i);
    if (step.valid) {
      append_utf16(out, step.cp);
    } else {
      out += kReplacement;
    }
    i += step.len;
  }
  return out;
}

}  // namespace dailydrug::jni
