// DosageToken: one lexical unit of a normalised prescription line ("1정", "1일", "3회", "식후",
// "타이레놀정"), with its byte span in the line and the value it denotes.
//
// Produced by lex_dosage_line (dosage_lexer.h) from the words of dosage_lexicon.h, consumed by the
// name finder (medicine_name.h), the instruction parser (dose_parser.h) and the traceability
// check. Plain data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dailydrug/app/dosage_terms.h"

namespace dailydrug::app {

enum class TokenKind : uint8_t {
  kWord,    // anything else: names, descriptors, unknown words
  kNumber,  // a bare number: "1", "1.00", "0.5", "1/2" (a table cell)
  kDose,  // amount + dose unit, or 적당량: "1정", "5 ml", "1T", "한 알", "반알", "1-2방울"
  kStrength,   // amount + strength unit: "500mg", "0.1%", "5/50mg" (part of a medicine name)
  kTimes,      // a count: "3회", "2번", "세 번", "twice"
  kDays,       // "5일", "5일분", "7 days", "일주일"
  kWeeks,      // "2주", "2주분"
  kMonths,     // "1개월", "한 달"
  kMinutes,    // "30분"
  kHours,      // "4시간"
  kClock,      // "08:00", "8시" (clock_minutes)
  kPerDay,     // 하루, 매일, daily
  kNonDaily,   // 주 (week), 매주, 격일, qod: a rhythm other than daily
  kFrequency,  // qd, bid, tid, qid (value = times per day)
  kInterval,   // q8h, "8시간마다" (value = hours)
  kTiming,     // 식후, 식전, 식간, 공복, 취침전, 필요시 and pc, ac, hs, prn (timing)
  kSlot,       // 아침, 점심, 저녁 (slot)
  kMeal,       // 식사 ("식사 30분 후")
  kAfter,      // 후
  kBefore,     // 전
  kImmediately,   // 즉시, 직후
  kPrnCondition,  // 통증시, 아플 때, 발열시 … (implies 필요시)
  kMax,           // 최대, 까지, 이내
  kLabel,         // a leading "X:" label (label)
  kFiller,  // words that carry no value: 씩, 각, 복용, 투여, particles, po, "오전"/"오후"
  kOrdinal,    // a row number at the start of a line: "1.", "2)", "①"
  kCode,       // 6+ digit numbers (drug codes), "#20"
  kDate,       // 2024-05-02, 2024.05.02, "3월 15일"
  kPhone,      // 02-555-1234, 123-45-67890
  kMoney,      // 4,500원
  kOther,      // a number with an unrelated unit: "35세", "38도", "2024년"
  kSeparator,  // , ; · ( ) [ ] | / : - ~ x …
};

/// What a leading "X:" label introduces.
enum class LabelKind : uint8_t { kName, kInstruction, kCaution, kInfo, kOther };

struct DosageToken {
  TokenKind kind = TokenKind::kWord;
  size_t begin = 0;  // byte offsets in the normalised line
  size_t end = 0;
  bool space_before = false;            // whitespace separates it from the previous token
  double value = 0;                     // amount, count, days, weeks, months, minutes or hours
  std::optional<double> value_max;      // a range "1-2"
  DoseUnit unit = DoseUnit::kNone;      // kDose, kStrength
  bool appropriate_amount = false;      // kDose: 적당량
  Timing timing = Timing::kAfterMeal;   // kTiming
  DaySlot slot = DaySlot::kMorning;     // kSlot
  LabelKind label = LabelKind::kOther;  // kLabel
  bool explicit_unit = false;  // kDays: 일분/일간/days (not a plain "일"); kTimes: 회 (not 번)
  bool abbreviation = false;  // kTiming/kFrequency written as pc, ac, hs, prn, tid …
  bool implies_once = false;  // hs / qhs: once a day unless a count is given
  bool max_marker = false;    // "3회까지"
  bool caution = false;       // kWord: contains a caution keyword (주의, 졸음, 금지 …)
  bool after = false;         // kMinutes/kHours: "30분 후"
  bool before = false;        // kMinutes/kHours: "30분 전"
  bool pm = false;            // kFiller 오후 (for a following kClock)
  bool am = false;            // kFiller 오전
  int clock_minutes = 0;      // kClock: minutes after midnight

  std::string_view text(std::string_view line) const { return line.substr(begin, end - begin); }
};

/// True for tokens that carry a dosing field (dose, count, duration, timing, slot, rhythm);
/// the first one ends a medicine name.
bool is_instruction_token(const DosageToken& token);

}  // namespace dailydrug::app
