#include "dailydrug/app/scan_layout.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <span>
#include <string>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

struct ColumnLabel {
  std::string_view text;
  LayoutColumn column;
};
// clang-format off
constexpr ColumnLabel kColumnLabels[] = {
    {"1회투약량", LayoutColumn::kDose},          {"투약량", LayoutColumn::kDose},
    {"1회투여량", LayoutColumn::kDose},          {"투여량", LayoutColumn::kDose},
    {"1회량", LayoutColumn::kDose},              {"1회용량", LayoutColumn::kDose},
    {"1회복용량", LayoutColumn::kDose},
    {"1일투여횟수", LayoutColumn::kTimesPerDay}, {"투여횟수", LayoutColumn::kTimesPerDay},
    {"1일투약횟수", LayoutColumn::kTimesPerDay}, {"투약횟수", LayoutColumn::kTimesPerDay},
    {"1일횟수", LayoutColumn::kTimesPerDay},     {"횟수", LayoutColumn::kTimesPerDay},
    {"총투약일수", LayoutColumn::kDays},         {"투약일수", LayoutColumn::kDays},
    {"총투여일수", LayoutColumn::kDays},         {"투여일수", LayoutColumn::kDays},
    {"총일수", LayoutColumn::kDays},             {"일수", LayoutColumn::kDays},
    {"용법", LayoutColumn::kDirections},         {"복용법", LayoutColumn::kDirections},
    {"용법용량", LayoutColumn::kDirections},
};
// clang-format on

/// Words of lines that give the validity of the prescription or an appointment, not how long
/// to take the medicines.
constexpr std::string_view kNotTreatmentDuration[] = {"사용기간", "교부일", "이내", "부터",
                                                      "예약",     "내원",   "유효"};

