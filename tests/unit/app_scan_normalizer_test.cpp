// OcrNormalizer and the UTF-8 helpers: what the scanner sees of raw OCR text, and which input it
// refuses.
#include <gtest/gtest.h>

#include <string>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/utf8_text.h"

namespace dd = dailydrug::app;

namespace {

TEST(ScanUtf8, FindsFirstInvalidByte) {
  EXPECT_FALSE(dd::find_invalid_utf8("타이레놀 500mg").has_value());
  EXPECT_EQ(dd::find_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(dd::find_invalid_utf8("\xC0\x80"), 0u);                 // overlong NUL
  EXPECT_EQ(dd::find_invalid_utf8("a\xED\xA0\x80"), 1u);            // UTF-16 surrogate
  EXPECT_EQ(dd::find_invalid_utf8("정\xEC\xA0"), 3u);               // truncated sequence
  EXPECT_FALSE(dd::find_invalid_utf8("\xEF\xBF\xBD").has_value());  // a real U+FFFD is text
  EXPECT_EQ(dd::utf8_length("타이레놀 5"), 6u);
}

TEST(ScanNormalizer, FullWidthAndUnitSymbolsBecomeAscii) {
  EXPECT_EQ(dd::normalize_ocr_line("세파클러캡슐２５０ｍｇ　１일　３회"),
            "세파클러캡슐250mg 1일 3회");
  EXPECT_EQ(dd::normalize_ocr_line("시럽 5㎖ × 3회"), "시럽 5ml x 3회");
  EXPECT_EQ(dd::normalize_ocr_line("【용법】：1일２회"), "[용법]:1일2회");
  EXPECT_EQ(dd::normalize_ocr_line("½정"), "1/2정");
}

TEST(ScanNormalizer, WhitespaceAndInvisibleCharactersCollapse) {
  EXPECT_EQ(dd::normalize_ocr_line("  타이레놀정\t\t1정\xC2\xA0 1일\xE2\x80\x8B 3회  "),
            "타이레놀정 1정 1일 3회");
  EXPECT_EQ(dd::normalize_ocr_line("\xEF\xBB\xBF처방전"), "처방전");  // BOM
}

TEST(ScanNormalizer, JoinsHangulSpacedOutByOcr) {
  EXPECT_EQ(dd::normalize_ocr_line("타 이 레 놀 정 500mg"), "타이레놀정 500mg");
  EXPECT_EQ(dd::normalize_ocr_line("처 방 전"), "처방전");
  // Two single syllables stay apart (the lexer joins spaced keywords such as "식 후" itself),
  // and ordinary words are never merged.
  EXPECT_EQ(dd::normalize_ocr_line("식 후 30분"), "식 후 30분");
  EXPECT_EQ(dd::normalize_ocr_line("아침 점심 저녁"), "아침 점심 저녁");
}

TEST(ScanNormalizer, RepairsLetterDigitConfusionsOnlyInNumbers) {
  EXPECT_EQ(dd::normalize_ocr_line("1O일분"), "10일분");
  EXPECT_EQ(dd::normalize_ocr_line("O.5정"), "0.5정");
  EXPECT_EQ(dd::normalize_ocr_line("l캡슐 5OOmg"), "1캡슐 500mg");
  EXPECT_EQ(dd::normalize_ocr_line("레보정 1 l 7"), "레보정 1 1 7");
  EXPECT_EQ(dd::normalize_ocr_line("| 1 | l | 7 |"), "| 1 | 1 | 7 |");
  // Letters inside words and units stay letters.
  EXPECT_EQ(dd::normalize_ocr_line("Tylenol 500mg 5ml PO lot OO약국"),
            "Tylenol 500mg 5ml PO lot OO약국");
  EXPECT_EQ(dd::normalize_ocr_line("DOB 1990"), "DOB 1990");
}

TEST(ScanNormalizer, JoinsDigitsSpacedOutBeforeAStrengthOnly) {
  EXPECT_EQ(dd::normalize_ocr_line("케이캡정 5 0 mg | 1 | 1 | 7"), "케이캡정 50mg | 1 | 1 | 7");
  EXPECT_EQ(dd::normalize_ocr_line("뮤테란캡슐 1 0 0mg"), "뮤테란캡슐 100mg");
  // Table cells are never merged.
  EXPECT_EQ(dd::normalize_ocr_line("코대원정 1 3 5"), "코대원정 1 3 5");
  EXPECT_EQ(dd::normalize_ocr_line("코대원정 1 3 5일분"), "코대원정 1 3 5일분");
}

TEST(ScanNormalizer, SplitsLinesKeepingInputLineNumbers) {
  auto doc = dd::normalize_ocr_text("첫 줄\r\n\r\n셋째  줄\r넷째\n");
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  ASSERT_EQ(doc->lines.size(), 4u);
  EXPECT_EQ(doc->lines[0].number, 1);
  EXPECT_EQ(doc->lines[0].text, "첫 줄");
  EXPECT_EQ(doc->lines[1].text, "");
  EXPECT_EQ(doc->lines[2].text, "셋째 줄");
  EXPECT_EQ(doc->lines[3].text, "넷째");
  EXPECT_EQ(doc->line(3)->text, "셋째 줄");
  EXPECT_EQ(doc->line(0), nullptr);
  EXPECT_EQ(doc->line(5), nullptr);
}

TEST(ScanNormalizer, RefusesUnreadableInputWithAReason) {
  const auto refused = [](std::string_view text, const dd::OcrNormalizerOptions& o = {}) {
    auto doc = dd::normalize_ocr_text(text, o);
    EXPECT_FALSE(doc.ok());
    if (doc.ok()) {
      return std::string();
    }
    EXPECT_EQ(doc.error().kind, dd::ErrorKind::kInvalid);
    EXPECT_EQ(doc.error().subject, "input");
    return doc.error().detail;
  };
  EXPECT_EQ(refused(""), "empty: no text");
  EXPECT_EQ(refused(" \n\t\n\xE3\x80\x80\n"), "empty: no text");
  EXPECT_EQ(refused("abc\xFF"), "not UTF-8 (byte 3)");
  EXPECT_EQ(refused(std::string("ab\0cd", 5)), "contains NUL bytes (binary data, not text)");
  dd::OcrNormalizerOptions small;
  small.max_input_bytes = 10;
  EXPECT_EQ(refused("01234567890", small), "too large: 11 bytes (limit 10)");
}

TEST(ScanNormalizer, OverlongLinesAreFlaggedNotAnalysed) {
  dd::OcrNormalizerOptions o;
  o.max_line_bytes = 12;
  auto doc = dd::normalize_ocr_text("짧은줄\n" + std::string(20, 'x') + "\n", o);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->lines.size(), 2u);
  EXPECT_FALSE(doc->lines[0].too_long);
  EXPECT_TRUE(doc->lines[1].too_long);
  EXPECT_EQ(doc->lines[1].text, "");
}

TEST(ScanNormalizer, CompactTextDropsSpacesOnly) {
  EXPECT_EQ(dd::compact_text("식후 30분 1 정"), "식후30분1정");
}

}  // namespace

TEST(ScanNormalizer, DosingHanjaReadAsHangul) {
  EXPECT_EQ(dd::normalize_ocr_line("用法: 1日 3回 食後 30分"), "용법: 1일 3회 식후 30분");
  EXPECT_EQ(dd::normalize_ocr_line("1日 2回 朝夕 就寢前 1錠"), "1일 2회 아침저녁 취침전 1정");
  EXPECT_EQ(dd::normalize_ocr_line("大韓藥局"), "大韓藥局");  // other Hanja stay as printed
}

TEST(ScanNormalizer, ColumnBarsReadAsLettersBecomeBars) {
  EXPECT_EQ(dd::normalize_ocr_line("가바펜틴캡슐300mg I 1캡슐 I 3 I 14"),
            "가바펜틴캡슐300mg | 1캡슐 | 3 | 14");
  EXPECT_EQ(dd::normalize_ocr_line("| l | 7"), "| 1 | 7");  // one lone l in a cell: a digit
}

TEST(ScanNormalizer, BrokenBarIsAColumnBar) {
  EXPECT_EQ(dd::normalize_ocr_line("아로나민골드정 ¦ 1정 ¦ 30일"), "아로나민골드정 | 1정 | 30일");
}
