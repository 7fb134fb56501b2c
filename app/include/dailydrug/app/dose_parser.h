// DoseParser: the dosing instructions of one prescription line, from its tokens.
//
// Fields and the patterns that set them (tokens from dosage_lexer.h):
//   dose      "1정" "5ml" "1T" "적당량" "한 알" "반알" "1-2방울"; "1회 2" / "1회 500mg" (per dose)
//   times     "1일 3회" "하루 세 번" "1일 최대 3회" "3회/일" "3회" "tid" "q8h" (24/8)
//             — "N번" counts only after 하루/1일 ("1번 봉투" is a packet number)
//   days      "5일분" "5일" "7 days" "x7d" "일주일" "2주분" (14); "1개월분" only sets a flag
//   timing    식후 식전 식간 공복 취침전 필요시, pc ac hs prn, "식사 30분 후", "통증시" (필요시);
//             a bedtime word is also a slot; 필요시 wins over meal timings; two different meal
//             timings are ambiguous
//   offset    "식후 30분" (30), "식전 1시간" (60), "식후 즉시" (0)
//   slots     아침 점심 저녁 (+ bedtime); clock times "08:00" "오후 8시"
//   rhythm    "주 1회", "격일", "qod": not daily (times stays empty)
// Two different values for one field on a line make it ambiguous (value empty, flag set) —
// never a guess. Numbers without a unit are collected as `bare_numbers` (table cells) for the
// scanner to assign by column.
// Notes: "식후 30분" (offset), the condition of an as-needed medicine ("통증시"), limits
// ("1일 최대 3회", "4시간 이상 간격"), the rhythm ("주 1회"), and caution phrases — runs of
// words containing 주의/금지/졸음/마세요 … ("졸음 주의").
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_terms.h"
#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

/// A free-text note and where it was found (for ordering and traceability).
struct ScanNote {
  std::string text;
  int line = 0;
  size_t offset = 0;
  bool from_note_line = false;  // a caution or remark line's, listed after the directions' notes
};

/// One field as read from one line: a value, or "ambiguous" (conflicting values; no value).
template <typename T>
struct LineField {
  std::optional<T> value;
  bool ambiguous = false;
  int line = 0;  // where it was read (0 = nowhere)

  bool present() const { return value.has_value() || ambiguous; }
};

/// The "when" of a dose — timing, offset, slots, clock times, interval — always read together
/// from one line.
struct DoseWhen {
  std::optional<Timing> timing;
  bool timing_ambiguous = false;
  std::optional<int> offset_minutes;  // explicit only ("식후 30분")
  std::vector<DaySlot> slots;         // distinct, in order of appearance
  std::vector<int> clock_minutes;     // distinct, minutes after midnight
  std::optional<int> interval_hours;  // q8h, "8시간마다"
  bool implies_once = false;          // hs alone: once a day
  int line = 0;
  /// Where the parts of the day or clock times were read when a later line gave the timing
  /// (a grid row's marks, then a footer's "식후 30분"); 0 when that is `line`.
  int parts_line = 0;

  bool present() const {
    return timing || timing_ambiguous || !slots.empty() || !clock_minutes.empty() ||
           interval_hours || implies_once;
  }
};

struct InstructionFields {
  LineField<DoseAmount> dose;
  bool dose_unit_from_form = false;  // "1회 2": the unit comes from the name's dosage form
  LineField<int> times;              // times per day as written (N회, tid, 24/interval)
  bool times_is_max = false;         // "1일 최대 3회", "3회까지"
  bool times_from_interval = false;  // derived from q8h / 8시간마다
  bool non_daily = false;            // "주 1회", "격일": times stays empty
  int non_daily_line = 0;
  LineField<int> days;
  bool days_in_months = false;  // "1개월분": days stays empty
  int months_line = 0;
  DoseWhen when;
  std::vector<double> bare_numbers;  // unit-less numbers after the name (table cells)
  bool day_phase = false;            // a phase of a tapering course ("1~3일", "4일째부터")
  std::vector<ScanNote> notes;

  /// Any dosing information at all (a dose, count, duration, timing, slot or rhythm).
  bool has_fields() const {
    return dose.present() || times.present() || days.present() || when.present() || non_daily ||
           days_in_months;
  }
};

/// Parses tokens[from, end) of `line` (line number `line_number`, 1-based), leaving out
/// tokens[skip_begin, skip_end) — a medicine name in the middle of the line
/// ("소화불량시 베아제정 1정").
InstructionFields parse_instructions(std::string_view line, int line_number,
                                     const std::vector<DosageToken>& tokens, size_t from,
                                     size_t skip_begin = 0, size_t skip_end = 0);

}  // namespace dailydrug::app
