#include "dailydrug/app/safety_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <span>

namespace dailydrug::app {

namespace {

// ---- Korean ------------------------------------------------------------------------------------
// Patterns are matched on the sentence with whitespace removed (so "복용을 중단 하세요" and
// "복용을중단하세요" are the same); clause punctuation is kept to bound the negation look-ahead.

struct KoPattern {
  std::string_view text;
  bool needs_dose_word;  // only advice when the clause also talks about taking a dose
};

constexpr KoPattern kKoDanger[] = {
    // doubling and taking more
    {"두배로", true},
    {"두배의", true},
    {"2배로", true},
    {"두배량", false},
    {"2배량", false},
    {"한꺼번에두", false},
    {"한꺼번에2", false},
    {"한번에두알", false},
    {"한번에2알", false},
    {"두알더", false},
    {"2알더", false},
    {"한알더", false},
    {"1알더", false},
    {"세알더", false},
    {"3알더", false},
    {"두정더", false},
    {"2정더", false},
    {"한정더", false},
    {"1정더", false},
    {"더드세요", false},
    {"더드셔도", false},
    {"더드시", false},
    {"더복용", false},
    {"더먹", true},
    {"추가로복용", false},
    {"추가로드", false},
    {"추가복용", false},
    {"추가로먹", false},
    // changing the amount or frequency
    {"양을늘리", false},
    {"양을늘려", false},
    {"양을늘", false},
    {"용량을늘", false},
    {"복용량을늘", false},
    {"양을줄이", false},
    {"양을줄여", false},
    {"용량을줄", false},
    {"복용량을줄", false},
    {"반으로줄", false},
    {"반알만", false},
    {"반만드", false},
    {"절반만", true},
    {"횟수를늘", false},
    {"횟수를줄", false},
    {"늘려서드", false},
    {"줄여서드", false},
    {"늘려드", false},
    {"줄여드", false},
    {"용량을바꾸", false},
    {"용량을변경", false},
    {"용량을조절하세요", false},
    // stopping and skipping
    {"중단하", true},
    {"중단해", true},
    {"중지하", true},
    {"중지해", true},
    {"멈추", true},
    {"멈춰", true},
    {"끊으", false},
    {"끊어도", false},
    {"끊고", true},
    {"그만드", false},
    {"그만복용", false},
    {"그만먹", false},
    {"건너뛰", false},
    {"거르세요", false},
    {"걸러도", false},
    {"거르셔도", false},
};

// Always advice, even though they contain a negative ending: "no longer take it".
constexpr std::string_view kKoStopAdvice[] = {
    "더이상복용하지마", "더이상드시지마", "더이상먹지마", "이제복용하지마",
    "이제드시지마",     "안드셔도",       "안먹어도",     "드시지않아도",
    "복용하지않아도",   "먹지않아도",     "안드셔도돼",   "복용하실필요가없"};

// A prohibition or condition right after the pattern defuses it ("중단하지 마세요").
constexpr std::string_view kKoGuards[] = {
    "지마", "지말", "지않",   "면안",       "면위험", "기전",   "지는마",     "않도록",
    "금지", "말고", "면절대", "는것은위험", "은위험", "지못하", "지도록하지", "게하지마"};

constexpr std::string_view kKoDoseWords[] = {"복용", "드시",   "드세", "드셔", "먹",
                                             "용량", "복용량", "알",   "정",   "캡슐",
                                             "섭취", "양을",   "약을", "투여"};

bool is_clause_end(char c) {
  return c == ',' || c == ';' || c == ':' || c == '.' || c == '!';
}

std::string without_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) continue;
    // U+00A0 (C2 A0) and U+3000 (E3 80 80)
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        static_cast<unsigned char>(s[i + 2]) == 0x80) {
      i += 2;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

// [begin, end) of the clause around `pos` (bounded by clause punctuation).
std::pair<size_t, size_t> clause_of(const std::string& s, size_t pos, size_t len) {
  size_t begin = pos;
  while (begin > 0 && !is_clause_end(s[begin - 1])) --begin;
  size_t end = pos + len;
  while (end < s.size() && !is_clause_end(s[end])) ++end;
  return {begin, end};
}

bool korean_advice(std::string_view sentence) {
  const std::string s = without_spaces(sentence);
  for (std::string_view p : kKoStopAdvice) {
    if (s.find(p) != std::string::npos) return true;
  }
  for (const KoPattern& p : kKoDanger) {
    for (size_t pos = s.find(p.text); pos != std::string::npos; pos = s.find(p.text, pos + 1)) {
      const auto [cb, ce] = clause_of(s, pos, p.text.size());
      // The negation look-ahead: the rest of the clause after the pattern, at most ~8 syllables.
      const size_t after = pos + p.text.size();
      const std::string tail = s.substr(after, std::min(ce - after, size_t{24}));
      const bool guarded = std::any_of(std::begin(kKoGuards), std::end(kKoGuards),
                                       [&](auto g) { return tail.find(g) != std::string::npos; });
      if (guarded) continue;
      if (p.needs_dose_word) {
        const std::string clause = s.substr(cb, ce - cb);
        const std::string rest = clause.substr(0, pos - cb) + clause.substr(after - cb);
        const bool dose = std::any_of(std::begin(kKoDoseWords), std::end(kKoDoseWords),
                                      [&](auto w) { return rest.find(w) != std::string::npos; });
        if (!dose) continue;
      }
      return true;
    }
  }
  return false;
}

// ---- English -----------------------------------------------------------------------------------

const std::regex& english_danger() {
  static const std::regex re(
      R"(\bdouble[- ]?(up\b|(your|the|a|this|that|my|each|next)\s+(dose|dosage|amount|pill|tablet|capsule)s?)|)"
      R"(\btake\s+(it\s+|them\s+)?(twice\s+as\s+much|twice|two\s+more|2\s+more|an\s+extra|extra|another|more|less|fewer|half|double|a\s+double|a\s+bigger|a\s+larger|a\s+smaller|a\s+higher|a\s+lower)\b|)"
      R"(\b(increase|raise|up|reduce|decrease|lower|cut|halve|change|adjust|skip|split)\s+((your|the|this|my|that|a|each|next|its|tomorrow's|today's|daily|evening|morning|night)\s+){0,3}(dose|doses|dosage|amount|intake|pill|pills|tablet|tablets|medication|medicine)\b|)"
      R"(\bstop\s+(taking|using)\b|\bstop\s+(the|your|this)\s+(medicine|medication|pills?|tablets?|treatment)\b|)"
      R"(\bdiscontinue\b|\bquit\s+(taking|your|the)\b|\bcome\s+off\b|\bcut\s+back\b|)"
      R"(\b(no\s+need|don't\s+need|do\s+not\s+need|doesn't\s+matter\s+if\s+you\s+(skip|miss))\s+to\s+take\b|)"
      R"(\byou\s+(can|may|could|should)\s+(skip|stop|miss)\b)",
      std::regex::ECMAScript | std::regex::optimize);
  return re;
}

constexpr std::string_view kEnGuards[] = {"not ",    "n't ",   "never ",  "avoid",        "without",
                                          "before",  "unless", "whether", "ask your",     "talk to",
                                          "consult", "don't",  "do not",  "no one should"};

// The clause before `pos`: back to the last , ; : or a coordinating word.
std::string clause_before(const std::string& s, size_t pos) {
  size_t begin = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (s[i] == ',' || s[i] == ';' || s[i] == ':') begin = i + 1;
  }
  static constexpr std::string_view kJoins[] = {" and ", " but ", " then ", " so "};
  for (std::string_view j : kJoins) {
    const size_t at = s.rfind(j, pos);
    if (at != std::string::npos && at >= begin && at < pos) begin = at + j.size();
  }
  return s.substr(begin, pos - begin);
}

