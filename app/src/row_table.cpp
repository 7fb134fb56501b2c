#include "row_table.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>
#include <utility>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/utf8_text.h"
#include "table_cells.h"

namespace dailydrug::app {
namespace {

/// A grid cell's amount: a dose as written, or a bare number whose unit is the name's form.
std::optional<DoseAmount> grid_amount(const DosageToken& t, InstructionFields& f) {
  if (t.kind == TokenKind::kDose) {
    return DoseAmount{t.appropriate_amount, t.value, t.value_max, t.unit};
  }
  if (t.kind == TokenKind::kNumber && t.value > 0) {
    f.dose_unit_from_form = true;
    return DoseAmount{false, t.value, t.value_max, DoseUnit::kNone};
  }
  return std::nullopt;
}

/// The bars of a line, and how many stand before the first cell naming the name column.
std::pair<size_t, size_t> bars_and_name_cell(std::string_view text,
                                             const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kNameColumn[] = {"약품명", "명칭", "약이름", "약명"};
  size_t bars = 0;
  std::optional<size_t> name_cell;
  for (const DosageToken& t : tokens) {
    const std::string_view w = t.text(text);
    if (t.kind == TokenKind::kSeparator && w == "|") {
      ++bars;
    } else if (!name_cell && std::any_of(std::begin(kNameColumn), std::end(kNameColumn),
                                         [&](std::string_view k) { return w.starts_with(k); })) {
      name_cell = bars;
    }
  }
  return {bars, name_cell.value_or(0)};
}

/// A line that may be one piece of a header split over lines: short, no medicine, no amount,
/// and no number but the 1 of "1회"/"1일".
bool is_header_piece(const OcrLine& line) {
  constexpr size_t kMaxPieceBytes = 24;  // eight Hangul syllables
  const std::string compact = ascii_lower(compact_text(line.text));
  if (compact.empty() || compact.size() > kMaxPieceBytes) {
    return false;
  }
  std::string_view rest = compact;
  if (rest.starts_with("1회") || rest.starts_with("1일")) {
    rest.remove_prefix(std::string_view("1회").size());
  }
  if (std::any_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const std::vector<DosageToken> tokens = lex_dosage_line(line.text);
  return !find_medicine_name(line.text, tokens);
}

}  // namespace

std::optional<SplitHeader> split_header_at(const OcrDocument& doc, int number) {
  constexpr int kMaxPieces = 12;
  static constexpr std::string_view kNameColumn[] = {"약품명", "명칭", "약이름", "약명"};
  std::string joined;
  int last = number - 1;
  for (int n = number; n < number + kMaxPieces; ++n) {
    const OcrLine* line = doc.line(n);
    if (line == nullptr || !is_header_piece(*line)) {
      break;
    }
    joined += ascii_lower(compact_text(line->text));
    last = n;
  }
  if (last - number < 2) {
    return std::nullopt;  // three pieces at least: a header of one or two lines is read as such
  }
  const OcrLine* first = doc.line(number);
  const OcrLine* row = doc.line(last + 1);
  if (first == nullptr || row == nullptr ||
      parse_table_header(ascii_lower(compact_text(first->text))) ||
      std::none_of(std::begin(kNameColumn), std::end(kNameColumn),
                   [&](std::string_view k) { return joined.find(k) != std::string::npos; }) ||
      !find_medicine_name(row->text, lex_dosage_line(row->text))) {
    return std::nullopt;
  }
  const auto header = parse_table_header(joined);
  if (!header || std::count_if(header->columns, header->columns + header->count,
                               [](TableColumn c) { return c != TableColumn::kUnused; }) < 2) {
    return std::nullopt;
  }
  return SplitHeader{*header, last};
}

void RowTable::use_header(const TableHeader& header, const OcrLine& line,
                          const std::vector<DosageToken>& tokens,
                          const std::vector<size_t>& block) {
  grid_.reset();
  columns_ = header;
  std::tie(bars_, name_cell_) = bars_and_name_cell(line.text, tokens);
  for (const size_t c : block) {
    Entry& e = entries_[c];
    if (e.before_header) {
      e.before_header = false;
      e.unassigned_numbers = false;
      assign_row_numbers(header, e, e.f, e.source_line);
    }
  }
}

std::optional<size_t> RowTable::name_cell_start(std::string_view text,
                                                const std::vector<DosageToken>& tokens) const {
  if (!columns_ || name_cell_ == 0) {
    return std::nullopt;
  }
  std::vector<size_t> after_bar;
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (tokens[k].kind == TokenKind::kSeparator && tokens[k].text(text) == "|") {
      after_bar.push_back(k + 1);
    }
  }
  if (after_bar.size() != bars_) {
    return std::nullopt;
  }
  return after_bar[name_cell_ - 1];
}

void RowTable::use_grid(SlotGrid grid) {
  grid_ = std::move(grid);
  columns_.reset();
}

void RowTable::assign_cells(Entry& e, InstructionFields& f, int line) {
  if (!columns_) {
    e.unassigned_numbers = true;
    e.before_header = true;
    return;
  }
  if (wrapped_row(e, f, line)) {
    return;
  }
  assign_row_numbers(*columns_, e, f, line);
}

/// A row whose last cells OCR put on the next line ("①타이레놀정500mg / 1 / 3 /" / "5"): the
/// row ends with a cell separator, so it goes on; its numbers fill the first columns and the
/// next line's — nothing but bare numbers — the rest, each traced to its own line. A row that
/// just lacks a cell ("타이레놀정 1 3" / "5") is not completed from a number that may be the
/// next row's. False (nothing done) for any other row.
bool RowTable::wrapped_row(Entry& e, InstructionFields& f, int line) {
  const auto columns = static_cast<size_t>(columns_->count);
  const OcrLine* row = doc_.line(line);
  const OcrLine* next = doc_.line(line + 1);
  if (f.has_fields() || f.bare_numbers.size() >= columns || next == nullptr || next->too_long ||
      next->text.empty() || (!row->text.ends_with('/') && !row->text.ends_with('|'))) {
    return false;
  }
  const auto tokens = lex_dosage_line(next->text);
  if (!std::all_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
        return t.kind == TokenKind::kNumber || t.kind == TokenKind::kSeparator;
      })) {
    return false;
  }
  const InstructionFields rest = parse_instructions(next->text, next->number, tokens, 0);
  if (f.bare_numbers.size() + rest.bare_numbers.size() != columns) {
    return false;
  }
  TableHeader head;
  TableHeader tail;
  for (size_t c = 0; c < columns; ++c) {
    TableHeader& part = c < f.bare_numbers.size() ? head : tail;
    part.columns[part.count++] = columns_->columns[c];
  }
  const std::vector<double> own = f.bare_numbers;
  assign_row_numbers(head, e, f, line);
  f.bare_numbers = rest.bare_numbers;
  assign_row_numbers(tail, e, f, next->number);
  f.bare_numbers = own;
  wrapped_line_ = next->number;
  return true;
}

