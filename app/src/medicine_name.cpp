#include "dailydrug/app/medicine_name.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>

#include "dailydrug/app/scan_layout.h"
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
  if (t.kind != TokenKind::kWord || t.caution || day_phase_of(t, line)) {
    return false;  // "4-6일째 2정" is a phase of a course, not a name
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

/// tokens[k] is an English site word before an English form word: "eye drops", "ear drops" —
/// part of the name, not a site of the directions ("in each eye").
bool names_site_of_form(const std::vector<DosageToken>& tokens, std::string_view line, size_t k) {
  const auto latin = [&](const DosageToken& t) {
    const std::string_view w = t.text(line);
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
  };
  return k + 1 < tokens.size() && tokens[k].kind == TokenKind::kFiller && latin(tokens[k]) &&
         latin(tokens[k + 1]) && form_of(tokens[k + 1], line).has_value();
}

bool is_anchor(const DosageToken& t, std::string_view line) {
  return t.kind == TokenKind::kStrength || form_of(t, line).has_value();
}

/// Picture text of a bag ("흰색 원형 정제", "노란색 필름코팅정"): colours (…색), shapes (…형) and
/// the coating or form of the pill as a word of its own. Not part of the name.
bool is_appearance_word(const DosageToken& t, std::string_view line) {
  static constexpr std::string_view kPillWords[] = {"정제",   "필름코팅정", "코팅정",
                                                    "당의정", "필름정",     "장용정"};
  if (t.kind != TokenKind::kWord) {
    return false;
  }
  const std::string_view w = t.text(line);
  return (w.size() > 3 && (w.ends_with("색") || w.ends_with("형"))) ||
         std::find(std::begin(kPillWords), std::end(kPillWords), w) != std::end(kPillWords);
}

/// A dosage form named alone, without a product ("캡슐", "연질캡슐", "시럽").
bool is_bare_form_word(const DosageToken& t, std::string_view line) {
  static constexpr std::string_view kForms[] = {
      "캡슐", "연질캡슐", "경질캡슐", "정",     "시럽",     "과립",   "산제",
      "연고", "크림",     "흡입기",   "흡입제", "분무제",   "점안액", "안약",
      "패치", "좌약",     "가글",     "패취",   "스프레이", "좌제",   "로션"};
  return t.kind == TokenKind::kWord &&
         std::find(std::begin(kForms), std::end(kForms), t.text(line)) != std::end(kForms);
}

/// A sentence rather than a name ("혈압을 낮추는 약입니다", "천천히 일어나세요").
bool ends_sentence(const DosageToken& t, std::string_view line) {
  const std::string_view w = t.text(line);
  return w.ends_with("니다") || w.ends_with("세요") || w.ends_with("시오");
}

/// "아래 약은 모두 …", "위 약을 …", "다음 3일: …": about the medicines listed or a phase of a
/// course, not a name.
bool is_demonstrative(const DosageToken& t, std::string_view line) {
  static constexpr std::string_view kWords[] = {"아래", "위",   "다음",   "모든", "모두",
                                                "상기", "처음", "마지막", "이후", "그다음"};
  return std::find(std::begin(kWords), std::end(kWords), t.text(line)) != std::end(kWords);
}

/// One word in spaced brackets right after a product's name with a form ("뮤코펙트정 (암브록솔)")
/// that is no category, symptom, description or picture text: the product's ingredient.
bool is_ingredient_after_product(const std::vector<DosageToken>& tokens, std::string_view line,
                                 size_t open) {
  if (open == 0 || open + 2 >= tokens.size() || !form_of(tokens[open - 1], line) ||
      is_bare_form_word(tokens[open - 1], line) || tokens[open + 1].kind != TokenKind::kWord) {
    return false;
  }
  const DosageToken& word = tokens[open + 1];
  const std::string_view w = word.text(line);
  return w.size() >= 6 && !is_category_noun(w) && !is_symptom_word(w) && !names_efficacy(w) &&
         !is_appearance_word(word, line) && !word.caution;
}

/// The closing mark of an opening "(" or "[", or 0.
char closing_of(const DosageToken& t, std::string_view line) {
  return is_sep(t, line, "(") ? ')' : is_sep(t, line, "[") ? ']' : '\0';
}

/// Index of the token closing the group opened at `open` if only name words lie between
/// ("(씬지로이드정)", "[카르베딜롤]", "(클로피도그렐황산수소염)"), else 0. A group written apart
/// from the name is its other name only after a strength ("플라빅스정75mg (클로피도그렐…)"),
/// when it names a product itself ("(씬지로이드정)") or when it is one word of an ingredient
/// after a product ("뮤코펙트정 (암브록솔)"); otherwise it describes — a category ("(소염진통제)"),
/// a symptom ("(코막힘)"), what it is for ("(위장보호)"), picture text ("(흰색 원형)").
size_t name_group_end(const std::vector<DosageToken>& tokens, std::string_view line, size_t open,
                      bool after_strength) {
  const char close = closing_of(tokens[open], line);
  if (close == '\0') {
    return 0;
  }
  size_t k = open + 1;
  bool descriptive = false;
  bool anchored = false;
  while (k < tokens.size() && continues_name(tokens[k], line)) {
    descriptive = descriptive || is_appearance_word(tokens[k], line);
    anchored = anchored || is_anchor(tokens[k], line);
    ++k;
  }
  if (k >= tokens.size() || k == open + 1 ||
      !is_sep(tokens[k], line, std::string_view(&close, 1))) {
    return 0;
  }
  const bool other_name = after_strength || anchored ||
                          (k == open + 2 && is_ingredient_after_product(tokens, line, open));
  if (tokens[open].space_before &&
      (descriptive || !other_name || is_category_noun(tokens[k - 1].text(line)))) {
    return 0;
  }
  return k;
}

/// A hospital's drug code before a Korean name ("AML5 아모디핀정5mg", "MCD40 …"): capital
/// letters then digits, one chunk, followed after a space by a word in Hangul. Returns the token
/// after the code, or `i`.
size_t skip_letter_code(const std::vector<DosageToken>& tokens, std::string_view line, size_t i) {
  size_t k = i + 1;
  while (k < tokens.size() && !tokens[k].space_before) {
    ++k;
  }
  if (k >= tokens.size() || tokens[k].kind != TokenKind::kWord) {
    return i;
  }
  const std::string_view code = line.substr(tokens[i].begin, tokens[k - 1].end - tokens[i].begin);
  size_t letters = 0;
  while (letters < code.size() && code[letters] >= 'A' && code[letters] <= 'Z') {
    ++letters;
  }
  size_t digits = letters;
  while (digits < code.size() && code[digits] >= '0' && code[digits] <= '9') {
    ++digits;
  }
  const std::string_view next = tokens[k].text(line);
  const bool hangul_next = !next.empty() && static_cast<unsigned char>(next[0]) >= 0xEA &&
                           static_cast<unsigned char>(next[0]) <= 0xED;
  return letters >= 2 && digits > letters && digits == code.size() && hangul_next ? k : i;
}

}  // namespace

