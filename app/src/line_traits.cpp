#include "line_traits.h"

#include <algorithm>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

bool holds_amount(const std::vector<DosageToken>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
    return t.kind == TokenKind::kDose || t.kind == TokenKind::kStrength;
  });
}

bool is_field_label_alone(std::string_view compact_lower) {
  const auto kind = label_kind(compact_lower);
  return (kind == LabelKind::kName || kind == LabelKind::kInstruction) &&
         !has_guidance_keyword(compact_lower);
}

std::string after_name_label(std::string_view text, const std::vector<DosageToken>& tokens,
                             std::optional<LabelKind> label, const std::string& compact_lower) {
  if (label != LabelKind::kName) {
    return compact_lower;
  }
  const auto at = std::find_if(tokens.begin(), tokens.end(),
                               [](const DosageToken& t) { return t.kind == TokenKind::kLabel; });
  return ascii_lower(compact_text(text.substr(at->end)));
}

bool only_duration(const InstructionFields& f) {
  return f.days.value && !f.dose.present() && !f.times.present() && !f.when.present() &&
         !f.non_daily;
}

bool only_condition(const InstructionFields& f) {
  const DoseWhen& w = f.when;
  return w.timing == Timing::kAsNeeded && w.slots.empty() && w.clock_minutes.empty() &&
         !w.interval_hours && !f.dose.present() && !f.times.present() && !f.days.present() &&
         !f.non_daily;
}

bool names_other_medicine(std::string_view text, const std::vector<DosageToken>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), [&](const DosageToken& t) {
    std::string_view w = t.text(text);
    if (t.kind != TokenKind::kWord || !(w.ends_with("을") || w.ends_with("를"))) {
      return false;
    }
    w.remove_suffix(std::string_view("을").size());
    return w.ends_with("제") || w.ends_with("약") || dosage_form_of(ascii_lower(w)).has_value();
  });
}

std::optional<Fragment> name_fragment(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  size_t last = tokens.size();
  const auto glued_number = [&](const DosageToken& t) {
    return !t.space_before && !t.text(line.text).empty() && t.text(line.text)[0] >= '0' &&
           t.text(line.text)[0] <= '9';
  };
  if (last >= 2 && glued_number(tokens[last - 1])) {
    --last;  // "…헬러160/4.5": the number is part of the word
  }
  if (last == 0 || tokens[last - 1].kind != TokenKind::kWord) {
    return std::nullopt;
  }
  for (size_t k = 0; k + 1 < last; ++k) {
    if (tokens[k].kind != TokenKind::kSeparator && tokens[k].kind != TokenKind::kOrdinal) {
      return std::nullopt;
    }
  }
  const DosageToken& word = tokens[last - 1];
  const std::string_view text = word.text(line.text);
  if (text.size() < 6 || word.caution || dosage_form_of(text) || text.ends_with("약") ||
      text.ends_with("제")) {
    return std::nullopt;
  }
  const std::string whole = line.text.substr(word.begin, tokens.back().end - word.begin);
  return Fragment{whole, line.number, last > 1};
}

bool has_text_after_label(std::string_view text, const std::vector<DosageToken>& tokens) {
  const auto label = std::find_if(tokens.begin(), tokens.end(),
                                  [](const DosageToken& t) { return t.kind == TokenKind::kLabel; });
  return label != tokens.end() && std::any_of(label + 1, tokens.end(), [&](const DosageToken& t) {
           return t.kind != TokenKind::kSeparator || t.text(text) != ":";
         });
}

