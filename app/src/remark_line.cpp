#include "remark_line.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/utf8_text.h"
#include "line_traits.h"

namespace dailydrug::app {
namespace {

/// A medication read so far has a name beginning with `subject`.
bool names_entry(const std::vector<Entry>& entries, const std::string& subject) {
  return std::any_of(entries.begin(), entries.end(), [&](const Entry& e) {
    return compact_text(e.name).starts_with(compact_text(subject));
  });
}

/// The first token of a clause about the other medicines ("…, 나머지는 식후", "그 외의 약은 …"):
/// a word naming them after a comma; `tokens.size()` if there is none.
size_t rest_clause(std::string_view text, const std::vector<DosageToken>& tokens, size_t from) {
  static constexpr std::string_view kOthers[] = {"나머지", "그외", "기타", "다른"};
  for (size_t k = from + 1; k < tokens.size(); ++k) {
    const std::string_view w = tokens[k].text(text);
    const bool after_comma =
        tokens[k - 1].kind == TokenKind::kSeparator && tokens[k - 1].text(text) == ",";
    const bool others =
        std::any_of(std::begin(kOthers), std::end(kOthers),
                    [&](std::string_view o) { return w.starts_with(o); }) ||
        (w == "그" && k + 1 < tokens.size() && tokens[k + 1].text(text).starts_with("외"));
    if (after_comma && others) {
      return k;
    }
  }
  return tokens.size();
}

/// "※ 자기 전 약은 …", "식후 약을 …": the remark's subject is the medicines of a timing (a
/// section of the bag), not a direction; that timing.
std::optional<Timing> section_subject(std::string_view text, const std::vector<DosageToken>& tokens,
                                      size_t start) {
  if (start + 1 >= tokens.size() || tokens[start].kind != TokenKind::kTiming) {
    return std::nullopt;
  }
  const std::string_view next = tokens[start + 1].text(text);
  const bool medicines =
      next == "약" || next == "약은" || next == "약을" || next == "약이" || next == "약들은";
  return medicines ? std::optional(tokens[start].timing) : std::nullopt;
}

/// A word ending in 면 ("있으면", "심하면") comes before the first timing word: the timing is
/// what to do if that happens.
bool timing_under_condition(std::string_view text, const std::vector<DosageToken>& tokens) {
  for (const DosageToken& t : tokens) {
    if (t.kind == TokenKind::kTiming || t.kind == TokenKind::kMeal) {
      return false;
    }
    const std::string_view w = t.text(text);
    if (t.kind == TokenKind::kWord && w.size() >= 6 && w.ends_with("면")) {
      return true;
    }
  }
  return false;
}

/// The directions of tokens[from, to) of `line`.
InstructionFields directions_between(const OcrLine& line, const std::vector<DosageToken>& tokens,
                                     size_t from, size_t to) {
  const std::vector<DosageToken> clause(tokens.begin(),
                                        tokens.begin() + static_cast<std::ptrdiff_t>(to));
  return parse_instructions(line.text, line.number, clause, from);
}

}  // namespace

std::optional<RemarkLine> read_remark_line(const OcrLine& line,
                                           const std::vector<DosageToken>& tokens,
                                           const std::optional<MedicineName>& name,
                                           const InstructionFields& fields,
                                           const std::vector<Entry>& entries) {
  const auto start = remark_start(line.text, tokens);
  if (!start || *start >= tokens.size()) {
    return std::nullopt;
  }
  // The remark's own words (a chat line's "[행복약국 김약사]" header aside) decide: "※ 환자의
  // 요구가 있을 때에는 …" is the form's fine print.
  const std::string own = ascii_lower(compact_text(line.text.substr(tokens[*start].begin)));
  if (has_notice_keyword(own) && !advises_consulting(own)) {
    return std::nullopt;
  }
  const bool labelled = name && name->first_token == *start && name->end_token < tokens.size() &&
                        tokens[name->end_token].text(line.text) == ":";  // "※ 코대원정: …"
  RemarkLine r;
  r.subject = labelled ? std::optional<std::string>(name->text) : remark_subject(line.text, tokens);
  const bool particle =
      r.subject && !labelled && tokens[*start].text(line.text).size() != r.subject->size();
  // A dosage form alone ("※ 흡입제 사용 후에는 …", "※ 패취는 …") names the medicines of that form.
  r.named =
      labelled ||
      (r.subject &&
       ((particle && (dosage_form_of(*r.subject) || names_entry(entries, *r.subject))) ||
        (!name && names_entry(entries, *r.subject)) || form_family_of(ascii_lower(*r.subject))));
  // A condition alone ("※ 열이 나면 해열제를 드세요") is advice, no directions; so is a timing
  // under a condition ("※ 속쓰림이 있으면 식사 직후에 드세요": what to do on a side effect).
  const bool amounts =
      fields.dose.present() || fields.times.present() || fields.days.present() || fields.non_daily;
  const auto section = section_subject(line.text, tokens, *start);
  const bool directs = (amounts || fields.when.timing) && !only_condition(fields) &&
                       (amounts || (!timing_under_condition(line.text, tokens) && !section));
  if (!r.named && (name || directs)) {
    return std::nullopt;
  }
  const size_t from = labelled ? name->end_token + 1 : 0;
  r.note = note_of(line, tokens, from);
  r.several = refers_to_several_medicines(own);
  r.section = r.named ? std::nullopt : section;
  if (r.named) {
    const size_t rest = rest_clause(line.text, tokens, *start);
    r.directions = directions_between(line, tokens, from, rest);
    r.rest_directions = directions_between(line, tokens, rest, tokens.size());
  }
  return r;
}

}  // namespace dailydrug::app
