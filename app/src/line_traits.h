// What one line of a prescription is, from its own text and tokens alone: labels, remarks, notes,
// the first piece of a broken name. Private to the app library; used by the document reader
// (document_reader.h), which decides from these and from the lines around. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_result.h"

namespace dailydrug::app {

/// A dose or a strength: the line holds values ("약품: A캡슐20mg | 용량: 1캡슐 | 일수: 14일"),
/// so its column words are labels, not a table header.
bool holds_amount(const std::vector<DosageToken>& tokens);

/// The label the line starts with (after bullets and row numbers), if any.
std::optional<LabelKind> leading_label(const std::vector<DosageToken>& tokens);

/// The line without a leading name label ("처방약 : A정, B정" → "A정,B정"): the label's own
/// words ("처방", "조제") do not make the line a notice. `compact_lower` is the whole line's.
std::string after_name_label(std::string_view text, const std::vector<DosageToken>& tokens,
                             std::optional<LabelKind> label, const std::string& compact_lower);

/// Words follow the leading label and its colon ("주의사항: 졸음 …", not "주의사항").
bool has_text_after_label(std::string_view text, const std::vector<DosageToken>& tokens);

/// The directions hold a duration and nothing else.
bool only_duration(const InstructionFields& f);

/// The line starts with ※, the mark of a remark.
bool starts_with_remark(std::string_view text, const std::vector<DosageToken>& tokens);

/// A remark, a caution, a limit ("1일 최대 3회") or an interval ("간격") — a note for the
/// medication(s) above.
bool is_note_line(std::string_view text, const std::vector<DosageToken>& tokens);

/// The note a note line gives: its text without a leading "[heading]", bullets and labels, or
/// trailing separators ("[보관] 냉장 보관" → "냉장 보관"); none if nothing is left.
std::optional<ScanNote> note_of(const OcrLine& line, const std::vector<DosageToken>& tokens);

/// The first piece of a name broken over two lines, and its line.
struct Fragment {
  std::string text;
  int line = 0;
  bool listed = false;  // after a bullet or a row number
};

/// The first piece of a name broken over two lines: a line (or a list item: "• 레바미피",
/// "3. 록소프") holding one word of two or more syllables that names nothing yet — no dosage
/// form, no category ("…약", "…제").
std::optional<Fragment> name_fragment(const OcrLine& line, const std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app
