#include "document_footer.h"

#include <algorithm>
#include <optional>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/utf8_text.h"

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

bool has_note_of_line(const Entry& e, int line) {
  return std::any_of(e.line_notes.begin(), e.line_notes.end(),
                     [&](const ScanNote& n) { return n.line == line; });
}

/// The entries whose name begins with `subject` (spaces aside); if none, and the subject names a
/// dosage form alone ("흡입제", "패취", "시럽"), the entries of that form.
std::vector<size_t> named_by(const std::vector<Entry>& entries, const std::string& subject) {
  std::vector<size_t> named;
  for (size_t c = 0; c < entries.size(); ++c) {
    if (compact_text(entries[c].name).starts_with(compact_text(subject))) {
      named.push_back(c);
    }
  }
  if (const auto family = form_family_of(ascii_lower(compact_text(subject)));
      named.empty() && family) {
    for (size_t c = 0; c < entries.size(); ++c) {
      if (in_form_family(*family, ascii_lower(compact_text(entries[c].name)))) {
        named.push_back(c);
      }
    }
  }
  return named;
}

}  // namespace

void apply_document_duration(std::vector<Entry>& entries, const std::vector<DocumentDays>& days) {
  std::optional<DocumentDays> found;
  for (const DocumentDays& d : days) {
    if (d.medications_before != 0 && d.medications_before != entries.size()) {
      continue;
    }
    if (found && (found->days != d.days || found->in_months != d.in_months)) {
      return;
    }
    found = d;
  }
  if (!found) {
    return;
  }
  for (Entry& e : entries) {
    if (e.f.days.present() || e.f.days_in_months) {
      continue;
    }
    if (found->in_months) {
      e.f.days_in_months = true;
      e.f.months_line = found->line;
    } else {
      e.f.days = {found->days, false, found->line};
    }
    e.src.days = FieldSource::kDocument;
  }
}

void apply_footer_notes(std::vector<Entry>& entries, const std::vector<FooterNote>& notes) {
  for (const FooterNote& footer : notes) {
    if (footer.medications_before != entries.size() || footer.own_row) {
      continue;  // medications follow, or rows have remarks each: it belongs to the one above it
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

void apply_remarks(std::vector<Entry>& entries, const std::vector<Remark>& remarks) {
  for (const Remark& r : remarks) {
    const std::vector<size_t> named =
        r.subject ? named_by(entries, *r.subject) : std::vector<size_t>{};
    if (!named.empty()) {
      for (Entry& e : entries) {
        std::erase_if(e.line_notes, [&](const ScanNote& n) { return n.line == r.note.line; });
      }
    }
    for (size_t c = 0; c < entries.size() && !named.empty(); ++c) {
      Entry& e = entries[c];
      const bool is_named = std::find(named.begin(), named.end(), c) != named.end();
      fill_missing(e.f, e.src, is_named ? r.directions : r.rest_directions,
                   is_named ? FieldSource::kContinuation : FieldSource::kShared);
    }
    std::vector<size_t> concerned = named;
    if (r.section) {
      for (size_t c = 0; c < entries.size(); ++c) {
        std::erase_if(entries[c].line_notes,
                      [&](const ScanNote& n) { return n.line == r.note.line; });
        if (entries[c].f.when.timing == r.section) {
          concerned.push_back(c);
        }
      }
    } else if (named.empty() && r.whole_document) {
      for (size_t c = 0; c < entries.size(); ++c) {
        concerned.push_back(c);
      }
    }
    for (const size_t c : concerned) {
      if (!has_note_of_line(entries[c], r.note.line)) {
        entries[c].line_notes.push_back(r.note);
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
