// The words the prescription scanner knows, as data: keywords the lexer segments words into, unit
// words after numbers, Korean numerals, dosage-form suffixes of medicine names, and the keywords
// that mark non-medicine lines, guidance sections and table headers.
//
// All text is UTF-8; Latin entries are lower-case and compared after ascii_lower(). Adding a
// spelling here is the intended way to extend the scanner (see docs/SCAN.md "Rule tables").
// Pure functions over static tables; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dailydrug/app/dosage_terms.h"
#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

/// Flags of lexicon entries.
enum LexiconFlag : uint8_t {
  kLexExplicit = 1,      // kDays: an unambiguous duration (일분, 일간); kTimes: 회
  kLexAbbreviation = 2,  // pc, ac, hs, prn, tid …
  kLexImpliesOnce = 4,   // hs, qhs
  kLexMax = 8,           // 까지: a maximum
  kLexCaution = 16,      // kWord that is a caution word (주의)
  kLexAfter = 32,        // "분후", "시간후"
  kLexBefore = 64,       // "분전", "시간전"
  kLexAmPm = 128,        // 오전 (value 0) / 오후 (value 12)
};

/// A keyword (whole word or part of a word such as "아침" in "아침저녁식후").
/// `aux` holds the Timing, DaySlot or LabelKind as an int, depending on `kind`.
struct KeywordEntry {
  std::string_view text;
  TokenKind kind;
  double value = 0;
  int aux = 0;
  uint8_t flags = 0;
};
std::span<const KeywordEntry> keyword_entries();

/// A unit word after a number ("정", "ml", "일분", "회", "시간마다", "세" for ages …).
struct UnitEntry {
  std::string_view text;
  TokenKind kind;
  DoseUnit unit = DoseUnit::kNone;
  uint8_t flags = 0;
};
std::span<const UnitEntry> unit_entries();

/// Korean numerals that combine with a following unit ("세 번", "한 알", "반알").
struct NumeralEntry {
  std::string_view text;
  double value;
};
std::span<const NumeralEntry> korean_numerals();

/// Labels written as "X:" at the start of a line, by what they introduce.
std::optional<LabelKind> label_kind(std::string_view word);

/// The hour `hour` (0–23) of a clock time written after `word` on a 12-hour clock: "오후 8시"
/// 20:00, "저녁 9시" 21:00, "밤 10시" 22:00, "밤 12시" 00:00, "낮 2시" 14:00; `hour` itself for
/// any other word or hour ("새벽 6시", "오전 9시", "밤 1시").
int hour_after_day_word(std::string_view word, int hour);

/// A symptom or sign an as-needed medicine is taken for ("열", "두통", "기침", "코막힘"), without a
/// particle: the subject of a condition ("열 38.5도 이상일 때"), and no other name of a medicine
/// when written in brackets after one ("슈도에페드린정 (코막힘)").
bool is_symptom_word(std::string_view word);
/// `word` names what a medicine is for ("해열진통", "위장보호", "진해거담"): a description, no
/// other name of a medicine ("(소화)", "(위장보호)").
bool names_efficacy(std::string_view word);
/// `word` says to stop, or to ask the doctor or pharmacist ("중지", "중단하고", "상담하세요"): a
/// condition before it is a caution, not when to take a medicine.
bool is_stop_word(std::string_view word);

/// Words that make a clause a caution note: 주의, 금지, 졸음, 운전, 마세요 …
bool contains_caution_keyword(std::string_view word);

/// What a medicine name's dosage form says about its dose unit.
struct DosageForm {
  DoseUnit unit = DoseUnit::kNone;  // kNone for liquids and topicals: the unit is not implied
};
/// The dosage form of one word of a name: "타이레놀정" → 정, "아목시실린캡슐" → 캡슐,
/// "부루펜시럽" → (liquid, no unit), "cap" → 캡슐; nullopt if the word names no form.
std::optional<DosageForm> dosage_form_of(std::string_view word);

/// `compact_lower` (spaces removed, Latin lower-case) names a hospital, pharmacy, patient,
/// receipt, date or signature field: the line is not a medicine to take.
bool has_notice_keyword(std::string_view compact_lower);
/// `compact_lower` refers to several of the medicines ("두 안약 사이에", "모든 약은", "다른 약과
/// 함께"): a remark saying it concerns them all, wherever it stands.
bool refers_to_several_medicines(std::string_view compact_lower);
/// A remark's subject naming a dosage form alone ("흡입제", "패취는", "시럽은", particle
/// removed): the index of its family of forms; nullopt if it names none.
std::optional<size_t> form_family_of(std::string_view subject);
/// The medicine `name` is of form family `family` ("스피리바레스피맷" and "벤토린에보할러" are
/// inhalers, "트라스트패취48mg" a patch).
bool in_form_family(size_t family, std::string_view name);
/// `compact_lower` is a guidance heading (복약안내, 주의사항 …): general advice follows.
bool has_guidance_keyword(std::string_view compact_lower);

/// Which table columns a header line names, in order (e.g. 1회 투약량 | 1일 투여횟수 | 총
/// 투약일수). kUnused: a column of numbers read and not used — the total quantity dispensed
/// (총량, 수량), a price or an amount (단가, 금액, 약가, 본인부담).
enum class TableColumn { kDose, kTimesPerDay, kDays, kUnused };
struct TableHeader {
  TableColumn columns[8];
  int count = 0;
};
/// A header names at least two of the three numeric columns (dose, count, days), or one of them
/// beside a name column ("약품명 1회 일수"); nullopt otherwise.
std::optional<TableHeader> parse_table_header(std::string_view compact_lower);

}  // namespace dailydrug::app
