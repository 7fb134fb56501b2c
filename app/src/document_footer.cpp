#include "document_footer.h"

#include <algorithm>
#include <optional>

namespace dailydrug::app {
namespace {

/// The notes line `line` gave to the entries of `block`.
std::vector<ScanNote> notes_of_line(const std::vector<Entry>& entries,
                                    const std::vector<size_t>& block, int line) {
  std::vector<ScanNote> notes;
  for (const size_t c : block) {
    for (const ScanNote& n : entries[c].line_notes) {
      if (n.line == line) {
        notes.push_back(n);
      }
    }
  }
  return notes;
}

}  // namespace

void apply_document_duration(std::vector<Entry>& entries, const std::vector<DocumentDays>& days) {
  std::optional<DocumentDays> found;
  for (const DocumentDays& d : days) {
    if (d.medications_before != 0 && d.medications_before != entries.size()) {
      continue;
    }
    if (found && found->days != d.days) {
      return;
    }
    found = d;
  }
  if (!found) {
    return;
  }
  for (Entry& e : entries) {
    if (!e.f.days.present() && !e.f.days_in_months) {
      e.f.days = {found->days, false, found->line};
      e.src.days = FieldSource::kDocument;
    }
  }
}

void apply_footer_notes(std::vector<Entry>& entries, const std::vector<FooterNote>& notes) {
  for (const FooterNote& footer : notes) {
    if (footer.medications_before != entries.size()) {
      continue;  // medications follow: the remark belongs to the one above it
    }
    const std::vector<ScanNote> given = notes_of_line(entries, footer.block, footer.line);
    if (given.empty()) {
      continue;
    }
    for (const size_t c : footer.block) {
      std::vector<ScanNote>& own = entries[c].line_notes;
      if (std::none_of(own.begin(), own.end(),
                       [&](const ScanNote& n) { return n.line == footer.line; })) {
        own.push_back(given.front());
      }
    }
  }
}

void apply_footer_directions(std::vector<Entry>& entries, const InstructionFields& directions) {
  for (Entry& e : entries) {
    fill_missing(e.f, e.src, directions, FieldSource::kDocument);
  }
}

}  // namespace dailydrug::app
