#include "dailydrug/app/medicine_name.h"

#include <string>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

constexpr size_t kMaxUnanchoredTokens = 4;

bool is_sep(const DosageToken& t, std::string_view line, std::string_view chars) {
  return t.kind == TokenKind::kSeparator && t.end - t.begin == 1 &&
         chars.find(line[t.begin]) != std::string_view::npos;
}

/// A word that can start a name: not a caution word, at least two letters or syllables.
bool is_name_start(const DosageToken& t, std::string_view line) {
  if (t.kind != TokenKind::kWord || t.caution) {
    return false;
  }
  const std::string_view text = t.text(line);
  size_t letters = 0;
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint c = decode_utf8(text, pos);
    letters += is_hangul_syllable(c.value) || is_ascii_letter(c.value);
    pos += c.length;
  }
  return letters >= 2;
}

/// A category heading rather than a product: "물약", "가루약", "진통제", "퇴원약" — Korean
/// category nouns end in 약 (medicine) or 제 (agent). Only applied to names without an anchor.
bool is_category_noun(std::string_view word) {
  return word.ends_with("약") || word.ends_with("제");
}

/// Index after a "[…]" group starting at `i` (a heading such as "[물약]", "[1번 봉투]"), or `i`.
size_t skip_bracket(const std::vector<DosageToken>& tokens, std::string_view line, size_t i) {
  if (!is_sep(tokens[i], line, "[")) {
    return i;
  }
  for (size_t k = i + 1; k < tokens.size() && k <= i + 6; ++k) {
    if (is_sep(tokens[k], line, "]")) {
      return k + 1;
    }
  }
  return i;
}

/// Tokens that may continue a name: words, strengths and a few joining marks.
bool continues_name(const DosageToken& t, std::string_view line) {
  if (t.kind == TokenKind::kWord) {
    return !t.caution;
  }
  return t.kind == TokenKind::kStrength || is_sep(t, line, "/-+&.");
}

std::optional<DosageForm> form_of(const DosageToken& t, std::string_view line) {
  if (t.kind != TokenKind::kWord) {
    return std::nullopt;
  }
  return dosage_form_of(ascii_lower(t.text(line)));
}

}  // namespace

std::optional<MedicineName> find_medicine_name(std::string_view line,
                                               const std::vector<DosageToken>& tokens) {
  size_t i = 0;
  // Skip what may precede a name: separators, row numbers, codes, name labels, fillers and a
  // bracketed heading.
  for (; i < tokens.size(); ++i) {
    if (const size_t after = skip_bracket(tokens, line, i); after != i) {
      i = after - 1;
      continue;
    }
    const DosageToken& t = tokens[i];
    if (t.kind == TokenKind::kLabel) {
      if (t.label == LabelKind::kName || t.label == LabelKind::kOther) {
        continue;
      }
      return std::nullopt;  // "용법:", "주의:", "효능:" lines hold no name
    }
    if (t.kind == TokenKind::kSeparator || t.kind == TokenKind::kOrdinal ||
        t.kind == TokenKind::kCode || t.kind == TokenKind::kNumber ||
        t.kind == TokenKind::kFiller) {
      continue;
    }
    break;
  }
  if (i >= tokens.size()) {
    return std::nullopt;
  }
  const size_t start = i;
  if (!is_name_start(tokens[i], line)) {
    // "소화불량시 베아제정 1정": a name after a leading condition or instruction — only a word
    // that names a dosage form qualifies there.
    size_t k = i + 1;
    while (k < tokens.size() &&
           !(is_name_start(tokens[k], line) && form_of(tokens[k], line) &&
             (tokens[k].space_before || tokens[k - 1].kind == TokenKind::kSeparator))) {
      ++k;
    }
    if (k >= tokens.size()) {
      return std::nullopt;
    }
    i = k;
  }
  const bool after_instructions = i != start;
  const size_t first = i;
  size_t j = i;
  while (j < tokens.size()) {
    const DosageToken& t = tokens[j];
    if (continues_name(t, line)) {
      ++j;
      continue;
    }
    if (is_sep(t, line, "(") && !t.space_before) {
      // A parenthesised ingredient belongs to the name; parentheses holding anything else
      // (instructions, notes) end it.
      size_t k = j + 1;
      while (k < tokens.size() && continues_name(tokens[k], line)) {
        ++k;
      }
      if (k < tokens.size() && k > j + 1 && is_sep(tokens[k], line, ")")) {
        j = k + 1;
        continue;
      }
    }
    break;
  }
  // Cut after the last anchor.
  size_t end = first;
  bool anchored = false;
  std::optional<DosageForm> form;
  for (size_t k = first; k < j; ++k) {
    const DosageToken& t = tokens[k];
    const auto f = form_of(t, line);
    if (f && !form) {
      form = f;
    }
    if (t.kind == TokenKind::kStrength || f) {
      anchored = true;
      end = k + 1;
    } else if (anchored && end == k && is_sep(t, line, "(")) {
      size_t close = k + 1;
      while (close < j && !is_sep(tokens[close], line, ")")) {
        ++close;
      }
      if (close < j) {
        end = close + 1;
        k = close;
      }
    }
  }
  if (!anchored) {
    // Without a dosage form or strength, only a dose, a count or a duration on the same line
    // makes a word a medicine ("심비코트터부헬러 1회 2흡입 1일 2회"); a time alone does not
    // ("검사 전날 저녁 9시 이후 금식").
    bool instructions_follow = false;
    for (size_t k = j; k < tokens.size(); ++k) {
      const TokenKind kind = tokens[k].kind;
      instructions_follow = instructions_follow || kind == TokenKind::kDose ||
                            kind == TokenKind::kTimes || kind == TokenKind::kFrequency ||
                            kind == TokenKind::kInterval || kind == TokenKind::kDays ||
                            kind == TokenKind::kWeeks || kind == TokenKind::kPrnCondition;
    }
    if (!instructions_follow || j - first > kMaxUnanchoredTokens ||
        is_category_noun(tokens[j - 1].text(line))) {
      return std::nullopt;
    }
    end = j;
  }
  // Trailing joining marks are not part of the name ("타이레놀정 -").
  while (end > first + 1 && tokens[end - 1].kind == TokenKind::kSeparator &&
         !is_sep(tokens[end - 1], line, ")")) {
    --end;
  }
  MedicineName name;
  name.first_token = first;
  name.end_token = end;
  name.begin = tokens[first].begin;
  name.end = tokens[end - 1].end;
  name.text = std::string(line.substr(name.begin, name.end - name.begin));
  name.anchored = anchored;
  name.after_instructions = after_instructions;
  name.form = form;
  return name;
}

}  // namespace dailydrug::app
