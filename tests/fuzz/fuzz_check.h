// Shared helpers of the libFuzzer targets (tests/fuzz). A broken invariant prints what was
// expected and aborts, which libFuzzer reports as a crash and saves the input for.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define DD_FUZZ_CHECK(cond, what)                                                               \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "\nDD_FUZZ_CHECK failed at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, \
                   #cond, what);                                                                \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace dailydrug::fuzz {

/// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), written independently
/// of the code under test so that the targets can check its verdicts.
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned c = p[i];
    size_t n;
    unsigned min, cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      min = 0x80;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      min = 0x800;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else
      return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace dailydrug::fuzz
