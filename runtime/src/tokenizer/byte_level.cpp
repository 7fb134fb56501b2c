#include "byte_level.h"

#include "dailydrug/llm/utf8.h"

namespace dailydrug::llm::tok {
namespace {

struct Tables {
  std::array<std::string, 256> to_unicode;
  std::array<int16_t, 324> to_byte;  // code points 0..323 cover the whole map
  Tables() {
    to_byte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      append_utf8(cp, to_unicode[b]);
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_unicode(uint8_t b) {
  return tables().to_unicode[b];
}

int unicode_to_byte(char32_t cp) {
  return cp < 324 ? tables().to_byte[cp] : -1;
}

std::string bytes_to_byte_level(std::string_view s) {
  const Tables& t = tables();
  std::string out;
  out.reserve(s.size() * 2);
  for (const char c : s) out += t.to_unicode[static_cast<uint8_t>(c)];
  return out;
}

bool byte_level_to_bytes(std::string_view token, std::string& out) {
  size_t i = 0;
  while (i < token.size()) {
    size_t len = 0;
    const char32_t cp = utf8_decode_valid(token, i, &len);
    const int b = unicode_to_byte(cp);
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
    i += len;
  }
  return true;
}

}  // namespace dailydrug::llm::tok