// Lowercase ASCII, runs of whitespace as one space, typographic apostrophes as ASCII.
std::string normalized_english(std::string_view sentence) {
  std::string s;
  s.reserve(sentence.size());
  bool space = false;
  for (char c : sentence) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      space = true;
      continue;
    }
    if (space && !s.empty()) s += ' ';
    space = false;
    s += static_cast<char>(std::tolower(u));
  }
  for (size_t p = s.find("\xE2\x80\x99"); p != std::string::npos; p = s.find("\xE2\x80\x99")) {
    s.replace(p, 3, "'");
  }
  return s;
}

// A match of `re` in the normalized sentence that no guard word earlier in its clause defuses.
bool unguarded_match(std::string_view sentence, const std::regex& re,
                     std::span<const std::string_view> guards) {
  const std::string s = normalized_english(sentence);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    const std::string before = " " + clause_before(s, static_cast<size_t>(it->position(0)));
    const bool guarded = std::any_of(guards.begin(), guards.end(), [&](std::string_view g) {
      return before.find(g) != std::string::npos;
    });
    if (!guarded) return true;
  }
  return false;
}

bool english_advice(std::string_view sentence) {
  return unguarded_match(sentence, english_danger(), kEnGuards);
}

// ---- Permission verdicts ----------------------------------------------------------------------
// "네, 술 마셔도 됩니다", "두 번 먹어도 돼요", "Yes, you can drink with it", "It is safe to drive":
// whether something is allowed is for the curated facts and a pharmacist to say, never the model.

