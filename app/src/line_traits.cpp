#include "line_traits.h"

#include <algorithm>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

bool holds_amount(const std::vector<DosageToken>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
    return t.kind == TokenKind::kDose || t.kind == TokenKind::kStrength;
  });
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

std::optional<Fragment> name_fragment(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kWord) {
    return std::nullopt;
  }
  for (size_t k = 0; k + 1 < tokens.size(); ++k) {
    if (tokens[k].kind != TokenKind::kSeparator && tokens[k].kind != TokenKind::kOrdinal) {
      return std::nullopt;
    }
  }
  const std::string_view word = tokens.back().text(line.text);
  if (word.size() < 6 || tokens.back().caution || dosage_form_of(word) || word.ends_with("약") ||
      word.ends_with("제")) {
    return std::nullopt;
  }
  return Fragment{std::string(word), line.number, tokens.size() > 1};
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

bool starts_with_remark(std::string_view text, const std::vector<DosageToken>& tokens) {
  return !tokens.empty() && tokens[0].kind == TokenKind::kSeparator && tokens[0].text(text) == "※";
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

std::optional<ScanNote> note_of(const OcrLine& line, const std::vector<DosageToken>& tokens) {
  if (tokens.empty()) {
    return std::nullopt;
  }
  size_t first = 0;
  if (tokens[0].kind == TokenKind::kSeparator &&
      tokens[0].text(line.text) == "[") {  // "[보관] 냉장 보관": the heading is not the note
    while (first < tokens.size() && tokens[first].text(line.text) != "]") {
      ++first;
    }
  }
  while (first < tokens.size() &&
         (tokens[first].kind == TokenKind::kSeparator || tokens[first].kind == TokenKind::kLabel)) {
    ++first;
  }
  if (first >= tokens.size()) {
    first = 0;
  }
  size_t last = tokens.size();
  while (last > first && tokens[last - 1].kind == TokenKind::kSeparator) {
    --last;
  }
  if (first >= last) {
    return std::nullopt;
  }
  const size_t begin = tokens[first].begin;
  return ScanNote{line.text.substr(begin, tokens[last - 1].end - begin), line.number, begin};
}

}  // namespace dailydrug::app
