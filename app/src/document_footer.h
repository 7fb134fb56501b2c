// What a document states once for all its medications, applied after every line is read: a
// duration in the header or footer ("투약일수 : 5일", "/ 28일분"), a ※ remark after the last
// medication, directions below the last medication that none took ("모든 약은 식후 30분에
// 드세요"). Private to the app library; the document reader (document_reader.h) records where
// these lines stand and decides which directions are a footer. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/dose_parser.h"
#include "reading_entry.h"

namespace dailydrug::app {

/// A duration on a notice line, and how many medications were read before it.
struct DocumentDays {
  int days = 0;
  int line = 0;
  size_t medications_before = 0;
  bool in_months = false;  // "처방일수 3개월분": never converted to days
};

/// A duration stated once in the header (above the first medication) or the footer (below the
/// last) serves every medication without one of its own (`document`). Between medications such
/// a line ("Dispense: 60 tablets (30 days)") belongs to one of them and is not used; two
/// different durations are not used either.
void apply_document_duration(std::vector<Entry>& entries, const std::vector<DocumentDays>& days);

/// A ※ remark (line `line`), the entries of the block above it, and how many medications were
/// read before it.
struct FooterNote {
  size_t medications_before = 0;
  std::vector<size_t> block;
  int line = 0;
  bool own_row = false;  // under the last row, where the rows above had a remark each: its own
};

/// A ※ remark after the last medication is the bag's footer: it concerns every medication of
/// the block above, not only the last one (which took it as a note) — unless each row above had
/// a remark line of its own right under it: then it is the last row's ("1 A정 … / ※ … / 2 B정 …
/// / ※ …").
void apply_footer_notes(std::vector<Entry>& entries, const std::vector<FooterNote>& notes);

/// A ※ remark: its note, the medicine its first word may name, and whether it stood where no
/// medication was in context (above the first, or after a heading or notices).
struct Remark {
  ScanNote note;
  std::optional<std::string> subject;
  std::optional<Timing> section;  // about the medicines of this timing ("자기 전 약은 …")
  bool whole_document = false;
  InstructionFields directions;       // for the medications the subject names
  InstructionFields rest_directions;  // for the others ("…, 나머지는 식후")
};

/// A remark naming medications ("※ 코대원정: 졸음이 …", "※ 레보세티리진은 …": its subject begins
/// their names) concerns those only, wherever it stands: its directions fill what they lack
/// (`continuation`), and a clause about the others fills what those lack (`shared`). Any other
/// remark that stood where no medication was in context, or that refers to several medicines,
/// concerns every medication.
void apply_remarks(std::vector<Entry>& entries, const std::vector<Remark>& remarks);

/// The bag's footer directions fill what every medication lacks (`document`).
void apply_footer_directions(std::vector<Entry>& entries, const InstructionFields& directions);

}  // namespace dailydrug::app