/// A word naming a count of days ("투약일수", "처방일수") within the three tokens before `k`.
bool after_days_label(const std::vector<DosageToken>& tokens, std::string_view line, size_t k) {
  for (size_t back = 1; back <= 3 && back <= k; ++back) {
    const DosageToken& t = tokens[k - back];
    if ((t.kind == TokenKind::kLabel || t.kind == TokenKind::kWord) &&
        t.text(line).find("일수") != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

bool is_whole_days(double v) {
  return v >= 1 && v <= 100000 && v == std::floor(v);
}

}  // namespace

std::optional<DayPhase> day_phase_of(const DosageToken& token, std::string_view line) {
  const auto whole_day = [](double v) { return v >= 1 && v <= 365 && v == std::floor(v); };
  if (token.kind == TokenKind::kDays && token.value_max && whole_day(token.value) &&
      whole_day(*token.value_max) && *token.value_max > token.value) {
    return DayPhase{static_cast<int>(token.value), static_cast<int>(*token.value_max)};
  }
  if (token.kind != TokenKind::kWord && token.kind != TokenKind::kLabel) {
    return std::nullopt;  // a label: "1~3일째:"
  }
  // "N일째", "N-M일째", "N~M일째", each optionally followed by 부터 or 까지.
  std::string_view w = token.text(line);
  const auto number = [&](std::string_view& rest) -> std::optional<int> {
    int v = 0;
    size_t n = 0;
    while (n < rest.size() && n < 3 && rest[n] >= '0' && rest[n] <= '9') {
      v = v * 10 + (rest[n] - '0');
      ++n;
    }
    if (n == 0 || v < 1) {
      return std::nullopt;
    }
    rest.remove_prefix(n);
    return v;
  };
  DayPhase phase;
  const auto first = number(w);
  if (!first) {
    return std::nullopt;
  }
  phase.first_day = *first;
  if (!w.empty() && (w[0] == '-' || w[0] == '~')) {
    w.remove_prefix(1);
    const auto last = number(w);
    if (!last || *last <= *first) {
      return std::nullopt;
    }
    phase.last_day = *last;
  }
  // "1주차", "2주째": a week of the course, from its first day (its length is written apart:
  // "(7일)").
  for (const std::string_view week : {std::string_view("주차"), std::string_view("주째")}) {
    if (!phase.last_day && w == week && phase.first_day <= 52) {
      phase.first_day = (phase.first_day - 1) * 7 + 1;
      return phase;
    }
  }
  if (!w.starts_with("일째")) {
    return std::nullopt;
  }
  w.remove_prefix(std::string_view("일째").size());
  if (!w.empty() && w != "부터" && w != "까지") {
    return std::nullopt;
  }
  return phase;
}

std::optional<DayPhase> numbered_days_at(std::string_view line,
                                         const std::vector<DosageToken>& tokens, size_t k) {
  if (k + 1 >= tokens.size()) {
    return std::nullopt;
  }
  const std::string word = ascii_lower(tokens[k].text(line));
  const DosageToken& n = tokens[k + 1];
  const auto whole_day = [](double v) { return v >= 1 && v <= 365 && v == std::floor(v); };
  if ((word != "day" && word != "days") || n.kind != TokenKind::kNumber || !whole_day(n.value) ||
      (n.value_max && !whole_day(*n.value_max))) {
    return std::nullopt;
  }
  return DayPhase{static_cast<int>(n.value), static_cast<int>(n.value_max.value_or(n.value))};
}

bool then_phase_at(std::string_view line, const std::vector<DosageToken>& tokens, size_t k) {
  if (k >= tokens.size() || tokens[k].kind != TokenKind::kFiller ||
      ascii_lower(tokens[k].text(line)) != "then") {
    return false;
  }
  size_t next = k + 1;
  while (next < tokens.size() && tokens[next].kind == TokenKind::kFiller) {
    ++next;
  }
  return next < tokens.size() && tokens[next].kind == TokenKind::kDose;
}

bool is_slot_grid_header(std::string_view compact_lower, const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kColumnWords[] = {"약품명", "약이름", "명칭", "약명", "일수"};
  if (std::none_of(std::begin(kColumnWords), std::end(kColumnWords), [&](std::string_view w) {
        return compact_lower.find(w) != std::string_view::npos;
      })) {
    return false;
  }
  std::set<int> parts;
  for (const DosageToken& t : tokens) {
    if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kDose || t.kind == TokenKind::kTimes) {
      return false;
    }
    if (t.kind == TokenKind::kSlot) {
      parts.insert(static_cast<int>(t.slot));
    } else if (t.kind == TokenKind::kTiming && t.timing == Timing::kBedtime) {
      parts.insert(static_cast<int>(DaySlot::kBedtime));
    }
  }
  return parts.size() >= 2;
}

namespace {

/// The column a header word names; nullopt for words of the name column or unknown words.
std::optional<GridColumn> grid_column_of(const DosageToken& t, std::string_view word) {
  if (t.kind == TokenKind::kSlot) {
    return GridColumn{GridColumn::Kind::kSlot, t.slot};
  }
  if (t.kind == TokenKind::kTiming && t.timing == Timing::kBedtime) {
    return GridColumn{GridColumn::Kind::kSlot, DaySlot::kBedtime};
  }
  static constexpr std::string_view kDoseWords[] = {"1회량",   "1회",  "용량", "투약량",
                                                    "1회용량", "개수", "수량", "1회투약량"};
  static constexpr std::string_view kDaysWords[] = {"일수", "투약일수", "총투약일수", "처방일수"};
  if (std::find(std::begin(kDoseWords), std::end(kDoseWords), word) != std::end(kDoseWords)) {
    return GridColumn{GridColumn::Kind::kDose, DaySlot::kMorning};
  }
  if (std::find(std::begin(kDaysWords), std::end(kDaysWords), word) != std::end(kDaysWords)) {
    return GridColumn{GridColumn::Kind::kDays, DaySlot::kMorning};
  }
  return std::nullopt;
}

bool is_grid_mark(std::string_view cell) {
  static constexpr std::string_view kMarks[] = {"○", "●", "◎", "◯",  "O", "o", "V", "v",
                                                "✓", "✔", "√", "ㅇ", "■", "*", "★"};
  return std::find(std::begin(kMarks), std::end(kMarks), cell) != std::end(kMarks);
}

bool is_grid_blank(std::string_view cell) {
  static constexpr std::string_view kBlanks[] = {"-", "·", "ㅡ", "x", "X", "0", "ㆍ", "."};
  return std::find(std::begin(kBlanks), std::end(kBlanks), cell) != std::end(kBlanks);
}

/// A part cell: marked (with its amount, if a number), blank, or not a cell of a grid.
enum class PartCell { kMarked, kBlank, kInvalid };
PartCell read_part_cell(const DosageToken& t, std::string_view text,
                        std::optional<double>& amount) {
  if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kDose) {
    if (t.value <= 0) {
      return PartCell::kBlank;
    }
    amount = t.kind == TokenKind::kNumber ? t.value : amount;
    return PartCell::kMarked;
  }
  if (is_grid_mark(text)) {
    return PartCell::kMarked;
  }
  return is_grid_blank(text) ? PartCell::kBlank : PartCell::kInvalid;
}

}  // namespace