std::optional<LabelKind> leading_label(const std::vector<DosageToken>& tokens) {
  for (const DosageToken& t : tokens) {
    if (t.kind == TokenKind::kLabel) {
      return t.label;
    }
    if (t.kind != TokenKind::kSeparator && t.kind != TokenKind::kOrdinal) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<size_t> remark_start(std::string_view text, const std::vector<DosageToken>& tokens) {
  size_t k = 0;
  while (k < tokens.size() && tokens[k].kind == TokenKind::kSeparator &&
         tokens[k].text(text) == "[") {
    while (k < tokens.size() && tokens[k].text(text) != "]") {
      ++k;  // "[행복약국 김약사] [오후 2:15] ※ …": a chat line's headers
    }
    ++k;
  }
  if (k < tokens.size() && tokens[k].kind == TokenKind::kSeparator && tokens[k].text(text) == "※") {
    return k + 1;
  }
  return std::nullopt;
}

bool starts_with_remark(std::string_view text, const std::vector<DosageToken>& tokens) {
  return remark_start(text, tokens).has_value();
}

std::optional<std::string> remark_subject(std::string_view text,
                                          const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kParticles[] = {"은", "는", "이", "가", "을", "를", "의"};
  const auto start = remark_start(text, tokens);
  if (!start || *start >= tokens.size() || tokens[*start].kind != TokenKind::kWord) {
    return std::nullopt;
  }
  std::string_view word = tokens[*start].text(text);
  for (const std::string_view p : kParticles) {
    if (word.size() > p.size() + 3 && word.ends_with(p)) {
      word.remove_suffix(p.size());
      break;
    }
  }
  if (word.size() < 6) {
    return std::nullopt;  // one syllable ("위 약은 …") names no medicine
  }
  return std::string(word);
}

bool is_note_line(std::string_view text, const std::vector<DosageToken>& tokens) {
  if (starts_with_remark(text, tokens)) {
    return true;  // ※ marks a remark
  }
  return std::any_of(tokens.begin(), tokens.end(), [&](const DosageToken& t) {
    return t.caution || t.kind == TokenKind::kMax ||
           (t.kind == TokenKind::kLabel && t.label == LabelKind::kCaution) ||
           (t.kind == TokenKind::kWord && t.text(text).starts_with("간격"));
  });
}

std::optional<size_t> changed_directions_start(std::string_view text,
                                               const std::vector<DosageToken>& tokens) {
  size_t arrow = tokens.size();
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (tokens[k].kind == TokenKind::kSeparator && tokens[k].text(text) == "→") {
      arrow = k;
    }
  }
  const auto dosing = [](const DosageToken& t) {
    return t.kind == TokenKind::kDose || t.kind == TokenKind::kTimes;
  };
  if (arrow == tokens.size() || std::none_of(tokens.begin(), tokens.begin() + arrow, dosing) ||
      std::none_of(tokens.begin() + arrow + 1, tokens.end(), dosing)) {
    return std::nullopt;
  }
  size_t start = arrow + 1;
  for (size_t k = start; k < tokens.size() && k < arrow + 5 && !dosing(tokens[k]); ++k) {
    if (tokens[k].kind == TokenKind::kSeparator && tokens[k].text(text) == ":") {
      start = k + 1;  // "변경 후:" labels the new directions
    }
  }
  return start;
}

namespace {

/// A discharge list's section heading: a capitalised action word first ("STOP", "NEW",
/// "CONTINUE", "CHANGE"), then the medicines it is about, no directions.
bool is_english_list_heading(std::string_view text, const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kActions[] = {"STOP",    "NEW",  "CONTINUE", "CHANGE",
                                                  "CHANGED", "HOLD", "RESUME",   "DISCONTINUE"};
  const std::string_view first = tokens[0].text(text);
  if (std::find(std::begin(kActions), std::end(kActions), first) == std::end(kActions)) {
    return false;
  }
  const std::string lower = ascii_lower(text);
  return (lower.find("medication") != std::string::npos ||
          lower.find("medicine") != std::string::npos ||
          lower.find("taking these") != std::string::npos) &&
         std::none_of(tokens.begin(), tokens.end(),
                      [](const DosageToken& t) { return is_instruction_token(t); });
}

}  // namespace

bool is_section_heading(std::string_view text, const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kMarks[] = {"■", "□", "◆", "◇", "●", "▶", "▣"};
  if (!tokens.empty() && is_english_list_heading(text, tokens)) {
    return true;  // "STOP taking these medications", "NEW medications - START taking these"
  }
  if (tokens.empty() || tokens[0].kind != TokenKind::kSeparator) {
    return false;
  }
  const std::string_view first = tokens[0].text(text);
  const bool bracketed =
      first == "[" && tokens.back().text(text) == "]";  // "[중단]", not "[보관] …"
  if (!bracketed && std::find(std::begin(kMarks), std::end(kMarks), first) == std::end(kMarks)) {
    return false;
  }
  return std::none_of(tokens.begin(), tokens.end(), [&](const DosageToken& t) {
    return is_instruction_token(t) || t.text(text) == ":";  // "■ 주의사항: …" is a field
  });
}

bool names_clinic_fee(std::string_view compact_lower) {
  static constexpr std::string_view kFees[] = {"주사료", "처치료", "검사료", "진찰료", "수술료"};
  return std::any_of(std::begin(kFees), std::end(kFees), [&](std::string_view w) {
    return compact_lower.find(w) != std::string_view::npos;
  });
}

bool names_stopped(std::string_view compact_lower) {
  static constexpr std::string_view kWords[] = {
      "중단", "보류", "중지", "d/c", "discontinue", "stopped", "stoptaking", "stopthese"};
  static constexpr std::string_view kVerbs[] = {"하", "할", "해", "했"};  // "중단하지 마세요"
  for (const std::string_view w : kWords) {
    for (size_t at = compact_lower.find(w); at != std::string_view::npos;
         at = compact_lower.find(w, at + 1)) {
      const std::string_view after = compact_lower.substr(at + w.size());
      if (std::none_of(std::begin(kVerbs), std::end(kVerbs),
                       [&](std::string_view v) { return after.starts_with(v); })) {
        return true;  // a state ("중단된 약", "[중단]", "… 중단"), not an action to take or avoid
      }
    }
  }
  return false;
}

std::optional<ScanNote> note_of(const OcrLine& line, const std::vector<DosageToken>& tokens,
                                size_t from) {
  if (from >= tokens.size()) {
    return std::nullopt;
  }
  size_t first = from == 0 ? remark_start(line.text, tokens).value_or(0) : from;
  if (tokens[first].kind == TokenKind::kSeparator &&
      tokens[first].text(line.text) == "[") {  // "[보관] 냉장 보관": the heading is not the note
    while (first < tokens.size() && tokens[first].text(line.text) != "]") {
      ++first;
    }
  }
  while (first < tokens.size() &&
         (tokens[first].kind == TokenKind::kSeparator || tokens[first].kind == TokenKind::kLabel)) {
    ++first;
  }
  if (first >= tokens.size()) {
    first = from;
  }
  size_t last = tokens.size();
  while (last > first && tokens[last - 1].kind == TokenKind::kSeparator) {
    --last;
  }
  if (last < tokens.size() && tokens[last].text(line.text) == ")" &&
      line.text.substr(tokens[first].begin, tokens[last].begin - tokens[first].begin).find('(') !=
          std::string::npos) {
    ++last;  // "… (얼리지 마세요)": the bracket closes one the note opened
  }
  if (first >= last) {
    return std::nullopt;
  }
  const size_t begin = tokens[first].begin;
  return ScanNote{line.text.substr(begin, tokens[last - 1].end - begin), line.number, begin, true};
}

bool is_stopped_row(std::string_view text, const MedicineName& name,
                    const InstructionFields& fields) {
  std::string rest = ascii_lower(compact_text(text.substr(name.end)));
  if (rest.find("d/c") != std::string::npos) {
    return true;
  }
  while (!rest.empty() && std::string_view(".)]").find(rest.back()) != std::string_view::npos) {
    rest.pop_back();
  }
  return !fields.has_fields() && !rest.empty() && names_stopped(rest) && !rest.ends_with(")") &&
         text.find('(') == std::string::npos &&
         (rest.ends_with("중단") || rest.ends_with("보류") || rest.ends_with("중지") ||
          rest.ends_with("중단됨") || rest.ends_with("중단함"));
}

bool names_exception(std::string_view text, const std::vector<DosageToken>& tokens,
                     const MedicineName& name) {
  static constexpr std::string_view kExcept[] = {"제외", "빼고", "말고"};
  return name.end_token < tokens.size() &&
         std::find(std::begin(kExcept), std::end(kExcept), tokens[name.end_token].text(text)) !=
             std::end(kExcept);
}

InstructionFields directions_of(const OcrLine& line, const std::vector<DosageToken>& tokens,
                                const std::optional<MedicineName>& name) {
  if (!name) {
    return parse_instructions(line.text, line.number, tokens, 0);
  }
  // "소화불량시 베아제정 1정", "[08:00] 노바스크정5mg 1정": directions before the name too.
  const auto before_name = tokens.begin() + static_cast<std::ptrdiff_t>(name->first_token);
  if (name->after_instructions || std::any_of(tokens.begin(), before_name, is_instruction_token)) {
    return parse_instructions(line.text, line.number, tokens, 0, name->first_token,
                              name->end_token);
  }
  return parse_instructions(line.text, line.number, tokens, name->end_token);
}

bool is_notice(std::string_view text, const std::vector<DosageToken>& tokens,
               const std::string& compact_lower, bool named, const InstructionFields& fields,
               std::optional<LabelKind> label) {
  const bool money_or_phone = std::any_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
    return t.kind == TokenKind::kMoney || t.kind == TokenKind::kPhone;
  });
  const bool directions = !named && fields.dose.present() && fields.times.present();
  return money_or_phone ||
         (has_notice_keyword(after_name_label(text, tokens, label, compact_lower)) && !directions);
}

bool advises_consulting(const std::string& compact_lower) {
  static constexpr std::string_view kConsult[] = {"약사", "의사", "상담"};
  std::string rest = compact_lower;
  for (const std::string_view w : kConsult) {
    for (size_t at = rest.find(w); at != std::string::npos; at = rest.find(w)) {
      rest.erase(at, w.size());
    }
  }
  return rest != compact_lower && !has_notice_keyword(rest);
}

}  // namespace dailydrug::app
