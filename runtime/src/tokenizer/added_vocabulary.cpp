#include "added_vocabulary.h"

#include <algorithm>

#include "dailydrug/llm/utf8.h"
#include "unicode.h"

namespace dailydrug::llm::tok {
namespace {

// Last code point of non-empty valid UTF-8 `s`.
char32_t last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return utf8_decode_valid(s, start, nullptr);
}

// Start of the whitespace run that ends `s` (regex `\s*$`).
size_t space_leftmost_at_end(std::string_view s) {
  size_t e = s.size();
  while (e > 0) {
    size_t start = e - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!is_whitespace(utf8_decode_valid(s, start, nullptr))) break;
    e = start;
  }
  return e;
}

// Length of the whitespace run that starts `s` (regex `^\s*`).
size_t space_rightmost_at_start(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 0;
    if (!is_whitespace(utf8_decode_valid(s, i, &len))) break;
    i += len;
  }
  return i;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<std::string> patterns,
                                     std::vector<const AddedToken*> tokens)
    : patterns_(std::move(patterns)), tokens_(std::move(tokens)), by_first_byte_(256) {
  for (size_t i = 0; i < patterns_.size(); ++i) {
    if (patterns_[i].empty()) continue;  // an empty pattern never matches
    by_first_byte_[static_cast<uint8_t>(patterns_[i][0])].push_back(i);
  }
  for (auto& v : by_first_byte_) {
    // Longest first; among equal lengths the earlier token wins, as with aho-corasick.
    std::stable_sort(v.begin(), v.end(),
                     [&](size_t a, size_t b) { return patterns_[a].size() > patterns_[b].size(); });
  }
}

std::vector<AddedSplit> AddedTokenMatcher::split(std::string_view text, bool parse_special) const {
  std::vector<AddedSplit> out;
  if (text.empty() || patterns_.empty()) {
    out.push_back({0, text.size(), -1});
    return out;
  }
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    // Leftmost-longest: the first position where any pattern matches, longest pattern there.
    const auto& cands = by_first_byte_[static_cast<uint8_t>(text[pos])];
    size_t hit = patterns_.size();
    for (const size_t c : cands) {
      if (text.compare(pos, patterns_[c].size(), patterns_[c]) == 0) {
        hit = c;
        break;
      }
    }
    if (hit == patterns_.size()) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + patterns_[hit].size();
    pos = stop;  // the search resumes after the raw match whatever happens to it below
    const AddedToken& tok = *tokens_[hit];
    if (!parse_special && tok.special) continue;
    if (tok.single_word) {
      const bool start_space = start == 0 || !is_word_char(last_char(text.substr(0, start)));
      const bool stop_space =
          stop == text.size() || !is_word_char(utf8_decode_valid(text, stop, nullptr));
      if (!start_space || !stop_space) continue;
    }
    if (tok.lstrip) start = std::max(space_leftmost_at_end(text.substr(0, start)), start_offset);
    if (tok.rstrip) stop += space_rightmost_at_start(text.substr(stop));
    if (start_offset < start) out.push_back({start_offset, start, -1});
    out.push_back({start, stop, tok.id});
    start_offset = stop;
  }
  if (start_offset != text.size()) out.push_back({start_offset, text.size(), -1});
  return out;
}

}  // namespace dailydrug::llm::tok
