// The shared UTF-8 module (dailydrug/llm/utf8.h) that the tokenizers, the app's text handling,
// the server's request checks and the JNI binding all use. References: the Unicode Standard
// (Table 3-7 for well-formed sequences, Table 3-8 for "U+FFFD substitution of maximal
// subparts") and, for every 1- to 3-byte string, an independent decoder written from the
// definition (decode, then re-encode and compare) rather than from our code.
#include <gtest/gtest.h>

#include <string>

#include "dailydrug/llm/utf8.h"

namespace dailydrug::llm {
namespace {

const std::string kFffd = std::string(kReplacementChar);

TEST(Utf8Test, WellFormedAndIllFormedExamples) {
  EXPECT_TRUE(is_valid_utf8("abc 가나다 😀"));
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8(std::string("\0", 1)));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe0\xa4"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_EQ(first_invalid_utf8("가나\xff다"), 6u);
  EXPECT_EQ(first_invalid_utf8("가나다"), std::string_view::npos);
}

// Unicode Standard, section 3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 decodes to
// a FFFD FFFD FFFD b FFFD c FFFD FFFD d: one U+FFFD per maximal subpart (F1 80 80, E1 80, C2,
// 80, 80, BF), as Python's bytes.decode("utf-8", "replace") does too.
TEST(Utf8Test, LossyReplacesEachMaximalSubpartAsTheStandardShows) {
  const std::string in = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  EXPECT_EQ(utf8_lossy(in), "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
  // Table 3-10 style: a surrogate's bytes are three subparts, not one.
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(utf8_lossy("ok"), "ok");
}

TEST(Utf8Test, NextReportsLengthValidityAndTruncation) {
  const Utf8Step hangul = utf8_next("한", 0);
  EXPECT_TRUE(hangul.valid);
  EXPECT_EQ(hangul.cp, U'한');
  EXPECT_EQ(hangul.len, 3u);
  const Utf8Step cut = utf8_next("\xED\x95", 0);  // "한" without its last byte
  EXPECT_FALSE(cut.valid);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.len, 2u);
  const Utf8Step bad = utf8_next("\xE1\x80\x41", 0);  // a sequence broken by 'A'
  EXPECT_FALSE(bad.valid);
  EXPECT_FALSE(bad.truncated);
  EXPECT_EQ(bad.len, 2u);
}

TEST(Utf8Test, CompletePrefixStopsBeforeATruncatedTail) {
  EXPECT_EQ(utf8_complete_prefix("ab\xED\x95"), 2u);  // may still become "한"
  EXPECT_EQ(utf8_complete_prefix("ab\xED\x95\x9C"), 5u);
  EXPECT_EQ(utf8_complete_prefix("ab\xFF"), 3u);  // can never complete: not held back
  EXPECT_EQ(utf8_complete_prefix("😀\xF0\x9F\x98"), 4u);
}

// An independent decoder from the definition: a scalar value (not a surrogate, <= U+10FFFF)
// whose shortest UTF-8 form is exactly these bytes.
bool valid_by_definition(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const size_t n = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > bytes.size()) return false;
    uint32_t cp = n == 1 ? b0 : b0 & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    std::string again;
    append_utf8(cp, again);
    if (again != bytes.substr(i, n)) return false;  // overlong
    i += n;
  }
  return true;
}

TEST(Utf8Test, EveryStringOfUpToThreeBytesAgreesWithTheDefinition) {
  std::string s;
  size_t checked = 0;
  for (int a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    ASSERT_EQ(is_valid_utf8(s), valid_by_definition(s)) << a;
    for (int b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      ASSERT_EQ(is_valid_utf8(s), valid_by_definition(s)) << a << " " << b;
      for (int c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        const bool valid = is_valid_utf8(s);
        ASSERT_EQ(valid, valid_by_definition(s)) << a << " " << b << " " << c;
        // lossy output is always valid, and identical to the input when the input is
        ASSERT_TRUE(is_valid_utf8(utf8_lossy(s)));
        if (valid) {
          ASSERT_EQ(utf8_lossy(s), s);
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 256u * 256u * 256u);
}

TEST(Utf8Test, AppendEncodesEveryScalarValueAndDecodesBack) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string out;
    append_utf8(cp, out);
    const Utf8Step step = utf8_next(out, 0);
    ASSERT_TRUE(step.valid) << static_cast<uint32_t>(cp);
    ASSERT_EQ(step.cp, cp);
    ASSERT_EQ(step.len, out.size());
  }
}

}  // namespace
}  // namespace dailydrug::llm
