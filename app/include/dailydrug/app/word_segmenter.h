// Word segmentation for the dosage lexer: splitting a word with no spaces into the keywords of
// dosage_lexicon.h ("아침저녁식후" → 아침 저녁 식후, "식후에" → 식후 에, "세번" → 세 번 = 3
// times), and finding the unit word after a number ("1정씩" → 정 + 씩, "5일분복용" → 일분 +
// 복용). A word segments only if *all* of it is keywords, so drug names ("가바펜틴",
// "후시딘연고") never split.
// Pure functions; thread-safe. Words longer than 64 bytes are not segmented (linear time).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

/// One keyword inside a segmented word.
struct Segment {
  size_t begin = 0;  // byte offsets in the segmented text
  size_t end = 0;
  DosageToken proto;  // kind and value; the caller sets the span
};

/// The token a keyword entry stands for (kind, value, timing/slot, flags).
DosageToken token_from_entry(const KeywordEntry& entry);

/// A Korean numeral with a count or dose unit at the start of `text`: "세번" (3 times),
/// "한알" (1 tablet), "반포" (half a packet), "한달" (1 month). Returns its length and token.
std::optional<std::pair<size_t, DosageToken>> match_numeral(std::string_view text);

/// Splits `text` (lower-case, no spaces) entirely into keywords, preferring the longest keyword
/// at each position; nullopt if some part is not a keyword or `text` is longer than 64 bytes.
std::optional<std::vector<Segment>> segment_words(std::string_view text);

/// The longest unit word at the start of `word` whose remainder is keywords.
struct UnitMatch {
  const UnitEntry* unit = nullptr;
  std::vector<Segment> rest;  // offsets relative to the end of the unit
};
std::optional<UnitMatch> match_unit(std::string_view word);

}  // namespace dailydrug::app