constexpr std::string_view kKoVerdicts[] = {
    "도됩니다",     "도됩니",     "도돼요",   "도돼",         "도되요",     "도되나",
    "도괜찮",       "괜찮습니다", "괜찮아요", "도무방",       "무방합니다", "도상관없",
    "상관없습니다", "상관없어요", "도문제없", "문제없습니다", "문제없어요", "문제가없습니다",
    "문제가없어요", "안전합니다", "안전해요", "도좋습니다",   "도좋아요",   "도안전"};

bool korean_verdict(std::string_view sentence) {
  const std::string s = without_spaces(sentence);
  // "네, …" / "예, …": an answer that starts with yes.
  for (std::string_view yes : {"네,", "네.", "네!", "예,", "예."}) {
    if (s.rfind(yes, 0) == 0) return true;
  }
  for (std::string_view v : kKoVerdicts) {
    for (size_t pos = s.find(v); pos != std::string::npos; pos = s.find(v, pos + 1)) {
      // "두 시간 정도 돼요" (about two hours) is not a permission.
      if (v.substr(0, 3) == "도" && pos >= 3 && s.compare(pos - 3, 3, "정") == 0) continue;
      return true;
    }
  }
  return false;
}

const std::regex& english_verdict_re() {
  static const std::regex re(
      R"(^(yes|yeah|yep|sure|absolutely|of course)\b|)"
      R"(\byou\s+(can|may|could)\s+(safely\s+|still\s+|definitely\s+)?(take|drink|drive|use|have|combine|mix|eat|continue|keep|operate|double|skip)\b|)"
      R"(\b(it's|it\s+is|that's|that\s+is|this\s+is)\s+((perfectly|generally|usually|completely|totally|quite|very)\s+)?(safe|fine|okay|ok|alright|all\s+right)\b|)"
      R"(\bis\s+(safe|fine|okay)\s+to\b|)"
      R"(\bno\s+(problem|harm|need\s+to\s+worry)\b|\bnothing\s+to\s+worry\b)",
      std::regex::ECMAScript | std::regex::optimize);
  return re;
}

// A question or a condition is not a verdict: "ask your pharmacist whether it is safe".
constexpr std::string_view kEnVerdictGuards[] = {"if ",  "whether", "ask ",
                                                 "not ", "n't ",    "never "};

bool english_verdict(std::string_view sentence) {
  return unguarded_match(sentence, english_verdict_re(), kEnVerdictGuards);
}