std::optional<SlotGrid> parse_slot_grid(std::string_view line,
                                        const std::vector<DosageToken>& tokens) {
  if (!is_slot_grid_header(ascii_lower(compact_text(line)), tokens)) {
    return std::nullopt;
  }
  SlotGrid grid;
  for (size_t k = 0; k < tokens.size(); ++k) {
    const DosageToken& t = tokens[k];
    if (t.kind == TokenKind::kSeparator) {
      continue;
    }
    if (t.kind == TokenKind::kTiming && !t.space_before && k > 0 &&
        tokens[k - 1].kind == TokenKind::kSlot) {
      grid.timing = t.timing;  // "아침식후": the meal timing of the part columns
      continue;
    }
    if (const auto column = grid_column_of(t, ascii_lower(t.text(line)))) {
      grid.columns.push_back(*column);
    } else if (!grid.columns.empty()) {
      grid.columns.push_back(GridColumn{});  // "비고": a column whose cells are not read
    }
  }
  return grid;
}

std::optional<SlotGrid> parse_parts_header(std::string_view line,
                                           const std::vector<DosageToken>& tokens) {
  SlotGrid grid;
  for (size_t k = 0; k < tokens.size(); ++k) {
    const DosageToken& t = tokens[k];
    if (t.kind == TokenKind::kSeparator) {
      continue;
    }
    if (t.kind == TokenKind::kTiming && t.timing != Timing::kBedtime && !t.space_before && k > 0 &&
        tokens[k - 1].kind == TokenKind::kSlot) {
      grid.timing = t.timing;  // "아침식후"
      continue;
    }
    const auto column = grid_column_of(t, ascii_lower(t.text(line)));
    if (!column || column->kind != GridColumn::Kind::kSlot) {
      return std::nullopt;  // "아침 저녁 식후 30분": directions
    }
    grid.columns.push_back(*column);
  }
  if (grid.columns.size() < 2) {
    return std::nullopt;
  }
  return grid;
}

bool is_cell_row(std::string_view line, const std::vector<DosageToken>& tokens, size_t from) {
  size_t cells = 0;
  for (size_t k = from; k < tokens.size(); ++k) {
    const DosageToken& t = tokens[k];
    const std::string_view text = t.text(line);
    if (t.kind == TokenKind::kSeparator && text == "|") {
      continue;
    }
    if (t.kind != TokenKind::kNumber && !is_grid_mark(text) && !is_grid_blank(text)) {
      return false;
    }
    ++cells;
  }
  return cells > 0;
}

