#include "dailydrug/app/medicine.h"

#include <cstdio>

namespace dailydrug::app {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Java's Character.isWhitespace plus the no-break spaces, which Kotlin's isBlank also accepts.
bool is_unicode_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace

std::optional<uint32_t> parse_color(std::string_view text) {
  if (!text.empty() && text.front() == '#') {
    text.remove_prefix(1);
  }
  if (text.size() != 6 && text.size() != 8) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (const char c : text) {
    const int v = hex_value(c);
    if (v < 0) {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<uint32_t>(v);
  }
  return text.size() == 6 ? (0xFF000000u | value) : value;
}

std::string format_color(uint32_t argb) {
  char buf[12];
  if ((argb >> 24) == 0xFF) {
    std::snprintf(buf, sizeof buf, "#%06X", static_cast<unsigned>(argb & 0xFFFFFFu));
  } else {
    std::snprintf(buf, sizeof buf, "#%08X", static_cast<unsigned>(argb));
  }
  return buf;
}

bool is_blank(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1Fu;
      len = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0Fu;
      len = 3;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07u;
      len = 4;
    } else {
      return false;  // invalid UTF-8 lead byte: some visible garbage, so not blank
    }
    if (i + len > text.size()) {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    }
    if (!is_unicode_space(cp)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace dailydrug::app
