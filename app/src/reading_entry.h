// A medication while the document reader (document_reader.h) reads a document, and how the
// fields of one piece of directions complete another's: what a shared block, a continuation line
// or a table cell gives an entry is only what the entry still lacks. Private to the app library.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_result.h"

namespace dailydrug::app {

/// Where each field group of an entry came from.
struct Sources {
  FieldSource dose = FieldSource::kNone;
  FieldSource times = FieldSource::kNone;
  FieldSource days = FieldSource::kNone;
  FieldSource when = FieldSource::kNone;
};

/// A medication while the document is read.
struct Entry {
  std::string name;
  int source_line = 0;
  std::optional<DosageForm> form;
  InstructionFields f;
  Sources src;
  bool unassigned_numbers = false;
  bool before_header = false;        // bare numbers read before any table header
  std::vector<ScanNote> line_notes;  // from note lines under the entry
};

/// `have` lacks a field (dose, count or rhythm, duration, timing) that `offer` has.
bool lacks_any(const InstructionFields& have, const InstructionFields& offer);

/// Fills what `dst` lacks from `src`, marking each field taken with `how` in `sources` (and
/// taking `src`'s notes along); returns whether anything was taken.
bool fill_missing(InstructionFields& dst, Sources& sources, const InstructionFields& src,
                  FieldSource how);

/// The sources of fields written on the medication's own line: `kText` where present.
Sources own_sources(const InstructionFields& f);

}  // namespace dailydrug::app