namespace {

/// The columns of `grid` up to the last one that must have a cell: trailing columns that are not
/// read ("비고") may be empty and then have no cell at all.
size_t needed_columns(const SlotGrid& grid) {
  size_t needed = grid.columns.size();
  while (needed > 0 && grid.columns[needed - 1].kind == GridColumn::Kind::kOther) {
    --needed;
  }
  return needed;
}

/// A row that lost the empty ones of its part cells (see read_grid_row); none for any other row.
std::optional<GridRow> read_row_without_blanks(const SlotGrid& grid, std::string_view line,
                                               const std::vector<DosageToken>& tokens,
                                               const std::vector<size_t>& cells) {
  const auto is_part = [&](size_t c) { return grid.columns[c].kind == GridColumn::Kind::kSlot; };
  const size_t needed = needed_columns(grid);
  size_t first_part = 0;
  while (first_part < needed && !is_part(first_part)) {
    ++first_part;
  }
  size_t end_part = first_part;
  while (end_part < needed && is_part(end_part)) {
    ++end_part;
  }
  const size_t after = needed - end_part;  // cells of the columns after the parts
  if (end_part == first_part ||
      std::any_of(grid.columns.begin() + static_cast<std::ptrdiff_t>(end_part),
                  grid.columns.begin() + static_cast<std::ptrdiff_t>(needed),
                  [](const GridColumn& c) { return c.kind == GridColumn::Kind::kSlot; }) ||
      cells.size() <= first_part + after || cells.size() >= needed) {
    return std::nullopt;
  }
  GridRow row;
  for (size_t c = first_part; c + after < cells.size(); ++c) {
    if (!is_grid_mark(tokens[cells[c]].text(line))) {
      return std::nullopt;  // a number or a blank: which column it stands in is not known
    }
    ++row.marked;
  }
  const auto place = [&](size_t column, size_t cell) {
    if (grid.columns[column].kind == GridColumn::Kind::kDose) {
      row.dose_token = cells[cell];
    } else if (grid.columns[column].kind == GridColumn::Kind::kDays) {
      row.days_token = cells[cell];
    }
  };
  for (size_t c = 0; c < first_part; ++c) {
    place(c, c);
  }
  for (size_t c = 0; c < after; ++c) {
    place(end_part + c, cells.size() - after + c);
  }
  const bool bedtime_column =
      std::any_of(grid.columns.begin(), grid.columns.end(), [](const GridColumn& c) {
        return c.kind == GridColumn::Kind::kSlot && c.slot == DaySlot::kBedtime;
      });
  row.timing = bedtime_column ? std::nullopt : grid.timing;
  return row;
}

}  // namespace

std::optional<GridRow> read_grid_row(const SlotGrid& grid, std::string_view line,
                                     const std::vector<DosageToken>& tokens, size_t from) {
  std::vector<size_t> cells;
  for (size_t k = from; k < tokens.size(); ++k) {
    if (tokens[k].kind != TokenKind::kSeparator || tokens[k].text(line) != "|") {
      cells.push_back(k);
    }
  }
  const size_t needed = needed_columns(grid);
  if (cells.size() < needed) {
    return read_row_without_blanks(grid, line, tokens, cells);
  }
  if (cells.size() > grid.columns.size()) {
    return std::nullopt;
  }
  GridRow row;
  std::set<double> amounts;
  bool meal = false;
  for (size_t c = 0; c < cells.size(); ++c) {
    const DosageToken& t = tokens[cells[c]];
    switch (grid.columns[c].kind) {
      case GridColumn::Kind::kDose:
        row.dose_token = cells[c];
        break;
      case GridColumn::Kind::kDays:
        row.days_token = cells[c];
        break;
      case GridColumn::Kind::kOther:
        break;
      case GridColumn::Kind::kSlot: {
        std::optional<double> amount;
        const PartCell cell = read_part_cell(t, t.text(line), amount);
        if (cell == PartCell::kInvalid) {
          return std::nullopt;
        }
        if (cell == PartCell::kMarked) {
          row.slots.push_back(grid.columns[c].slot);
          meal = meal || grid.columns[c].slot != DaySlot::kBedtime;
          if (amount) {
            amounts.insert(*amount);
          }
        }
        break;
      }
    }
  }
  if (row.slots.empty()) {
    return std::nullopt;
  }
  row.marked = static_cast<int>(row.slots.size());
  if (amounts.size() == 1) {
    row.slot_amount = *amounts.begin();  // "1 1 1 0": one tablet each time
  }
  row.timing = meal ? grid.timing : std::optional<Timing>(Timing::kBedtime);
  return row;
}

