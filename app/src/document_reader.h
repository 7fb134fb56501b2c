// DocumentReader: the document rules of the prescription scanner (prescription_scanner.h) — it
// reads a normalised document line by line, with the layout recognised before each line
// (scan_layout.h), and returns the medications as the rules read them, with where each field
// came from. Private to the app library; PrescriptionScanner::draft() turns the entries into a
// ScanDraft. Pure; a reading holds no references into the document.
#pragma once

#include <vector>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_result.h"
#include "reading_entry.h"

namespace dailydrug::app {

/// What the rules read in a document.
struct DocumentReading {
  std::vector<Entry> entries;
  std::vector<ScanWarning> warnings;  // line_too_long
  bool saw_instructions = false;      // directions without any medicine name
  bool too_many = false;              // more medications than the maximum
};

/// Reads `doc` (at most `max_medications`, clamped to 1–64).
DocumentReading read_document(const OcrDocument& doc, int max_medications);

}  // namespace dailydrug::app
