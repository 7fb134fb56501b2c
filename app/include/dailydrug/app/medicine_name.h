// Finding the medicine name on a prescription line.
//
// A name starts at the first ordinary word of the line, after bullets, row numbers, drug codes
// and name labels ("1.", "| 3 | 645301230 |", "약품명:", "Rx:"), and runs over words, strengths
// and parenthesised ingredients until the first instruction token (dose, count, duration,
// timing …), bare number (a table cell) or column separator. It is then cut after its last
// *anchor* — a strength ("500mg") or a word naming a dosage form ("…정", "…캡슐", "…시럽",
// "tab") together with a following "(ingredient)" — which drops descriptors such as
// "해열진통제 흰색 원형". A name without an anchor is accepted only when the same line carries a
// dose or a count (a duration alone is a label or a title: "투약일수 7일"), the name is short (at
// most 4 tokens) and it is not a category noun ("진통제", "물약").
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

struct MedicineName {
  std::string text;  // the name as printed (normalised line text, trimmed)
  size_t begin = 0;  // byte span in the line
  size_t end = 0;
  size_t first_token = 0;  // tokens[first_token, end_token) form the name
  size_t end_token = 0;
  bool anchored = false;            // has a strength or a dosage form
  bool after_instructions = false;  // found after leading instructions ("통증시 타이레놀정 1정")
  std::optional<DosageForm> form;  // the dosage form of its first form word, if any
};

/// The medicine name of a line, or nullopt if the line does not start with one (instruction
/// lines, labels such as "용법:" or "주의:", headings, sentences).
std::optional<MedicineName> find_medicine_name(std::string_view line,
                                               const std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app