bool is_space_byte(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool is_dose_change_advice(std::string_view sentence) {
  return korean_advice(sentence) || english_advice(sentence);
}

bool is_permission_verdict(std::string_view sentence) {
  return korean_verdict(sentence) || english_verdict(sentence);
}

bool states_dose_amount(std::string_view sentence) {
  // Amounts (a number with a dose unit) and daily frequencies. Hangul syllables are matched as
  // UTF-8 literals; (?:...) keeps the alternatives readable.
  static const std::regex re(
      R"((\d+([.,]\d+)?\s*(mg|mcg|µg|ml|g|milligrams?|micrograms?|grams?|tablets?|pills?|capsules?|puffs?|drops?|밀리그램|그램|정(?!도)|알(?!레)|캡슐|포|방울)(?![a-z]))|)"
      R"(\b(one|two|three|four|five|six|half\s+a|1/2)\s+(tablets?|pills?|capsules?)\b|)"
      R"(\b(once|twice|three\s+times|four\s+times|\d+\s+times)\s+(a|per|each)\s+day\b|)"
      R"(\bevery\s+\d+\s*(-\s*\d+\s*)?hours?\b|)"
      R"((한|두|세|네|다섯|반)\s*(알(?!레)|캡슐)|)"
      R"(하루\s*(에\s*)?(한|두|세|네|\d+)\s*(번|회|차례|알|정))",
      std::regex::ECMAScript | std::regex::optimize);
  const std::string s = lower_ascii(sentence);
  return std::regex_search(s, re);
}

SafetyFilter::SafetyFilter(std::string replacement, Sink sink)
    : replacement_(std::move(replacement)), sink_(std::move(sink)) {}

void SafetyFilter::feed(std::string_view piece) {
  pending_.append(piece);
  release_complete_sentences();
}

void SafetyFilter::finish() {
  if (!pending_.empty()) {
    std::string rest;
    rest.swap(pending_);
    emit_sentence(rest);
  }
}

void SafetyFilter::release_complete_sentences() {
  size_t start = 0;
  size_t i = 0;
  while (i < pending_.size()) {
    size_t term_len = 0;
    const char c = pending_[i];
    if (c == '\n' || c == '.' || c == '!' || c == '?') {
      term_len = 1;
    } else if (pending_.compare(i, 3, "\xE3\x80\x82") == 0 ||  // 。
               pending_.compare(i, 3, "\xE2\x80\xA6") == 0) {  // …
      term_len = 3;
    }
    if (term_len == 0) {
      ++i;
      continue;
    }
    size_t end = i + term_len;
    if (c != '\n') {
      // More terminators or closing quotes/brackets belong to this sentence ("?!", "...", ".)").
      while (end < pending_.size() &&
             std::string_view(".!?)\"'").find(pending_[end]) != std::string_view::npos) {
        ++end;
      }
      if (end == pending_.size()) break;    // wait: "0.5" or "end of sentence"?
      if (!is_space_byte(pending_[end])) {  // "0.5mg", "e.g": not a boundary
        i = end;
        continue;
      }
    }
    while (end < pending_.size() && is_space_byte(pending_[end])) ++end;
    if (end == pending_.size() && c != '\n') break;  // trailing spaces: wait for more
    emit_sentence(std::string_view(pending_).substr(start, end - start));
    start = end;
    i = end;
  }
  pending_.erase(0, start);
}

void SafetyFilter::emit_sentence(std::string_view sentence) {
  // Keep the whitespace around the sentence; judge and replace only its text.
  size_t b = 0, e = sentence.size();
  while (b < e && is_space_byte(sentence[b])) ++b;
  while (e > b && is_space_byte(sentence[e - 1])) --e;
  const std::string_view core = sentence.substr(b, e - b);
  if (core.empty()) {
    emit(sentence);
    return;
  }
  if (is_dose_change_advice(core) || states_dose_amount(core)) {
    replaced_.emplace_back(core);
    if (!last_was_replacement_) {
      emit(sentence.substr(0, b));
      emit(replacement_);
      emit(sentence.substr(e));
    }
    last_was_replacement_ = true;
    return;
  }
  if (is_permission_verdict(core) || (keep_ && !keep_(core))) {
    dropped_.emplace_back(core);
    return;
  }
  last_was_replacement_ = false;
  emit(sentence);
}

void SafetyFilter::emit(std::string_view text) {
  if (text.empty()) return;
  output_.append(text);
  if (sink_) sink_(text);
}

}  // namespace dailydrug::app
