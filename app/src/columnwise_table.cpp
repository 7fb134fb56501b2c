#include "columnwise_table.h"

#include <algorithm>

#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/utf8_text.h"
#include "table_cells.h"

namespace dailydrug::app {

bool ColumnwiseTable::start_column(LayoutColumn column) {
  if (column_rows_.empty()) {
    if (pending_.size() < 2) {
      return false;
    }
    column_rows_ = pending_;
    pending_.clear();
  }
  column_run_ = ColumnRun{column, 0};
  return true;
}

bool ColumnwiseTable::label(const std::string& compact_lower, bool after_medicine) {
  const std::string joined = label_prefix_ + compact_lower;
  label_prefix_.clear();
  const auto column = parse_column_label(joined);
  if (column && start_column(*column)) {
    return true;
  }
  if (column && !entries_.empty() && (after_medicine || label_value_)) {
    // "자누비아정100mg" / "1회 투약량" / "1정" / "1일 투여횟수" / "1회": an app screen's field
    // label of the medication above; its value is the next line (never "1일" as 1 day)
    label_value_ = *column;
    return true;
  }
  label_value_.reset();
  if ((!column_rows_.empty() || pending_.size() >= 2) && is_column_label_prefix(joined)) {
    label_prefix_ = joined;
    return true;
  }
  return false;
}

bool ColumnwiseTable::column_on_one_line(const OcrLine& line,
                                         const std::vector<DosageToken>& tokens) {
  const auto first_number = std::find_if(tokens.begin(), tokens.end(), [](const DosageToken& t) {
    return t.kind == TokenKind::kNumber;
  });
  if (first_number == tokens.begin() || first_number == tokens.end()) {
    return false;
  }
  std::vector<double> cells;
  for (auto t = first_number; t != tokens.end(); ++t) {
    if (t->kind == TokenKind::kNumber) {
      cells.push_back(t->value);
    } else if (t->kind != TokenKind::kSeparator) {
      return false;
    }
  }
  const std::vector<size_t>& names = column_rows_.empty() ? pending_ : column_rows_;
  const auto column = parse_column_label(
      ascii_lower(compact_text(std::string_view(line.text).substr(0, first_number->begin))));
  if (!column || *column == LayoutColumn::kDirections || names.size() < 2 ||
      cells.size() != names.size()) {
    return false;
  }
  if (column_rows_.empty()) {
    column_rows_ = pending_;
    pending_.clear();
  }
  for (size_t k = 0; k < cells.size(); ++k) {
    InstructionFields value;
    value.bare_numbers = {cells[k]};
    Entry& e = entries_[column_rows_[k]];
    fill_missing(e.f, e.src, column_cell_fields(*column, value, line.number),
                 FieldSource::kTableCell);
  }
  return true;
}

bool ColumnwiseTable::labelled_value(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  const LayoutColumn column = *label_value_;
  if (find_medicine_name(line.text, tokens)) {
    label_value_.reset();
    return false;
  }
  const InstructionFields cell = column_cell_fields(
      column, parse_instructions(line.text, line.number, tokens, 0), line.number);
  if (!cell.has_fields()) {
    label_value_.reset();
    return false;
  }
  Entry& e = entries_.back();
  fill_missing(e.f, e.src, cell, FieldSource::kTableCell);
  // it has directions now: no longer a name of a list waiting for some (or of a column table)
  pending_.erase(std::remove(pending_.begin(), pending_.end(), entries_.size() - 1),
                 pending_.end());
  return true;
}

bool ColumnwiseTable::cell(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  if (column_run_ && next_cell(line, tokens)) {
    return true;
  }
  column_run_.reset();  // the table is over
  column_rows_.clear();
  return false;
}

bool ColumnwiseTable::next_cell(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  ColumnRun& run = *column_run_;
  if (run.next >= column_rows_.size() || find_medicine_name(line.text, tokens)) {
    return false;
  }
  const InstructionFields cell = column_cell_fields(
      run.column, parse_instructions(line.text, line.number, tokens, 0), line.number);
  if (!cell.has_fields()) {
    return false;
  }
  Entry& e = entries_[column_rows_[run.next++]];
  fill_missing(e.f, e.src, cell, FieldSource::kTableCell);
  return true;
}

}  // namespace dailydrug::app