bool starts_cell_rows(const OcrDocument& doc, int header) {
  const OcrLine* next = doc.line(header + 1);
  if (next == nullptr || next->too_long || next->text.empty()) {
    return false;
  }
  const auto tokens = lex_dosage_line(next->text);
  const auto name = find_medicine_name(next->text, tokens);
  return name && is_cell_row(next->text, tokens, name->end_token);
}

std::optional<GridRow> grid_row_at(const OcrDocument& doc, int number) {
  const OcrLine* row = doc.line(number);
  if (row == nullptr || row->text.empty()) {
    return std::nullopt;
  }
  constexpr int kMaxRowsBelowHeader = 40;
  for (int above = number - 1; above >= 1 && above >= number - kMaxRowsBelowHeader; --above) {
    const OcrLine* line = doc.line(above);
    if (line->too_long || line->text.empty()) {
      continue;
    }
    const auto header_tokens = lex_dosage_line(line->text);
    auto grid = parse_slot_grid(line->text, header_tokens);
    if (!grid && starts_cell_rows(doc, above)) {
      grid = parse_parts_header(line->text, header_tokens);
    }
    if (!grid) {
      continue;
    }
    const auto tokens = lex_dosage_line(row->text);
    const auto name = find_medicine_name(row->text, tokens);
    if (!name) {
      return std::nullopt;
    }
    return read_grid_row(*grid, row->text, tokens, name->end_token);
  }
  return std::nullopt;
}

bool is_name_column_header(std::string_view compact_lower, const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kNameColumn[] = {"약품명", "약이름", "명칭", "약명"};
  static constexpr std::string_view kOtherColumn[] = {"용량", "1회",  "용법",  "시간",
                                                      "횟수", "일수", "복용법"};
  const auto names_any = [&](std::span<const std::string_view> words) {
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) {
      return compact_lower.find(w) != std::string_view::npos;
    });
  };
  if (!names_any(kNameColumn) || !names_any(kOtherColumn) ||
      compact_lower.find(':') != std::string_view::npos) {
    return false;
  }
  return std::none_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
    return t.kind == TokenKind::kDose || t.kind == TokenKind::kStrength ||
           t.kind == TokenKind::kNumber;
  });
}

std::optional<LayoutColumn> parse_column_label(std::string_view compact_lower) {
  while (!compact_lower.empty() && (compact_lower.back() == ':' || compact_lower.back() == '|')) {
    compact_lower.remove_suffix(1);
  }
  for (const ColumnLabel& label : kColumnLabels) {
    if (label.text == compact_lower) {
      return label.column;
    }
  }
  return std::nullopt;
}

