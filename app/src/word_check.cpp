#include "dailydrug/app/word_check.h"

#include <algorithm>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

namespace {

enum class Script { kNone, kHangul, kLatin, kOther };

// Letters of scripts an answer in Korean or English never needs: CJK ideographs, kana, lone
// jamo, Cyrillic, Greek, accented Latin. Everything not listed is punctuation or a symbol.
bool other_letter(uint32_t cp) {
  return (cp >= 0x00C0 && cp <= 0x024F) || (cp >= 0x0370 && cp <= 0x04FF) ||
         (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
         (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

Script script_of(uint32_t cp) {
  if (is_hangul_syllable(cp)) return Script::kHangul;
  if (is_ascii_letter(cp)) return Script::kLatin;
  if (other_letter(cp)) return Script::kOther;
  return Script::kNone;
}

bool is_space(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x00A0 || cp == 0x3000;
}

// What Korean puts after a noun (particles and the copula's commonest forms), longest first so
// that "으로는" is removed whole.
const std::vector<std::string>& particles() {
  static const std::vector<std::string> k = [] {
    std::vector<std::string> v = {
        "은",     "는",   "이",     "가",     "을",     "를",     "와",     "과",     "의",
        "에",     "에는", "에서",   "에게",   "께",     "한테",   "도",     "만",     "로",
        "으로",   "로는", "으로는", "과는",   "와는",   "이나",   "나",     "이랑",   "랑",
        "부터",   "까지", "보다",   "처럼",   "이에요", "예요",   "입니다", "이며",   "이고",
        "인",     "이라", "이라고", "라고",   "이라는", "라는",   "에도",   "에서는", "도요",
        "요",     "은요", "는요",   "만으로", "이지만", "이므로", "처럼요", "으로도", "로도",
        "에게는", "하고", "이에게", "과도",   "와도",   "이란",   "란",     "이면",   "면"};
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return v;
  }();
  return k;
}

bool has_digit(std::string_view token) {
  return std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits one whitespace-free token into runs of one script; an apostrophe between Latin letters
// stays inside the run ("don't").
void runs_of(std::string_view token, std::vector<std::string>& out) {
  std::string run;
  Script current = Script::kNone;
  auto flush = [&] {
    if (!run.empty()) out.push_back(run);
    run.clear();
    current = Script::kNone;
  };
  for (size_t i = 0; i < token.size();) {
    const CodePoint cp = decode_utf8(token, i);
    const std::string_view bytes = token.substr(i, cp.length);
    i += cp.length;
    const bool apostrophe = cp.value == '\'' || cp.value == 0x2019;
    if (apostrophe && current == Script::kLatin && i < token.size() &&
        is_ascii_letter(decode_utf8(token, i).value)) {
      run += '\'';
      continue;
    }
    const Script s = script_of(cp.value);
    if (s != current) flush();
    if (s == Script::kNone) continue;
    current = s;
    run.append(bytes);
  }
  flush();
}

Script script_of_word(std::string_view word) {
  return word.empty() ? Script::kNone : script_of(decode_utf8(word, 0).value);
}

}  // namespace

std::vector<std::string> WordCheck::words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size() && !is_space(decode_utf8(text, end).value)) {
      end += decode_utf8(text, end).length;
    }
    const std::string_view token = text.substr(i, end - i);
    if (!token.empty() && !has_digit(token)) runs_of(token, out);
    i = end;
    while (i < text.size() && is_space(decode_utf8(text, i).value)) {
      i += decode_utf8(text, i).length;
    }
  }
  return out;
}

WordCheck::WordCheck(std::string_view source, const Lexicon* korean, const Lexicon* english)
    : korean_(korean), english_(english) {
  for (const std::string& w : words(source)) {
    if (script_of_word(w) == Script::kLatin) {
      source_words_.insert(ascii_lower(w));
      continue;
    }
    if (script_of_word(w) != Script::kHangul) continue;
    source_words_.insert(w);
    source_stems_.insert(w);
    for (const std::string& p : particles()) {  // "타이레놀은" -> "타이레놀"
      if (w.size() > p.size() && w.compare(w.size() - p.size(), p.size(), p) == 0) {
        source_stems_.insert(w.substr(0, w.size() - p.size()));
      }
    }
  }
}

// A dictionary word, a source word, or a source word with a particle after it.
bool WordCheck::whole_hangul(const std::string& w) const {
  return from_source(w) || (korean_ && korean_->is_word(w));
}

bool WordCheck::from_source(const std::string& w) const {
  if (source_words_.count(w) || source_stems_.count(w)) return true;
  for (const std::string& p : particles()) {
    if (w.size() > p.size() && w.compare(w.size() - p.size(), p.size(), p) == 0 &&
        source_stems_.count(w.substr(0, w.size() - p.size()))) {
      return true;
    }
  }
  return false;
}

bool WordCheck::known_hangul(const std::string& w) const {
  if (whole_hangul(w)) return true;
  // A compound: a head that stands alone (a bare entry, or a source word) and a tail that passes,
  // one of them from the source. Two dictionary words alone make "음료기한" (for 유통기한) and
  // "아름이용" (for 어린이용), which the model wrote; the compounds a model that rephrases its
  // facts needs are the facts' own ("자몽주스를", "고혈압약").
  // Hangul syllables are three bytes in UTF-8.
  for (size_t cut = 3; cut + 3 <= w.size(); cut += 3) {
    const std::string head = w.substr(0, cut);
    const std::string tail = w.substr(cut);
    const bool head_source = source_stems_.count(head) > 0;
    const bool head_ok = head_source || (korean_ && korean_->is_entry(head));
    if (head_ok && whole_hangul(tail) && (head_source || from_source(tail))) return true;
  }
  return false;
}

bool WordCheck::known_latin(const std::string& w) const {
  std::string lower = ascii_lower(w);
  if (source_words_.count(lower)) return true;
  if (english_ && (english_->is_word(w) || english_->is_word(lower))) return true;
  // "doctor's", "medicines'": the possessive of a known word.
  const size_t apostrophe = lower.find('\'');
  if (apostrophe != std::string::npos && apostrophe > 0) {
    const std::string base = lower.substr(0, apostrophe);
    return source_words_.count(base) || (english_ && english_->is_word(base));
  }
  return false;
}

std::vector<std::string> WordCheck::unknown_words(std::string_view sentence) const {
  std::vector<std::string> out;
  for (const std::string& w : words(sentence)) {
    bool ok = false;
    switch (script_of_word(w)) {
      case Script::kHangul:
        ok = known_hangul(w);
        break;
      case Script::kLatin:
        ok = known_latin(w);
        break;
      default:
        ok = false;  // a script neither answer language uses
        break;
    }
    if (!ok) out.push_back(w);
  }
  return out;
}

}  // namespace dailydrug::app
