// OcrNormalizer: raw OCR text of a prescription or medicine bag → clean, numbered lines.
//
// This is the only place that looks at raw bytes. Everything downstream (lexer, scanner,
// traceability check) works on the normalised lines, so "traceable to the input" means
// "present in normalize_ocr_text(input)". Per line, in this order:
//   1. Characters: full-width ASCII (ｍｇ, ５, ：) → ASCII; Unicode spaces and tabs → ' ';
//      zero-width characters and the BOM removed; other control characters and pictographs
//      ("💊", "🛏️") → ' ';
//      unit symbols ㎎ ㎖ ㏄ ㎍ ㎏ → mg ml cc mcg kg; × → x; · ・ ∙ → ·; dashes → '-'; ¦ → |;
//      ½ ⅓ ¼ → 1/2 1/3 1/4; 【】〔〕「」『』〈〉《》 → [ ]; ⚠ → ※; the Hanja of dosing words on
//      older bags → Hangul (日 일, 回 회, 錠 정, 食後 식후, 朝 아침, 夕 저녁, 就寢 취침, 分 분 …).
//   2. Whitespace runs collapse to one space; the line is trimmed.
//   3. Letters spaced out by OCR are joined: a run of three or more space-separated single Hangul
//      syllables becomes one word ("타 이 레 놀 정" → "타이레놀정"). Two-syllable runs stay
//      (the lexer matches spaced keywords such as "식 후" itself).
//   4. Letter/digit confusions inside numbers: O/o → 0 and I/l → 1, only where the context makes
//      it a number — a run of [0-9OoIl.] not preceded by a Latin letter that contains a digit
//      ("1O일분" → "10일분", "O.5정" → "0.5정"), a 1–2 letter run directly before a Hangul unit
//      ("l정" → "1정"), or a lone O/l token next to a numeric cell in a table ("l 3 5",
//      "| l | 7"); but two or more lone I/l on a line, one beside a word, are column bars
//      ("…300mg I 1캡슐 I 3 I 14" → "|").
//   5. Digits spaced out before a strength unit are joined: "5 0 mg" → "50mg",
//      "1 0 0mg" → "100mg" (a table cell never precedes a strength, so this cannot merge cells).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/error.h"

namespace dailydrug::app {

/// Limits on what normalize_ocr_text accepts.
struct OcrNormalizerOptions {
  /// Larger input is refused (a page of OCR text is a few KiB). Default 1 MiB.
  size_t max_input_bytes = size_t{1} << 20;
  /// Longer lines are not analysed (OcrLine::too_long, empty text). Default 2000 bytes.
  size_t max_line_bytes = 2000;
};

struct OcrLine {
  int number = 0;         // 1-based line number in the input ("\n", "\r\n" or "\r" ends a line)
  std::string text;       // normalised text; empty for blank and too-long lines
  bool too_long = false;  // the raw line exceeded max_line_bytes
};

struct OcrDocument {
  std::vector<OcrLine> lines;  // lines[i].number == i + 1

  /// The line with this 1-based number, or nullptr if out of range.
  const OcrLine* line(int number) const;
};

/// Splits and normalises OCR text.
/// Errors: Invalid("input") with detail "too large: N bytes (limit M)", "not UTF-8 (byte N)",
/// "contains NUL bytes (binary data, not text)" or "empty: no text".
Result<OcrDocument> normalize_ocr_text(std::string_view raw,
                                       const OcrNormalizerOptions& options = {});

/// Steps 1–5 above on one line (no line breaks expected; invalid UTF-8 bytes become spaces).
std::string normalize_ocr_line(std::string_view raw_line);

/// `text` without any ASCII space: the form in which the traceability check compares values
/// with lines ("식후 30분" matches "식후30분").
std::string compact_text(std::string_view text);

}  // namespace dailydrug::app
