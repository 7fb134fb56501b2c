// Table cells of a prescription: where a bare number goes. Private to the app library; used by
// the document reader's tables (row_table.h: rows under a header, rows whose cells follow one per
// line; columnwise_table.h: tables read column by column).
// Pure functions; thread-safe.
#pragma once

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/scan_layout.h"
#include "reading_entry.h"

namespace dailydrug::app {

/// Bare numbers after a name (`f.bare_numbers`) → `header`'s columns, in order: all columns; or
/// exactly the columns the row left empty; or, when the row's dose is written with its unit in
/// the dose cell, the other columns (their values may be repeated in words in a directions
/// column: "1정 1 56 1일 1회 취침 전"). A cell that disagrees with a written value makes the
/// field ambiguous. Anything else is reported (`e.unassigned_numbers`), not guessed.
void assign_row_numbers(const TableHeader& header, Entry& e, InstructionFields& f, int line);

/// The fields `f` (line `line`) gives as a cell of `column` in a table read column by column: a
/// dose, count or duration written or bare, or the directions; empty if the line is no such cell.
InstructionFields column_cell_fields(LayoutColumn column, const InstructionFields& f, int line);

/// The fields `f` gives as the cell of `column` of a row whose cells stand one per line: a lone
/// dose, or one bare number; empty otherwise.
InstructionFields row_cell_fields(TableColumn column, const InstructionFields& f, int line);

}  // namespace dailydrug::app
