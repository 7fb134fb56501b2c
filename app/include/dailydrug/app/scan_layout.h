// Layout of a prescription or medicine bag above the level of one line: the pieces of document
// structure the scanner (prescription_scanner.h) recognises before it reads a line as a
// medication or as directions.
//
//  - Column labels on a line of their own ("1회 투약량", "총 투약일수", "용법"): a table that OCR
//    read column by column, the names first and then each column's cells one per line.
//  - Durations stated once for the whole document on a header or footer line ("투약일수 : 5일",
//    "성명 … / 28일분"), as opposed to the validity of the prescription ("사용기간 교부일부터
//    7일간") or an appointment.
//  - Medicine lists separated by commas ("약 목록: A정, B정, C캡슐").
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/ocr_normalizer.h"

namespace dailydrug::app {

/// What one column of a table read column by column holds.
enum class LayoutColumn { kDose, kTimesPerDay, kDays, kDirections };

/// The column a line names when it is nothing but a column label ("1회 투약량", "1일 투여횟수",
/// "총 투약일수", "용법"); nullopt for any other line. `compact_lower`: the line without spaces,
/// ASCII lower-cased.
std::optional<LayoutColumn> parse_column_label(std::string_view compact_lower);

/// A column label split over lines ("1회" / "투약량", "1일 투여" / "횟수"): `compact_lower` is the
/// start of a label, with at least one Hangul letter, but not a whole one.
bool is_column_label_prefix(std::string_view compact_lower);

/// The duration in days that a header or footer line gives for the whole document: a duration
/// written with an explicit unit ("28일분", "3일분", "2주분" → 14) or after a label naming days
/// ("투약일수 : 5일", "처방일수: 28일"). Nullopt when there is none, when the line states the
/// validity of the prescription or an appointment (사용기간, 교부일부터, 이내, 예약, 내원), or when
/// it gives two different durations.
std::optional<int> document_duration_days(std::string_view line, std::string_view compact_lower,
                                          const std::vector<DosageToken>& tokens);

/// A header or footer line gives the whole document's duration in months ("처방일수 3개월분"):
/// one month count and no days, and not the validity of the prescription or an appointment
/// ("다음 진료 예약: 3개월 후").
bool document_duration_in_months(std::string_view compact_lower,
                                 const std::vector<DosageToken>& tokens);

/// The header of a timetable grid — a name column and a column per part of the day ("약품명 아침
/// 점심 저녁 자기전 일수"): it must not be taken for directions.
bool is_slot_grid_header(std::string_view compact_lower, const std::vector<DosageToken>& tokens);

/// A table header that names the name column and another column ("투약시간 | 약품명 | 1회 용량"),
/// without values or a "label:" — a header even when it names too few numeric columns for the
/// rows' bare numbers to be read by it (parse_table_header): it is not a medicine.
bool is_name_column_header(std::string_view compact_lower, const std::vector<DosageToken>& tokens);

/// One column of a timetable grid, after the name column.
struct GridColumn {
  enum class Kind { kSlot, kDose, kDays, kOther } kind = Kind::kOther;
  DaySlot slot = DaySlot::kMorning;  // kSlot (kBedtime for 취침/자기전/잘때)
};

/// A timetable grid's header: its columns in order, and the meal timing written into the part
/// columns ("아침식후 점심식후 저녁식후 취침전" → 식후), if any.
struct SlotGrid {
  std::vector<GridColumn> columns;
  std::optional<Timing> timing;
};

/// The grid `line` heads (see is_slot_grid_header); nullopt for any other line.
std::optional<SlotGrid> parse_slot_grid(std::string_view line,
                                        const std::vector<DosageToken>& tokens);

/// A header of parts of the day only ("아침 점심 저녁 취침전", "아침식후 | 저녁식후"), without a
/// name column word: a grid only when the next line is a row of cells (is_cell_row) — otherwise
/// such a line is directions ("아침 저녁").
std::optional<SlotGrid> parse_parts_header(std::string_view line,
                                           const std::vector<DosageToken>& tokens);

/// tokens[from, end) are nothing but grid cells: marks, blanks, numbers and bars — at least one.
bool is_cell_row(std::string_view line, const std::vector<DosageToken>& tokens, size_t from);

/// One row of a timetable grid: a cell per column after the name, each a mark (○ ● V ✓ ㅇ or a
/// number > 0) or empty (- · ㅡ x 0). Column bars are not cells.
struct GridRow {
  std::vector<DaySlot> slots;         // the marked parts of the day, in column order
  int marked = 0;                     // marked part cells (= slots, unless the parts are unknown)
  std::optional<Timing> timing;       // the header's meal timing, or 취침전 for bedtime alone
  std::optional<size_t> dose_token;   // the dose column's cell ("1정", "0.5")
  std::optional<double> slot_amount;  // the one amount written in the part cells ("1 1 1 0")
  std::optional<size_t> days_token;   // the days column's cell
};

/// Reads tokens[from, end) of a row under `grid`. Nullopt unless there is exactly one cell per
/// column, every part cell is a mark or empty, and at least one part is marked — a row OCR read
/// with a cell missing is not guessed. One exception: a row whose part cells are all marks and
/// fewer than the part columns, the other columns' cells in place at both ends ("가스모틴정 ○ ○
/// ○" under four parts), lost its empty cells: its count is the marks, its parts are unknown
/// (`slots` empty), and so is its timing when a bedtime column might be among them.
std::optional<GridRow> read_grid_row(const SlotGrid& grid, std::string_view line,
                                     const std::vector<DosageToken>& tokens, size_t from);

/// The line after `header` names a medicine followed by nothing but grid cells.
bool starts_cell_rows(const OcrDocument& doc, int header);

/// The grid row on line `number` of `doc`: the nearest grid header above it (at most 40 lines)
/// and the row's cells after its medicine name. For the traceability check, which sees only the
/// result and the text.
std::optional<GridRow> grid_row_at(const OcrDocument& doc, int number);

/// A phase of a tapering course: "1~3일" (days 1 to 3), "4-6일째", "7일째부터" (from day 7).
struct DayPhase {
  int first_day = 0;
  std::optional<int> last_day;  // the range's end, if written
  /// Days the phase lasts when its end is written (last − first + 1).
  std::optional<int> days() const {
    return last_day ? std::optional<int>(*last_day - first_day + 1) : std::nullopt;
  }
};
/// The phase a token states, if any: a day range ("1~3일") or a word "N일째", "N-M일째",
/// "N일째부터".
std::optional<DayPhase> day_phase_of(const DosageToken& token, std::string_view line);

/// tokens[k] is "day" or "days" before a day or a range of days of a course ("on day 1", "on
/// days 2-5"): that phase.
std::optional<DayPhase> numbered_days_at(std::string_view line,
                                         const std::vector<DosageToken>& tokens, size_t k);

/// tokens[k] is "then" before a dose ("4 tablets daily for 3 days, then 2 tablets daily …"): the
/// next phase of a tapering course starts there.
bool then_phase_at(std::string_view line, const std::vector<DosageToken>& tokens, size_t k);

/// One medication of a line that holds several, each with its own cells or directions.
struct MedicineRow {
  MedicineName name;      // token indices are those of the whole line
  size_t tokens_end = 0;  // the row's tokens are [name.first_token, tokens_end)
};

/// "딜라트렌정6.25mg 1정, 아스피린프로텍트정100mg 1정", or two table rows that OCR merged into one
/// line ("에어탈정 1 2 7 스티렌정 1 2 7"): from `first` on, each further medication starts at a
/// word naming a dosage form (or followed by a strength) after the previous row's own dose, cells
/// or directions. Returns the rows (at least two, every one with something after its name), or
/// empty.
std::vector<MedicineRow> split_medicine_rows(std::string_view line,
                                             const std::vector<DosageToken>& tokens,
                                             const MedicineName& first);

/// One name of a comma-separated list.
struct ListedName {
  MedicineName name;      // token indices are those of the whole line
  size_t tokens_end = 0;  // end of the list item (the comma, or the end of the line)
};

/// "약 목록: 오구멘틴정625mg, 무코스타정100mg, 슈다페드정60mg" (or "A정 / B정 / C정": the first
/// comma or slash after the first name separates the list): when, from `first` on, every
/// comma-separated item starts with an anchored name (a strength or a dosage form) and every item
/// but the last is nothing but that name, returns the names (at least two). The last item may
/// carry directions after its name; they apply to the whole list. Otherwise empty.
std::vector<ListedName> split_name_list(std::string_view line,
                                        const std::vector<DosageToken>& tokens,
                                        const MedicineName& first);

}  // namespace dailydrug::app
