// The table whose rows the document reader (document_reader.h) is reading: a header's columns
// ("약품명 1회 투약량 1일 투여횟수 총 투약일수") that a row's bare numbers fill — also when the
// header comes after its rows, when a row's last cells wrap onto the next line, or when a row's
// cells stand one per line — or a timetable grid whose rows mark parts of the day. Private to the
// app library. Holds references to the document and to the reader's entries.
#pragma once

#include <optional>
#include <vector>

#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_layout.h"
#include "reading_entry.h"

namespace dailydrug::app {

/// A table header split over lines, one piece a line ("처방의약품의" / "명칭" / "1회" / "투약량" /
/// "1일" / "투여횟수" / "총" / "투약일수" / "용법", a form's header cells read one by one): the
/// pieces from line `number` on, joined, name the name column and at least two numeric columns,
/// and the line after the last piece names a medicine. The header and its last line; none
/// otherwise (one line that is a header by itself is read as usual).
struct SplitHeader {
  TableHeader header;
  int last_line = 0;
};
std::optional<SplitHeader> split_header_at(const OcrDocument& doc, int number);

class RowTable {
 public:
  RowTable(const OcrDocument& doc, std::vector<Entry>& entries) : doc_(doc), entries_(entries) {}

  /// A table header on `line`: its columns serve the rows that follow, and the rows of `block`
  /// (the entries above, since the last blank line or heading) that had bare numbers and no
  /// header take it (a rotated photo read bottom-up).
  void use_header(const TableHeader& header, const OcrLine& line,
                  const std::vector<DosageToken>& tokens, const std::vector<size_t>& block);
  /// A timetable grid header: its rows follow; no column header any more.
  void use_grid(SlotGrid grid);

  /// Under a header whose cells are separated by bars and whose name column is not the first
  /// ("항목 | 코드 | 명칭 | 단가 | 1회투약량 | …" on a bill), a row with as many bars: the index of
  /// the first token of its name cell — the cells before it (a category, a code) are not the
  /// name. None for any other line.
  std::optional<size_t> name_cell_start(std::string_view text,
                                        const std::vector<DosageToken>& tokens) const;

  /// Bare numbers after a name (`f.bare_numbers`) → the header's columns (table_cells.h), a row
  /// wrapped onto the next line included; without a header they are reported, not guessed.
  void assign_cells(Entry& e, InstructionFields& f, int line);
  /// The line is the end of a wrapped row, already read with the row.
  bool is_wrapped_end(int line) const { return line == wrapped_line_; }

  /// Entry `index` was named alone under a header: its cells may follow, one per line.
  void expect_cells(size_t index);
  /// `line` is the next cell of such a row (and is taken); otherwise the row is over.
  bool takes_cell(const OcrLine& line, const std::vector<DosageToken>& tokens);

  /// The fields of a timetable grid's row named `name` — the marked parts of the day and the
  /// count, the header's meal timing, the dose and days cells; none without a grid or when the
  /// row's cells do not fit its header (see read_grid_row).
  std::optional<InstructionFields> grid_row(const OcrLine& line,
                                            const std::vector<DosageToken>& tokens,
                                            const MedicineName& name) const;

 private:
  bool wrapped_row(Entry& e, InstructionFields& f, int line);

  struct RowCells {
    size_t entry = 0;
    size_t next = 0;  // the header column whose cell comes next
  };

  const OcrDocument& doc_;
  std::vector<Entry>& entries_;
  std::optional<TableHeader> columns_;
  size_t name_cell_ = 0;          // the header's name column, counted in bars (0: first or no bars)
  size_t bars_ = 0;               // the header's bars
  std::optional<SlotGrid> grid_;  // the timetable grid whose rows follow
  std::optional<RowCells> row_cells_;  // a row whose cells follow one per line
  int wrapped_line_ = 0;               // the cells of the row above, read with it
};

}  // namespace dailydrug::app
