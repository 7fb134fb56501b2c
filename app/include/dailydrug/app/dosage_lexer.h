// lex_dosage_line: one normalised prescription line → DosageTokens.
//
// How a line is cut:
//  - Chunks are split at spaces and at separator characters (, ; · ( ) [ ] | ※ …). A chunk that is
//    a clock time (08:00), a date (2024-05-02, 2024.05.02), a phone number (02-555-1234), a
//    dotted abbreviation (b.i.d., p.c.), "q8h" or "#20" becomes one token.
//  - Other chunks split into pieces at digit boundaries: "1일3회" → "1일" "3회",
//    "타이레놀정500mg" → "타이레놀정" "500mg". A number piece takes the longest unit word of
//    dosage_lexicon.h whose remainder is itself made of keywords ("1정씩", "30분에", "5일분복용");
//    a number followed by a unit in the next chunk merges ("5 ml", "7 days").
//  - Word pieces are segmented into keywords when they consist of nothing else
//    ("아침저녁식후" → 아침 저녁 식후; "식후에" → 식후 에), including Korean numerals with a unit
//    ("세번", "한알씩"). A word that fails is tried joined with its neighbours, which undoes OCR
//    spacing ("식 후", "자기 전", "세 번", "필요 시"); otherwise it is a kWord.
//  - Finally: "1." at the start is an ordinal, "250mg/5ml" one strength, "3월 15일" a date,
//    "오후 8시" 20:00, and a word before ':' a label.
// Pure function; thread-safe. Linear in the line length (words over 64 bytes are not segmented).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

std::vector<DosageToken> lex_dosage_line(std::string_view line);

/// Debug form "kind:text kind:text …" (tests and the scan --explain output).
std::string describe_tokens(std::string_view line, const std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app