std::optional<MedicineName> find_medicine_name(std::string_view line,
                                               const std::vector<DosageToken>& tokens) {
  size_t i = 0;
  bool labelled = false;  // after "약품명:", "Rx:": the words are a name even without a form
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
        labelled = labelled || t.label == LabelKind::kName;
        continue;
      }
      return std::nullopt;  // "용법:", "주의:", "효능:" lines hold no name
    }
    if (t.kind == TokenKind::kSeparator || t.kind == TokenKind::kOrdinal ||
        t.kind == TokenKind::kCode || t.kind == TokenKind::kNumber ||
        t.kind == TokenKind::kFiller) {
      continue;
    }
    if (const size_t after = skip_letter_code(tokens, line, i); after != i) {
      i = after - 1;
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
  size_t j = i;
  size_t suffix_begin = 0;  // a HIRA suffix "_(0.65g/1정)", when there is one
  size_t suffix_end = 0;
  while (j < tokens.size()) {
    const DosageToken& t = tokens[j];
    if (continues_name(t, line) || names_site_of_form(tokens, line, j)) {
      ++j;
      continue;
    }
    // A parenthesised ingredient or brand belongs to the name (both names are kept, as
    // printed); parentheses holding anything else (instructions, notes) end it.
    const bool after_strength =
        std::any_of(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                    tokens.begin() + static_cast<std::ptrdiff_t>(j),
                    [](const DosageToken& n) { return n.kind == TokenKind::kStrength; });
    if (const size_t close = name_group_end(tokens, line, j, after_strength); close != 0) {
      j = close + 1;
      continue;
    }
    // HIRA's product names end in the strength per unit after an underscore, written onto the
    // name: "…서방정(아세트아미노펜)_(0.65g/1정)". It is part of the name as printed.
    if (j > i + 1 && t.text(line) == "(" && !t.space_before && tokens[j - 1].text(line) == "_" &&
        !tokens[j - 1].space_before) {
      size_t close = j + 1;
      while (close < tokens.size() && close < j + 8 && tokens[close].text(line) != ")") {
        ++close;
      }
      if (close < tokens.size() && tokens[close].text(line) == ")") {
        suffix_begin = j - 1;
        j = close + 1;
        suffix_end = j;
        continue;
      }
    }
    break;
  }
  // Picture text or a category before the name ("흰색 원형 정제 코싹엘정", "소화제 베아제정") is
  // not part of it.
  size_t first = i;
  while (first + 1 < j &&
         (is_appearance_word(tokens[first], line) ||
          (tokens[first].kind == TokenKind::kWord && !form_of(tokens[first], line) &&
           is_category_noun(tokens[first].text(line)))) &&
         std::any_of(tokens.begin() + static_cast<std::ptrdiff_t>(first) + 1,
                     tokens.begin() + static_cast<std::ptrdiff_t>(j),
                     [&](const DosageToken& t) { return is_anchor(t, line); })) {
    ++first;
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
    } else if (anchored && end == k && closing_of(t, line) != '\0') {
      const char closing = closing_of(t, line);
      size_t close = k + 1;
      while (close < j && !is_sep(tokens[close], line, std::string_view(&closing, 1))) {
        ++close;
      }
      if (close < j) {
        end = close + 1;
        k = close;
      }
    }
  }
  if (anchored && suffix_end != 0 && end >= suffix_begin) {
    end = suffix_end;
  }
  if (!anchored) {
    // Without a dosage form or strength, only a dose or a count on the same line makes a word a
    // medicine ("심비코트터부헬러 1회 2흡입 1일 2회"); a time alone does not ("검사 전날 저녁 9시
    // 이후 금식"), nor a duration alone — that is a label or a title ("투약일수 7일", "요양원
    // 투약 관리표 (… 30일)").
    bool instructions_follow = false;
    for (size_t k = j; k < tokens.size(); ++k) {
      const TokenKind kind = tokens[k].kind;
      instructions_follow = instructions_follow || kind == TokenKind::kDose ||
                            kind == TokenKind::kTimes || kind == TokenKind::kFrequency ||
                            kind == TokenKind::kInterval || kind == TokenKind::kPrnCondition;
    }
    const bool sentence = std::any_of(tokens.begin() + static_cast<std::ptrdiff_t>(first),
                                      tokens.begin() + static_cast<std::ptrdiff_t>(j),
                                      [&](const DosageToken& t) { return ends_sentence(t, line); });
    size_t last_word = j - 1;
    while (last_word > first && tokens[last_word].kind == TokenKind::kSeparator) {
      --last_word;  // "혈압약 / 1일 1회": the category is the word before the mark
    }
    if (!(instructions_follow || labelled) || sentence || is_demonstrative(tokens[first], line) ||
        j - first > kMaxUnanchoredTokens || is_category_noun(tokens[last_word].text(line))) {
      return std::nullopt;
    }
    end = j;
  }
  // Trailing joining marks are not part of the name ("타이레놀정 -").
  while (end > first + 1 && tokens[end - 1].kind == TokenKind::kSeparator &&
         !is_sep(tokens[end - 1], line, ")]")) {
    --end;
  }
  // Picture text alone ("흰색 원형 필름코팅정", "노란색 캡슐"): no product is named.
  const bool only_picture =
      std::all_of(tokens.begin() + static_cast<std::ptrdiff_t>(first),
                  tokens.begin() + static_cast<std::ptrdiff_t>(end), [&](const DosageToken& t) {
                    return t.kind == TokenKind::kSeparator || is_appearance_word(t, line) ||
                           is_bare_form_word(t, line);
                  });
  if (only_picture) {
    return std::nullopt;
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