void RowTable::expect_cells(size_t index) {
  if (columns_) {
    row_cells_ = RowCells{index, 0};
  }
}

/// Under a table header, a row whose name stands alone may have its cells on the following
/// lines, one per line, in the header's order ("트윈스타정40/5mg" / "1정" / "1" / "30").
bool RowTable::takes_cell(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  if (!row_cells_) {
    return false;
  }
  RowCells& row = *row_cells_;
  while (row.next < static_cast<size_t>(columns_->count) &&
         columns_->columns[row.next] == TableColumn::kUnused) {
    ++row.next;
  }
  if (row.next >= static_cast<size_t>(columns_->count) || find_medicine_name(line.text, tokens)) {
    row_cells_.reset();
    return false;
  }
  const InstructionFields cell =
      row_cell_fields(columns_->columns[row.next],
                      parse_instructions(line.text, line.number, tokens, 0), line.number);
  if (!cell.has_fields()) {
    row_cells_.reset();
    return false;
  }
  Entry& e = entries_[row.entry];
  fill_missing(e.f, e.src, cell, FieldSource::kTableCell);
  ++row.next;
  return true;
}

std::optional<InstructionFields> RowTable::grid_row(const OcrLine& line,
                                                    const std::vector<DosageToken>& tokens,
                                                    const MedicineName& name) const {
  if (!grid_) {
    return std::nullopt;
  }
  const auto row = read_grid_row(*grid_, line.text, tokens, name.end_token);
  if (!row) {
    return std::nullopt;
  }
  InstructionFields f;
  f.when.slots = row->slots;
  f.when.timing = row->timing;
  f.when.line = line.number;
  if (row->slots.empty()) {
    f.times = {row->marked, false, line.number};  // the marks of a row that lost its blanks
  }
  if (row->dose_token) {
    f.dose = {grid_amount(tokens[*row->dose_token], f), false, line.number};
  } else if (row->slot_amount) {
    f.dose = {DoseAmount{false, *row->slot_amount, std::nullopt, DoseUnit::kNone}, false,
              line.number};
    f.dose_unit_from_form = true;
  }
  if (row->days_token) {
    const DosageToken& t = tokens[*row->days_token];
    if ((t.kind == TokenKind::kNumber || t.kind == TokenKind::kDays) && t.value >= 1 &&
        t.value == std::floor(t.value)) {
      f.days = {static_cast<int>(t.value), false, line.number};
    }
  }
  return f;
}

}  // namespace dailydrug::app