bool is_column_label_prefix(std::string_view compact_lower) {
  const bool hangul = std::any_of(compact_lower.begin(), compact_lower.end(),
                                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return hangul && std::any_of(std::begin(kColumnLabels), std::end(kColumnLabels),
                               [&](const ColumnLabel& label) {
                                 return label.text.size() > compact_lower.size() &&
                                        label.text.starts_with(compact_lower);
                               });
}

std::optional<int> document_duration_days(std::string_view line, std::string_view compact_lower,
                                          const std::vector<DosageToken>& tokens) {
  if (std::any_of(
          std::begin(kNotTreatmentDuration), std::end(kNotTreatmentDuration),
          [&](std::string_view w) { return compact_lower.find(w) != std::string_view::npos; })) {
    return std::nullopt;
  }
  std::set<int> days;
  for (size_t k = 0; k < tokens.size(); ++k) {
    const DosageToken& t = tokens[k];
    if (t.kind == TokenKind::kDays && is_whole_days(t.value) &&
        (t.explicit_unit || after_days_label(tokens, line, k))) {
      days.insert(static_cast<int>(t.value));
    } else if (t.kind == TokenKind::kWeeks && is_whole_days(t.value)) {
      days.insert(static_cast<int>(t.value) * 7);
    }
  }
  if (days.size() != 1) {
    return std::nullopt;
  }
  return *days.begin();
}

bool document_duration_in_months(std::string_view compact_lower,
                                 const std::vector<DosageToken>& tokens) {
  const auto count = [&](TokenKind kind) {
    return std::count_if(tokens.begin(), tokens.end(),
                         [&](const DosageToken& t) { return t.kind == kind; });
  };
  return count(TokenKind::kMonths) == 1 && count(TokenKind::kDays) == 0 &&
         count(TokenKind::kWeeks) == 0 &&
         std::none_of(
             std::begin(kNotTreatmentDuration), std::end(kNotTreatmentDuration),
             [&](std::string_view w) { return compact_lower.find(w) != std::string_view::npos; });
}

namespace {

/// tokens[k] starts another medication's name: a word naming a dosage form, or a word followed
/// directly by a strength ("스티렌정", "Celecoxib 200mg" is not: the strength follows a space).
bool starts_anchored_name(std::string_view line, const std::vector<DosageToken>& tokens, size_t k) {
  const DosageToken& t = tokens[k];
  if (t.kind != TokenKind::kWord) {
    return false;
  }
  if (dosage_form_of(ascii_lower(t.text(line)))) {
    return true;
  }
  return k + 1 < tokens.size() && tokens[k + 1].kind == TokenKind::kStrength &&
         !tokens[k + 1].space_before;
}

bool carries_row_content(const DosageToken& t) {
  return is_instruction_token(t) || t.kind == TokenKind::kNumber;
}

}  // namespace

std::vector<MedicineRow> split_medicine_rows(std::string_view line,
                                             const std::vector<DosageToken>& tokens,
                                             const MedicineName& first) {
  std::vector<MedicineRow> rows{{first, tokens.size()}};
  bool content = false;  // the current row has a dose, a cell or directions after its name
  for (size_t k = first.end_token; k < tokens.size(); ++k) {
    if (content && starts_anchored_name(line, tokens, k)) {
      const std::vector<DosageToken> rest(tokens.begin() + static_cast<std::ptrdiff_t>(k),
                                          tokens.end());
      auto name = find_medicine_name(line, rest);
      if (!name || !name->anchored || name->first_token != 0) {
        return {};
      }
      name->first_token += k;
      name->end_token += k;
      rows.back().tokens_end = k;
      rows.push_back({*name, tokens.size()});
      content = false;
      k = name->end_token - 1;
      continue;
    }
    content = content || carries_row_content(tokens[k]);
  }
  if (rows.size() < 2 || !content) {
    return {};
  }
  return rows;
}

std::vector<ListedName> split_name_list(std::string_view line,
                                        const std::vector<DosageToken>& tokens,
                                        const MedicineName& first) {
  // The list's separator is the first comma or slash after the first name ("A정, B정" or
  // "A정 / B정"); the other one may then occur in the last item's directions ("1정 / 1일 3회").
  std::string_view separator = ",";
  for (size_t k = first.first_token; k < tokens.size(); ++k) {  // the name may span "A정 / B정"
    if (tokens[k].kind == TokenKind::kSeparator &&
        (tokens[k].text(line) == "," || tokens[k].text(line) == "/")) {
      separator = tokens[k].text(line);
      break;
    }
  }
  const auto ends_item = [&](const DosageToken& t) {
    return t.kind == TokenKind::kSeparator && t.text(line) == separator;
  };
  std::vector<ListedName> names;
  size_t start = first.first_token;
  while (start < tokens.size()) {
    size_t stop = start;
    while (stop < tokens.size() && !ends_item(tokens[stop])) {
      ++stop;
    }
    const std::vector<DosageToken> item(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                                        tokens.begin() + static_cast<std::ptrdiff_t>(stop));
    const auto name = item.empty() ? std::nullopt : find_medicine_name(line, item);
    const bool last = stop >= tokens.size();
    if (!name || !name->anchored || name->after_instructions || name->first_token != 0 ||
        (!last && name->end_token != item.size())) {
      return {};
    }
    ListedName listed{*name, stop};
    listed.name.first_token += start;
    listed.name.end_token += start;
    names.push_back(std::move(listed));
    start = stop + 1;
  }
  if (names.size() < 2) {
    return {};
  }
  return names;
}

}  // namespace dailydrug::app
