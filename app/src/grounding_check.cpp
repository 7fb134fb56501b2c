#include "dailydrug/app/grounding_check.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

namespace {

// Function words that say nothing about the facts (4+ letters only; shorter words are ignored).
constexpr std::string_view kStopWords[] = {
    "that",  "this",  "with",  "have",   "will", "from",  "they",    "them",  "their", "when",
    "what",  "which", "about", "into",   "more", "some",  "than",    "then",  "there", "these",
    "those", "were",  "been",  "being",  "also", "just",  "only",    "very",  "such",  "should",
    "would", "could", "your",  "you're", "it's", "does",  "here",    "sure",  "well",  "make",
    "over",  "most",  "many",  "much",   "each", "other", "because", "while", "after", "before"};

bool is_stop_word(const std::string& w) {
  return std::find(std::begin(kStopWords), std::end(kStopWords), w) != std::end(kStopWords);
}

std::string english_stem(std::string w) {
  if (w.size() > 4 && w.back() == 's') w.pop_back();
  if (w.size() > 6) w.resize(6);
  return w;
}

// A Hangul syllable starts at byte i (always three UTF-8 bytes long).
bool hangul_at(std::string_view s, size_t i) {
  return i < s.size() && is_hangul_syllable(decode_utf8(s, i).value);
}

}  // namespace

std::vector<std::string> GroundingCheck::content_tokens(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (std::isalpha(c)) {
      std::string word;
      while (i < text.size() &&
             (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '\'')) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
        ++i;
      }
      if (word.size() >= 4 && !is_stop_word(word)) out.push_back(english_stem(word));
      continue;
    }
    if (std::isdigit(c)) {  // numbers count: invented years, doses and counts are a tell
      size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      out.emplace_back(text.substr(i, j - i));
      i = j;
      continue;
    }
    if (hangul_at(text, i)) {
      size_t j = i;
      while (hangul_at(text, j)) j += 3;
      // Syllable pairs of the word: "아세트아미노펜" -> 아세, 세트, 트아, ...
      for (size_t k = i; k + 6 <= j; k += 3) out.emplace_back(text.substr(k, 6));
      i = j;
      continue;
    }
    ++i;
  }
  return out;
}

GroundingCheck::GroundingCheck(std::string_view source, double min_share, size_t min_tokens)
    : min_share_(min_share), min_tokens_(min_tokens) {
  for (auto& t : content_tokens(source)) vocabulary_.insert(std::move(t));
}

double GroundingCheck::grounded_share(std::string_view sentence) const {
  const auto tokens = content_tokens(sentence);
  if (tokens.empty()) return 1.0;
  const auto found = std::count_if(tokens.begin(), tokens.end(),
                                   [&](const std::string& t) { return vocabulary_.count(t) > 0; });
  return static_cast<double>(found) / static_cast<double>(tokens.size());
}

bool GroundingCheck::is_grounded(std::string_view sentence) const {
  if (content_tokens(sentence).size() < min_tokens_) return true;
  return grounded_share(sentence) >= min_share_;
}

bool GroundingCheck::written_in(std::string_view sentence, bool korean) {
  size_t hangul = 0, latin = 0;
  for (size_t i = 0; i < sentence.size();) {
    const CodePoint cp = decode_utf8(sentence, i);
    hangul += is_hangul_syllable(cp.value) ? 1 : 0;
    latin += is_ascii_letter(cp.value) ? 1 : 0;
    i += cp.length;
  }
  if (!korean) return hangul == 0;
  return hangul > 0 && latin <= hangul;
}

}  // namespace dailydrug::app
