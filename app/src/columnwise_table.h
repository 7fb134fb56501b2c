// A table that OCR read column by column — the names listed alone, then each column label
// followed by one cell per name, in the names' order ("1회 투약량" / "1정" / "1정", or "1회
// 투약량 1 1" on one line; a label may be split over lines: "1회" / "투약량") — and an app
// screen's field labels, each over its value on the next line ("자누비아정100mg" / "1회 투약량" /
// "1정"). Private to the app library; used by the document reader (document_reader.h). Holds
// references to the reader's entries and to the names still waiting for directions, which a
// column table takes over as its rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_layout.h"
#include "reading_entry.h"

namespace dailydrug::app {

class ColumnwiseTable {
 public:
  ColumnwiseTable(std::vector<Entry>& entries, std::vector<size_t>& pending)
      : entries_(entries), pending_(pending) {}

  /// "1회 투약량 1 1" / "1일 투여횟수 2 3": a column label followed by one bare number per
  /// name; true (the cells taken) if the line is one.
  bool column_on_one_line(const OcrLine& line, const std::vector<DosageToken>& tokens);
  /// A column label alone (whole, or a piece of one split over lines) starting a column, or a
  /// field label of the medication above (`after_medicine`: the line above named it, or was a
  /// field); true if the line was one.
  bool label(const std::string& compact_lower, bool after_medicine);
  /// A field label's value is the next line.
  bool awaits_value() const { return label_value_.has_value(); }
  /// The value under a field label: a cell of that column for the last medication; false if
  /// the line is no such value (it is then read as usual).
  bool labelled_value(const OcrLine& line, const std::vector<DosageToken>& tokens);
  /// The next cell of the current column; false (the table is over) if the line is none.
  bool cell(const OcrLine& line, const std::vector<DosageToken>& tokens);

 private:
  bool start_column(LayoutColumn column);
  bool next_cell(const OcrLine& line, const std::vector<DosageToken>& tokens);

  struct ColumnRun {
    LayoutColumn column;
    size_t next = 0;  // the row whose cell comes next
  };

  std::vector<Entry>& entries_;
  std::vector<size_t>& pending_;
  std::optional<ColumnRun> column_run_;
  std::vector<size_t> column_rows_;          // the names of a table read column by column
  std::string label_prefix_;                 // the start of a column label split over lines
  std::optional<LayoutColumn> label_value_;  // a field label whose value is the next line
};

}  // namespace dailydrug::app
